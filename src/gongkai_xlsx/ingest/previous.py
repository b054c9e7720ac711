"""``ingest --previous``: each passing return against last year's document of its agency.

Runs in the parent process as each return's result arrives: its canonical bytes are
parsed (amounts as exact decimals), matched with last year's compact map
(:mod:`gongkai_xlsx.previous`, read once before the pool starts) and checked by
:mod:`gongkai_xlsx.checks.cross_year`, giving a frozen :class:`Compared` (the warnings,
which join the return's findings before anything is written, and what became of it, for
report.json); nothing of the document is kept. A return with errors has no canonical
document and is not compared (it is going back to the agency anyway).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from gongkai_xlsx.cellref import to_a1
from gongkai_xlsx.checks import cross_year
from gongkai_xlsx.definition.layout import layout_of
from gongkai_xlsx.definition.model import Form
from gongkai_xlsx.documents import read_own
from gongkai_xlsx.findings import Finding
from gongkai_xlsx.ingest.report import NotUsed, YearComparison, _relative
from gongkai_xlsx.previous import Previous, match

Places = Mapping[str, tuple[str, str]]  # cell id → (sheet, A1) where the return holds it


def placed(form: Form, finding: Finding, places: Places) -> Finding:
    """A finding about a cell, with its sheet, A1 reference and labels: where this return
    holds the cell (``places``: the cells the reader found away from the template's
    position), else where the template puts it."""
    assert finding.cell_id is not None
    cell = form.cell(finding.cell_id)
    if finding.cell_id in places:
        sheet, ref = places[finding.cell_id]
    else:
        sheet, row, col = layout_of(form).cell_positions[finding.cell_id]
        ref = to_a1(row, col)
    return dataclasses.replace(
        finding,
        sheet=sheet,
        cell=ref,
        row_label=cell.row_label or None,
        column_label=cell.column_label or None,
    )


@dataclass(frozen=True)
class Compared:
    """One passing return against last year's: the warnings it gets, and whether last
    year's document was ``matched``, found but ``not_compared`` (its warning says why) or
    missing (``unmatched``, a new agency: ``agency`` as the return writes it)."""

    findings: tuple[Finding, ...]
    result: Literal["matched", "not_compared", "unmatched"]
    agency: str


def compare(previous: Previous, canonical: bytes, places: Places) -> Compared:
    """The cross-year warnings of one passing return (its canonical bytes; ``places``:
    the cells the reader found away from the template's position)."""
    document = read_own(canonical)
    form = document.form
    last, finding = match(previous, document.agency, document.year, form)
    if finding is not None:
        return Compared((finding,), "not_compared", document.agency)
    if last is None:
        return Compared((), "unmatched", document.agency)
    found = cross_year.check(form, document, last.values(), last.display)
    return Compared(tuple(placed(form, f, places) for f in found), "matched", document.agency)


def previous_section(previous: Previous, compared: Iterable[Compared]) -> YearComparison:
    """The batch report's ``previous`` section (report.json's ``previous``): last year's
    folder, and what became of each passing return of the run (``compared``, read once:
    only the counts and the agencies without last year's are kept)."""
    counts = {"matched": 0, "not_compared": 0}
    unmatched = []
    for c in compared:
        if c.result == "unmatched":
            unmatched.append(c.agency)
        else:
            counts[c.result] += 1
    return YearComparison(
        folder=_relative(previous.path),
        documents=previous.documents,
        matched=counts["matched"],
        not_compared=counts["not_compared"],
        unmatched=tuple(sorted(unmatched)),
        not_used=tuple(NotUsed(s.display, s.reason) for s in previous.skipped),
    )
