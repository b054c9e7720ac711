"""Text normalisation shared by the reader, the checks and the aggregator."""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

_SPACE = re.compile(r"\s+")

# What published reports and clerks write for "nothing here": read as blank, with a warning
# (ingest's blank-marker), and counted as such by the workbook's own status lines.
BLANK_MARKS = frozenset({"/", "-", "—", "——", "–", "_", "无", "\\", "--", "―"})
_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "「": '"', "」": '"'})


def label_key(text: str) -> str:
    """A label as compared with the definition: NFKC (half-width brackets, full-width
    letters), every whitespace and line break removed, quotes unified."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", text)).translate(_QUOTES)


def squash_spaces(text: str) -> str:
    """Trim and collapse whitespace and drop control characters, keeping every other
    character as written (for names shown to people: an official name keeps its
    full-width brackets; a control character would make the xlsx XML invalid)."""
    if not text:
        return ""
    text = "".join(ch for ch in text if ch.isspace() or unicodedata.category(ch)[0] != "C")
    return _SPACE.sub(" ", text).strip()


_NAMED_CONTROLS = {"\n": "换行", "\r": "回车", "\t": "制表符"}


def clean_name(text: str) -> tuple[str, list[str]]:
    """A name as it may be written into a cell and a file name: :func:`squash_spaces`,
    and what was taken out of it besides plain spaces (line breaks, tabs, control and
    invisible format characters such as U+202E, which reverses the text after it), named
    for a message: ``["换行", "U+202E"]``."""
    removed: list[str] = []
    for ch in text:
        if ch in _NAMED_CONTROLS or (ch != " " and unicodedata.category(ch)[0] == "C"):
            what = _NAMED_CONTROLS.get(ch, f"U+{ord(ch):04X}")
            if what not in removed:
                removed.append(what)
    return squash_spaces(text), removed


def file_name_text(name: str) -> str:
    """A file name as text people can read. Names that are not UTF-8 on disk (a Windows
    zip of Chinese names unpacked on Linux is GBK) arrive as surrogate escapes, which
    cannot be written to JSON; they are decoded as GB18030, or replaced."""
    raw = os.fsencode(name)
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("utf-8", "replace")


def text_width(text: str) -> int:
    """Display width: wide (CJK, full-width) characters count 2, others 1."""
    if text.isascii():
        return len(text)
    return sum(map(_WIDTHS.__getitem__, text))


@lru_cache(maxsize=4096)
def kept_width(text: str) -> int:
    """:func:`text_width`, kept: a marked copy measures each finding's message for its
    comment box and again for its row of the results sheet."""
    return text_width(text)


class _Widths(dict[str, int]):
    """Each character's display width, looked up once (the marked copies measure every
    finding's words for their comment boxes and result rows); at most ``_KEPT_WIDTHS``
    characters kept."""

    def __missing__(self, ch: str) -> int:
        width = 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        if len(self) < _KEPT_WIDTHS:
            self[ch] = width
        return width


_KEPT_WIDTHS = 20000
_WIDTHS = _Widths()


def utf16_len(text: str) -> int:
    """Length as Excel's LEN and its text limits count it: in UTF-16 units (𠮷 is 2)."""
    return len(text.encode("utf-16-le")) // 2


# What a name must not carry raw onto a terminal line or into a page: controls, format
# characters (bidi overrides such as U+202E, zero-width spaces), line and paragraph
# separators, and lone surrogates (file names that were not UTF-8 on disk).
_INVISIBLE = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})
_SHORT_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(ch: str) -> str:
    if ch in _SHORT_ESCAPES:
        return _SHORT_ESCAPES[ch]
    code = ord(ch)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def escape_invisible(text: str, keep: str = "") -> str:
    """``text`` with every invisible character (but those in ``keep``) written as its
    escape (``\\n``, ``\\u202e``): the one spelling the terminal and report.html share, so
    that a name cannot break a line, reverse the text after it or hide part of itself."""
    if text.isprintable() and not any(ch in keep for ch in text):
        return text
    return "".join(
        ch if ch in keep or unicodedata.category(ch) not in _INVISIBLE else _escape(ch)
        for ch in text
    )


LIST_LIMIT = 5  # names a message lists before it says how many there are in all


def listed(names: Iterable[str], measure: str, limit: int = LIST_LIMIT, sep: str = "、") -> str:
    """Names joined by ``sep`` (each once, in order). A longer list names the first ``limit``
    and says how many there are in all: ``甲、乙、丙、丁、戊 等共 7 份``. A list only one
    longer than ``limit`` is named whole, since “等共 6 份” after five names would hide one
    name to save none. ``measure`` is the caller's counted word, the one its sentence uses:
    份 for returns, files and copies, 个单位 for agencies, 个 for folders."""
    unique = list(dict.fromkeys(names))
    if len(unique) <= limit + 1:
        return sep.join(unique)
    return f"{sep.join(unique[:limit])} 等共 {len(unique)} {measure}"
