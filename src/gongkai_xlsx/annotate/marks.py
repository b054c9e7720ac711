"""What to mark: one :class:`Mark` per finding, and where the form puts the cover's
fields the results sheet refers to."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Literal

from gongkai_xlsx.cellref import to_a1
from gongkai_xlsx.definition.cover import STATUS_OK
from gongkai_xlsx.definition.layout import layout_of
from gongkai_xlsx.definition.model import Form
from gongkai_xlsx.findings import Finding

Level = Literal["error", "warning"]
LEVEL_WORDS: dict[str, str] = {"error": "错误", "warning": "提示"}


@dataclass(frozen=True)
class Mark:
    """One finding as the marking engine needs it.

    ``sheet``/``cell`` are None for findings about the whole file (they are listed in
    the results sheet and commented on the cover's agency field). ``also`` (the finding's
    ``cells``) are filled and commented too, placed by the form's layout
    (:attr:`CoverPlaces.cells`); the results sheet lists the mark once, at ``cell``.
    """

    severity: Level
    sheet: str | None
    cell: str | None
    message: str
    code: str
    also: tuple[str, ...] = ()  # other cells it concerns (form cell ids): marked with it
    what_text: str = ""  # the message without its place (for a line grouping many cells)

    @property
    def level(self) -> str:
        return LEVEL_WORDS[self.severity]

    @property
    def code_name(self) -> str:
        return self.code

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    @property
    def what(self) -> str:
        return self.what_text or self.message


def marks_from_findings(findings: Iterable[Finding]) -> list[Mark]:
    """Findings as marks, in the order given (the checks sort them: errors first)."""
    return [
        Mark(f.severity.value, f.sheet, f.cell, f.message, f.code.code, f.cells, f.what)
        for f in findings
    ]


@dataclass(frozen=True)
class CoverPlaces:
    """The cover as the definition lays it out: where file-level findings are commented
    (the 填报单位 field) and where the live check status is shown."""

    sheet: str
    anchor: str | None
    status: str | None
    status_label: str
    status_ok: str
    # Every cell of the form: id → (sheet, A1), where a mark's ``also`` cells are.
    cells: Mapping[str, tuple[str, str]] = field(default_factory=dict)


@cache
def cover_places(form: Form) -> CoverPlaces:
    """Where the marking writes on ``form``'s returns (cached as :func:`layout_of` is:
    forms are immutable and hashed by identity; every return of a run asks)."""
    layout = layout_of(form)
    cover = layout.sheet(form.cover.sheet)
    anchor = layout.field_positions.get("agency")
    status = next((b for b in cover.boxes if b.role == "status"), None)
    heading = next(
        (b for b in cover.boxes if status and b.role == "heading" and b.row == status.row - 1),
        None,
    )
    label = (heading.text or "").split("（")[0] if heading else ""
    return CoverPlaces(
        sheet=form.cover.sheet,
        anchor=to_a1(anchor[1], anchor[2]) if anchor else None,
        status=to_a1(status.row, status.col) if status else None,
        status_label=label,
        status_ok=STATUS_OK,
        cells={i: (sheet, to_a1(r, c)) for i, (sheet, r, c) in layout.cell_positions.items()},
    )
