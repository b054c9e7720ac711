"""The cells of one worksheet part as the grammar places them: :class:`RawCell`,
:class:`Oddity`, :class:`SheetScan`, and the :class:`Builder` that both tokenizers of
:mod:`.sheetxml` feed (:mod:`.sheet_fast`, :mod:`.sheet_exact`), which alone decides
positions (explicit ``r`` or the position the grammar implies), order, duplicates and
oddities, so both read a file the same way. Also the bounds, and the cell references and
merged ranges of a sheet.
"""

from __future__ import annotations

import bisect
import heapq
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from gongkai_xlsx.ooxml.xmltext import unescape

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
MAX_CELLS = 200_000  # a return has about 600 <c> elements; the cap bounds time and memory
MAX_TAG_BYTES = 65_536
MAX_TEXT_BYTES = 600_000  # 32,767 characters written as &#x10FFFF; references, with room
MAX_CELL_CHARS = 32_767  # Excel's limit for a cell's text
MAX_ROW, MAX_COL = 1_048_576, 16_384


@dataclass(slots=True, eq=False)
class RawCell:
    """A ``<c>`` as written: type and style attributes, and the decoded texts of its
    ``<v>``, ``<f>`` and ``<is>`` (None where the element is absent; a shared-formula child
    has an empty formula). ``too_long`` marks a text cut at :data:`MAX_CELL_CHARS`.
    ``shared`` is the group (``si``) of a shared formula (``<f t="shared">``), None for
    any other cell: a child's formula is its group's master's, shifted.

    A formula's text is decoded only when asked for (:meth:`formula`): a template's status
    formulas are thousands of characters full of ``&quot;``, and only the formulas of the
    form's own cells are ever shown."""

    ref: str
    t: str
    s: str
    v: str | None = None
    f: str | None = None  # as written in the XML when f_escaped, else decoded
    inline: str | None = None
    too_long: bool = False
    f_escaped: bool = False
    grammar: str | None = None  # the first departure from reader/grammar.py, in Chinese
    shared: str | None = None

    @property
    def empty(self) -> bool:
        return self.v is None and self.f is None and self.inline is None

    def formula(self) -> str | None:
        if self.f_escaped and self.f:
            return unescape_text_once(self.f)
        return self.f

    def _key(self) -> tuple[object, ...]:
        return (
            self.ref,
            self.t,
            self.s,
            self.v,
            self.formula(),
            self.inline,
            self.too_long,
            self.grammar,
            self.shared,
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RawCell) and self._key() == other._key()

    __hash__ = None  # type: ignore[assignment]


MAX_CACHED_TEXT = 16_384  # the template's longest formula is ~9,200 bytes as written


def unescape_once(raw: bytes) -> str:
    """:func:`unescape`, once per worker for a text with references: a batch's returns
    share their template, whose formulas and their cached text results come again in
    every return (bounded: 512 texts of at most MAX_CACHED_TEXT bytes, a few MB)."""
    if b"&" not in raw or len(raw) > MAX_CACHED_TEXT:
        return unescape(raw)
    return _unescape_cached(raw)


@lru_cache(maxsize=512)
def _unescape_cached(raw: bytes) -> str:
    return unescape(raw)


def unescape_text_once(text: str) -> str:
    """:func:`unescape_once` of a text kept decoded as written (a formula with
    references, see :class:`RawCell`): remembered by the text itself, whose hash a
    template's formula, read once and kept with its row, computes once."""
    if len(text) > MAX_CACHED_TEXT:
        return unescape(text.encode("utf-8"))
    return _unescape_text_cached(text)


@lru_cache(maxsize=512)
def _unescape_text_cached(text: str) -> str:
    return unescape(text.encode("utf-8"))


@dataclass(frozen=True, slots=True)
class Oddity:
    """Something an application may show differently. ``kind``: ``row-order`` (a row not
    after the one before), ``row-ref`` (an invalid row number), ``cell-order``,
    ``cell-duplicate``, ``cell-row`` (``r`` names another row), ``cell-ref`` (an invalid
    reference), ``structure`` (an element where the grammar has none), ``grammar`` (a cell
    whose content departs from :mod:`.grammar`; ``detail`` says how), ``implied`` (a row or
    cell without ``r``, placed where the grammar says). ``row`` is the 1-based row it
    concerns, ``ref`` the cell when there is one."""

    kind: str
    row: int
    ref: str | None = None
    content: bool = False  # the oddity concerns a cell that holds something
    detail: str = ""


@dataclass
class SheetScan:
    cells: dict[str, RawCell] = field(default_factory=dict)
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)  # 0-based, inclusive
    oddities: list[Oddity] = field(default_factory=list)
    exact: bool = False  # read by the exact tokenizer


class SheetTooLarge(ValueError):
    """The part exceeds a bound; the message says which, in Chinese."""


@lru_cache(maxsize=4096)
def column_index(letters: str) -> int:
    """``A`` → 1, ``XFD`` → 16384."""
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


@lru_cache(maxsize=4096)
def column_letters(index: int) -> str:
    letters = ""
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


REF = re.compile(r"([A-Z]{1,3})([1-9][0-9]{0,6})")
_RANGE = re.compile(r"([A-Z]{1,3})([1-9][0-9]{0,6})(?::([A-Z]{1,3})([1-9][0-9]{0,6}))?")


@lru_cache(maxsize=4096)  # a template's merged boxes are the same in every return
def parse_range(text: str) -> tuple[int, int, int, int] | None:
    """``A1:J1`` → (0, 0, 0, 9); None when it is not a valid range."""
    m = _RANGE.fullmatch(text.strip())
    if m is None:
        return None
    c0, r0 = column_index(m.group(1)), int(m.group(2))
    c1, r1 = (column_index(m.group(3)), int(m.group(4))) if m.group(3) else (c0, r0)
    if max(c0, c1) > MAX_COL or max(r0, r1) > MAX_ROW:
        return None
    return min(r0, r1) - 1, min(c0, c1) - 1, max(r0, r1) - 1, max(c0, c1) - 1


Rect = tuple[
    int, int, int, int
]  # 0-based, inclusive: first row, first column, last row, last column


def first_overlap(merges: list[Rect]) -> tuple[Rect, Rect] | None:
    """:func:`_first_overlap`, once per worker for each sheet's ranges (a template's are
    the same in every return; bounded: 64 sheets' ranges, at most 4,096 ranges each)."""
    if len(merges) > 4096:
        return _first_overlap(merges)
    return _first_overlap_cached(tuple(merges))


@lru_cache(maxsize=64)
def _first_overlap_cached(merges: tuple[Rect, ...]) -> tuple[Rect, Rect] | None:
    return _first_overlap(merges)


def _first_overlap(merges: Sequence[Rect]) -> tuple[Rect, Rect] | None:
    """Two merged ranges that overlap, or None. The grammar forbids it ([MS-XLS] 2.4.168:
    merged ranges MUST NOT overlap); Excel repairs such a file and Gnumeric refuses to
    open it. A sweep down the rows keeps the ranges spanning the current row, which are
    disjoint by columns until an overlap is found, so each new range is compared with its
    two neighbours only: n log n for a hostile number of ranges."""
    active: list[tuple[int, int, int, int]] = []  # (c0, c1, r1, r0), ordered by columns
    ends: list[tuple[int, int, int, int]] = []  # the same, as a heap by last row
    for r0, c0, r1, c1 in sorted(merges):
        while ends and ends[0][0] < r0:
            e1, e_c0, e_c1, e0 = heapq.heappop(ends)
            del active[bisect.bisect_left(active, (e_c0, e_c1, e1, e0))]
        at = bisect.bisect_left(active, (c0, c1, r1, r0))
        for a0, a1, b1, b0 in active[max(0, at - 1) : at + 1]:
            if a0 <= c1 and c0 <= a1:
                return (b0, a0, b1, a1), (r0, c0, r1, c1)
        active.insert(at, (c0, c1, r1, r0))
        heapq.heappush(ends, (r1, c0, c1, r0))
    return None


class Builder:
    """Places cells as the grammar does and notes every oddity (shared by both tokenizers)."""

    def __init__(self) -> None:
        self.scan = SheetScan()
        self.seen: set[str] = set()
        self.noted: set[Oddity] = set()
        self.last_row = 0  # highest row number so far
        self.row = 0  # the current row's number, 0 outside a row
        self.col = 0  # the last column placed in the current row
        self.odd_calls = 0  # oddities met, noted before or not (a row remembered has none)

    def odd(
        self, kind: str, row: int, ref: str | None = None, content: bool = False, detail: str = ""
    ) -> None:
        self.odd_calls += 1
        oddity = Oddity(kind, row, ref, content, detail)
        if oddity not in self.noted:  # both tokenizers may meet one oddity more than once
            self.noted.add(oddity)
            self.scan.oddities.append(oddity)

    def start_row(self, r: str | None) -> None:
        if self.row:
            self.odd("structure", self.row, detail="row in row")
        if r is None:
            number = self.last_row + 1
            self.odd("implied", number)
        elif r.isascii() and r.isdigit() and len(r) <= 7 and 0 < int(r) <= MAX_ROW and r[0] != "0":
            number = int(r)
            if number <= self.last_row:
                self.odd("row-order", number)
        else:
            number = self.last_row + 1
            self.odd("row-ref", number, detail=r[:20])
        self.row = number
        self.last_row = max(self.last_row, number)
        self.col = 0

    def end_row(self) -> None:
        self.row = 0

    def cell(self, cell: RawCell, letters: str | None, digits: str | None) -> None:
        content = not cell.empty
        row = self.row
        if not row:  # a <c> outside any <row>
            self.odd("structure", self.last_row or 1, cell.ref or None, content)
            return
        if letters is None:
            if cell.ref:  # an r that is not a reference
                self.odd("cell-ref", row, None, content)
                cell.ref = ""
            col = self.col + 1
            if col > MAX_COL:
                self.odd("cell-ref", row, None, content)
                return
            cell.ref = column_letters(col) + str(row)
            self.odd("implied", row, cell.ref, content)
        else:
            col = column_index(letters)
            number = int(digits or "0")
            if col > MAX_COL or number > MAX_ROW:
                self.odd("cell-ref", row, None, content)
                return
            if number != row:
                self.odd("cell-row", row, cell.ref, content)
            elif col <= self.col:
                self.odd("cell-order", row, cell.ref, content)
        self.col = max(self.col, col)
        ref = cell.ref
        if cell.grammar is not None:
            self.odd("grammar", row, ref, True, cell.grammar)
        if ref in self.seen:
            self.odd("cell-duplicate", row, ref, content or ref in self.scan.cells)
            return
        self.seen.add(ref)
        if content:
            self.scan.cells[ref] = cell

    def merge(self, ref: str) -> None:
        rect = parse_range(ref)
        if rect is not None and rect[:2] != rect[2:]:
            self.scan.merges.append(rect)


def cap(text: str, cell: RawCell) -> str:
    if len(text) > MAX_CELL_CHARS:
        cell.too_long = True
        return text[:MAX_CELL_CHARS]
    return text


# The paths of a cell's content whose text counts: its value, formula, inline string.
TEXT_PATHS = {(b"v",): "v", (b"f",): "f", (b"is", b"t"): "t", (b"is", b"r", b"t"): "t"}
