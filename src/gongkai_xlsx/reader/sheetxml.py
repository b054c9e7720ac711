"""One worksheet part → :class:`SheetScan`: every cell that holds something, the merged
ranges, and every structural oddity an application might display differently from us.

Two tokenizers feed one :class:`_Builder`, which alone decides positions (explicit ``r``
or the position the grammar implies), order, duplicates and oddities, so both read a file
the same way:

- the fast one: regular expressions over the bytes of the subset of XML that Excel, WPS,
  LibreOffice and the libraries write (unprefixed main namespace, no comments, CDATA,
  processing instructions or ``>`` in attribute values), after expat has confirmed the
  part is well-formed;
- the exact one: expat with handlers and namespaces, for everything else. It is the
  reference the fast one is tested against (``tests/test_reader_xml.py``).

Bounds: the caller has capped the part's size; here a start tag longer than
``MAX_TAG_BYTES``, a text run longer than ``MAX_TEXT_BYTES`` or more than ``MAX_CELLS``
cells make the part unreadable (:class:`SheetTooLarge`) before anything is built, and no
cell text longer than Excel's 32,767 characters is kept.
"""

from __future__ import annotations

import bisect
import heapq
import pyexpat
import re
from dataclasses import dataclass, field
from functools import lru_cache

from gongkai_xlsx.ooxml.xmltext import (
    attributes,
    gt_in_attribute,
    parse_checked,
    unescape,
)
from gongkai_xlsx.reader.grammar import Checker, local_name

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
            return _unescape_once(self.f.encode())
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


def _unescape_once(raw: bytes) -> str:
    """:func:`unescape`, once per worker for a text with references: a batch's returns
    share their template, whose formulas and their cached text results come again in
    every return (bounded: 512 texts of at most MAX_CACHED_TEXT bytes, a few MB)."""
    if b"&" not in raw or len(raw) > MAX_CACHED_TEXT:
        return unescape(raw)
    return _unescape_cached(raw)


@lru_cache(maxsize=512)
def _unescape_cached(raw: bytes) -> str:
    return unescape(raw)


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


_REF = re.compile(r"([A-Z]{1,3})([1-9][0-9]{0,6})")
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


class _Builder:
    """Places cells as the grammar does and notes every oddity (shared by both tokenizers)."""

    def __init__(self) -> None:
        self.scan = SheetScan()
        self.seen: set[str] = set()
        self.noted: set[Oddity] = set()
        self.last_row = 0  # highest row number so far
        self.row = 0  # the current row's number, 0 outside a row
        self.col = 0  # the last column placed in the current row

    def odd(
        self, kind: str, row: int, ref: str | None = None, content: bool = False, detail: str = ""
    ) -> None:
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


def _cap(text: str, cell: RawCell) -> str:
    if len(text) > MAX_CELL_CHARS:
        cell.too_long = True
        return text[:MAX_CELL_CHARS]
    return text


# ----------------------------------------------------------------------------- fast path
# A cell's content up to its end tag, written so that the engine runs through text in one
# step and looks ahead only at a "<" (a lazy ".*?" tests every character: 20x slower on
# the long formulas of a template's totals).
_CONTENT = rb"([^<]*(?:<(?!/c\s*>)[^<]*)*)</c\s*>"
_TOKENS = re.compile(
    # 1-5: a cell in the order every writer uses: r, then s, then t
    rb'<c r="([A-Z]{1,3})([1-9][0-9]{0,6})"(?: s="([0-9]{1,9})")?(?: t="([a-zA-Z]{1,12})")?'
    rb"\s*(?:/>|>" + _CONTENT + rb")"
    rb"|(<c\b)([^<>]*?)(?:/>|>" + _CONTENT + rb")"  # 6-8: any other cell
    rb"|(<row\b)([^<>]*?)(/?)>"  # 9-11: a row (self-closing when empty)
    rb"|(</row)\s*>"  # 12
    rb"|(<)(?!/?(?:c|row)[\s/>])[^<>]*>",  # 13: anything else inside sheetData
    re.S,
)
_INNER = re.compile(
    rb"(?:<f\b([^<>]*?)(?:/>|>([^<]*)</f\s*>))?(?:<v>([^<]*)</v\s*>|(<v\s*/>))?\Z", re.S
)
_INLINE = re.compile(rb'<is><t(?: xml:space="preserve")?>([^<]*)</t></is>\Z')
_NESTED_CELL = re.compile(rb"<c[\s/>]")
_INNER_TAG = re.compile(rb"<(/?)([A-Za-z_][\w.:-]*)([^<>]*?)(/?)>|([^<]+)", re.S)
_ROW_R = re.compile(rb"""(?<![\w:.-])r\s*=\s*(?:"([^"]*)"|'([^']*)')""")  # not x:r="…"
_MERGE = re.compile(rb"<mergeCell\b([^<>]*)>")


def _row_ref(attrs: bytes) -> str | None:
    """A row's ``r`` as the exact tokenizer has it: unescaped, whichever quotes."""
    m = _ROW_R.search(attrs)
    if m is None:
        return None
    return attributes(m.group(0))["r"]


_TEXT_PATHS = {(b"v",): "v", (b"f",): "f", (b"is", b"t"): "t", (b"is", b"r", b"t"): "t"}


def _shared_group(cell: RawCell, f_attrs: bytes) -> None:
    """``cell.shared`` from an ``<f>``'s attributes (the first ``<f>`` counts)."""
    if b"shared" in f_attrs and cell.shared is None:
        attrs = attributes(f_attrs.rstrip(b"/"))
        if attrs.get("t") == "shared":
            cell.shared = attrs.get("si", "")


def _generic_inner(inner: bytes, cell: RawCell) -> None:
    """A cell's content other than a plain ``<f>``/``<v>``, in order: inline strings, rich
    text runs, phonetic runs (not shown in the cell), extensions (ignored). Only text at
    the grammar's own paths counts, and the content is held to :mod:`.grammar`, exactly as
    in :class:`_ExactScanner`."""
    stack: list[bytes] = []
    texts: list[str] = []
    checker = Checker("c")
    for closing, name, rest, empty, text in _INNER_TAG.findall(inner):
        if text:
            kind = _TEXT_PATHS.get(tuple(stack))
            if kind is None:
                checker.text(unescape(text))
            elif kind == "v":
                cell.v = (cell.v or "") + unescape(text)
            elif kind == "f":
                cell.f = (cell.f or "") + unescape(text)
            else:
                texts.append(unescape(text))
            continue
        if closing:
            if stack:
                stack.pop()
                checker.end()
            continue
        checker.start(local_name(name.decode("utf-8")))
        if not stack:
            if name == b"v":
                cell.v = cell.v or ""
            elif name == b"f":
                cell.f = cell.f or ""
                _shared_group(cell, rest)
            elif name == b"is":
                cell.inline = cell.inline or ""
        if empty:
            checker.end()
        else:
            stack.append(name)
    cell.grammar = checker.problem
    if cell.inline is not None:
        cell.inline = _cap(cell.inline + "".join(texts), cell)


def _inner_into(cell: RawCell, inner: bytes, builder: _Builder) -> None:
    """A cell's content: the common ``<f>…</f><v>…</v>`` by one match, the rest in order."""
    m = _INNER.match(inner)
    if m is not None:
        f_attrs, f_text, v_text, v_empty = m.groups()
        if f_attrs is not None:
            _shared_group(cell, f_attrs)
            if not f_text:
                cell.f = ""
            elif b"&" in f_text or b"\r" in f_text:
                cell.f, cell.f_escaped = f_text.decode("utf-8"), True
            else:
                cell.f = f_text.decode("utf-8")
        if v_text is not None:
            cell.v = _cap(_unescape_once(v_text), cell) if v_text else ""
        elif v_empty is not None:
            cell.v = ""
        return
    m = _INLINE.match(inner)
    if m is not None:  # an inline string as the writers spell it: one text run
        cell.inline = _cap(unescape(m.group(1)), cell)
        return
    if _NESTED_CELL.search(inner):
        builder.odd("structure", builder.row or 1, cell.ref or None, True)
    _generic_inner(inner, cell)
    if cell.v is not None:
        cell.v = _cap(cell.v, cell)


_COLUMNS: dict[bytes, int] = {}


def _scan_fast(data: bytes, start: int, end: int, builder: _Builder) -> None:
    """One ``findall`` over sheetData; an empty cell in order (most of a template's
    cells: borders of merged labels) costs a few comparisons, everything else goes
    through the builder exactly as the exact tokenizer's cells do."""
    seen, columns = builder.seen, _COLUMNS
    row_digits = b""
    for (
        letters,
        digits,
        style,
        kind,
        inner,
        generic,
        g_attrs,
        g_inner,
        row_start,
        row_attrs,
        row_close,
        row_end,
        _other,
    ) in _TOKENS.findall(data, start, end):
        if letters:
            if not inner and digits == row_digits:
                col = columns.get(letters) or columns.setdefault(
                    letters, column_index(letters.decode())
                )
                if builder.col < col <= MAX_COL:
                    ref = (letters + digits).decode()
                    if ref not in seen:
                        seen.add(ref)
                        builder.col = col
                        continue
            cell_letters, cell_digits = letters.decode(), digits.decode()
            cell = RawCell(
                cell_letters + cell_digits,
                kind.decode() if kind else "",
                style.decode() if style else "0",
            )
            if inner:
                _inner_into(cell, inner, builder)
            builder.cell(cell, cell_letters, cell_digits)
        elif generic:
            attrs = attributes(g_attrs.rstrip(b"/"))
            r = attrs.get("r")
            ref_match = _REF.fullmatch(r) if r is not None else None
            cell = RawCell(r or "", attrs.get("t", ""), attrs.get("s", "0"))
            if g_inner:
                _inner_into(cell, g_inner, builder)
            if ref_match:
                builder.cell(cell, ref_match.group(1), ref_match.group(2))
            else:
                builder.cell(cell, None, None)
        elif row_start:
            builder.start_row(_row_ref(row_attrs))
            row_digits = str(builder.row).encode()
            if row_close or row_attrs.endswith(b"/"):
                builder.end_row()
                row_digits = b""
        elif row_end:
            builder.end_row()
            row_digits = b""
        else:
            builder.odd("structure", builder.row or builder.last_row or 1)


# ---------------------------------------------------------------------------- exact path
class _ExactScanner:
    """expat with namespaces: the reference reading of any well-formed worksheet."""

    def __init__(self, builder: _Builder) -> None:
        self.b = builder
        self.stack: list[str] = []  # local names; "?name" for elements of other namespaces
        self.cell: RawCell | None = None
        self.cell_depth = 0  # len(stack) at the cell's own element
        self.cell_ref: tuple[str | None, str | None] = (None, None)
        self.texts: list[str] = []
        self.capture: str | None = None  # "v", "f" or "t" while inside one
        self.capture_depth = 0  # len(stack) at that element (text of its children is not its)
        self.checker = Checker("c")

    def start(self, name: str, attrs: dict[str, str]) -> None:
        ns, _, local = name.rpartition(" ")
        parent = self.stack[-1] if self.stack else ""
        self.stack.append(local if ns == MAIN_NS else "?" + local)
        if self.cell is not None:
            self.checker.start(local if ns == MAIN_NS else "?" + local)
            path = tuple(self.stack[self.cell_depth :])
            if local == "c" and ns == MAIN_NS:
                self.b.odd("structure", self.b.row or 1, self.cell.ref or None, True)
            if len(path) == 1 and path[0] in ("v", "f", "is"):
                if path[0] == "v":
                    self.cell.v = self.cell.v or ""
                elif path[0] == "f":
                    self.cell.f = self.cell.f or ""
                    if attrs.get("t") == "shared" and self.cell.shared is None:
                        self.cell.shared = attrs.get("si", "")
                else:
                    self.cell.inline = self.cell.inline or ""
            kind = _TEXT_PATHS.get(tuple(p.encode() for p in path))
            if kind is not None:
                self.capture, self.texts = kind, []
                self.capture_depth = len(self.stack)
            return
        if ns != MAIN_NS:
            return
        if local == "row" and parent == "sheetData":
            self.b.start_row(attrs.get("r"))
        elif local == "c" and parent == "row":
            r = attrs.get("r")
            ref = _REF.fullmatch(r) if r is not None else None
            self.cell = RawCell(r or "", attrs.get("t", ""), attrs.get("s", "0"))
            self.cell_depth = len(self.stack)
            self.checker = Checker("c")
            self.cell_ref = (ref.group(1), ref.group(2)) if ref else (None, None)
        elif local == "mergeCell" and parent == "mergeCells":
            self.b.merge(attrs.get("ref", ""))
        elif parent in ("sheetData", "row"):
            self.b.odd("structure", self.b.row or self.b.last_row or 1)

    def end(self, _name: str) -> None:
        depth = len(self.stack)
        local = self.stack.pop() if self.stack else ""
        cell = self.cell
        if cell is None:
            if local == "row" and self.stack and self.stack[-1] == "sheetData":
                self.b.end_row()
            return
        if depth == self.cell_depth:  # the cell's own end tag
            cell.grammar = self.checker.problem
            self.b.cell(cell, *self.cell_ref)
            self.cell = None
            return
        self.checker.end()
        if self.capture is not None and depth == self.capture_depth:
            text = "".join(self.texts)
            if self.capture == "v":
                cell.v = _cap((cell.v or "") + text, cell)
            elif self.capture == "f":
                cell.f = (cell.f or "") + text
            else:
                cell.inline = _cap((cell.inline or "") + text, cell)
            self.capture = None

    def chars(self, data: str) -> None:
        if self.capture is not None and len(self.stack) == self.capture_depth:
            self.texts.append(data)
        elif self.cell is not None:
            self.checker.text(data)


def _scan_exact(data: bytes, builder: _Builder) -> None:
    scanner = _ExactScanner(builder)
    parser = pyexpat.ParserCreate(namespace_separator=" ")
    parser.buffer_text = True
    parser.StartElementHandler = scanner.start
    parser.EndElementHandler = scanner.end
    parser.CharacterDataHandler = scanner.chars
    parse_checked(parser, data)


# ----------------------------------------------------------------------------- the choice
_ROOT = re.compile(
    rb"""\A(?:\xef\xbb\xbf)?\s*(?:<\?xml\b[^<>]*\?>\s*)?<worksheet\b[^<>]*?\bxmlns\s*=\s*["']"""
    + MAIN_NS.encode()
    + rb"""["']"""
)
_LONG_TAG = re.compile(rb"<[^<>]{%d}" % MAX_TAG_BYTES)
_LONG_TEXT = re.compile(rb">[^<]{%d}" % MAX_TEXT_BYTES)


def needs_exact(data: bytes) -> bool:
    """Whether ``data`` uses XML outside the subset the fast tokenizer reads exactly: a
    root other than an unprefixed ``<worksheet>`` in the main namespace, the main namespace
    bound to a prefix or declared again, another default namespace anywhere, a comment,
    CDATA or processing instruction. Past the root, one expat pass (in C: its handlers
    run only where such a thing occurs), so that an answer of False also confirms ``data``
    is well-formed XML with every prefix bound (else
    :class:`~gongkai_xlsx.ooxml.xmltext.NotWellFormed`); after True, the exact tokenizer's
    own expat pass is the check."""
    if _ROOT.match(data) is None:  # a prefixed root, another default namespace
        return True
    odd: list[object] = []
    default_main = 0

    def declared(prefix: str | None, uri: str | None) -> None:
        nonlocal default_main
        if prefix is None and uri == MAIN_NS:
            default_main += 1
        elif prefix is None or uri == MAIN_NS:
            odd.append(prefix)

    parser = pyexpat.ParserCreate(namespace_separator=" ")
    parser.StartNamespaceDeclHandler = declared
    parser.CommentHandler = odd.append
    parser.ProcessingInstructionHandler = lambda target, _data: odd.append(target)
    parser.StartCdataSectionHandler = lambda: odd.append("cdata")
    parse_checked(parser, data)
    return bool(odd) or default_main != 1 or gt_in_attribute(data)


def check_bounds(data: bytes, sheet: str, max_cells: int = MAX_CELLS) -> None:
    """Each bound is looked for only where the part is large enough to break it (a return's
    parts are a few hundred KB: no 600 KB text, no 200,000 cells of 2 bytes each fit)."""
    if len(data) > 2 * max_cells and data.count(b"<c") > max_cells:
        raise SheetTooLarge(f"工作表“{sheet}”的单元格超过 {max_cells} 个")
    if len(data) > MAX_TAG_BYTES and _LONG_TAG.search(data):
        raise SheetTooLarge(f"工作表“{sheet}”中有超长的 XML 标记")
    if len(data) > MAX_TEXT_BYTES and _LONG_TEXT.search(data):
        raise SheetTooLarge(f"工作表“{sheet}”中有超长的文字")


def scan_sheet(
    data: bytes, sheet: str, force_exact: bool = False, max_cells: int = MAX_CELLS
) -> SheetScan:
    """Read one worksheet part; raises :class:`SheetTooLarge` or
    :class:`~gongkai_xlsx.ooxml.xmltext.NotWellFormed`. ``max_cells`` is larger for a
    summary's members sheet, which holds a row per member."""
    check_bounds(data, sheet, max_cells)
    builder = _Builder()
    if force_exact or needs_exact(data):  # needs_exact has confirmed it is well-formed
        _scan_exact(data, builder)
        builder.scan.exact = True
        return builder.scan
    start = data.find(b"<sheetData")
    if start >= 0:
        open_end = data.find(b">", start) + 1
        if data[open_end - 2 : open_end] != b"/>":
            end = data.find(b"</sheetData", open_end)
            _scan_fast(data, open_end, end if end >= 0 else len(data), builder)
        tail = data.find(b"<mergeCells", open_end)
        if tail >= 0:
            for attrs in _MERGE.findall(data, tail):
                builder.merge(attributes(attrs.rstrip(b"/")).get("ref", ""))
    return builder.scan
