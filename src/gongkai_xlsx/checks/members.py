"""A summary workbook's numbers against its members: every input cell of the tables must
be the sum of that cell over the members listed in 汇总明细 (blank where every member is
blank), so that a number typed over the locked sums, or a table copied from another
summary, is caught even when the members themselves are intact."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from gongkai_xlsx.canonical import Member
from gongkai_xlsx.catalogue import Code
from gongkai_xlsx.definition.evaluate import Number
from gongkai_xlsx.definition.model import Form
from gongkai_xlsx.findings import Finding

CODES = (Code.MEMBERS_SUM,)


def check(
    form: Form,
    members: Sequence[Member] | None,
    inputs: Mapping[str, Number | None],
    unreadable: frozenset[str],
) -> Iterator[Finding]:
    """A summary's ``inputs`` against the sums of its ``members`` (None: not a summary)."""
    if members is None:
        return
    sums: dict[str, Number] = {}
    for member in members:
        for cell_id, value in member.values.items():
            sums[cell_id] = sums.get(cell_id, 0) + value
    for cell in form.input_cells():
        if cell.id in unreadable:  # its own finding says why
            continue
        shown, expected = inputs.get(cell.id), sums.get(cell.id)
        if shown != expected:
            yield Finding(Code.MEMBERS_SUM, cell_id=cell.id, actual=shown, expected=expected)
