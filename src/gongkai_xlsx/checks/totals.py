"""Totals: never taken from the file, always recomputed from the inputs; a stored total
that differs, or a total whose formula was replaced by a number, is a warning."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import Decimal

from gongkai_xlsx.catalogue import Code
from gongkai_xlsx.definition.evaluate import Number, Values, with_totals
from gongkai_xlsx.definition.model import CellDef, Form, Rule
from gongkai_xlsx.findings import Finding
from gongkai_xlsx.reader.model import Return

CODES = (Code.TOTAL_MISMATCH, Code.FORMULA_REMOVED)


def total_rule(form: Form, cell: CellDef) -> Rule | None:
    """The rule (B2, B3, C1…) that defines a computed cell."""
    kind = "row_total" if cell.column.total else "column_total"
    return next((r for r in form.rules if r.table == cell.table and r.kind == kind), None)


def _as_number(raw: object) -> Decimal | None:
    if isinstance(raw, bool) or not isinstance(raw, float | int):
        return None
    if isinstance(raw, float):
        return Decimal(int(raw)) if raw.is_integer() and abs(raw) < 1e16 else Decimal(repr(raw))
    return Decimal(raw)


def check(
    ret: Return,
    form: Form,
    inputs: Mapping[str, Number | None],
    as_text: frozenset[str],
    values: Values,
) -> Iterator[Finding]:
    """The computed cells of ``ret`` against ``values`` (every cell, the totals recomputed
    from ``inputs``); ``as_text``: the inputs typed as text numbers, which Excel's SUM
    skips."""
    removed: set[str] = set()
    if ret.identified_by == "properties":  # re-typed copies have no formulas to lose
        for cell in form.computed_cells():
            read = ret.cells[cell.id]
            if read.sure and read.formula is None and read.value is not None:
                removed.add(cell.id)
                rule = total_rule(form, cell)
                yield Finding(
                    Code.FORMULA_REMOVED,
                    cell_id=cell.id,
                    actual=read.value,
                    expected=values[cell.id] or 0,
                    rule=rule.id if rule else None,
                    text=rule.text if rule else None,
                )
    # Excel's SUM ignores a number typed as text: a total showing exactly that is explained
    # by the number-as-text warning, any other difference is still a total-mismatch.
    shown_by_excel = (
        with_totals(form, {k: (None if k in as_text else v) for k, v in inputs.items()})
        if as_text
        else None
    )
    for cell in form.computed_cells():
        read = ret.cells[cell.id]
        raw = read.value
        if cell.id in removed or not read.sure or raw is None:
            continue
        if isinstance(raw, str) and not raw.strip():
            continue
        recomputed = values[cell.id] or 0
        stored = _as_number(raw)
        if stored is not None and stored == recomputed:
            continue
        if stored is not None and shown_by_excel and stored == (shown_by_excel[cell.id] or 0):
            continue
        rule = total_rule(form, cell)
        yield Finding(
            Code.TOTAL_MISMATCH,
            cell_id=cell.id,
            actual=raw if stored is None else stored,
            expected=recomputed,
            rule=rule.id if rule else None,
            text=rule.text if rule else None,
        )
