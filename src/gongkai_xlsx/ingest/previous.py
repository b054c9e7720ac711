"""``ingest --previous``: each passing return against last year's document of its agency.

Runs in the parent process as each return's result arrives: its canonical bytes are
parsed (amounts as exact decimals), matched with last year's compact map
(:mod:`gongkai_xlsx.previous`, read once before the pool starts) and checked by
:mod:`gongkai_xlsx.checks.cross_year`; the warnings join the return's findings before
anything is written, and nothing of the document is kept. A return with errors has no
canonical document and is not compared (it is going back to the agency anyway).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field

from gongkai_xlsx.cellref import to_a1
from gongkai_xlsx.checks import cross_year
from gongkai_xlsx.checks.run import Outcome
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


@dataclass
class Comparison:
    """The comparison of one run: last year's documents and what became of each return."""

    previous: Previous
    folder: str  # as report.json names it
    matched: int = 0
    not_compared: int = 0  # last year's document found but not usable: each has its warning
    unmatched: list[str] = field(default_factory=list)  # agencies without last year's

    @classmethod
    def of(cls, previous: Previous) -> Comparison:
        return cls(previous, _relative(previous.path))

    def compare(self, outcome: Outcome, canonical: bytes, places: Places) -> None:
        """Add the cross-year warnings of one passing return to its findings."""
        document = read_own(canonical)
        form = document.form
        last, finding = match(self.previous, document.agency, document.year, form)
        if finding is not None:
            self.not_compared += 1
            outcome.findings.append(finding)
        elif last is None:
            self.unmatched.append(document.agency)
        else:
            self.matched += 1
            found = cross_year.check(form, document, last.values(), last.display)
            outcome.findings += [placed(form, f, places) for f in found]

    def result(self) -> YearComparison:
        """What the batch report keeps of the comparison (report.json's ``previous``)."""
        return YearComparison(
            folder=self.folder,
            documents=self.previous.documents,
            matched=self.matched,
            not_compared=self.not_compared,
            unmatched=tuple(sorted(self.unmatched)),
            not_used=tuple(NotUsed(s.display, s.reason) for s in self.previous.skipped),
        )
