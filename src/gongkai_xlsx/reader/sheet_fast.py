"""The fast tokenizer of a worksheet part (:mod:`.sheetxml` chooses it): regular
expressions over the bytes of the subset of XML that Excel, WPS, LibreOffice and the
libraries write, feeding the same :class:`~.sheet_cells.Builder` as the exact one. The hot
path of reading a return.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache

from gongkai_xlsx.ooxml.xmltext import attributes, unescape
from gongkai_xlsx.reader.grammar import Checker, local_name
from gongkai_xlsx.reader.sheet_cells import (
    MAX_CACHED_TEXT,
    MAX_CELL_CHARS,
    MAX_COL,
    REF,
    TEXT_PATHS,
    Builder,
    RawCell,
    cap,
    column_index,
    unescape_once,
)

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
MERGE = re.compile(rb"<mergeCell\b([^<>]*)>")


_ROW_R_PLAIN = re.compile(rb' r="([0-9]{1,7})"')  # how every writer spells it, first


def _row_ref(attrs: bytes) -> str | None:
    """A row's ``r`` as the exact tokenizer has it: unescaped, whichever quotes."""
    m = _ROW_R_PLAIN.match(attrs)
    if m is not None:  # the first attribute, digits only: nothing to unescape
        return m.group(1).decode()
    m = _ROW_R.search(attrs)
    if m is None:
        return None
    return attributes(m.group(0))["r"]


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
    in :mod:`.sheet_exact`."""
    stack: list[bytes] = []
    texts: list[str] = []
    checker = Checker("c")
    for closing, name, rest, empty, text in _INNER_TAG.findall(inner):
        if text:
            kind = TEXT_PATHS.get(tuple(stack))
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
        cell.inline = cap(cell.inline + "".join(texts), cell)


_Plain = tuple[str | None, bool, str | None, str | None, str | None, bool]


@lru_cache(maxsize=256)
def _plain_cached(inner: bytes) -> _Plain | None:
    """:func:`_plain`, once per worker for each content: a batch's returns share their
    template, whose formulas and labels come again in every return (bounded: 256 contents
    of at most MAX_CACHED_TEXT bytes, a few MB)."""
    return _plain(inner)


def _plain(inner: bytes) -> _Plain | None:
    """A cell's content read by :func:`_plain_into` as (f, f_escaped, shared, v, inline,
    too_long), or None where it is read in order (:func:`_generic_inner`)."""
    cell = RawCell("", "", "")
    if not _plain_into(cell, inner):
        return None
    return cell.f, cell.f_escaped, cell.shared, cell.v, cell.inline, cell.too_long


_PLAIN_V = re.compile(rb"<v>([^<&\r]*)</v>\Z")  # a number as every writer stores it


def _inner_into(cell: RawCell, inner: bytes, builder: Builder) -> None:
    """A cell's content: the common ``<f>…</f><v>…</v>`` by one match, the rest in order."""
    plain = _PLAIN_V.match(inner) if len(inner) <= MAX_CELL_CHARS else None
    if plain is not None:  # nothing to unescape, too short to cap: _plain_into's reading
        cell.v = plain.group(1).decode("utf-8")
        return
    got = _plain_cached(inner) if len(inner) <= MAX_CACHED_TEXT else _plain(inner)
    if got is not None:
        cell.f, cell.f_escaped, cell.shared, cell.v, cell.inline, cell.too_long = got
        return
    if _NESTED_CELL.search(inner):
        builder.odd("structure", builder.row or 1, cell.ref or None, True)
    _generic_inner(inner, cell)
    if cell.v is not None:
        cell.v = cap(cell.v, cell)


def _plain_into(cell: RawCell, inner: bytes) -> bool:
    """The content as the writers spell it: ``<f>``/``<v>`` or one inline text run; False
    for anything else."""
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
            cell.v = cap(unescape_once(v_text), cell) if v_text else ""
        elif v_empty is not None:
            cell.v = ""
        return True
    m = _INLINE.match(inner)
    if m is not None:  # an inline string as the writers spell it: one text run
        cell.inline = cap(unescape(m.group(1)), cell)
        return True
    return False


_COLUMNS: dict[bytes, int] = {}


# A whole row, where its content holds no other row: in well-formed XML no token of
# _TOKENS crosses its end tag, so the row's tokens are those _TOKENS finds between its tags.
_ROW_BLOCK = rb"(<row\b)([^<>]*?)(?<!/)>([^<]*(?:<(?!/?row[\s/>])[^<]*)*)</row\s*>"
_SHEET = re.compile(_ROW_BLOCK + rb"|" + _TOKENS.pattern, re.S)
MAX_REMEMBERED_ROW_BYTES = 1_048_576  # all rows remembered together (a return's: ~190 KB)
MAX_ROW_BYTES = 131_072  # a row of a template's status formulas, as LibreOffice saves it: 42 KB


@dataclass(frozen=True, slots=True)
class _Row:
    """What reading one row did to a builder that was between rows, before any row of
    a higher number: no oddity, every cell in order and first of its reference."""

    number: int
    refs: frozenset[str]
    cells: tuple[tuple[str, RawCell], ...]
    last_col: int


class _Rows(OrderedDict[bytes, _Row]):
    """Rows by their bytes, once per worker, the least recently met forgotten first: a
    batch's returns share their template, whose rows of labels, instructions and formulas
    come again, byte for byte, in every return, while a row of numbers seldom does
    (bounded: MAX_REMEMBERED_ROW_BYTES of rows; a row's cells are never changed once
    read)."""

    size = 0

    def __init__(self) -> None:
        super().__init__()
        # each row's bytes by its first bytes: a row is found where it stands in a part
        # by comparing bytes in place, with neither a search for its end nor a hash of
        # a copy of it (rows of long formulas: each costs as much as the expression's)
        self.by_head: dict[bytes, bytes] = {}

    def remember(self, whole: bytes, row: _Row) -> None:
        self[whole] = row
        self.size += len(whole)
        self.by_head[whole[:_HEAD]] = whole
        while self.size > MAX_REMEMBERED_ROW_BYTES:
            old = self.popitem(last=False)[0]
            self.size -= len(old)
            head = old[:_HEAD]
            if self.by_head.get(head) is old:
                del self.by_head[head]

    def clear(self) -> None:
        super().clear()
        self.by_head.clear()

    def at(self, data: bytes, start: int, end: int) -> bytes | None:
        """The remembered row whose bytes stand in ``data`` at ``start`` (before
        ``end``), if any: compared in place."""
        whole = self.by_head.get(data[start : start + _HEAD])
        if (
            whole is None
            or start + len(whole) > end
            or not data.startswith(whole, start)
            or whole not in self
        ):
            return None
        return whole


_HEAD = 48


_ROWS = _Rows()
# The hashes of rows read once and not remembered: a row is remembered when it comes again
# (most rows of numbers come once; a template's rows, in every return). Bounded.
_ONCE: set[int] = set()
MAX_ONCE = 8192


def scan_fast(data: bytes, start: int, end: int, builder: Builder) -> None:
    """``_SHEET``'s matches over sheetData, one after another; an empty cell in order (most of a template's
    cells: borders of merged labels) costs a few comparisons, everything else goes
    through the builder exactly as the exact tokenizer's cells do. A row met before, byte
    for byte, is placed as it was read then, where nothing before it changes that."""
    seen, cells, rows = builder.seen, builder.scan.cells, _ROWS
    row_digits = b""
    search = _SHEET.search
    pos = start
    while True:
        # A row met before, found by comparing bytes in place: at a "<row" where
        # _SHEET's search would start, bytes equal to a remembered row (a whole match of
        # _ROW_BLOCK, which holds no other "<row" or "</row") are matched by _SHEET as
        # exactly that row, whatever follows them. A comparison stops at the first byte
        # that differs, and two never overlap (a row holds no other "<row").
        if not builder.row and data.startswith(b"<row", pos):
            key = rows.at(data, pos, end)
            if key is not None and len(key) <= MAX_ROW_BYTES:
                met = rows[key]
                if met.number > builder.last_row and seen.isdisjoint(met.refs):
                    rows.move_to_end(key)
                    seen |= met.refs
                    cells.update(met.cells)
                    builder.last_row = met.number
                    builder.col = met.last_col
                    pos += len(key)
                    continue
        match = search(data, pos, end)
        if match is None:
            break
        pos = match.end()
        token = match.groups()
        if not token[0]:
            row_digits = _token(token[3:], builder, row_digits, None)
            continue
        whole = token[0] + token[1] + b">" + token[2] + b"</row>"
        known = rows.get(whole) if len(whole) <= MAX_ROW_BYTES else None
        between = not builder.row
        last_row = builder.last_row
        if (
            known is not None
            and between
            and known.number > last_row
            and seen.isdisjoint(known.refs)
        ):
            rows.move_to_end(whole)
            seen |= known.refs
            cells.update(known.cells)
            builder.last_row = known.number
            builder.col = known.last_col
            continue
        calls = builder.odd_calls
        builder.start_row(_row_ref(token[1]))  # as _token does with a row's start tag
        number = builder.row
        row_digits = str(number).encode()
        record = _Record()
        placed = record.cells
        for inner in _TOKENS.findall(token[2]):
            letters = inner[0]
            if letters and inner[1] == row_digits:  # a cell in order: _token's first case
                col = _COLUMNS.get(letters) or _COLUMNS.setdefault(
                    letters, column_index(letters.decode())
                )
                if builder.col < col <= MAX_COL:
                    ref = (letters + row_digits).decode()
                    if ref not in seen:  # as _token places it, inline
                        seen.add(ref)
                        builder.col = col
                        content = inner[4]
                        if not content:  # an empty cell: most of a template's
                            placed.append((ref, None))
                            continue
                        style, kind = inner[2], inner[3]
                        cell = RawCell(
                            ref, kind.decode() if kind else "", style.decode() if style else "0"
                        )
                        plain = _PLAIN_V.match(content) if len(content) <= MAX_CELL_CHARS else None
                        if plain is not None:  # _inner_into's first case
                            cell.v = plain.group(1).decode("utf-8")
                        else:
                            _inner_into(cell, content, builder)
                            if cell.grammar is not None:
                                builder.odd("grammar", builder.row, ref, True, cell.grammar)
                            if cell.empty:
                                placed.append((ref, None))
                                continue
                        cells[ref] = cell
                        placed.append((ref, cell))
                        continue
            row_digits = _token(inner, builder, row_digits, record)
        builder.end_row()
        row_digits = b""
        if (
            record.plain
            and between
            and number > last_row
            and builder.odd_calls == calls
            and len(whole) <= MAX_ROW_BYTES
            and whole not in rows
            and _again(whole)
        ):
            kept = tuple((ref, cell) for ref, cell in record.cells if cell is not None)
            refs = frozenset(ref for ref, _ in record.cells)
            rows.remember(whole, _Row(number, refs, kept, builder.col))


def _again(whole: bytes) -> bool:
    """Whether a row with these bytes' hash was read before (else noted, for next time)."""
    key = hash(whole)
    if key in _ONCE:
        _ONCE.discard(key)
        return True
    if len(_ONCE) >= MAX_ONCE:
        _ONCE.clear()
    _ONCE.add(key)
    return False


class _Record:
    """The cells of a row as they are placed in order (None for an empty one), and
    whether every token of the row was such a cell."""

    __slots__ = ("cells", "plain")

    def __init__(self) -> None:
        self.cells: list[tuple[str, RawCell | None]] = []
        self.plain = True


def _token(
    token: tuple[bytes, ...],
    builder: Builder,
    row_digits: bytes,
    record: _Record | None,
) -> bytes:
    """One token of _TOKENS; returns the current row's digits. ``record`` notes what the
    token did, when the caller may remember the row."""
    (
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
    ) = token
    if letters:
        if digits == row_digits:
            col = _COLUMNS.get(letters) or _COLUMNS.setdefault(
                letters, column_index(letters.decode())
            )
            seen = builder.seen
            if builder.col < col <= MAX_COL:
                ref = (letters + digits).decode()
                if ref not in seen:
                    # in order in its row, first of its reference: what
                    # Builder.cell does with such a cell, without the questions
                    seen.add(ref)
                    builder.col = col
                    cell = None
                    if inner:
                        cell = RawCell(
                            ref, kind.decode() if kind else "", style.decode() if style else "0"
                        )
                        _inner_into(cell, inner, builder)
                        if cell.grammar is not None:
                            builder.odd("grammar", builder.row, ref, True, cell.grammar)
                        if cell.empty:
                            cell = None
                        else:
                            builder.scan.cells[ref] = cell
                    if record is not None:
                        record.cells.append((ref, cell))
                    return row_digits
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
        ref_match = REF.fullmatch(r) if r is not None else None
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
    if record is not None:
        record.plain = False
    return row_digits
