"""A worksheet part, edited in place: the ``s`` of marked cells, the ``<legacyDrawing>``
that carries comments, and the tab selection. Everything else in the sheet (values,
formulas, validations, conditional formats, protection, extensions) is left as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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


@dataclass(frozen=True)
class CellTag:
    """One ``<c>`` start tag: where it is and which cell it is (``element`` spans the
    start tag; only its ``start`` and ``tag_end`` are used)."""

    row: int  # 0-based
    col: int
    element: xt.Element
    style: int


class Worksheet:
    """One sheet's XML text and the edits made to it."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.prefix = xt.root(text).prefix
        self._cells: tuple[str, list[CellTag]] | None = None  # for the text they were read from
        # the last cells_at answer found by search: its text, the places asked, the cells
        self._found: tuple[str, set[tuple[int, int]], list[CellTag]] | None = None

    # -- reading
    def _top(self, local: str) -> xt.Element | None:
        return xt.child(self.text, xt.root(self.text), local)

    def cells(self) -> list[CellTag]:
        """Every ``<c>`` of sheetData with its position (implicit positions included:
        ``r`` is optional on rows and cells). One scan of the sheet's tags, kept until
        the text changes (a marked copy asks before and while it restyles)."""
        if self._cells is not None and self._cells[0] is self.text:
            return self._cells[1]
        data = self._top("sheetData")
        found: list[CellTag] = []
        if data is not None and not data.empty:
            plain = not any(
                self.text.find(mark, data.tag_end, data.content_end) >= 0
                for mark in ("<!", "<?", "extLst")
            )
            found = self._start_tags(data) if plain else self._scan(data)
        self._cells = (self.text, found)
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
        if self._cells is None or self._cells[0] is not self.text:
            if self._found is not None and self._found[:2] == (self.text, places):
                return self._found[2]
            found = self._quick(places)
            if found is not None:
                self._found = (self.text, places, found)
                return found
        return [c for c in self.cells() if (c.row, c.col) in places]

    def _quick(self, places: set[tuple[int, int]]) -> list[CellTag] | None:
        text, p = self.text, self.prefix
        data = self._top("sheetData")
        if data is None or data.empty:
            return None
        lo, hi = data.tag_end, data.content_end
        # no comment, CDATA, processing instruction or extension (``--`` alone is in
        # formulas; a needle of frequent characters, ``<!``, searches slowly)
        if any(text.find(mark, lo, hi) >= 0 for mark in ("?", "<!--", "CDATA", "extLst")):
            return None
        found, at = [], lo
        rows: dict[int, int] = {}  # a row's start → its end, once checked
        for row, col in sorted(places):
            at = text.find(f'<{p}c r="{to_a1(row, col)}"', at, hi)
            if at < 0:
                return None
            row_at = text.rfind(f"<{p}row", lo, at)
            if row_at < 0 or rows.get(row_at, -1) < at:
                row_end = self._checked_row(row_at, row, at, hi)
                if row_end is None:
                    return None
                rows[row_at] = row_end
            cell = _ROW_OR_CELL.match(text, at)
            if cell is None or cell.group(2) != "c":
                return None
            s = xt.get_attr(cell.group(0), "s")
            element = xt.Element(p + "c", at, cell.end(), cell.end(), cell.end())
            found.append(CellTag(row, col, element, int(s) if s and s.isdigit() else 0))
            at = cell.end()
        return found

    def _checked_row(self, row_at: int, row: int, at: int, hi: int) -> int | None:
        """Where the row starting at ``row_at`` ends, if it holds ``at``, is row ``row``
        by its own ``r`` and gives every cell its place (a cell without one may be
        counted to the wanted position); None otherwise."""
        text, p = self.text, self.prefix
        row_tag = _ROW_OR_CELL.match(text, row_at) if row_at >= 0 else None
        if row_tag is None or row_tag.group(2) != "row" or row_tag.end() > at:
            return None
        if xt.get_attr(row_tag.group(0), "r") != str(row + 1):
            return None
        row_end = text.find(f"</{p}row>", at, hi)
        if row_end < 0:
            return None
        if text.count(f"<{p}c", row_at, row_end) != text.count(f'<{p}c r="', row_at, row_end):
            return None
        return row_end

    def _start_tags(self, data: xt.Element) -> list[CellTag]:
        """The cells from the start tags of rows and cells alone: inside sheetData, with
        no comment, CDATA, processing instruction or extension there, no other element is
        named ``row`` or ``c`` (a cell holds f, v and is), so one regular expression finds
        them all without visiting the values."""
        text, found = self.text, []
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
        text = self.text
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
        for element in xt.children(self.text, cols):
            tag = xt.start_tag(self.text, element)
            lo, hi = xt.get_attr(tag, "min"), xt.get_attr(tag, "max")
            if lo and hi and lo.isdigit() and hi.isdigit() and int(lo) <= col + 1 <= int(hi):
                style = xt.get_attr(tag, "style")
                return int(style) if style and style.isdigit() else 0
        return 0

    def protection(self) -> str | None:
        """The ``<sheetProtection .../>`` element as written, or None."""
        element = self._top("sheetProtection")
        return self.text[element.start : element.end] if element else None

    def legacy_drawing_id(self) -> str | None:
        """The relationship Id of the sheet's ``<legacyDrawing>``, if it has one."""
        element = self._top("legacyDrawing")
        return xt.ns_attr(self.text, element, REL_NS, "id") if element else None

    # -- writing
    def set_styles(self, styles: dict[tuple[int, int], int]) -> None:
        """Give the cells at (row, col) these ``s`` values; cells absent from the XML
        (never typed in, never styled) are created empty with just that style."""
        edits: list[tuple[int, int, str]] = []  # (start, end, replacement)
        present = set()
        for cell in self.cells_at(set(styles)):
            key = (cell.row, cell.col)
            if key in styles:
                present.add(key)
                tag = xt.start_tag(self.text, cell.element)
                new = xt.set_attr(tag, "s", str(styles[key]))
                edits.append((cell.element.start, cell.element.tag_end, new))
        pieces, at = [], 0  # one new text, not one copy of the sheet per cell
        for start, end, new in sorted(edits):
            pieces += [self.text[at:start], new]
            at = end
        self.text = "".join([*pieces, self.text[at:]])
        for row, col in sorted(set(styles) - present):
            self._insert_cell(row, col, styles[(row, col)])

    def _insert_cell(self, row: int, col: int, style: int) -> None:
        p = self.prefix
        ref = f"{col_letters(col)}{row + 1}"
        new_cell = f'<{p}c r="{ref}" s="{style}"/>'
        data = self._top("sheetData")
        if data is None:
            raise xt.XmlTextError("worksheet without sheetData")
        row_index = -1
        for element in xt.children(self.text, data):
            if element.local != "row":
                continue
            r = xt.get_attr(xt.start_tag(self.text, element), "r")
            row_index = int(r) - 1 if r and r.isdigit() else row_index + 1
            if row_index == row:
                self._insert_into_row(element, col, new_cell)
                return
            if row_index > row:
                self.text = xt.insert_at(
                    self.text, element.start, f'<{p}row r="{row + 1}">{new_cell}</{p}row>'
                )
                return
        self.text = xt.append_child(self.text, data, f'<{p}row r="{row + 1}">{new_cell}</{p}row>')

    def _insert_into_row(self, row: xt.Element, col: int, new_cell: str) -> None:
        col_index = -1
        if not row.empty:
            for cell in xt.children(self.text, row):
                if cell.local != "c":
                    continue
                ref = xt.get_attr(xt.start_tag(self.text, cell), "r")
                col_index = from_a1(ref)[1] if ref else col_index + 1
                if col_index > col:
                    self.text = xt.insert_at(self.text, cell.start, new_cell)
                    return
        self.text = xt.append_child(self.text, row, new_cell)

    def clear_tab_selection(self) -> bool:
        """Unselect this sheet's tab (the results sheet becomes the selected one: two
        selected tabs would group the sheets, and typing would change both)."""
        views = self._top("sheetViews")
        changed = False
        if views is None or views.empty:
            return False
        for view in reversed(xt.children(self.text, views)):
            tag = xt.start_tag(self.text, view)
            if view.local == "sheetView" and (xt.get_attr(tag, "tabSelected") or "") in _TRUE:
                self.text = xt.replace_tag(self.text, view, xt.del_attr(tag, "tabSelected"))
                changed = True
        return changed

    def add_legacy_drawing(self, rid: str) -> None:
        """Insert ``<legacyDrawing r:id>`` at its place in CT_Worksheet's order."""
        self.text, prefix = xt.ensure_namespace(self.text, REL_NS, "r")
        element = f'<{self.prefix}legacyDrawing {prefix}:id="{rid}"/>'
        top = xt.root(self.text)
        following = [e for e in xt.children(self.text, top) if e.local in _AFTER_LEGACY_DRAWING]
        at = following[0].start if following else top.content_end
        self.text = xt.insert_at(self.text, at, element)
