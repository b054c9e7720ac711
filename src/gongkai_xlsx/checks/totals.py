"""Totals: never taken from the file, always recomputed from the inputs.

What the file shows for a total is still judged, because it is the number a person sees:
a total typed over with a number other than the sum of its items is an error (the
agency's file shows a number that will not be published); typed over with the very sum, a
hint (it no longer follows its items); a formula whose saved result differs (saved without
recalculating), a hint that says to press F9."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import Decimal

from gongkai_xlsx.catalogue import Code
from gongkai_xlsx.definition.evaluate import Number, Values, with_totals
from gongkai_xlsx.definition.model import CellDef, Form, Rule
from gongkai_xlsx.findings import Finding
from gongkai_xlsx.reader.model import Return

CODES = (Code.TOTAL_MISMATCH, Code.FORMULA_REMOVED, Code.TOTAL_TYPED_OVER)


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
    typed: set[str] = set()
    for cell in form.computed_cells():
        read = ret.cells[cell.id]
        raw = read.value
        if not read.sure or read.formula is not None or raw is None:
            continue
        if isinstance(raw, str) and not raw.strip():
            continue
        typed.add(cell.id)
        recomputed = values[cell.id] or 0
        stored = _as_number(raw)
        same = stored is not None and stored == recomputed
        if same and ret.identified_by != "properties":
            continue  # re-typed copies have no formulas to lose
        rule = total_rule(form, cell)
        yield Finding(
            Code.FORMULA_REMOVED if same else Code.TOTAL_TYPED_OVER,
            cell_id=cell.id,
            actual=raw,
            expected=recomputed,
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
        if cell.id in typed or not read.sure or raw is None:
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
