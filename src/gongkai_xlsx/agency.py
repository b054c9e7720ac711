"""The identity of an agency: the one key by which its name is matched everywhere.

Duplicate returns in a batch, the refusal of ``ingest --summary``, the members of a
汇总, the page's totals, a roster and last year's documents all ask "is this the same
agency?". They ask it here, and only here, so that two spellings of one name cannot be one
agency for one command and two for another.
"""

from __future__ import annotations

import re
import unicodedata
from typing import NewType

AgencyKey = NewType("AgencyKey", str)
"""An agency name as compared, never shown: people see the name as written."""

_SPACE = re.compile(r"\s+")

# How people write the same agency name differently: after NFKC, every bracket pair is a
# round one, every quotation or title mark one straight quote, every middle dot and every
# dash one character.
_AGENCY_MARKS = str.maketrans(
    {
        **dict.fromkeys("([{【〔〖〘", "("),
        **dict.fromkeys(")]}】〕〗〙", ")"),
        **dict.fromkeys("“”‘’\"'「」『』《》〈〉﹁﹂﹃﹄", '"'),
        **dict.fromkeys("·・•‧∙⋅", "·"),
        **dict.fromkeys("‐‑‒–—―﹣−", "-"),
    }
)


def agency_key(name: str) -> AgencyKey:
    """The identity of an agency name, for matching it across files, rosters and years.

    ``某县（教育局）``, ``某县 (教育局)``, ``某县【教育局】`` and a name pasted with a
    zero-width space all give one key: NFKC (full-width letters, digits and brackets to
    half-width), every whitespace and every invisible format or control character removed,
    brackets, quotation marks, middle dots and dashes unified, letters case-folded. It does
    not expand abbreviations or map traditional to simplified characters: those are
    different names. The key is for comparing only; people are shown the name as written.
    """
    text = unicodedata.normalize("NFKC", name or "")
    text = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf"))
    return AgencyKey(_SPACE.sub("", text).translate(_AGENCY_MARKS).casefold())


def same_agency(one: str, other: str) -> bool:
    """Whether two names, however written, name one agency."""
    return agency_key(one) == agency_key(other)
