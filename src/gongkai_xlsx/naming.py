"""File names that are safe on Windows, where the coordinator's and the clerks' files live."""

from __future__ import annotations

import re
import unicodedata

from gongkai_xlsx.text import squash_spaces

_FORBIDDEN = re.compile(r'[<>:"/\\|?*\x00-\x1f]')
_RESERVED = {
    "CON",
    "PRN",
    "AUX",
    "NUL",
    *(f"COM{i}" for i in range(1, 10)),
    *(f"LPT{i}" for i in range(1, 10)),
}
MAX_STEM = 80  # leaves room for a folder path within Windows' 260-character limit
MAX_NAME_BYTES = 240  # below the 255-byte limit, with room for a _2 suffix
MAX_STEM_BYTES = 180  # UTF-8 bytes: a Chinese character is 3, and 255 bytes is the limit


def safe_stem(name: str, fallback: str = "未命名", max_bytes: int = MAX_STEM_BYTES) -> str:
    """``name`` usable as a file name stem on Windows: no reserved characters or names,
    no trailing dots or spaces, not too long; and, as ``new --agency`` cleans a name
    (:func:`~gongkai_xlsx.text.squash_spaces`), no control or invisible format character:
    an agency name typed in the sheet with U+202E would otherwise reverse the file name
    shown in a folder (``…局_2024.json`` seen as ``…nosj.4202_局``)."""
    text = squash_spaces(unicodedata.normalize("NFC", name))
    text = _FORBIDDEN.sub("_", text)
    text = re.sub(r"\s+", " ", text).strip().rstrip(". ")
    if not text:
        text = fallback
    if text.split(".")[0].upper() in _RESERVED:
        text = "_" + text
    text = text[:MAX_STEM]
    while len(text.encode("utf-8")) > max_bytes:  # Linux/macOS count bytes: 255 per name
        text = text[:-1]
    return text.rstrip(". ")


def template_file_name(year: int, agency: str | None) -> str:
    base = f"{year}年度政府信息公开工作年度报告填报表"
    if not agency:
        return f"{base}.xlsx"
    room = MAX_NAME_BYTES - len(f"{base}_.xlsx".encode())
    return f"{base}_{safe_stem(agency, max_bytes=room)}.xlsx"


def json_file_name(agency: str, year: int | None) -> str:
    return f"{safe_stem(agency)}_{year}.json" if year else f"{safe_stem(agency)}.json"


def dedupe(names: list[str]) -> list[str]:
    """Make file names unique case-insensitively (Windows), appending _2, _3… in order."""
    seen: set[str] = set()
    result: list[str] = []
    for name in names:
        stem, dot, ext = name.rpartition(".")
        if not dot:
            stem, ext = name, ""
        candidate, n = name, 1
        while candidate.casefold() in seen:
            n += 1
            candidate = f"{stem}_{n}.{ext}" if ext else f"{stem}_{n}"
        seen.add(candidate.casefold())
        result.append(candidate)
    return result


MAX_EXTENSION = 16  # characters of an extension kept (".xlsx", ".jpeg"); a longer one is cut


def safe_file_name(name: str, fallback: str = "未命名", max_bytes: int = MAX_NAME_BYTES) -> str:
    """A file name as sent (an upload's, which any program can set to ``..\\..\\x``,
    ``C:\\x``, ``CON.xlsx``, ``a.xlsx:stream`` or ``报表. ``) made one safe name in one
    folder on Windows: only its last path part, the stem through :func:`safe_stem`, no
    leading dot (a hidden name is passed over by every walk), the extension without
    reserved characters. ``max_bytes`` bounds the whole name."""
    base = re.split(r"[\\/]", unicodedata.normalize("NFC", name))[-1]
    if base[1:2] == ":" and base[:1].isascii() and base[:1].isalpha():
        base = base[2:]  # a drive-relative "C:a.xlsx"
    base = base.split(":")[0]  # an NTFS stream: "a.xlsx:x", "a.xlsx:x:$DATA"
    base = base.lstrip(". ")
    stem, dot, ext = base.rpartition(".")
    if not dot or not stem:
        stem, ext = base, ""
    ext = _FORBIDDEN.sub("", squash_spaces(ext)).strip(". ")[:MAX_EXTENSION]
    suffix = f".{ext}" if ext else ""
    room = max(max_bytes - len(suffix.encode("utf-8")), 12)
    return safe_stem(stem, fallback, max_bytes=min(room, MAX_STEM_BYTES)) + suffix
