"""The definition's arithmetic applied to values: totals and rule sides.

A blank (None) is "not stated", which is not 0: a total whose parts are all blank is blank;
otherwise blanks count as 0 (``shared/format/README.md``, "Blank cells").
"""

from __future__ import annotations

from decimal import Decimal

from gongkai_xlsx.definition.model import Form

Number = int | Decimal
Values = dict[str, Number | None]


def blank_sum(values: list[Number | None]) -> Number | None:
    present = [v for v in values if v is not None]
    return sum(present, start=0) if present else None


def with_totals(form: Form, inputs: Values) -> Values:
    """Every cell of the form: the inputs as given, each computed cell summed from its parts."""
    result: Values = {c.id: inputs.get(c.id) for c in form.input_cells()}

    def value(cell_id: str) -> Number | None:
        if cell_id not in result:
            cell = form.cell(cell_id)
            result[cell_id] = blank_sum([value(p) for p in cell.parts])
        return result[cell_id]

    for cell in form.computed_cells():
        value(cell.id)
    return {c.id: result[c.id] for c in form.cells}
