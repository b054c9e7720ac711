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
    input_ids, plan, order = form._memo(("totals-plan",), lambda: _plan(form))
    result: Values = {cell_id: inputs.get(cell_id) for cell_id in input_ids}
    for cell_id, parts in plan:  # each after its parts, each summed in its parts' order
        present = [v for v in map(result.__getitem__, parts) if v is not None]
        result[cell_id] = sum(present, start=0) if present else None
    return {cell_id: result[cell_id] for cell_id in order}


_Plan = tuple[tuple[str, ...], tuple[tuple[str, tuple[str, ...]], ...], tuple[str, ...]]


def _plan(form: Form) -> _Plan:
    """Once per form: the inputs, the computed cells each after its parts (with their
    parts), and every cell in the form's order."""
    done = {c.id for c in form.input_cells()}
    plan: list[tuple[str, tuple[str, ...]]] = []

    def visit(cell_id: str) -> None:
        if cell_id in done:
            return
        parts = tuple(form.cell(cell_id).parts)
        for part in parts:
            visit(part)
        done.add(cell_id)
        plan.append((cell_id, parts))

    for cell in form.computed_cells():
        visit(cell.id)
    return (
        tuple(c.id for c in form.input_cells()),
        tuple(plan),
        tuple(c.id for c in form.cells),
    )
