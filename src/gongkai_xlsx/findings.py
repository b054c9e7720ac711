"""Findings: what the reader or a check says about one place of one return, as plain
data. Shared by every stage (like the catalogue), so it depends on none of them.

A finding about a cell of the form carries its identifier (``cell_id``, e.g.
``b.received.natural_person``) or the cover field's key (``field``); the sheet, the A1
reference and the labels are filled in from it in one place,
:meth:`gongkai_xlsx.reader.model.Return.place`, so that no check needs to know where a
cell sits or how it is labelled.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from gongkai_xlsx.catalogue import Code, Severity
from gongkai_xlsx.cellref import a1_sort_key

MAX_SHOWN = 60  # characters of what was typed that a message quotes


@dataclass(frozen=True)
class Finding:
    code: Code
    sheet: str | None = None
    cell: str | None = None  # A1 reference
    row_label: str | None = None
    column_label: str | None = None
    expected: Any = None
    actual: Any = None
    rule: str | None = None
    text: str | None = None
    detail: str | None = None
    cell_id: str | None = None
    field: str | None = None
    # The other cells of the form the finding is about (identifiers), e.g. every cell of a
    # B1 column's two sums: a marked copy marks them with it, so the clerk sees them all.
    cells: tuple[str, ...] = ()

    @property
    def severity(self) -> Severity:
        return self.code.severity

    @property
    def is_error(self) -> bool:
        return self.code.severity is Severity.ERROR

    @property
    def where(self) -> str:
        """``依申请公开!D30（四、结转下年度继续办理 · 自然人）`` or as much of it as is known."""
        return place_text(self.sheet, self.cell, self.row_label, self.column_label)

    @property
    def message(self) -> str:
        return self.code.template.format(
            where=self.where,
            expected=_show(self.expected),
            actual=_show(self.actual),
            rule=self.rule or "",
            text=self.text or "",
            detail=self.detail or "",
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code.code,
            "severity": self.severity.value,
            "sheet": self.sheet,
            "cell": self.cell,
            "cell_id": self.cell_id,
            "row_label": self.row_label,
            "column_label": self.column_label,
            "expected": _jsonable(self.expected),
            "actual": _jsonable(self.actual),
            "rule": self.rule,
            "message": self.message,
            "title_en": self.code.title_en,
        }


def place_text(
    sheet: str | None, cell: str | None, row_label: str | None, column_label: str | None
) -> str:
    """Where a finding is, as every output writes it (a row of report.json has the four
    parts, report.html shows them joined): ``sheet!cell（row · column）``."""
    place = f"{sheet}!{cell}" if sheet and cell else sheet or ""
    label = " · ".join(p for p in (row_label, column_label) if p)
    return f"{place}（{label}）" if label and place else place or label


def excerpt(text: str, limit: int = MAX_SHOWN) -> str:
    """What a person typed, as a message may quote it: at most ``limit`` characters."""
    return text if len(text) <= limit else text[:limit] + f"…（共 {len(text)} 个字符）"


def _show(value: Any) -> str:
    if value is None:
        return "空白"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    return excerpt(str(value))


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, str):
        return excerpt(value)
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return excerpt(str(value))


def sort_key(f: Finding) -> tuple[int, str, tuple[int, int], str]:
    """Errors first, then by sheet and cell in reading order."""
    return (
        0 if f.is_error else 1,
        f.sheet or "",
        a1_sort_key(f.cell) if f.cell else (0, 0),
        f.code.code,
    )


class HasFindings:
    """What holds a list of findings (a return's outcome, a summary) and is judged by it."""

    findings: Sequence[Finding]

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.is_error]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if not f.is_error]
