"""The deflate engine of the zip layer: ISA-L (the ``isal`` package) when it imports, else
the standard library's zlib.

Inflating, deflating and checking CRC-32s is half the time of a marked copy with many
marks, and a worker's read inflates every sheet: on a return's 429 KB of XML, ISA-L
deflates about 4 times faster than zlib at level 1 (and smaller), inflates 3 times
faster and sums CRC-32s 6 times faster. Both write and read the same formats (a raw
deflate stream, a zlib stream), so a zip written by one is read by the other and by
zipfile. The only module that imports ``isal``, and only when a part is first inflated,
deflated or summed (the ``--help`` and ``new`` start-up never is).

The levels asked for are zlib's (1 fastest; None its default); ISA-L has four (0 to 3):
zlib's 1 is its 1, anything else its 2, both of which write smaller streams than zlib's
level 1 does.
"""

from __future__ import annotations

import zlib
from functools import cache
from types import ModuleType
from typing import Any

RAW = -15  # a raw deflate stream, as a zip member holds it
ZLIB = 15  # a zlib stream: header, deflate, Adler-32
SYNC_FLUSH = zlib.Z_SYNC_FLUSH  # the same number in isal_zlib

_ISAL_FAST, _ISAL_DEFAULT = 1, 2


class Engine:
    """One library's deflate, inflate and CRC-32 behind the calls the zip layer makes."""

    def __init__(self, name: str, module: ModuleType) -> None:
        self.name = name
        self._module = module
        # what a corrupt stream raises: isal's IsalError does not derive from zlib.error
        self.errors: tuple[type[Exception], ...] = tuple({zlib.error, module.error})
        self.crc32 = module.crc32  # (data, value=0) -> int

    def level(self, level: int | None) -> int:
        """The engine's level for zlib's ``level`` (None: zlib's default)."""
        if self._module is zlib:
            return zlib.Z_DEFAULT_COMPRESSION if level is None else level
        return _ISAL_FAST if level is not None and level <= 1 else _ISAL_DEFAULT

    def packer(self, level: int | None, wbits: int = RAW) -> Any:
        """A compressor (``compress``, ``flush(mode)``) at zlib's ``level``."""
        return self._module.compressobj(self.level(level), zlib.DEFLATED, wbits)

    def deflate(self, data: bytes, level: int | None, wbits: int = RAW) -> bytes:
        """``data`` deflated whole at zlib's ``level``."""
        packer = self.packer(level, wbits)
        return bytes(packer.compress(data) + packer.flush())

    def inflate(self, data: bytes | memoryview, limit: int, wbits: int = RAW) -> bytes | None:
        """``data`` inflated when it is one whole stream giving at most ``limit`` bytes
        (bytes after its end are ignored); None for a corrupt stream, one cut short and
        one that goes on past ``limit`` (never inflated further: no bomb)."""
        inflater = self._module.decompressobj(wbits)
        try:
            out = inflater.decompress(data, limit)
        except self.errors:
            return None
        if inflater.unconsumed_tail or not inflater.eof:
            return None
        return bytes(out)


@cache
def _isal() -> Engine | None:
    """ISA-L's engine, or None where ``isal`` cannot be imported (tried once)."""
    try:
        from isal import isal_zlib
    except ImportError:
        return None
    return Engine("isal", isal_zlib)


ZLIB_ENGINE = Engine("zlib", zlib)


@cache
def engine() -> Engine:
    """The engine: ISA-L when ``isal`` imports (tried once, on first use), else zlib."""
    return _isal() or ZLIB_ENGINE


def engines() -> tuple[Engine, ...]:
    """Every engine this installation has (zlib always; ISA-L when it imports)."""
    found = _isal()
    return (ZLIB_ENGINE,) if found is None else (found, ZLIB_ENGINE)
