"""The 跨年度 rules (``[[cross_year]]`` of the definition): one agency's document of this
year against its document of last year, both of the same format.

A pure function of the two years' numbers: this year's canonical document, and last
year's input cells as ``{cell id: number or None}`` (what :mod:`gongkai_xlsx.previous`
keeps of each of last year's documents). It yields warnings only, never errors (last
year's report may be the wrong one), each pointed at this year's cell by its identifier
(the caller places it in the workbook) and naming both years' numbers, last year's file
and last year's cell. Blanks count as 0, as in every rule of the form.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import Decimal

from gongkai_xlsx.canonical import Document
from gongkai_xlsx.catalogue import Code
from gongkai_xlsx.definition.evaluate import Number
from gongkai_xlsx.definition.model import CrossYearRule, Form
from gongkai_xlsx.findings import Finding

CODES = (Code.PREVIOUS_CARRY, Code.PREVIOUS_STOCK, Code.PREVIOUS_JUMP)

Previous = Mapping[str, Number | None]


def number_text(value: Number | None) -> str:
    return "空白" if value is None else str(value)


def _ratio_text(value: Decimal) -> str:
    """A ratio as a person reads it: 10, 12.5 (one decimal, no trailing zero)."""
    return format(value.quantize(Decimal("0.1")).normalize(), "f")


class _Years:
    """The two years' numbers of one agency, read the same way (amounts as Decimals)."""

    def __init__(self, form: Form, document: Document, previous: Previous, source: str):
        self.form, self.document, self.previous, self.source = form, document, previous, source

    def this(self, cell_id: str) -> Number | None:
        return self.document.values[cell_id]

    def last(self, cell_id: str) -> Number | None:
        return self.previous.get(cell_id)

    def last_cell(self, cell_id: str) -> str:
        """Last year's cell as a message names it: the file, the label, the identifier."""
        return f"上年报表“{self.source}”中的“{self.form.cell(cell_id).label}”（{cell_id}）"

    def this_label(self, cell_id: str) -> str:
        return f"“{self.form.cell(cell_id).label}”"


def _carry(years: _Years, rule: CrossYearRule) -> Iterator[Finding]:
    for pair in years.form.carried_cells(rule):
        this, last = years.this(pair.cell), years.last(pair.previous)
        if (this or 0) != (last or 0):
            yield Finding(
                Code.PREVIOUS_CARRY,
                cell_id=pair.cell,
                actual=this,
                expected=last,
                rule=rule.id,
                text=rule.text,
                detail=years.last_cell(pair.previous),
            )


def _stock(years: _Years, rule: CrossYearRule) -> Iterator[Finding]:
    for stock in years.form.stock_cells(rule):
        last = years.last(stock.cell)
        if last is None:  # not stated last year: nothing to follow from
            continue
        added = [(i, years.this(i)) for i in stock.plus]
        taken = [(i, years.this(i)) for i in stock.minus]
        expected = last + sum(v or 0 for _, v in added) - sum(v or 0 for _, v in taken)
        this = years.this(stock.cell)
        if (this or 0) == expected:
            continue
        parts = [f"{years.last_cell(stock.cell)}{number_text(last)}"]
        if added:
            shown = "、".join(f"{years.this_label(i)}{number_text(v)}" for i, v in added)
            parts.append(f"加本年{shown}")
        if taken:
            shown = "、".join(f"{years.this_label(i)}{number_text(v)}" for i, v in taken)
            parts.append(f"减本年{shown}")
        yield Finding(
            Code.PREVIOUS_STOCK,
            cell_id=stock.cell,
            actual=this,
            expected=expected,
            rule=rule.id,
            text=rule.text,
            detail="，".join(parts),
        )


def _jump(years: _Years, rule: CrossYearRule) -> Iterator[Finding]:
    for cell_id in years.form.jump_cells():
        this, last = years.this(cell_id), years.last(cell_id)
        if this is None or last is None or this < rule.minimum or last < rule.minimum:
            continue
        if this > rule.factor * last:
            ratio = f"本年约为上年的 {_ratio_text(Decimal(this) / Decimal(last))} 倍"
        elif this * rule.factor < last:
            ratio = f"本年约为上年的 1/{_ratio_text(Decimal(last) / Decimal(this))}"
        else:
            continue
        yield Finding(
            Code.PREVIOUS_JUMP,
            cell_id=cell_id,
            actual=this,
            expected=last,
            rule=rule.id,
            text=rule.text,
            detail=f"上年报表“{years.source}”中的同一栏（{cell_id}）为 {number_text(last)}，{ratio}",
        )


_KINDS = {"carry": _carry, "stock": _stock, "jump": _jump}


def check(form: Form, document: Document, previous: Previous, source: str) -> list[Finding]:
    """Every cross-year warning of this year's ``document`` against last year's numbers
    ``previous`` (input cells; a cell not given is blank), read from the file ``source``."""
    years = _Years(form, document, previous, source)
    return [f for rule in form.cross_year for f in _KINDS[rule.kind](years, rule)]
