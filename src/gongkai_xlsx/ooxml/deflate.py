"""The deflate engine of the zip layer: ISA-L (the ``isal`` package) when it imports, else
the standard library's zlib.

Inflating, deflating and checking CRC-32s is a third of a marked copy with many marks
(benchmarks/bench_annotate.py), and a worker's read inflates every sheet: on a return's
429 KB of XML, ISA-L deflates about 4 times faster than zlib at level 1 (and 6% smaller),
inflates 3 times faster and sums CRC-32s 6 times faster. Both write and read the same
formats (a raw deflate stream, a zlib stream), so a zip written by one is read by the
other and by zipfile. The only module that imports ``isal``, and only when a part is
first inflated, deflated or summed (the ``--help`` and ``new`` start-up never is).

The levels asked for are zlib's. Level 1 (the fastest: marked copies, the result cache)
is ISA-L's level 1; any other is zlib's own, as ISA-L has no level as small as zlib's
default (its best is 17% larger on a return's sheets; a roster's copies, deflated at 6,
would grow by a tenth to save 0.07 ms each), so those streams stay byte for byte zlib's.
"""

from __future__ import annotations

import zlib
from functools import cache
from types import ModuleType
from typing import Any

RAW = -15  # a raw deflate stream, as a zip member holds it
ZLIB = 15  # a zlib stream: header, deflate, Adler-32
SYNC_FLUSH = zlib.Z_SYNC_FLUSH  # the same number in isal_zlib

_ISAL_FAST = 1  # ISA-L's level 1: smaller than zlib's level 1 and 4 times as fast


class Engine:
    """One library's deflate, inflate and CRC-32 behind the calls the zip layer makes."""

    def __init__(self, name: str, module: ModuleType) -> None:
        self.name = name
        self._module = module
        # what a corrupt stream raises: isal's IsalError does not derive from zlib.error
        self.errors: tuple[type[Exception], ...] = tuple({zlib.error, module.error})
        self.crc32 = module.crc32  # (data, value=0) -> int

    def packer(self, level: int | None, wbits: int = RAW) -> Any:
        """A compressor (``compress``, ``flush(mode)``) at zlib's ``level``: ISA-L's for
        level 1, zlib's for any other (None: zlib's default)."""
        if level == 1 and self._module is not zlib:
            return self._module.compressobj(_ISAL_FAST, zlib.DEFLATED, wbits)
        return zlib.compressobj(
            zlib.Z_DEFAULT_COMPRESSION if level is None else level, zlib.DEFLATED, wbits
        )

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
