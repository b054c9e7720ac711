"""Text normalisation shared by the reader and the checks."""

from __future__ import annotations

import re
import unicodedata

_SPACE = re.compile(r"\s+")
_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "「": '"', "」": '"'})


def clean(text: str) -> str:
    """Trim and collapse whitespace (full-width spaces and line breaks included)."""
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text).strip()) if text else ""


def label_key(text: str) -> str:
    """A label as compared with the definition: NFKC (half-width brackets, full-width
    letters), every whitespace and line break removed, quotes unified."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", text)).translate(_QUOTES)


def squash_spaces(text: str) -> str:
    """Trim and collapse whitespace, keeping every character as written (for names shown
    to people: an official name keeps its full-width brackets)."""
    return _SPACE.sub(" ", text).strip() if text else ""


def text_width(text: str) -> int:
    """Display width: wide (CJK, full-width) characters count 2, others 1."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
