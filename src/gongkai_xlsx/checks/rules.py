"""The 勾稽关系 evaluated on a return's values.

Balance rules (B1) are errors pointed at their ``at`` row in each column. The total rules
(B2, B3, C1) define the computed cells, which the library recomputes; on a template return
they are checked against what the file shows (:func:`gongkai_xlsx.checks.cells.stale_totals`).
"""

from __future__ import annotations

from gongkai_xlsx.catalogue import Code
from gongkai_xlsx.definition.evaluate import Values, blank_sum
from gongkai_xlsx.definition.model import Form, Rule
from gongkai_xlsx.findings import Finding


def balance(
    form: Form,
    rule: Rule,
    values: Values,
    position: dict[str, tuple[str, str]],
    unreadable: frozenset[str] = frozenset(),
) -> list[Finding]:
    """B1 per column. A column holding a value that could not be read is skipped: its sum
    is unknown, and the value's own error already points at the cell to fix."""
    table = form.table(rule.table)
    findings: list[Finding] = []
    for column in table.blocks[0].column_leaves():
        if column.total:
            # A computed column's difference is the sum of the others': reporting it too
            # would repeat every error at a cell the clerk cannot change.
            continue
        col_key = ".".join(column.key_path())
        if any(c.endswith(f".{col_key}") and c.startswith(f"{table.key}.") for c in unreadable):
            continue

        def side(rows: tuple[str, ...], col_key: str = col_key) -> int:
            return blank_sum([values[f"{table.key}.{row}.{col_key}"] for row in rows]) or 0

        diff = side(rule.left) - side(rule.right)
        if diff != 0:
            at = form.cell(f"{table.key}.{rule.at}.{col_key}")
            sheet, ref = position[at.id]
            findings.append(
                Finding(
                    Code.BALANCE,
                    sheet=sheet,
                    cell=ref,
                    row_label=at.row_label,
                    column_label=at.column_label,
                    expected=0,
                    actual=diff,
                    rule=rule.id,
                    text=rule.text,
                )
            )
    return findings


def evaluate_rules(
    form: Form,
    values: Values,
    position: dict[str, tuple[str, str]],
    unreadable: frozenset[str] = frozenset(),
) -> list[Finding]:
    findings: list[Finding] = []
    for rule in form.rules:
        if rule.kind == "balance":
            findings += balance(form, rule, values, position, unreadable)
    return findings
