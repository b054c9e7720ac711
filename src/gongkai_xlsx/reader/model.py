"""What the reader gives every later stage: a frozen :class:`Return`, keyed by cell
identifier, in the one shape whatever file it came from.

Values are what the cell shows, typed as the file stores them (a number as ``float``,
text as ``str``, ``True``/``False``, an error value as :class:`CellError`, nothing as
``None``); judging them (is "１２" a number, is 12.5 a count) is the checks' work. A cell
the reader could not read with certainty has ``value None`` and ``sure False``, and a
finding of the reader says why.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Literal

from gongkai_xlsx.canonical import Member
from gongkai_xlsx.definition.model import Form
from gongkai_xlsx.findings import Finding


@dataclass(frozen=True, slots=True)
class CellError:
    """An error value the cell shows, e.g. ``#N/A``."""

    code: str

    def __str__(self) -> str:
        return self.code


Value = float | str | bool | CellError | None


@dataclass(frozen=True, slots=True)
class Recalculated:
    """What the applications calculate for a cell's formula from the file's own cells
    (:mod:`gongkai_xlsx.reader.recalc`): a number (exact), a text or an error value.
    ``orphan``: a shared formula's child whose master is missing or comes after it,
    which LibreOffice shows empty and Gnumeric as an invalid expression (WITNESS.md I03,
    I05); ``value`` is then None. ``unknown``: a cell of a shared formula (its master or
    a child) that the reader cannot calculate; LibreOffice calculates every cell of a
    shared formula when it opens the file, the master too (fuzz corpus 67, 68: masters
    storing 8 and 6 shown as 0), so what it shows is not known; ``value`` is None."""

    value: Fraction | str | CellError | None
    orphan: bool = False
    unknown: bool = False


@dataclass(frozen=True, slots=True)
class CellRead:
    """One cell as the return holds it. ``formula`` is the formula text when the cell has
    one (a shared formula's child: its master's, shifted; ``=（共享公式）`` when it has no
    master); ``number_format`` the format code of its style (None when the style does not
    exist in the file). ``recalculated`` is set for an input's formula that the reader
    could calculate (or a child without its master), None otherwise."""

    sheet: str
    ref: str
    value: Value = None
    formula: str | None = None
    number_format: str | None = "General"
    sure: bool = True
    recalculated: Recalculated | None = None


@dataclass(frozen=True)
class Source:
    name: str  # the file name as shown to people
    sha256: str | None  # None when the file could not be read at all
    size: int


IdentifiedBy = Literal["properties", "sheets"]


@dataclass(frozen=True)
class Return:
    """A returned workbook, resolved. ``cells`` has every cell of the form (inputs and
    totals) once the form is located; ``fields`` the cover fields; ``outside`` the cells
    of the form's sheets that hold a number (or text with a digit) where the form has no
    cell, at most ``MAX_OUTSIDE`` of them, ``outside_count`` how many there were.
    ``members`` is set for a summary workbook whose 汇总明细 passed its checks (sorted as
    a summary lists them), None for any other workbook; ``completeness`` is such a
    summary's check against its roster (from 报送情况), None when it had no roster."""

    source: Source
    findings: tuple[Finding, ...] = ()
    form: Form | None = None
    identified_by: IdentifiedBy | None = None
    properties: Mapping[str, str] = field(default_factory=dict)
    application: str | None = None
    saved: str | None = None  # docProps/core.xml's modified time, as written
    cells: Mapping[str, CellRead] = field(default_factory=dict)
    fields: Mapping[str, CellRead] = field(default_factory=dict)
    outside: tuple[CellRead, ...] = ()
    outside_count: int = 0
    members: tuple[Member, ...] | None = None
    completeness: Mapping[str, object] | None = None
    # the sheet parts expat accepted, read as UTF-8: a marked copy of these very bytes
    # need not check them again (annotate_workbook's well_formed)
    well_formed: tuple[str, ...] = ()

    @property
    def located(self) -> bool:
        return bool(self.cells)

    def place(self, finding: Finding) -> Finding:
        """Fill a finding's sheet, cell and labels from its cell identifier or field."""
        form = self.form
        if form is None:
            return finding
        if finding.cell_id is not None and (finding.cell_id in self.cells or finding.cell):
            read = self.cells.get(finding.cell_id)
            cell = form.cell(finding.cell_id)
            return dataclasses.replace(
                finding,
                sheet=finding.sheet or (read.sheet if read else None),
                cell=finding.cell or (read.ref if read else None),
                row_label=finding.row_label or cell.row_label or None,
                column_label=finding.column_label or cell.column_label or None,
            )
        if finding.field is not None:
            label = next((f.label for f in form.cover.fields if f.key == finding.field), None)
            read = self.fields.get(finding.field)
            return dataclasses.replace(
                finding,
                sheet=finding.sheet or (read.sheet if read else form.cover.sheet),
                cell=finding.cell or (read.ref if read else None),
                row_label=finding.row_label or label,
            )
        return finding


MAX_OUTSIDE = 200
