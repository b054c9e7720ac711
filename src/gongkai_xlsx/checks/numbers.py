"""A cell's content as the number a person meant, or why it is not one (pure functions).

Accepted: ``12``, ``"12"``, ``" 12 "``, ``１２`` (full-width), ``1,200``, ``１，２００``,
``12.0``: in a text, what the template's own formulas take for a number, nothing more. The marks published reports use for "nothing here" (``/ - — _ 无``) are blanks,
with a warning. Errors: negatives, fractions in counts, numbers above the limit, text
that is not a number, more decimals than the kind allows.
"""

from __future__ import annotations

import datetime as _dt
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any

from gongkai_xlsx.catalogue import Code
from gongkai_xlsx.definition.model import Kind
from gongkai_xlsx.findings import excerpt
from gongkai_xlsx.reader.model import CellError
from gongkai_xlsx.text import BLANK_MARKS

_NUMBER = re.compile(r"^(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?$")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Parsed:
    """``value`` is the number (or None for blank); ``code`` the finding it raises, if any."""

    value: int | Decimal | None
    code: Code | None = None
    shown: str | None = None  # the content as the person typed it, for messages
    expected: str | None = None


# A number typed as text is read as the template's own formulas read it
# (writer/formulas.py, ``plain_text`` and ``is_number_text``), so that the workbook's status
# and ingest agree: ASC makes the full-width forms (U+FF01-FF5E) ASCII and U+3000 a space,
# SUBSTITUTE makes U+00A0 a space, CLEAN drops the codes 0-31, TRIM drops the spaces at
# both ends. Nothing else is a digit: not ⑫, ¹², 𝟏𝟐 (which NFKC would make 12), and no sign
# (``+12``, ``−0`` are words to the formulas).
_AS_FORMULAS = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {
    0x3000: 0x20,
    0xA0: 0x20,
    **dict.fromkeys(range(32)),
}
_EDGE_SPACES = re.compile(r"^ +| +$")
_MINUSES = "-−﹣"  # after ASC, the full-width － is -
FLOAT_NOISE = Decimal("1e-9")  # binary floating point: 250.83 may be stored as 250.82999999999998
BEYOND_NOISE = Decimal("1e15")  # past 15 significant digits a double has no noise to remove


def as_formulas_see(text: str) -> str:
    """``text`` as the template's ``plain_text`` gives it (ASC, CLEAN, TRIM at the ends)."""
    return _EDGE_SPACES.sub("", text.translate(_AS_FORMULAS))


def number_from_text(text: str) -> Decimal | None:
    """The number the template's formulas see in ``text``, or None for a word. A minus
    sign before a number (which the formulas count as a word, an error too) gives the
    negative number, for the clearer finding; ``-0`` and ``+12`` are words."""
    compact = as_formulas_see(text)
    negative = compact[:1] in tuple(_MINUSES) and len(compact) > 1
    digits = compact[1:] if negative else compact
    if not _NUMBER.match(digits):  # inner spaces are not allowed: "12 34" is two numbers
        return None
    number = Decimal(digits.replace(",", ""))
    if negative:
        return -number if number else None
    return number


def _without_float_noise(number: Decimal, kind: Kind) -> Decimal:
    """A stored double as the number the person meant: 7.0000000000000009 is 7 and
    250.82999999999998 is 250.83 (Excel compares to 15 digits and shows them so too)."""
    if abs(number) >= BEYOND_NOISE:  # quantize would need more digits than Decimal keeps
        return number
    places = Decimal(1).scaleb(-kind.decimals)
    nearest = number.quantize(places)
    return nearest if abs(number - nearest) <= FLOAT_NOISE else number


def _show_date(value: _dt.date | _dt.time | _dt.timedelta) -> str:
    if isinstance(value, _dt.datetime) and value.time() == _dt.time():
        return value.date().isoformat()
    return str(value)


def _decimal_places(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def describe(kind: Kind) -> str:
    """What a cell of ``kind`` takes, as a message says it."""
    if kind.type == "integer":
        return f"0至{int(kind.maximum)}之间的整数"
    return f"不小于0、最多{kind.decimals}位小数的金额"


def parse_number(raw: Any, kind: Kind) -> Parsed:
    """Interpret one input cell's content according to its kind; never raises, however
    large or odd the number. A stored number (a float, most cells) is interpreted once per
    process: a batch's returns hold the same few numbers again and again."""
    if raw.__class__ is float:
        if raw:  # its own key: only 0.0 and -0.0 are two floats that compare equal
            return _parse_nonzero(raw, kind)
        return _parse_float(repr(raw), kind)
    return _parse(raw, kind)


@lru_cache(maxsize=4096)
def _parse_nonzero(raw: float, kind: Kind) -> Parsed:
    """A float other than zero, by itself (no ``repr`` to make a key of)."""
    return _parse(raw, kind)


@lru_cache(maxsize=4096)
def _parse_float(text: str, kind: Kind) -> Parsed:
    """By ``repr``, which gives the float back exactly and keeps -0.0 apart from 0.0 (as
    a key, the float itself would not)."""
    return _parse(float(text), kind)


def _parse(raw: Any, kind: Kind) -> Parsed:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return Parsed(None)
    as_text = False
    if isinstance(raw, CellError):
        return Parsed(None, Code.CELL_ERROR, str(raw))
    if isinstance(raw, bool):
        return Parsed(None, Code.NOT_NUMBER, "TRUE" if raw else "FALSE", describe(kind))
    if isinstance(raw, _dt.date | _dt.time | _dt.timedelta):
        return Parsed(None, Code.NOT_NUMBER, f"{_show_date(raw)}（日期或时间）", describe(kind))
    if isinstance(raw, int):
        number = Decimal(raw)
    elif isinstance(raw, float):
        if raw != raw or raw in (float("inf"), float("-inf")):
            return Parsed(None, Code.NOT_NUMBER, str(raw), describe(kind))
        number = _without_float_noise(Decimal(repr(raw)), kind)
    elif isinstance(raw, str):
        text = raw.strip()
        if unicodedata.normalize("NFKC", text).strip() in BLANK_MARKS or text in BLANK_MARKS:
            return Parsed(None, Code.BLANK_MARKER, text)
        parsed = number_from_text(raw) if len(text) <= 100 else None
        if parsed is None:
            return Parsed(None, Code.NOT_NUMBER, excerpt(text), describe(kind))
        number, as_text = parsed, True
    else:
        return Parsed(None, Code.NOT_NUMBER, str(raw), describe(kind))

    shown = excerpt(raw.strip()) if isinstance(raw, str) else excerpt(plain(number))
    if number < kind.minimum:
        return Parsed(None, Code.NEGATIVE, shown)
    if kind.type == "integer" and number != number.to_integral_value():
        return Parsed(None, Code.FRACTION, shown)
    if kind.type == "decimal" and _decimal_places(number) > kind.decimals:
        return Parsed(None, Code.TOO_MANY_DECIMALS, shown, str(kind.decimals))
    if number > kind.maximum:
        return Parsed(None, Code.TOO_LARGE, shown, plain(kind.maximum))
    value: int | Decimal
    if kind.type == "integer":
        value = int(number)
    else:
        value = number.normalize()
        if kind.type == "decimal" and value == value.to_integral_value():
            value = Decimal(int(value))
    if as_text:
        return Parsed(value, Code.NUMBER_AS_TEXT, shown, plain(value))
    return Parsed(value)


def plain(number: Decimal | int) -> str:
    """A number written out in full, as a person reads it (no exponent)."""
    if isinstance(number, int):
        return str(number)
    return format(number.normalize(), "f")


def parse_text(raw: Any) -> str | None:
    """A cover text field: trimmed text; a number typed into it (a phone) as digits."""
    if raw is None:
        return None
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    text = _SPACES.sub(" ", str(raw)).strip()
    return text or None


YEAR_DIGITS = 9
"""A year of more digits is read as ``10**YEAR_DIGITS``: out of range either way, and
Python refuses ``int()`` of a text of 4,300 digits or more."""


def parse_year(raw: Any) -> int | None:
    """The integer a year cell or property holds, unbounded (meta.check bounds it)."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int | float) and float(raw).is_integer():
        return int(raw)
    if isinstance(raw, str):
        digits = unicodedata.normalize("NFKC", raw).strip().removesuffix("年").strip()
        if digits.isascii() and digits.isdigit():
            return int(digits) if len(digits) <= YEAR_DIGITS else 10**YEAR_DIGITS
    return None
