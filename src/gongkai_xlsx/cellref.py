"""A1 cell references, without pulling a spreadsheet library into every stage."""

from __future__ import annotations

import re
from collections.abc import Iterable
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


@lru_cache(maxsize=65536)
def from_a1(ref: str) -> tuple[int, int]:
    """``$D$6`` or ``D6`` → 0-based (row, col) (kept, as :func:`to_a1`: a form's cells
    are named again in every return's findings)."""
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


def rectangles(positions: list[tuple[int, int]]) -> list[tuple[int, int, int, int]]:
    """Cover (row, col) cells with few rectangles (first_row, first_col, last_row, last_col).

    Runs of columns are found per row, then identical runs on consecutive rows are merged.
    """
    by_row: dict[int, list[int]] = {}
    for r, c in sorted(set(positions)):
        by_row.setdefault(r, []).append(c)
    runs_by_row: dict[int, list[tuple[int, int]]] = {}
    for r, cols in by_row.items():
        runs: list[tuple[int, int]] = []
        for c in cols:
            if runs and runs[-1][1] == c - 1:
                runs[-1] = (runs[-1][0], c)
            else:
                runs.append((c, c))
        runs_by_row[r] = runs
    open_rects: dict[tuple[int, int], list[int]] = {}
    done: list[tuple[int, int, int, int]] = []
    for r in sorted(runs_by_row):
        current = set(runs_by_row[r])
        for run, rect in list(open_rects.items()):
            if run in current and rect[1] == r - 1:
                rect[1] = r
                current.discard(run)
            else:
                done.append((rect[0], run[0], rect[1], run[1]))
                del open_rects[run]
        for run in current:
            open_rects[run] = [r, r]
    done += [(rect[0], run[0], rect[1], run[1]) for run, rect in open_rects.items()]
    return sorted(done)


def range_text(rect: tuple[int, int, int, int]) -> str:
    """A rectangle of :func:`rectangles` as A1 text: ``D6`` or ``D6:F9``."""
    r0, c0, r1, c1 = rect
    first = to_a1(r0, c0)
    return first if (r0, c0) == (r1, c1) else f"{first}:{to_a1(r1, c1)}"


def compress(refs: Iterable[str]) -> list[str]:
    """Cells of one sheet as few ranges, in reading order: ``D6 D7 D8 F6`` → ``D6:D8, F6``
    (so a message can name twenty cells in one line)."""
    return list(_compressed(tuple(refs)))


@lru_cache(maxsize=256)
def _compressed(refs: tuple[str, ...]) -> tuple[str, ...]:
    """:func:`compress`, kept: the same cells come back grouped in many returns (a table
    left empty), and each return's lines are written for its report and its marked copy."""
    return tuple(range_text(rect) for rect in rectangles([from_a1(r) for r in refs]))
