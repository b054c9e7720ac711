"""A1 cell references, without pulling a spreadsheet library into every stage."""

from __future__ import annotations

import re
from functools import lru_cache

_A1 = re.compile(r"^\$?([A-Z]{1,3})\$?([0-9]+)$")


@lru_cache(maxsize=1024)
def col_letters(col: int) -> str:
    """0-based column index → letters (0 → A, 26 → AA)."""
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


@lru_cache(maxsize=65536)
def to_a1(row: int, col: int) -> str:
    """0-based (row, col) → ``D6``."""
    return f"{col_letters(col)}{row + 1}"


def from_a1(ref: str) -> tuple[int, int]:
    """``$D$6`` or ``D6`` → 0-based (row, col)."""
    match = _A1.match(ref.upper())
    if not match:
        raise ValueError(f"not an A1 reference: {ref!r}")
    letters, digits = match.groups()
    col = 0
    for ch in letters:
        col = col * 26 + (ord(ch) - 64)
    return int(digits) - 1, col - 1


def a1_sort_key(ref: str) -> tuple[int, int]:
    try:
        return from_a1(ref)
    except ValueError:
        return (0, 0)
