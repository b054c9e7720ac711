"""Value checks: every input cell parsed by its kind; every stored total compared with the
total recomputed from the inputs (totals are never taken from the file)."""

from __future__ import annotations

from decimal import Decimal

from gongkai_xlsx.catalogue import Code
from gongkai_xlsx.cellref import a1_sort_key
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


def stale_totals(
    ret: RawReturn,
    values: Values,
    skip: frozenset[str] = frozenset(),
    shown_by_excel: Values | None = None,
) -> list[Finding]:
    """A stored total that differs from the recomputed one: saved without recalculation, or
    typed over in an unprotected copy. A missing cached result (a program wrote the file)
    is not a finding, nor are the ``skip`` cells, which other findings already explain, nor
    a total equal to ``shown_by_excel`` (what SUM shows when it ignores numbers typed as
    text; the number-as-text warning explains that difference)."""
    assert ret.form is not None
    findings: list[Finding] = []
    for cell in ret.form.computed_cells():
        sheet, ref, raw = ret.cell_value(cell.id)
        if cell.id in skip or raw is None or (isinstance(raw, str) and not raw.strip()):
            continue
        recomputed = values[cell.id] or 0
        stored = _as_number(raw)
        if stored is not None and stored == recomputed:
            continue
        if stored is not None and shown_by_excel and stored == (shown_by_excel[cell.id] or 0):
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


MAX_STRAY = 10


def stray_numbers(ret: RawReturn) -> list[Finding]:
    """Numbers typed where the form has no cell (e.g. in a row added to an unprotected
    copy): they are not read, and the coordinator should know they exist."""
    assert ret.form is not None and ret.workbook is not None and ret.cell_map is not None
    located = set(ret.cell_map.cells.values())
    findings: list[Finding] = []
    for table in ret.form.tables:
        formulas = ret.workbook.formulas.get(table.sheet, {})
        for ref, value in ret.workbook.values.get(table.sheet, {}).items():
            if isinstance(value, bool):
                continue
            if isinstance(value, str):
                parsed = parse_number(value, ret.form.kinds["count"])
                if parsed.code is not Code.NUMBER_AS_TEXT:
                    continue
            elif not isinstance(value, int | float):
                continue
            if (table.sheet, ref) in located or ref in formulas:
                continue
            findings.append(Finding(Code.STRAY_NUMBER, sheet=table.sheet, cell=ref, actual=value))
    findings.sort(key=lambda f: (f.sheet or "", a1_sort_key(f.cell or "")))
    if len(findings) > MAX_STRAY:
        return [*findings[:MAX_STRAY], Finding(Code.STRAY_MORE, actual=len(findings) - MAX_STRAY)]
    return findings


def removed_formulas(ret: RawReturn, values: Values) -> list[Finding]:
    """Totals whose formula was replaced by a number (typed over in an unprotected copy).
    Not said of copies that lost the template's properties: re-typed copies have none."""
    assert ret.form is not None and ret.workbook is not None
    if not ret.identified_by_properties:
        return []
    findings: list[Finding] = []
    for cell in ret.form.computed_cells():
        sheet, ref, raw = ret.cell_value(cell.id)
        scanned = ret.workbook.formulas.get(sheet)
        if raw is None or scanned is None or ref in scanned:
            continue
        rule = total_rule(ret.form, cell)
        findings.append(
            cell_finding(
                Code.FORMULA_REMOVED,
                cell,
                sheet,
                ref,
                actual=raw,
                expected=values[cell.id] or 0,
                rule=rule.id if rule else None,
                text=rule.text if rule else None,
            )
        )
    return findings
