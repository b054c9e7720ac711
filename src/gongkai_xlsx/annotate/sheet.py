"""A worksheet part, edited in place: the ``s`` of marked cells, the ``<legacyDrawing>``
that carries comments, and the tab selection. Everything else in the sheet (values,
formulas, validations, conditional formats, protection, extensions) is left as written.
"""

from __future__ import annotations

import re
from functools import lru_cache
from operator import itemgetter
from typing import NamedTuple

from gongkai_xlsx.cellref import col_letters, from_a1, to_a1
from gongkai_xlsx.ooxml import xmledit as xt
from gongkai_xlsx.ooxml.relationships import REL_NS

# CT_Worksheet children that come after <legacyDrawing> (ECMA-376 Part 1, 18.3.1.99).
_AFTER_LEGACY_DRAWING = (
    "legacyDrawingHF",
    "drawingHF",
    "picture",
    "oleObjects",
    "controls",
    "webPublishItems",
    "tableParts",
    "extLst",
)
_TRUE = ("1", "true", "on")
_ROW_OR_CELL = re.compile(r"<((?:[^\s/>!?:]+:)?)(row|c)(?=[\s/>])(?:[^>\"']|\"[^\"]*\"|'[^']*')*>")


class CellTag(NamedTuple):
    """One ``<c>`` start tag: where it is and which cell it is (``element`` spans the
    start tag; only its ``start`` and ``tag_end`` are used)."""

    row: int  # 0-based
    col: int
    element: xt.Element
    style: int


class Worksheet:
    """One sheet's XML text and the edits made to it.

    Every edit is kept as a splice of the text as read (:attr:`original`: its elements
    are located once, and each reading method reads it), and :attr:`text` is the text
    with all of them, made in one pass: a large sheet is neither copied nor searched
    again for each edit. The edits never overlap (cell start tags, new cells and rows,
    the root's start tag, ``<legacyDrawing>``, the sheet views).

    Only ASCII markup is searched and written here, so the text may be the part's
    bytes one character each (:meth:`~gongkai_xlsx.ooxml.package.Package.byte_text`, as
    the marking reads it): what it gives out that may hold other characters (the
    protection element, a relationship Id) is then decoded by the caller."""

    def __init__(self, text: str, data: bytes | None = None, well_formed: bool = False) -> None:
        """``text`` as read; ``data``, when given, its bytes (``text`` read one character
        a byte: the edited sheet is joined from them, without encoding ``text`` again).
        ``well_formed`` when the reader has just accepted these very bytes (expat): then
        the closing tags of the root and of sheetData are searched from the end
        (:func:`~gongkai_xlsx.ooxml.xmledit.root_of_well_formed`), not by a pass over
        the sheet each; never for bytes nobody parsed (a damaged sheet stays refused)."""
        self.original = text
        self._data = data
        self._root = xt.root_of_well_formed(text) if well_formed else xt.root(text)
        self._well_formed = well_formed
        self._children: list[xt.Element] | None = None  # the root's, once asked
        self.prefix = self._root.prefix
        self._edits: list[tuple[int, int, str]] = []  # (start, end, replacement), as made
        self._text: tuple[int, str] = (0, text)  # the text with the first n edits
        self._cells: list[CellTag] | None = None
        # the last cells_at answer found by search: the places asked, the cells
        self._found: tuple[set[tuple[int, int]], list[CellTag]] | None = None

    @property
    def text(self) -> str:
        """The sheet with every edit made so far."""
        if self._text[0] != len(self._edits):
            pieces: list[str] = []
            add, original, at = pieces.append, self.original, 0
            for start, end, new in sorted(self._edits, key=_span):  # stable: ties as made
                add(original[at:start])
                add(new)
                at = end
            add(original[at:])
            self._text = (len(self._edits), "".join(pieces))
        return self._text[1]

    def edited(self) -> bytes | None:
        """The sheet's bytes (as :meth:`~gongkai_xlsx.ooxml.package.Package.byte_text`
        read them) with every edit, None when the edits change nothing: joined from
        views of the bytes as read (a large sheet is copied once, not sliced, joined as
        text and then encoded)."""
        if not self._edits:
            return None
        original = self._data if self._data is not None else self.original.encode("latin-1")
        view = memoryview(original)
        pieces: list[bytes | memoryview] = []
        add, at = pieces.append, 0
        for start, end, new in sorted(self._edits, key=_span):  # stable: ties as made
            add(view[at:start])
            add(new.encode("latin-1"))
            at = end
        add(view[at:])
        data = b"".join(pieces)
        return None if data == original else data

    # -- reading (the text as read)
    def _top(self, local: str) -> xt.Element | None:
        """The root's first child named ``local``."""
        return next((e for e in self._top_children() if e.local == local), None)

    def _top_children(self) -> list[xt.Element]:
        if self._children is None:
            text, top = self.original, self._root
            if self._well_formed:
                self._children = xt.children_of_well_formed(text, top, "sheetData")
            else:
                self._children = xt.children(text, top)
        return self._children

    def cells(self) -> list[CellTag]:
        """Every ``<c>`` of sheetData with its position (implicit positions included:
        ``r`` is optional on rows and cells). One scan of the sheet's tags, kept (a
        marked copy asks before and while it restyles)."""
        if self._cells is not None:
            return self._cells
        data = self._top("sheetData")
        found: list[CellTag] = []
        if data is not None and not data.empty:
            plain = not any(
                self.original.find(mark, data.tag_end, data.content_end) >= 0
                for mark in ("<!", "<?", "extLst")
            )
            found = self._start_tags(data) if plain else self._scan(data)
        self._cells = found
        return found

    def cells_at(self, places: set[tuple[int, int]]) -> list[CellTag]:
        """The ``<c>`` elements at these (row, col) positions, in document order.

        A marked copy changes a few cells of a large sheet: each wanted cell is found by
        searching its text (``r="B7"`` as its first attribute, as Excel, WPS, LibreOffice
        and the template write it), in document order (one pass over the sheet, whatever
        their number); its row must say the same row and every cell of that row its
        place. Otherwise (or when one is absent from the XML, or out of order) every cell
        is scanned, as :meth:`cells` does. Positions written twice are found
        at their first (the reader reports them: 同一单元格出现了不止一次)."""
        if self._cells is None:
            if self._found is not None and self._found[0] == places:
                return self._found[1]
            found = self._quick(places)
            if found is not None:
                self._found = (places, found)
                return found
        return [c for c in self.cells() if (c.row, c.col) in places]

    def _quick(self, places: set[tuple[int, int]]) -> list[CellTag] | None:
        """The cells at ``places`` found by searching their text, or None (then every
        cell is scanned). Each wanted row is found by its start tag (``<row r="7"``),
        each cell after it by its start up to its reference (``<c r="B7"``, one search),
        and must be before the row's end; nothing searched through may be a comment,
        CDATA, processing instruction or extension that could hide markup. What follows
        a row's last wanted cell (its long total formula) is passed over once, by the
        search for the next row. The checks are searches of a regular expression (one
        pass each, faster than ``str.find`` for these words: a sheet is ~200 KB)."""
        text, p = self.original, self.prefix
        data = self._top("sheetData")
        if data is None or data.empty:
            return None
        lo, hi = data.tag_end, data.content_end
        found: list[CellTag] = []
        qname, find = p + "c", text.find
        at = row_start = last = lo  # where to search on; the row's first cell; the last cell
        current = -1
        needles = _cell_needles(p)
        for place in sorted(places):  # one pass; the loop is the marking's per cell
            row, col = place
            if row != current:
                opened = self._row_start(row, at, hi)
                if opened is None or not self._in_row(row_start, last):
                    return None
                current, at, row_start = row, opened, opened
            needle = needles.get(place) or _cell_needle(needles, p, place)
            start = find(needle, at, hi)
            if start < 0:
                return None
            end = find(">", start + len(needle)) + 1
            tag = text[start:end]
            if end and "'" not in tag and not tag.count('"') % 2:
                s_at = tag.find(' s="')  # _style, inlined for the common spelling
                if s_at >= 0:
                    value = tag[s_at + 4 : tag.find('"', s_at + 4)]
                    style = int(value) if value.isdigit() else 0
                else:
                    style = _style(tag)
            else:  # see _tag_end
                end = _tag_end(text, start)
                if end < 0:
                    return None
                tag = text[start:end]
                style = _style(tag)
            element = _new_tuple(xt.Element, (qname, start, end, end, end))
            found.append(_new_tuple(CellTag, (row, col, element, style)))  # as CellTag(...)
            at, last = end, start
        if not self._in_row(row_start, last):
            return None
        # no comment, CDATA, processing instruction or extension where it searched
        if _markup_apart(text, lo, at) or _EXTENSION.search(text, lo, at) is not None:
            return None
        return found

    def _in_row(self, start: int, last: int) -> bool:
        """Whether the cell at ``last`` is in the row whose cells start at ``start`` (no
        ``</row>`` between), and every cell before it there says its place: one without
        might be counted to a wanted position and be found first."""
        if last <= start:
            return True
        return _row_breaks(self.prefix).search(self.original, start, last) is None

    def _row_start(self, row: int, start: int, hi: int) -> int | None:
        """Where the cells of row ``row`` (0-based) start, its start tag searched from
        ``start`` (saying its number first, not empty); None otherwise."""
        text, p = self.original, self.prefix
        row_at = text.find(f'<{p}row r="{row + 1}"', start, hi)
        tag = _ROW_OR_CELL.match(text, row_at) if row_at >= 0 else None
        if tag is None or tag.group(2) != "row" or tag.group(0).endswith("/>"):
            return None
        return tag.end()

    def _start_tags(self, data: xt.Element) -> list[CellTag]:
        """The cells from the start tags of rows and cells alone: inside sheetData, with
        no comment, CDATA, processing instruction or extension there, no other element is
        named ``row`` or ``c`` (a cell holds f, v and is), so one regular expression finds
        them all without visiting the values."""
        text, found = self.original, []
        row_index = col_index = -1
        for match in _ROW_OR_CELL.finditer(text, data.tag_end, data.content_end):
            if match.group(1) != self.prefix:
                continue
            tag = match.group(0)
            if match.group(2) == "row":
                r = xt.get_attr(tag, "r")
                row_index = int(r) - 1 if r and r.isdigit() else row_index + 1
                col_index = -1
                continue
            ref = xt.get_attr(tag, "r")
            col_index = from_a1(ref)[1] if ref else col_index + 1
            s = xt.get_attr(tag, "s")
            start, end = match.span()
            element = xt.Element(match.group(1) + "c", start, end, end, end)
            found.append(CellTag(row_index, col_index, element, int(s) if s and s.isdigit() else 0))
        return found

    def _scan(self, data: xt.Element) -> list[CellTag]:
        text = self.original
        found: list[CellTag] = []
        open_tags: list[tuple[xt.Tag, int, int]] = []  # with the column and style of a <c>
        row_index = col_index = -1
        for tag in xt.tags(text, data.tag_end, data.content_end):
            if tag.closing:
                if not open_tags or open_tags[-1][0].qname != tag.qname:
                    raise xt.XmlTextError(f"unbalanced </{tag.qname}> at {tag.start}")
                opened, col, style = open_tags.pop()
                if len(open_tags) == 1 and opened.local == "c":
                    element = xt.Element(opened.qname, opened.start, opened.end, tag.start, tag.end)
                    found.append(CellTag(row_index, col, element, style))
                continue
            depth, col, style = len(open_tags), -1, 0
            if depth == 0 and tag.local == "row":
                r = xt.get_attr(text[tag.start : tag.end], "r")
                row_index = int(r) - 1 if r and r.isdigit() else row_index + 1
                col_index = -1
            elif depth == 1 and tag.local == "c" and open_tags[0][0].local == "row":
                start_tag = text[tag.start : tag.end]
                ref = xt.get_attr(start_tag, "r")
                col_index = col = from_a1(ref)[1] if ref else col_index + 1
                s = xt.get_attr(start_tag, "s")
                style = int(s) if s and s.isdigit() else 0
                if tag.self_closing:
                    element = xt.Element(tag.qname, tag.start, tag.end, tag.end, tag.end)
                    found.append(CellTag(row_index, col, element, style))
            if not tag.self_closing:
                open_tags.append((tag, col, style))
        if open_tags:
            raise xt.XmlTextError(f"<{open_tags[-1][0].qname}> is not closed")
        return found

    def column_style(self, col: int) -> int:
        """The style of an empty cell in column ``col`` (``<col style>``), else 0."""
        cols = self._top("cols")
        if cols is None:
            return 0
        for element in xt.children(self.original, cols):
            tag = xt.start_tag(self.original, element)
            lo, hi = xt.get_attr(tag, "min"), xt.get_attr(tag, "max")
            if lo and hi and lo.isdigit() and hi.isdigit() and int(lo) <= col + 1 <= int(hi):
                style = xt.get_attr(tag, "style")
                return int(style) if style and style.isdigit() else 0
        return 0

    def protection(self) -> str | None:
        """The ``<sheetProtection .../>`` element as written, or None."""
        element = self._top("sheetProtection")
        return self.original[element.start : element.end] if element else None

    def legacy_drawing_id(self) -> str | None:
        """The relationship Id of the sheet's ``<legacyDrawing>``, if it has one."""
        element = self._top("legacyDrawing")
        return xt.ns_attr(self.original, element, REL_NS, "id") if element else None

    # -- writing (splices of the text as read)
    def set_styles(self, styles: dict[tuple[int, int], int]) -> None:
        """Give the cells at (row, col) these ``s`` values; cells absent from the XML
        (never typed in, never styled) are created empty with just that style."""
        present = set()
        text, add = self.original, self._edits.append
        for row, col, element, _ in self.cells_at(set(styles)):  # the per-cell loop
            key = (row, col)
            if key in styles:
                present.add(key)
                start, end = element.start, element.tag_end
                add((start, end, _with_style(text[start:end], str(styles[key]))))
        missing = sorted(set(styles) - present)
        if missing:
            self._insert_cells([(row, col, styles[(row, col)]) for row, col in missing])

    def _insert_cells(self, cells: list[tuple[int, int, int]]) -> None:
        """Empty styled cells (row, col, style; sorted) where the XML has none: into
        their row, in column order, or in a new row in row order."""
        p, text = self.prefix, self.original
        data = self._top("sheetData")
        if data is None:
            raise xt.XmlTextError("worksheet without sheetData")
        rows: list[tuple[int, xt.Element]] = []  # each <row> with its index
        row_index = -1
        for element in [] if data.empty else xt.children(text, data):
            if element.local != "row":
                continue
            r = xt.get_attr(xt.start_tag(text, element), "r")
            row_index = int(r) - 1 if r and r.isdigit() else row_index + 1
            rows.append((row_index, element))
        by_row: dict[int, list[tuple[int, str]]] = {}
        for row, col, style in cells:
            by_row.setdefault(row, []).append(
                (col, f'<{p}c r="{col_letters(col)}{row + 1}" s="{style}"/>')
            )
        appended = ""  # new rows after every row of sheetData
        for row, new_cells in by_row.items():
            target = next(((i, e) for i, e in rows if i >= row), None)
            if target is not None and target[0] == row:
                self._insert_into_row(target[1], new_cells)
                continue
            new_row = f'<{p}row r="{row + 1}">{"".join(c for _, c in new_cells)}</{p}row>'
            if target is not None:
                self._edits.append((target[1].start, target[1].start, new_row))
            else:
                appended += new_row
        if appended:
            self._append_child(data, appended)

    def _insert_into_row(self, row: xt.Element, new_cells: list[tuple[int, str]]) -> None:
        """New cells (column, XML; sorted) into an existing row, each before the first
        cell of a later column, else at the row's end."""
        text = self.original
        present: list[tuple[int, int]] = []  # (column, start) of the row's cells
        col_index = -1
        for cell in [] if row.empty else xt.children(text, row):
            if cell.local != "c":
                continue
            ref = xt.get_attr(xt.start_tag(text, cell), "r")
            col_index = from_a1(ref)[1] if ref else col_index + 1
            present.append((col_index, cell.start))
        at_end = ""
        for col, xml in new_cells:
            before = next((start for index, start in present if index > col), None)
            if before is None:
                at_end += xml
            else:
                self._edits.append((before, before, xml))
        if at_end:
            self._append_child(row, at_end)

    def _append_child(self, parent: xt.Element, xml: str) -> None:
        """:func:`~gongkai_xlsx.ooxml.xmledit.append_child` as a splice."""
        if parent.empty:
            tag = self.original[parent.start : parent.end]
            opened = tag[:-2].rstrip() + ">"
            self._edits.append((parent.start, parent.end, f"{opened}{xml}</{parent.qname}>"))
        else:
            self._edits.append((parent.content_end, parent.content_end, xml))

    def clear_tab_selection(self) -> bool:
        """Unselect this sheet's tab (the results sheet becomes the selected one: two
        selected tabs would group the sheets, and typing would change both)."""
        views = self._top("sheetViews")
        changed = False
        if views is None or views.empty:
            return False
        for view in xt.children(self.original, views):
            tag = xt.start_tag(self.original, view)
            if view.local == "sheetView" and (xt.get_attr(tag, "tabSelected") or "") in _TRUE:
                self._edits.append((view.start, view.tag_end, xt.del_attr(tag, "tabSelected")))
                changed = True
        return changed

    def add_legacy_drawing(self, rid: str) -> None:
        """Insert ``<legacyDrawing r:id>`` at its place in CT_Worksheet's order (and the
        namespace of ``r:id`` on the root when it lacks it)."""
        top = self._root
        tag = xt.start_tag(self.original, top)
        new_tag, prefix = _declaring_rel_ns(tag, top.qname)
        if new_tag != tag:
            self._edits.append((top.start, top.tag_end, new_tag))
        element = f'<{self.prefix}legacyDrawing {prefix}:id="{rid}"/>'
        following = [e for e in self._top_children() if e.local in _AFTER_LEGACY_DRAWING]
        at = following[0].start if following else top.content_end
        self._edits.append((at, at, element))


_EXTENSION = re.compile("extLst")
_new_tuple = tuple.__new__  # a named tuple made without its Python-level __new__
_span = itemgetter(0, 1)  # an edit's (start, end)


@lru_cache(maxsize=16)
def _row_breaks(prefix: str) -> re.Pattern[str]:
    """A row's end, or a cell not saying its place first (``<c>``, ``<c s="1"``), for
    namespace prefix ``prefix``: what may not be between a row's start and a cell found."""
    p = re.escape(prefix)
    return re.compile(f'<(?:/{p}row>|{p}c(?! r="))')


@lru_cache(maxsize=16)
def _cell_needles(prefix: str) -> dict[tuple[int, int], str]:
    """The start of each cell's tag as searched for (``<c r="B7"``) by (row, col), for
    namespace prefix ``prefix`` (kept: a form's cells are few, and every return marks
    some of them; at most :data:`_KEPT_NEEDLES` a prefix)."""
    return {}


_KEPT_NEEDLES = 65536


def _cell_needle(needles: dict[tuple[int, int], str], prefix: str, place: tuple[int, int]) -> str:
    """The needle of :func:`_cell_needles` for ``place``, made and kept (while few)."""
    needle = f'<{prefix}c r="{to_a1(*place)}"'
    if len(needles) < _KEPT_NEEDLES:
        needles[place] = needle
    return needle


@lru_cache(maxsize=64)
def _declaring_rel_ns(tag: str, qname: str) -> tuple[str, str]:
    """A sheet's root start tag binding the relationships namespace, and its prefix
    (kept: every sheet of a template has the same root tag)."""
    declared, prefix = xt.ensure_namespace(f"{tag}</{qname}>", REL_NS, "r")
    return declared[: -len(f"</{qname}>")], prefix


def _tag_end(text: str, start: int) -> int:
    """Where the start tag of the ``<c`` at ``start`` ends (-1: not such a tag). The
    first ``>`` ends it when no quote is open before it (cell attributes hold neither
    ``>`` nor quotes); else the regular expression that reads quoted values answers."""
    end = text.find(">", start) + 1
    if end > 0 and "'" not in text[start:end] and text.count('"', start, end) % 2 == 0:
        return end
    match = _ROW_OR_CELL.match(text, start)
    return match.end() if match is not None and match.group(2) == "c" else -1


def _style(tag: str) -> int:
    """A cell start tag's style index (0: none): ``s="7"`` read directly where it is
    written so, else as :func:`~gongkai_xlsx.ooxml.xmledit.get_attr` reads it."""
    at = tag.find(' s="')
    if at >= 0 and "'" not in tag:
        value = tag[at + 4 : tag.find('"', at + 4)]
    else:
        value = xt.get_attr(tag, "s") or ""
    return int(value) if value.isdigit() else 0


def _with_style(tag: str, value: str) -> str:
    """The cell start tag with ``s="value"``, as
    :func:`~gongkai_xlsx.ooxml.xmledit.set_attr` writes it."""
    at = tag.find(' s="')
    if at >= 0 and "'" not in tag:
        return tag[: at + 4] + value + tag[tag.find('"', at + 4) :]
    return xt.set_attr(tag, "s", value)


def _markup_apart(text: str, lo: int, hi: int) -> bool:
    """Whether ``text[lo:hi]`` may hold a comment, a CDATA section or a processing
    instruction (``<!``, ``<?``): found by their rare second characters (a search for
    one character is many times faster than for ``<!--``: ``<`` is everywhere). A sheet
    whose formulas name other sheets has hundreds of ``!``: past the first few, the rest
    is searched for ``<!`` in one pass of a regular expression (a Python loop a ``!``
    cost four times as much)."""
    if text.find("?", lo, hi) >= 0:
        return True
    at = text.find("!", lo, hi)
    for _ in range(_FEW_BANGS):
        if at < 0:
            return False
        if at > lo and text[at - 1] == "<":
            return True
        at = text.find("!", at + 1, hi)
    # every ``!`` before ``at`` is looked at: a ``<!`` from ``at`` on is one to find
    return at >= 0 and _COMMENT_OR_CDATA.search(text, at - 1 if at > lo else at, hi) is not None


_FEW_BANGS = 8
_COMMENT_OR_CDATA = re.compile("<!")


def mentions_outside_cells(text: bytes, word: str) -> bool:
    """Whether ``word`` (ASCII) is in a sheet's XML ``text`` outside its sheetData
    (before its start tag or from its closing tag on), where the elements a marked copy
    edits besides cells are: the large middle of a sheet is not searched. The whole text
    is searched unless the name's first appearance is a start tag and its last an end
    tag. The part's bytes as read: a sheet nobody edits is not decoded for it."""
    wanted = word.encode("ascii")
    first, last = text.find(b"sheetData"), text.rfind(b"sheetData")
    if first < 0 or last <= first:
        return wanted in text
    opened, closed = text.rfind(b"<", 0, first), text.rfind(b"</", 0, last)
    if not (_tag_before(text, opened + 1, first) and _tag_before(text, closed + 2, last)):
        return wanted in text
    return text.find(wanted, 0, first) >= 0 or text.find(wanted, last) >= 0


def _tag_before(text: bytes, name_at: int, at: int) -> bool:
    """Whether ``text[name_at:at]`` is nothing or a namespace prefix (``x:``) after a
    tag's ``<`` or ``</`` (``name_at`` is 0 or 1 when there is none)."""
    if name_at < 2:
        return False
    between = text[name_at:at].decode("latin-1")
    return between == "" or (between.endswith(":") and between[:-1].isidentifier())
