"""What a rendered report writes for a document: each cell's text, and the report's title.

Numbers are written the way a person writes them in a published table: a blank cell stays
blank (blank is "not stated", not 0), 0 is written 0, a count as a whole number, and the fee
in 万元 exactly as the document holds it (250.83 — never 250.8300, 2.5083E2 or 250.83000000001).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from gongkai_xlsx.completeness import AGENCY_STATUS_LABELS, Completeness
from gongkai_xlsx.definition.model import CellDef, Form

SUMMARY_SUFFIX = "汇总"


def format_number(value: int | float | Decimal | None) -> str:
    """A document's number as written in a table: '' for blank, no exponent, no padding.

    A float goes through its shortest repr (what RFC 8785 wrote into the document), so 250.83
    stays 250.83; a Decimal drops trailing zeros (a sum of 0.10 and 0.20 is 0.3).
    """
    if value is None:
        return ""
    if isinstance(value, bool):  # bool is an int subclass; never a valid cell value
        raise TypeError(f"not a number: {value!r}")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        value = Decimal(repr(value))
    if not isinstance(value, Decimal) or not value.is_finite():
        raise TypeError(f"not a number: {value!r}")
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "0") else text


def cell_text(document: dict[str, Any], cell: CellDef) -> str:
    """The text of ``cell`` in ``document``."""
    node: Any = document["tables"][cell.table]
    for key in cell.path:
        node = node[key]
    return format_number(node)


def is_summary(document: dict[str, Any]) -> bool:
    """A 汇总 of several returns (``"kind": "summary"``); a document without ``kind`` is a return."""
    kind: object = document.get("kind", "return")
    return kind == "summary"


def report_title(form: Form, document: dict[str, Any]) -> str:
    """The report's title: the agency's, or for a summary its name's, with the year."""
    title = form.report.title_for(str(document["agency"]), int(document["year"]))
    return title + SUMMARY_SUFFIX if is_summary(document) else title


def member_count(document: dict[str, Any]) -> int | None:
    """How many returns a summary adds up (None for a return or when it does not say)."""
    members = document.get("members")
    return len(members) if is_summary(document) and isinstance(members, list) else None


INCOMPLETE = "本汇总尚不完整：未报送、待修改和无法读取的单位未计入。"
OFF_ROSTER = "不在名单中（另计）"


@dataclass(frozen=True)
class CompletenessView:
    """A summary's completeness as a report shows it: the counts line (the words every
    command uses, :class:`Completeness`), each status with its agencies (those off the
    roster last), and whether the summary is incomplete."""

    counts: str
    rows: tuple[tuple[str, tuple[str, ...]], ...]
    incomplete: bool


def completeness_view(document: dict[str, Any]) -> CompletenessView | None:
    """The completeness of a summary made against a roster; None for a return or a
    summary without one."""
    data = document.get("completeness") if is_summary(document) else None
    if not isinstance(data, dict):
        return None
    c = Completeness.from_json(data)
    rows = [(AGENCY_STATUS_LABELS[s], n) for s, n in c.by_status()]
    if c.extra:
        rows.append((OFF_ROSTER, c.extra))
    return CompletenessView(f"名单 {c.roster}：{c.lines[0]}。", tuple(rows), bool(c.pending))


def completeness_lines(document: dict[str, Any]) -> list[str]:
    """A summary's completeness against its roster, as the lines shown under its tables:
    the counts, then each status with its agencies and those off the roster; none for a
    return or a summary without one."""
    view = completeness_view(document)
    if view is None:
        return []
    lines = [view.counts]
    for label, names in view.rows:
        space = "" if label == OFF_ROSTER else " "
        lines.append(f"{label}{space}{len(names)} 个：{'、'.join(names)}。")
    if view.incomplete:
        lines.append(INCOMPLETE)
    return lines
