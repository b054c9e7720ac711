"""A ``<c>`` element → the value its cell shows, by the grammar of the file format.

``<v>`` of a numeric cell is an xsd:double (ECMA-376 Part 1 §18.3.1.96, §18.18.11);
Python's ``float()`` accepts more (``1_000``, ``١٢``, ``１２``, surrounding spaces, ``inf``)
and spreadsheet applications read less (LibreOffice shows ``<v>1_000</v>`` as 1 and
``<v>１２</v>`` as 0: shared/notes), so anything outside the strict grammar is a finding
at the cell, never a number. A value Excel cannot hold (infinity, NaN, beyond ±1.8e308)
likewise.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

from gongkai_xlsx.catalogue import Code
from gongkai_xlsx.findings import excerpt
from gongkai_xlsx.ooxml.xmltext import xstring
from gongkai_xlsx.reader.model import CellError, Value
from gongkai_xlsx.reader.parts import SharedStrings, Styles
from gongkai_xlsx.reader.sheet_cells import RawCell

# xsd:double without INF/NaN (Excel stores neither; LibreOffice and Gnumeric show them
# differently: tests/oracle/WITNESS.md A18-A22). Surrounding XML whitespace is allowed, as
# xsd's "collapse" facet says and both witnesses read it (A10-A12).
_DOUBLE = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_INDEX = re.compile(r"(?:0|[1-9][0-9]{0,9})")
_XML_SPACE = " \t\r\n"
ERROR_VALUES = frozenset(
    {"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA"}
)


@dataclass(frozen=True, slots=True)
class Interpreted:
    value: Value
    formula: str | None
    number_format: str | None
    problem: tuple[Code, str, str] | None = None  # code, what was stored, what it should be


MAX_REMEMBERED = 64  # characters: a number's or an index's text (a cell holds up to 32,767)


def parse_double(text: str) -> float | None:
    """``text`` as the xsd:double an application reads, or None. A short text is read once
    per process: a batch's returns hold the same few numbers again and again."""
    return _double_remembered(text) if len(text) <= MAX_REMEMBERED else _double(text)


def _double(text: str) -> float | None:
    text = text.strip(_XML_SPACE)
    if len(text) > 400 or _DOUBLE.fullmatch(text) is None:
        return None
    number = float(text)
    return number if math.isfinite(number) else None


_double_remembered = lru_cache(maxsize=4096)(_double)


def shared_index(text: str) -> int | None:
    """A shared-string cell's ``<v>`` as the index both applications read (ASCII digits,
    XML whitespace around: WITNESS.md B02-B05), or None. ``str.isdigit`` would take ``١``
    and ``²``, and ``int`` refuses 5,000 digits."""
    return _index_remembered(text) if len(text) <= MAX_REMEMBERED else _index(text)


def _index(text: str) -> int | None:
    index = text.strip(_XML_SPACE)
    return int(index) if _INDEX.fullmatch(index) else None


_index_remembered = lru_cache(maxsize=4096)(_index)


def _bad(raw: RawCell, formula: str | None, fmt: str | None, what: str) -> Interpreted:
    """A value outside the grammar: what was stored, and what it should be."""
    shown = excerpt(raw.v if raw.v is not None else raw.inline or "")
    return Interpreted(None, formula, fmt, (Code.VALUE_INVALID, shown, what))


def plain_number(raw: RawCell) -> float | None:
    """The number of a cell that holds only a number as the writers store it (no type or
    ``t="n"``, a ``<v>`` in the grammar, no formula or inline text): what :func:`interpret`
    gives as its value, without the rest of its questions (most filled cells of a
    return); None for any other cell."""
    if raw.f is None and raw.inline is None and not raw.too_long and raw.v:
        t = raw.t
        if not t or t == "n":
            return parse_double(raw.v)
    return None


def interpret(raw: RawCell, strings: list[str], styles: Styles) -> Interpreted:
    formula = None
    if raw.f is not None:
        text = raw.formula()
        formula = "=" + text if text else "=（共享公式）"
    fmt = styles.number_format(raw.s)
    t, v = raw.t, raw.v

    if raw.too_long:
        return _bad(raw, formula, fmt, "单元格内容（超过 32767 个字符）")
    if raw.inline is not None and (t != "inlineStr" or v is not None):
        # LibreOffice shows nothing, Gnumeric the inline text (WITNESS.md B20, B23, B24)
        return _bad(raw, formula, fmt, "单元格内容（数值与文字同时存在，或类型与内容不符）")
    if t in ("", "n"):
        if v is None or v == "":
            return Interpreted(None, formula, fmt)
        number = parse_double(v)
        return (
            Interpreted(number, formula, fmt)
            if number is not None
            else _bad(raw, formula, fmt, "数字")
        )
    if t == "s":
        if v is None or v == "":
            return Interpreted(None, formula, fmt)
        index = shared_index(v)
        if index is None or index >= len(strings):
            return _bad(
                raw, formula, fmt, "共享字符串编号"
            )  # "1.0": LibreOffice reads it, Gnumeric does not (B04)
        if isinstance(strings, SharedStrings) and index in strings.bad:  # WITNESS.md H13-H16
            where = f"引用的共享字符串（第 {index} 号）：{strings.bad[index]}"
            return Interpreted(None, formula, fmt, (Code.XML_STRUCTURE, excerpt(v), where))
        return Interpreted(strings[index], formula, fmt)
    if t == "inlineStr":
        if raw.inline is None:  # LibreOffice shows nothing, Gnumeric the <v> text (B19)
            return (
                Interpreted(None, formula, fmt)
                if not v
                else _bad(raw, formula, fmt, "文字（缺少 <is>）")
            )
        return Interpreted(xstring(raw.inline), formula, fmt)
    if t == "str":
        return Interpreted(v if v else None, formula, fmt)
    if t == "b":
        if v is None or v == "":
            return Interpreted(None, formula, fmt)
        if v not in ("0", "1"):
            return _bad(raw, formula, fmt, "逻辑值")
        return Interpreted(v == "1", formula, fmt)
    if t == "e":
        if v in ERROR_VALUES:
            return Interpreted(CellError(v), formula, fmt)
        return _bad(raw, formula, fmt, "错误值")
    if t == "d":  # LibreOffice reads a date, Gnumeric a number or text (B21, B22)
        return _bad(raw, formula, fmt, "日期") if v else Interpreted(None, formula, fmt)
    return _bad(raw, formula, fmt, f'单元格类型（t="{excerpt(t, 12)}"）')
