"""Every input cell parsed by its kind (counts, amounts), as a person means it, and shown
as the number it is: a format that shows another number is an error at the cell.

A function of the return: its findings and the parsed inputs (which the totals, the rules
and a summary's members are then checked with) as one frozen :class:`Inputs`.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from gongkai_xlsx.catalogue import Code
from gongkai_xlsx.checks.formulas import unstable
from gongkai_xlsx.checks.numbers import describe, parse_number, plain
from gongkai_xlsx.definition.evaluate import Number
from gongkai_xlsx.definition.model import CellDef, Form
from gongkai_xlsx.findings import Finding
from gongkai_xlsx.reader.model import CellRead, Return
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


@dataclass(frozen=True)
class Inputs:
    """The input cells as the checks read them: their findings; ``values`` every input
    cell's number (None: blank, or not read as a number); ``unreadable`` the cells whose
    content is no number (their sum is unknown); ``as_text`` those typed as text numbers
    (Excel's SUM skips them)."""

    findings: tuple[Finding, ...]
    values: Mapping[str, Number | None]
    unreadable: frozenset[str]
    as_text: frozenset[str]


@dataclass(frozen=True)
class _Cell:
    """One input cell read: its findings, its number, and whether its content is no
    number (``unreadable``) or a number typed as text (``as_text``)."""

    findings: tuple[Finding, ...]
    value: Number | None = None
    unreadable: bool = False
    as_text: bool = False


_BLANK = _Cell(())


def _unread(*findings: Finding) -> _Cell:
    return _Cell(findings, None, unreadable=True)


def _cell(cell: CellDef, read: CellRead) -> _Cell:
    """One input cell: the number it holds and is shown as, or why it holds none."""
    if not read.sure:  # the reader could not read it; its finding says why
        return _unread()
    raw = read.value
    if raw is None and read.formula is None:
        return _BLANK  # most inputs of a return: what parsing nothing gives, once
    found: list[Finding] = []
    if read.formula is not None:
        if raw is None:  # saved by a program that does not calculate
            return _unread(Finding(Code.FORMULA_NO_VALUE, cell_id=cell.id, actual=read.formula))
        why = unstable(read)
        if why is not None:  # what the file stores is not what is shown
            return _unread(
                Finding(Code.VALUE_INVALID, cell_id=cell.id, actual=read.formula, detail=why)
            )
        found.append(
            Finding(Code.FORMULA_INPUT, cell_id=cell.id, actual=read.formula, expected=raw)
        )
    shown = SHOWN
    if isinstance(raw, float):
        shown = verdict(read.number_format, raw)
        if shown.kind == "date":
            date = Finding(
                Code.NOT_NUMBER,
                cell_id=cell.id,
                actual=f"{_as_date(raw)}（日期或时间）",
                expected=describe(cell.kind),
            )
            return _unread(*found, date)
    parsed = parse_number(raw, cell.kind)
    if parsed.code is Code.NUMBER_AS_TEXT:
        shown = text_verdict(read.number_format)
        if shown.kind is not None:  # the typed text is not what the cell shows
            fmt = Finding(Code.NUMBER_FORMAT, cell_id=cell.id, actual=raw, detail=shown.reason)
            return _unread(*found, fmt)
    if parsed.code is not None:
        found.append(
            Finding(parsed.code, cell_id=cell.id, actual=parsed.shown, expected=parsed.expected)
        )
        as_text = parsed.code is Code.NUMBER_AS_TEXT
        unreadable = not as_text and parsed.code is not Code.BLANK_MARKER
        return _Cell(tuple(found), parsed.value, unreadable, as_text)
    if shown.kind is not None:  # a format that shows another number than the cell holds
        value = parsed.value
        fmt = Finding(
            Code.NUMBER_FORMAT,
            cell_id=cell.id,
            actual=plain(value) if value is not None else raw,
            detail=shown.reason,
        )
        return _unread(*found, fmt)
    return _Cell(tuple(found), parsed.value)


def _findings(read: Mapping[str, _Cell]) -> Iterator[Finding]:
    for cell in read.values():
        yield from cell.findings
    if all(cell.value is None for cell in read.values()):
        # no number typed, not even as text: the workbook's status fails such a return too
        yield Finding(Code.NO_NUMBERS)


def check(ret: Return, form: Form) -> Inputs:
    """Every input cell of ``ret`` (a located return of ``form``), in the form's order."""
    read = {cell.id: _cell(cell, ret.cells[cell.id]) for cell in form.input_cells()}
    return Inputs(
        tuple(_findings(read)),
        {cell_id: cell.value for cell_id, cell in read.items()},
        frozenset(cell_id for cell_id, cell in read.items() if cell.unreadable),
        frozenset(cell_id for cell_id, cell in read.items() if cell.as_text),
    )
