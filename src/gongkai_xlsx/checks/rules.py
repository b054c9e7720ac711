"""The 勾稽关系 evaluated on a return's values.

Balance rules (B1) are errors pointed at their ``at`` row in each column, concerning every
cell of both sums (a typo may be in any of them). The total rules
(B2, B3, C1) define the computed cells, which are recomputed; what the file shows is
compared with them in :mod:`gongkai_xlsx.checks.totals`.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

from gongkai_xlsx.catalogue import Code
from gongkai_xlsx.definition.evaluate import Values, blank_sum
from gongkai_xlsx.definition.model import Form, Node, Rule
from gongkai_xlsx.findings import Finding

CODES = (Code.BALANCE,)


def balance(
    form: Form, rule: Rule, values: Values, unreadable: frozenset[str] | set[str] = frozenset()
) -> Iterator[Finding]:
    """B1 per column. A column holding a value that could not be read is skipped: its sum
    is unknown, and the value's own error already points at the cell to fix. The computed
    总计 column is not reported: its difference is the sum of the others'."""
    for column in form.balance_columns(rule):
        if column.column.total:
            continue
        if unreadable and not _column_inputs(form, rule.table, column.column).isdisjoint(
            unreadable
        ):
            continue
        left = blank_sum([values[i] for i in column.left]) or 0
        right = blank_sum([values[i] for i in column.right]) or 0
        if left != right:
            larger = "前者" if left > right else "后者"
            yield Finding(
                Code.BALANCE,
                cell_id=column.at,
                cells=tuple(i for i in (*column.left, *column.right) if i != column.at),
                expected=right,
                actual=left,
                rule=rule.id,
                text=rule.text,
                detail=f"{rule.left_text}为 {left}，{rule.right_text}为 {right}，"
                f"{larger}多 {abs(left - right)}",
            )


@lru_cache(maxsize=256)  # a form's few balance columns, worked out once per process
def _column_inputs(form: Form, table: str, column: Node) -> frozenset[str]:
    """The input cells of one column of a table."""
    return frozenset(c.id for c in form.cells_of(table) if c.column is column and not c.computed)


def check(form: Form, values: Values, unreadable: frozenset[str]) -> Iterator[Finding]:
    """Every balance rule of ``form`` on ``values`` (every cell, totals recomputed)."""
    for rule in form.rules:
        if rule.kind == "balance":
            yield from balance(form, rule, values, unreadable)
