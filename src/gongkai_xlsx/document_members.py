"""Members of a summary: who was counted, from which file, with which numbers.

A member is one agency's return for one year, identified by (:func:`agency_key`, year).
It carries its own numbers, so that a summary of summaries is summed from the members
themselves, never from the summaries' sums: whatever the levels (county → city →
province), each member is counted once, and a member given twice is recognised by its
source file's SHA-256. Below the stages, so that the aggregator and the previous year
count documents in one way.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from gongkai_xlsx.agency import agency_key
from gongkai_xlsx.canonical import Document, Value, read_back
from gongkai_xlsx.canonical import Member as Listed
from gongkai_xlsx.definition.evaluate import Number, Values, with_totals
from gongkai_xlsx.definition.model import Form

RETURN, SUMMARY = "return", "summary"


@dataclass(frozen=True, slots=True)
class Member(Listed):
    """One counted document: a summary's member (:class:`gongkai_xlsx.canonical.Member`,
    the shape its document lists) and where it was found. ``values`` holds the input cells
    that hold a number (a blank is absent); totals are always recomputed. ``kind`` is
    ``return``, or ``summary`` for a summary whose own members are not known (the numbers
    of a whole county)."""

    origin: str = field(default="", compare=False)  # the input it was read from
    via_summary: bool = field(default=False, compare=False)

    @property
    def key(self) -> tuple[str, int]:
        return agency_key(self.agency), self.year

    @property
    def numbers(self) -> tuple[str, int, str, dict[str, Number]]:
        """What one file must give wherever it is read: the same file saved under two
        names (``报表.xlsx`` and ``报表(1).xlsx``) is still one member."""
        return self.agency, self.year, self.kind, dict(self.values)

    @property
    def where(self) -> str:
        """Where this member was found, for messages: the input file and the source."""
        if self.via_summary:
            return f"{self.origin} 所汇总的 {self.source_file}"
        if not self.origin or self.origin.endswith(self.source_file):
            return self.origin or self.source_file
        return f"{self.origin}（{self.source_file}）"

    def cells(self, form: Form) -> Values:
        """Every cell of this member, totals included (a row of 汇总明细)."""
        return with_totals(form, dict(self.values))


def return_member(form: Form, document: Document, origin: str) -> Member:
    """The member a return document stands for."""
    values = {}
    for cell in form.input_cells():
        value = document.values[cell.id]
        if value is not None:
            values[cell.id] = value
    return Member(
        agency=document.agency,
        year=document.year,
        kind=RETURN,
        source_file=document.source.file,
        sha256=document.source.sha256,
        values=values,
        origin=origin,
    )


def summary_members(document: Document, origin: str) -> list[Member]:
    """The members a summary document lists."""
    return [
        Member(
            agency=m.agency,
            year=m.year,
            kind=m.kind,
            source_file=m.source_file,
            sha256=m.sha256,
            values=m.values,
            origin=origin,
            via_summary=True,
        )
        for m in document.members or ()
    ]


def return_numbers(form: Form, document: Document) -> tuple[Value, ...]:
    """A return's input cells in the form's order (a blank: None), each as its canonical
    bytes give it back (:func:`gongkai_xlsx.canonical.read_back`): what a worker sends
    with the return, so that a run sums its totals without reading the documents again."""
    values = document.values
    return tuple(read_back(values[cell.id]) for cell in form.input_cells())


class Sums:
    """The input cells of members summed as the members come (``ingest --summary`` sums a
    member as its return is read, never holding them all): exact (ints and Decimals), a
    cell blank in every member stays blank, otherwise blanks count as 0."""

    def __init__(self) -> None:
        self._sums: dict[str, Number] = {}

    def add(self, member: Listed) -> None:
        sums = self._sums
        for cell_id, value in member.values.items():
            sums[cell_id] = sums.get(cell_id, 0) + value

    def inputs(self, form: Form) -> Values:
        """Every input cell of ``form``: its sum, or None where no member has a number."""
        return {c.id: self._sums.get(c.id) for c in form.input_cells()}


def sum_inputs(form: Form, members: Iterable[Listed]) -> Values:
    """The input cells summed over ``members`` (see :class:`Sums`)."""
    sums = Sums()
    for member in members:
        sums.add(member)
    return sums.inputs(form)


def sum_numbers(form: Form, rows: Iterable[Sequence[Value]]) -> Values:
    """The input cells summed over ``rows`` (each a member's input cells in the form's
    order, a blank None, as :func:`return_numbers` gives them), exactly as
    :func:`sum_inputs` sums members (0 + the first value, then each in turn): a run's
    totals, from the numbers its workers sent."""
    cells = form.input_cells()
    sums: list[Number | None] = [None] * len(cells)
    for row in rows:
        for k, value in enumerate(row):
            if value is not None:
                total = sums[k]
                sums[k] = (0 if total is None else total) + value
    return {cell.id: total for cell, total in zip(cells, sums, strict=True)}


def exact(value: Any) -> Any:
    """``value`` with every float made the Decimal it was written as (documents built in
    memory hold floats; JSON read with ``parse_float=Decimal`` holds Decimals already)."""
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, dict):
        return {k: exact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [exact(v) for v in value]
    return value
