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
from typing import Any, Generic, Protocol, TypeVar

from gongkai_xlsx.catalogue import Code, Severity
from gongkai_xlsx.cellref import a1_sort_key, compress

MAX_SHOWN = 60  # characters of what was typed that a message quotes
GROUP_THRESHOLD = 5  # a hint over more cells than this of one return is shown as one line


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
        return self._render(self.where)

    @property
    def code_name(self) -> str:
        return self.code.code

    @property
    def what(self) -> str:
        """The message without its place (``表中显示 7，…``): what a group of cells shares."""
        if not self.code.template.startswith("{where}："):
            return self.message
        return self._render("")[1:]

    def _render(self, where: str) -> str:
        return self.code.template.format(
            where=where,
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


class Placed(Protocol):
    """What :func:`group_repeated` groups: a finding, or a marked copy's mark."""

    @property
    def code_name(self) -> str: ...
    @property
    def sheet(self) -> str | None: ...
    @property
    def cell(self) -> str | None: ...
    @property
    def is_error(self) -> bool: ...
    @property
    def what(self) -> str: ...


P = TypeVar("P", bound=Placed)


@dataclass(frozen=True)
class FindingGroup(Generic[P]):
    """One hint repeated over many cells of one return (“/” in every empty cell), shown as
    one line naming the cells as ranges. ``items`` keeps every cell's finding, in order."""

    items: tuple[P, ...]

    @property
    def code_name(self) -> str:
        return self.items[0].code_name

    @property
    def is_error(self) -> bool:
        return False  # only hints are grouped: every error is fixed cell by cell

    @property
    def severity(self) -> Severity:
        return Severity.WARNING

    @property
    def ranges(self) -> tuple[str, ...]:
        """``依申请公开!D6:J9``, … : each sheet's cells as few ranges, sheets in order."""
        by_sheet: dict[str, list[str]] = {}
        for item in self.items:
            assert item.sheet is not None and item.cell is not None
            by_sheet.setdefault(item.sheet, []).append(item.cell)
        return tuple(f"{sheet}!{r}" for sheet, cells in by_sheet.items() for r in compress(cells))

    @property
    def where(self) -> str:
        return "、".join(self.ranges)

    @property
    def summary(self) -> str:
        """The line without its place: ``共 20 个单元格：“/”按空白…``."""
        whats = [item.what for item in self.items]
        what = whats[0]
        if any(w != what for w in whats):
            what += f"（其余 {len(whats) - 1} 个单元格同类）"
        return f"共 {len(self.items)} 个单元格：{what}"

    @property
    def message(self) -> str:
        return f"{self.where}：{self.summary}"


def group_repeated(
    items: Sequence[P], threshold: int = GROUP_THRESHOLD
) -> list[P | FindingGroup[P]]:
    """One return's findings (or marks) for a person to read: a hint of one code on more
    than ``threshold`` cells becomes one :class:`FindingGroup`, at the place of its first
    cell; errors, findings without a cell and rarer hints stay one line each. report.json
    and the cell comments keep every cell: this is for the lists people read (terminal,
    report.html, the 校验结果 sheet)."""
    out: list[P | FindingGroup[P]] = []
    members: dict[str, list[P]] = {}
    at: dict[str, list[int]] = {}  # where each groupable code's items are in ``out``
    for item in items:  # one pass; a group then takes the place of its code's items
        if not item.is_error and item.sheet is not None and item.cell is not None:  # groupable
            code = item.code_name
            if code in members:
                members[code].append(item)
                at[code].append(len(out))
            else:
                members[code] = [item]
                at[code] = [len(out)]
        out.append(item)
    drop: set[int] = set()
    for code, found in members.items():
        if len(found) > threshold:
            group, first = FindingGroup(tuple(found)), found[0]
            for index in at[code]:
                if out[index] is first:
                    out[index] = group
                else:
                    drop.add(index)
    return [line for index, line in enumerate(out) if index not in drop] if drop else out
