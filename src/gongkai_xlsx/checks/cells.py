"""Value checks: every input cell parsed by its kind; every stored total compared with the
total recomputed from the inputs (totals are never taken from the file)."""

from __future__ import annotations

from decimal import Decimal

from gongkai_xlsx.catalogue import Code
from gongkai_xlsx.checks.values import parse_number
from gongkai_xlsx.definition.evaluate import Values
from gongkai_xlsx.definition.model import CellDef, Form, Rule
from gongkai_xlsx.findings import Finding
from gongkai_xlsx.reader import RawReturn


def cell_finding(code: Code, cell: CellDef, sheet: str, ref: str, **values: object) -> Finding:
    return Finding(
        code,
        sheet=sheet,
        cell=ref,
        row_label=cell.row_label,
        column_label=cell.column_label,
        **values,
    )  # type: ignore[arg-type]


def read_inputs(ret: RawReturn) -> tuple[Values, list[Finding]]:
    assert ret.form is not None
    values: Values = {}
    findings: list[Finding] = []
    anything_typed = False
    for cell in ret.form.input_cells():
        sheet, ref, raw = ret.cell_value(cell.id)
        formula = ret.workbook.formulas.get(sheet, {}).get(ref) if ret.workbook else None
        if formula is not None:
            anything_typed = True
            if raw is None:  # saved by a program that does not calculate: no result to read
                findings.append(
                    cell_finding(Code.FORMULA_NO_VALUE, cell, sheet, ref, actual=formula)
                )
                values[cell.id] = None
                continue
            findings.append(
                cell_finding(Code.FORMULA_INPUT, cell, sheet, ref, actual=formula, expected=raw)
            )
        anything_typed = anything_typed or not (raw is None or str(raw).strip() == "")
        parsed = parse_number(raw, cell.kind)
        values[cell.id] = parsed.value
        if parsed.code is not None:
            findings.append(
                cell_finding(
                    parsed.code, cell, sheet, ref, actual=parsed.shown, expected=parsed.expected
                )
            )
    if not anything_typed:
        findings.append(Finding(Code.NO_NUMBERS))
    return values, findings


def total_rule(form: Form, cell: CellDef) -> Rule | None:
    """The rule (B2, B3, C1…) that defines a computed cell."""
    kind = "row_total" if cell.column.total else "column_total"
    return next((r for r in form.rules if r.table == cell.table and r.kind == kind), None)


def _as_number(raw: object) -> Decimal | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int | float):
        return Decimal(repr(raw)) if isinstance(raw, float) else Decimal(raw)
    return None


def stale_totals(ret: RawReturn, values: Values) -> list[Finding]:
    """A stored total that differs from the recomputed one: saved without recalculation, or
    typed over in an unprotected copy. A missing cached result (a program wrote the file)
    is not a finding."""
    assert ret.form is not None
    findings: list[Finding] = []
    for cell in ret.form.computed_cells():
        sheet, ref, raw = ret.cell_value(cell.id)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            continue
        recomputed = values[cell.id] or 0
        stored = _as_number(raw)
        if stored is not None and stored == recomputed:
            continue
        rule = total_rule(ret.form, cell)
        findings.append(
            cell_finding(
                Code.TOTAL_MISMATCH,
                cell,
                sheet,
                ref,
                actual=raw if stored is None else stored,
                expected=recomputed,
                rule=rule.id if rule else None,
                text=rule.text if rule else None,
            )
        )
    return findings
