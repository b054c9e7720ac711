"""Text in an ST_Xstring as Excel reads it back: xlsxwriter's escape, made exact.

Excel stores a control character as ``_xHHHH_`` and so must escape a literal ``_xHHHH_``
in the text, as ``_x005F_xHHHH_`` (the underscore written as its own escape); a reader
decodes left to right, an escape consumed whole (:func:`gongkai_xlsx.ooxml.xmltext.xstring`).
xlsxwriter escapes each literal ``_xHHHH_`` with one regular-expression pass, which skips
the second of two that share an underscore: ``某局_x005F_x0041_分局`` was written
``某局_x005F_x005F_x0041_分局``, which Excel reads as ``某局_x005FA分局`` (and so for
``_x0041`` before a control character, whose own escape closes it). :func:`escape`
escapes every underscore that begins such a sequence in the text as written; everything
else is xlsxwriter's escape unchanged, so a text it got right is written to the same
bytes. :func:`excel_escapes` has xlsxwriter use it while a workbook is stored.

Swapped, not subclassed or done beforehand: the writers that escape (shared strings,
document properties, a worksheet's formulas, list values and rich strings) are made inside
xlsxwriter's ``Workbook._store_workbook`` and ``Packager``, which take no class to use; and
text escaped before xlsxwriter is escaped again by its own pass (``_x0041_`` would become
``_x005F_x005F_x0041_``).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from xlsxwriter import xmlwriter

_XLSXWRITERS = xmlwriter.XMLwriter.__dict__["_escape_control_characters"]
_lock = threading.Lock()
_storing = 0  # workbooks being stored now, in any thread

# An underscore that would begin ``_xHHHH_`` once written: the closing underscore is
# a literal one, or the first of a character's own escape (a control character, U+FFFE,
# U+FFFF), which xlsxwriter misses too.
_ESCAPE_START = re.compile(r"_(?=x[0-9A-Fa-f]{4}[_\x00-\x08\x0b-\x1f\ufffe\uffff])")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f]")


def escape(data: Any) -> Any:
    """``data`` as an ST_Xstring holds it (anything but text as it is, as xlsxwriter)."""
    if not isinstance(data, str):
        return data
    data = _ESCAPE_START.sub("_x005F_", data)
    data = _CONTROL.sub(lambda match: f"_x{ord(match.group()):04X}_", data)
    return data.replace("\ufffe", "_xFFFE_").replace("\uffff", "_xFFFF_")


@contextmanager
def excel_escapes() -> Iterator[None]:
    """While inside: xlsxwriter's writers (shared strings, document properties, inline
    strings) escape text with :func:`escape`; xlsxwriter's own escape again once no
    thread is inside (the desk may store two workbooks at once)."""
    global _storing
    with _lock:
        _storing += 1
        xmlwriter.XMLwriter._escape_control_characters = staticmethod(escape)  # type: ignore[method-assign]
    try:
        yield
    finally:
        with _lock:
            _storing -= 1
            if not _storing:
                xmlwriter.XMLwriter._escape_control_characters = _XLSXWRITERS  # type: ignore[method-assign]
