"""Every input cell parsed by its kind (counts, amounts), as a person means it, and shown
as the number it is: a format that shows another number is an error at the cell."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterator

from gongkai_xlsx.catalogue import Code
from gongkai_xlsx.checks.context import Context
from gongkai_xlsx.checks.formulas import unstable
from gongkai_xlsx.checks.numbers import describe, parse_number, plain
from gongkai_xlsx.definition.evaluate import with_totals
from gongkai_xlsx.findings import Finding
from gongkai_xlsx.reader.numfmt import SHOWN, text_verdict, verdict

CODES = (
    Code.FORMULA_INPUT,
    Code.VALUE_INVALID,
    Code.FORMULA_NO_VALUE,
    Code.NOT_NUMBER,
    Code.NEGATIVE,
    Code.FRACTION,
    Code.TOO_LARGE,
    Code.TOO_MANY_DECIMALS,
    Code.BLANK_MARKER,
    Code.NUMBER_AS_TEXT,
    Code.CELL_ERROR,
    Code.NUMBER_FORMAT,
    Code.NO_NUMBERS,
)


def _as_date(serial: float) -> str:
    """An Excel date serial (1900 system) as the date it shows, for messages."""
    try:
        day = _dt.datetime(1899, 12, 30) + _dt.timedelta(days=serial)
    except (OverflowError, ValueError):
        return str(serial)
    return day.date().isoformat() if day.time() == _dt.time() else day.isoformat(" ")


def check(ctx: Context) -> Iterator[Finding]:
    ret = ctx.ret
    for cell in ctx.form.input_cells():
        read = ret.cells[cell.id]
        if not read.sure:  # the reader could not read it; its finding says why
            ctx.inputs[cell.id] = None
            ctx.unreadable.add(cell.id)
            continue
        raw = read.value
        if read.formula is not None:
            if raw is None:  # saved by a program that does not calculate
                yield Finding(Code.FORMULA_NO_VALUE, cell_id=cell.id, actual=read.formula)
                ctx.inputs[cell.id] = None
                ctx.unreadable.add(cell.id)
                continue
            why = unstable(read)
            if why is not None:  # what the file stores is not what is shown
                yield Finding(Code.VALUE_INVALID, cell_id=cell.id, actual=read.formula, detail=why)
                ctx.inputs[cell.id] = None
                ctx.unreadable.add(cell.id)
                continue
            yield Finding(Code.FORMULA_INPUT, cell_id=cell.id, actual=read.formula, expected=raw)
        shown = SHOWN
        if isinstance(raw, float):
            shown = verdict(read.number_format, raw)
            if shown.kind == "date":
                yield Finding(
                    Code.NOT_NUMBER,
                    cell_id=cell.id,
                    actual=f"{_as_date(raw)}（日期或时间）",
                    expected=describe(cell.kind),
                )
                ctx.inputs[cell.id] = None
                ctx.unreadable.add(cell.id)
                continue
        parsed = parse_number(raw, cell.kind)
        ctx.inputs[cell.id] = parsed.value
        if parsed.code is Code.NUMBER_AS_TEXT:
            shown = text_verdict(read.number_format)
            if shown.kind is not None:  # the typed text is not what the cell shows
                yield Finding(Code.NUMBER_FORMAT, cell_id=cell.id, actual=raw, detail=shown.reason)
                ctx.inputs[cell.id] = None
                ctx.unreadable.add(cell.id)
                continue
        if parsed.code is not None:
            yield Finding(
                parsed.code, cell_id=cell.id, actual=parsed.shown, expected=parsed.expected
            )
            if parsed.code is Code.NUMBER_AS_TEXT:
                ctx.as_text.add(cell.id)
            elif parsed.code is not Code.BLANK_MARKER:
                ctx.unreadable.add(cell.id)
            continue
        if shown.kind is not None:  # a format that shows another number than the cell holds
            value = parsed.value
            yield Finding(
                Code.NUMBER_FORMAT,
                cell_id=cell.id,
                actual=plain(value) if value is not None else raw,
                detail=shown.reason,
            )
            ctx.inputs[cell.id] = None
            ctx.unreadable.add(cell.id)
    if all(v is None for v in ctx.inputs.values()):
        # no number typed, not even as text: the workbook's status fails such a return too
        yield Finding(Code.NO_NUMBERS)
    ctx.values = with_totals(ctx.form, ctx.inputs)
