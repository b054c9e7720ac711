"""What LibreOffice and Gnumeric do with the zip-level oddities of a return: compression
methods other than stored and deflate, the encryption flag, data descriptors, and long zip
comments (issue 12, class 3).

    python tests/oracle/zip_methods.py [--keep DIR]

A research tool, not a test: it builds each case from the witness study's base return
(:func:`oracle.variants.base_package`), opens all of them in one LibreOffice
(``harness.witness``) and in Gnumeric (``ssconvert``), and prints a Markdown table of
whether each loaded and what D6 (5 in the base) shows. The table is pasted by hand into
``tests/oracle/WITNESS.md`` (section "Compression methods and the zip comment").
"""

from __future__ import annotations

import argparse
import io
import struct
import sys
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from libreoffice import harness  # noqa: E402

from oracle import gnumeric  # noqa: E402
from oracle.variants import D6, SHEET, base_package  # noqa: E402

CENTRAL_SIG = b"PK\x01\x02"


def _zip(method_of: Callable[[str], int], comment: bytes = b"") -> bytes:
    """The base return written again, each part with ``method_of(name)``."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for info, data in base_package().entries:
            z.writestr(info, data, compress_type=method_of(info.filename))
        z.comment = comment
    return out.getvalue()


def patch_headers(data: bytes, name: str, change: Callable[[int, int], tuple[int, int]]) -> bytes:
    """Rewrite (flags, method) of ``name``'s local and central headers with ``change``."""
    out = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        local = z.getinfo(name).header_offset
    # local header: flags at +6, method at +8; central: flags at +8, method at +10
    struct.pack_into("<HH", out, local + 6, *change(*struct.unpack_from("<HH", out, local + 6)))
    pos = 0
    while (pos := out.find(CENTRAL_SIG, pos)) != -1:
        n = struct.unpack_from("<H", out, pos + 28)[0]
        if bytes(out[pos + 46 : pos + 46 + n]) == name.encode():
            struct.pack_into("<HH", out, pos + 8, *change(*struct.unpack_from("<HH", out, pos + 8)))
        pos += 4
    return bytes(out)


def _streamed() -> bytes:
    """Written to a non-seekable stream: every entry with a data descriptor (flag bit 3)."""

    class Unseekable(io.RawIOBase):
        def __init__(self) -> None:
            self.buf = bytearray()

        def writable(self) -> bool:
            return True

        def write(self, b: bytes) -> int:  # type: ignore[override]
            self.buf += b
            return len(b)

    sink = Unseekable()
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED) as z:  # type: ignore[arg-type]
        for info, data in base_package().entries:
            z.writestr(info.filename, data)
    return bytes(sink.buf)


def _descriptor_crc_wrong() -> bytes:
    """A streamed zip whose form sheet's data descriptor has another CRC than the central
    directory (the central one is right)."""
    data = bytearray(_streamed())
    part = base_package().sheet_part(SHEET)
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as z:
        info = z.getinfo(part)
        start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
        at = start + info.compress_size
    assert data[at : at + 4] == b"PK\x07\x08"
    data[at + 4] ^= 0xFF
    return bytes(data)


def cases() -> dict[str, tuple[str, bytes]]:
    part = base_package().sheet_part(SHEET)
    deflate = zipfile.ZIP_DEFLATED

    def only(name: str, method: int) -> Callable[[str], int]:
        return lambda n: method if n == name else deflate

    found: dict[str, tuple[str, bytes]] = {
        "Z00": ("the base (every part deflate)", _zip(lambda n: deflate)),
        "Z01": ("every part stored (method 0)", _zip(lambda n: zipfile.ZIP_STORED)),
        "Z02": ("every part bzip2 (method 12)", _zip(lambda n: zipfile.ZIP_BZIP2)),
        "Z03": ("every part LZMA (method 14)", _zip(lambda n: zipfile.ZIP_LZMA)),
        "Z04": (f"the form sheet ({part}) bzip2, the rest deflate", _zip(only(part, 12))),
        "Z05": (f"the form sheet ({part}) LZMA, the rest deflate", _zip(only(part, 14))),
        "Z06": (
            "docProps/app.xml (a part no reader needs) bzip2",
            _zip(only("docProps/app.xml", 12)),
        ),
        "Z07": ("docProps/app.xml LZMA", _zip(only("docProps/app.xml", 14))),
        "Z08": (
            "the form sheet marked deflate64 (method 9; its data is plain deflate, which "
            "deflate64 also decodes)",
            patch_headers(_zip(lambda n: deflate), part, lambda f, m: (f, 9)),
        ),
        "Z09": (
            "docProps/app.xml marked deflate64 (method 9)",
            patch_headers(_zip(lambda n: deflate), "docProps/app.xml", lambda f, m: (f, 9)),
        ),
        "Z10": (
            "the form sheet with the encryption flag (bit 0) set, data not encrypted",
            patch_headers(_zip(lambda n: deflate), part, lambda f, m: (f | 1, m)),
        ),
        "Z11": (
            "docProps/app.xml with the encryption flag set",
            patch_headers(_zip(lambda n: deflate), "docProps/app.xml", lambda f, m: (f | 1, m)),
        ),
        "Z12": ("every entry with a data descriptor (flag bit 3, streamed)", _streamed()),
        "Z13": ("the form sheet's data descriptor with a wrong CRC", _descriptor_crc_wrong()),
        "Z14": (
            "the form sheet with method 99 (AES, WinZip) and no AES header",
            patch_headers(_zip(lambda n: deflate), part, lambda f, m: (f | 1, 99)),
        ),
    }
    for n in (1, 500, 512, 513, 1000, 32768, 65000, 65449, 65450, 65535):
        found[f"C{n}"] = (f"a zip comment of {n:,} bytes", _zip(lambda _: deflate, b"x" * n))
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--keep", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="gk-zipw-") as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        built = cases()
        paths = {}
        for case, (_, data) in built.items():
            paths[case] = folder / f"{case}.xlsx"
            paths[case].write_bytes(data)
        cells = [(SHEET, D6)]
        lo = harness.witness([{"src": p, "cells": cells} for p in paths.values()], ("default",))
        gn = gnumeric.witness([(p, cells) for p in paths.values()])
        print("| case | construct | LibreOffice | Gnumeric |")
        print("|---|---|---|---|")
        for (case, (what, _)), lo_r, gn_r in zip(built.items(), lo, gn, strict=True):
            print(f"| {case} | {what} | {_lo(lo_r)} | {_gn(gn_r)} |")


def _lo(result: dict) -> str:
    obs = result["modes"]["default"]
    if not obs.get("loaded"):
        return f"**not loaded**: {str(obs.get('error'))[:120]}"
    cell = obs["cells"][0]
    if not cell.get("found"):
        return "loaded; no sheet " + SHEET
    return f"D6 `{cell.get('string')}`"


def _gn(result: dict) -> str:
    if not result.get("loaded"):
        return f"**not loaded**: {str(result.get('error'))[:160]}"
    cell = result["cells"][0]
    if not cell.get("found", True) or "shown" not in cell:
        return "loaded; D6 not found"
    warn = " / ".join(result.get("warnings", []))[:160]
    return f"D6 `{cell.get('shown')}`" + (f"; ssconvert: {warn}" if warn else "")


if __name__ == "__main__":
    main()
