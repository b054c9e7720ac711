"""What a formula typed into an input cell shows when the file is opened.

The reader takes a formula's value from the file (the result its writer calculated). That
is what LibreOffice and Gnumeric show, except where they calculate again on opening:
volatile functions (``NOW()``, ``RAND()``, ``INDIRECT()``… LibreOffice showed a fresh
result, Gnumeric too for some), and a formula that refers to its own cell, which
LibreOffice shows as ``Err:522`` once anything makes it calculate (the fuzz corpus) and
Excel as 0 with a circular-reference warning. Such a formula's stored result is not what
the clerk sees.

Nor is it when the formula calculates to something else: LibreOffice calculates a shared
formula's child when it opens the file (it showed 6 where 8 was stored, Gnumeric the stored
8: WITNESS.md I02), any formula once something makes it calculate (I04), and shows a child
whose master is missing as empty (I03). Where the reader could calculate an input's
formula (:mod:`gongkai_xlsx.reader.recalc`), a stored result that differs is not read.
A shared formula's cell it cannot calculate is not read either: LibreOffice calculates the
master as well as the children on opening (the fuzz corpus: a master ``ROUND(C6,0)``
storing 6 shown as 0), so no stored result of a shared formula is shown unless checked.
"""

from __future__ import annotations

import re
from decimal import Context, Decimal
from fractions import Fraction

from gongkai_xlsx.cellref import from_a1
from gongkai_xlsx.checks.numbers import plain
from gongkai_xlsx.reader.model import CellError, CellRead, Value

VOLATILE = frozenset(
    {"NOW", "TODAY", "RAND", "RANDBETWEEN", "RANDARRAY", "OFFSET", "INDIRECT", "CELL", "INFO"}
)
_STRING = re.compile(r'"(?:[^"]|"")*"')
_FUNCTION = re.compile(r"(?<![\w.])(?:_xl[a-z]+\.)?([A-Z][A-Z0-9.]*)\s*\(", re.I)
_CELL = r"\$?[A-Z]{1,3}\$?[0-9]{1,7}"
_REF = re.compile(
    r"(?<![\w.$!'])"
    r"(?:(?:'(?P<quoted>(?:[^']|'')+)'|(?P<bare>[^\W\d][\w.]*))!)?"
    rf"(?P<ref>{_CELL}(?::{_CELL})?|\$?[A-Z]{{1,3}}:\$?[A-Z]{{1,3}}|\$?[0-9]{{1,7}}:\$?[0-9]{{1,7}})"
    r"(?![\w(!])"
)


def _bounds(ref: str) -> tuple[int, int, int, int]:
    """0-based first row, first column, last row, last column of ``A1``, ``A1:B2``,
    ``A:B`` or ``1:2``."""
    first, _, last = ref.replace("$", "").partition(":")
    last = last or first
    if first.isdigit():
        return int(first) - 1, 0, int(last) - 1, 16_383
    if first.isalpha():
        (_r, c0), (_r2, c1) = from_a1(f"{first}1"), from_a1(f"{last}1")
        return 0, c0, 1_048_575, c1
    (r0, c0), (r1, c1) = from_a1(first), from_a1(last)
    return min(r0, r1), min(c0, c1), max(r0, r1), max(c0, c1)


def refers_to(formula: str, sheet: str, ref: str) -> bool:
    """Whether ``formula`` (with or without its ``=``) refers to ``sheet``!``ref``."""
    row, col = from_a1(ref)
    for m in _REF.finditer(_STRING.sub('""', formula)):
        named = m.group("quoted").replace("''", "'") if m.group("quoted") else m.group("bare")
        if named is not None and named != sheet:
            continue
        r0, c0, r1, c1 = _bounds(m.group("ref"))
        if r0 <= row <= r1 and c0 <= col <= c1:
            return True
    return False


SIGNIFICANT = 15
"""Digits Excel keeps and shows of a number; results that agree to them are the same."""


def _shown(value: Fraction | Value) -> str:
    if isinstance(value, Fraction):
        exact = Decimal(value.numerator) / Decimal(value.denominator)
        return plain(Context(prec=SIGNIFICANT).plus(exact))
    if isinstance(value, float):
        return plain(Context(prec=SIGNIFICANT).plus(Decimal(value)))
    if isinstance(value, CellError):
        return value.code
    return f"“{value}”" if isinstance(value, str) else str(value)


def same_result(stored: Value, calculated: Fraction | str | CellError | None) -> bool:
    """Whether a formula's stored result is what its calculation shows: numbers equal to
    Excel's precision (the writer computed in binary floating point: 0.1+0.2 is stored
    0.30000000000000004), texts and error values equal."""
    if isinstance(calculated, Fraction):
        if not isinstance(stored, float) or isinstance(stored, bool):
            return False
        exact = Fraction(stored)
        scale = max(abs(exact), abs(calculated), Fraction(1))
        return abs(exact - calculated) <= scale / 10**14
    if isinstance(calculated, CellError):
        return isinstance(stored, CellError) and stored.code == calculated.code
    return isinstance(stored, str) and stored == calculated


def unstable(read: CellRead) -> str | None:
    """Why the stored result of the formula of ``read`` is not what is shown, in words
    for the message, or None."""
    formula, sheet, ref = read.formula or "", read.sheet, read.ref
    recalculated = read.recalculated
    if recalculated is not None and recalculated.orphan:
        return "输入（共享公式在本单元格之前没有主公式，有的软件显示为空）"
    text = _STRING.sub('""', formula)
    calls = {m.group(1).upper() for m in _FUNCTION.finditer(text)}
    if calls & VOLATILE:
        name = sorted(calls & VOLATILE)[0]
        return f"输入（公式含 {name}()，打开文件时会重新计算）"
    if refers_to(formula, sheet, ref):
        return "输入（公式引用了本单元格，是循环引用）"
    if recalculated is not None and recalculated.unknown:
        return "输入（共享公式，打开文件时会重新计算，其结果本工具无法核对）"
    if recalculated is not None and not same_result(read.value, recalculated.value):
        return (
            f"输入（公式算得 {_shown(recalculated.value)}，"
            f"文件中保存的结果却是 {_shown(read.value)}，打开文件时会重新计算）"
        )
    return None
