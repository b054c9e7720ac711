"""Marking one workbook: the steps, in order, over the parts they touch.

1. Find the workbook part, its sheets and styles (through the relationships).
2. A marked copy being marked again first loses the old marks (fills, our comments).
3. Each marked cell gets a clone of its style with a red/orange fill.
4. Each marked cell gets a comment; findings without a cell go on the cover's agency
   field (comment only: there is nothing to fix in that cell).
5. The results sheet is written (or rewritten) and put first, active and protected.
"""

from __future__ import annotations

import posixpath
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from gongkai_xlsx.annotate import comments as cm
from gongkai_xlsx.annotate.marks import LEVEL_WORDS, CoverPlaces, Mark
from gongkai_xlsx.annotate.results import Line, Row, results_sheet
from gongkai_xlsx.annotate.sheet import Worksheet, mentions_outside_cells
from gongkai_xlsx.annotate.styles import EMPTY_STYLESHEET, Styles
from gongkai_xlsx.annotate.workbook import WorkbookXml, add_to_app_properties
from gongkai_xlsx.cellref import from_a1, to_a1
from gongkai_xlsx.definition.names import MARK_NAME, RESULTS_SHEET, RESULTS_TITLE, quote_sheet
from gongkai_xlsx.findings import FindingGroup, group_repeated
from gongkai_xlsx.loading import collector_paused
from gongkai_xlsx.ooxml import xmledit as xt
from gongkai_xlsx.ooxml.package import BOM, Package, PackageError, from_byte_text
from gongkai_xlsx.ooxml.relationships import (
    COMMENTS,
    CONTENT_TYPES,
    EXTENDED_PROPERTIES,
    OFFICE_DOCUMENT,
    STYLES,
    VML_DRAWING,
    WORKSHEET,
    rels_name,
)

WORKSHEET_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
STYLES_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"
WHOLE_FILE = "整个文件"
# The edited parts are deflated at level 1, the fastest (ISA-L's, ooxml/deflate.py; zlib's
# without isal): the copy goes back to one agency, a few more bytes (31 KB → 34.5 KB for
# the sample) cost nothing, and deflating the big sheets again at the default level was a
# fifth of a marked copy's time.
FAST_DEFLATE = 1


@lru_cache(maxsize=4096)
def _cell_place(ref: str) -> tuple[int, int] | None:
    """(row, col) of an A1 reference, None when it is not one (kept: each mark's cell
    is asked for when it is grouped, commented and listed, and a form has few cells)."""
    try:
        return from_a1(ref)
    except ValueError:
        return None


_new_tuple = tuple.__new__  # a named tuple made without its Python-level __new__


@lru_cache(maxsize=4096)
def _cell_link(sheet: str, row: int, col: int) -> tuple[str, str]:
    """A cell's 位置 as the results sheet shows it and as its link's target (kept: a
    form's cells are few, and every marked return lists some of them)."""
    ref = to_a1(row, col)
    return f"{sheet}!{ref}", f"{quote_sheet(sheet)}!{ref}"


class AnnotateError(Exception):
    """The workbook cannot be marked; the message is Chinese and names the cause."""


@dataclass
class _SheetMarks:
    cells: dict[tuple[int, int], list[Mark]] = field(default_factory=lambda: defaultdict(list))
    loose: list[Mark] = field(default_factory=list)  # commented on this sheet's anchor cell


def mark_package(
    data: bytes,
    marks: Sequence[Mark],
    cover: CoverPlaces | None,
    well_formed: Collection[str] = (),
) -> bytes:
    """The marked copy of the xlsx ``data`` (see the package docstring for what changes);
    ``well_formed``: the sheet parts the reader has just accepted in these very bytes."""
    try:
        with collector_paused():  # hundreds of small pieces, no cycles
            return _Marker(Package(data), cover, well_formed).run(list(marks))
    except PackageError as exc:
        raise AnnotateError(f"无法标注：{exc}。") from exc
    except (xt.XmlTextError, ValueError, KeyError, IndexError) as exc:
        raise AnnotateError(f"无法标注：工作簿的内部结构不规范（{type(exc).__name__}）。") from exc


class _Marker:
    def __init__(
        self, pkg: Package, cover: CoverPlaces | None, well_formed: Collection[str] = ()
    ) -> None:
        self.pkg = pkg
        self.cover = cover
        self.well_formed = {part.lstrip("/").lower() for part in well_formed}
        office = pkg.related("", OFFICE_DOCUMENT)
        if not office:
            raise PackageError("找不到工作簿部件（workbook.xml）")
        self.wb_part = office[0].target
        self.wb = WorkbookXml(pkg.text(self.wb_part))
        targets = {r.id: r.target for r in pkg.related(self.wb_part, WORKSHEET)}
        self.sheets = self.wb.sheets()
        self.parts = {s.name: targets[s.rid] for s in self.sheets if s.rid in targets}
        self.folder = posixpath.dirname(self.wb_part)
        self.worksheets: dict[str, Worksheet] = {}
        self._vml: dict[str, str | None] = {}  # sheet → its comments' VML drawing
        self._blocks: dict[str, int] = {}  # VML drawing → its shape-id block

    def sheet(self, name: str) -> Worksheet:
        if name not in self.worksheets:
            # one character a byte: a sheet is edited at its tags only (sheet.py)
            # a sheet the reader has just accepted (expat, as UTF-8) is not checked again
            part = self.parts[name]
            # (and only while it holds those very bytes: a crafted relationship may have
            # made the marking write another part over it)
            accepted = part.lstrip("/").lower() in self.well_formed and self.pkg.is_original(part)
            data = self.pkg.read(part).removeprefix(BOM)
            # nor one with a second sheetData beside the one the reader read: its end
            # would be taken for the first's when searched from the end (xmledit)
            accepted = accepted and data.count(b"sheetData") <= 2
            text = self.pkg.byte_text(part, utf8=accepted)
            self.worksheets[name] = Worksheet(text, data, well_formed=accepted)
        return self.worksheets[name]

    def _mentions(self, name: str, word: str) -> bool:
        """Whether sheet ``name`` holds ``word`` outside its cells at all: a sheet without
        a tab selection or a comment drawing is then neither parsed for one, and its
        large sheetData is not searched (:func:`~.sheet.mentions_outside_cells`): its
        bytes as read (the sheets are written last)."""
        return mentions_outside_cells(self.pkg.read(self.parts[name]), word)

    def styles(self) -> tuple[str, Styles]:
        found = self.pkg.related(self.wb_part, STYLES)
        if found and self.pkg.has(found[0].target):
            return found[0].target, Styles(self.pkg.text(found[0].target))
        part = self.pkg.free_name(posixpath.join(self.folder, "styles{}.xml"))
        self.pkg.add_relationship(self.wb_part, STYLES, part)
        self.pkg.add_content_type_override(part, STYLES_CONTENT_TYPE)
        return part, Styles(EMPTY_STYLESHEET)

    # -- the steps
    def run(self, marks: list[Mark]) -> bytes:
        previous = self._previous_results()
        styles_part, styles = self.styles()
        restyle: dict[str, dict[tuple[int, int], int]] = defaultdict(dict)
        if previous is not None:
            self._unmark(styles, restyle)
        grouped = self._group(marks)
        for name, sheet_marks in grouped.items():
            ws = self.sheet(name)
            current = {(c.row, c.col): c.style for c in ws.cells_at(set(sheet_marks.cells))}
            current.update(restyle[name])
            changes = restyle[name]
            clones: dict[tuple[int, str], int] = {}  # marked_xf's answers, asked once each
            for place, cell_marks in sheet_marks.cells.items():  # the per-cell loop
                severity = "warning"
                for m in cell_marks:
                    if m.severity == "error":
                        severity = "error"
                        break
                original = current.get(place)
                if original is None:  # a cell the XML does not have: its column's style
                    original = ws.column_style(place[1])
                key = (original, severity)
                clone = clones.get(key)
                if clone is None:
                    clone = clones[key] = styles.marked_xf(original, severity)
                changes[place] = clone
        for name, changes in restyle.items():
            if changes:
                self.sheet(name).set_styles(changes)
        for name, sheet_marks in grouped.items():
            self._comment(name, sheet_marks)
        for name in self.parts:
            if name != RESULTS_SHEET and self._mentions(name, "tabSelected"):
                self.sheet(name).clear_tab_selection()
        self._results(marks, styles, previous)
        self.pkg.write(styles_part, styles.text)
        for name, ws in self.worksheets.items():
            edited = ws.edited()
            if edited is not None:
                self.pkg.write_byte_text(self.parts[name], edited)
        self.pkg.write(self.wb_part, self.wb.text)
        # written alike for every return of one template: their deflated form is kept
        alike = [styles_part, self.wb_part, rels_name(self.wb_part), CONTENT_TYPES]
        alike += [rels_name(part) for part in self.parts.values()]
        alike += [r.target for r in self.pkg.related("", EXTENDED_PROPERTIES)]
        return self.pkg.to_bytes(FAST_DEFLATE, keep=alike)

    def _previous_results(self) -> int | None:
        """The position of the results sheet of an earlier marking, or None."""
        names = [s.name for s in self.sheets]
        if RESULTS_SHEET not in names:
            return None
        if self.wb.defined_name(MARK_NAME) is None or RESULTS_SHEET not in self.parts:
            raise PackageError(
                f"工作簿中已有名为“{RESULTS_SHEET}”的工作表，但不是本工具生成的，请改名后再标注"
            )
        return names.index(RESULTS_SHEET)

    def _unmark(self, styles: Styles, restyle: dict[str, dict[tuple[int, int], int]]) -> None:
        """Take off the marks of an earlier marking: fills and our comments."""
        used: dict[int, int] = defaultdict(int)
        cells_by_sheet = {}
        for name in self.parts:
            if name == RESULTS_SHEET:
                continue
            cells = self.sheet(name).cells()
            cells_by_sheet[name] = cells
            for cell in cells:
                used[cell.style] += 1
        for name, cells in cells_by_sheet.items():
            for cell in cells:
                if styles.our_fill(cell.style):
                    restyle[name][(cell.row, cell.col)] = styles.unmarked_xf(cell.style, used)
            part = self.parts[name]
            for rel in self.pkg.related(part, COMMENTS):
                if not self.pkg.has(rel.target):
                    continue
                text, removed = cm.strip_comments(self.pkg.text(rel.target))
                self.pkg.write(rel.target, text)
                vml = self._vml_part(name)
                if removed and vml:
                    positions = [from_a1(ref) for ref in removed if ref]
                    self.pkg.write(vml, cm.strip_vml(self.pkg.text(vml), positions))

    def _group(self, marks: list[Mark]) -> dict[str, _SheetMarks]:
        grouped: dict[str, _SheetMarks] = defaultdict(_SheetMarks)
        anchor = self._anchor()
        parts = self.parts
        for mark in marks:  # the per-mark loop: _place inlined for a mark on a cell
            sheet, cell = mark.sheet, mark.cell
            if sheet and cell and sheet in parts and sheet != RESULTS_SHEET:
                place = _cell_place(cell)
            else:
                place = None
            if place is not None and sheet:
                grouped[sheet].cells[place].append(mark)
            elif anchor is not None:
                grouped[anchor[0]].loose.append(mark)
            if mark.also:
                for sheet, also in self._also(mark):
                    if mark not in grouped[sheet].cells[also]:
                        grouped[sheet].cells[also].append(mark)
        return grouped

    def _also(self, mark: Mark) -> list[tuple[str, tuple[int, int]]]:
        """The other cells a mark concerns, where the form's layout puts them."""
        known = self.cover.cells if self.cover else {}
        places = []
        for cell_id in mark.also:
            if cell_id not in known:
                continue
            sheet, ref = known[cell_id]
            if sheet in self.parts and sheet != RESULTS_SHEET:
                places.append((sheet, from_a1(ref)))
        return places

    def _place(self, mark: Mark) -> tuple[int, int] | None:
        """The (row, col) a mark fills, or None for marks without a cell of this workbook."""
        if not mark.sheet or not mark.cell or mark.sheet not in self.parts:
            return None
        if mark.sheet == RESULTS_SHEET:
            return None
        return _cell_place(mark.cell)

    def _anchor(self) -> tuple[str, tuple[int, int]] | None:
        cover = self.cover
        if cover is None or cover.anchor is None or cover.sheet not in self.parts:
            return None
        return cover.sheet, from_a1(cover.anchor)

    def _vml_part(self, name: str) -> str | None:
        """The VML drawing of sheet ``name``'s comments, looked up once per sheet (the
        marking itself is the only one to give a sheet a drawing: it records it)."""
        if name not in self._vml:
            self._vml[name] = self._find_vml_part(name)
        return self._vml[name]

    def _find_vml_part(self, name: str) -> str | None:
        if not self._mentions(name, "legacyDrawing"):
            return None
        rid = self.sheet(name).legacy_drawing_id()
        if rid is None:
            return None
        rid = from_byte_text(rid)
        for rel in self.pkg.relationships(self.parts[name]):
            if rel.id == rid and not rel.external and self.pkg.has(rel.target):
                return rel.target
        return None

    def _comment(self, name: str, sheet_marks: _SheetMarks) -> None:
        cells, words = sheet_marks.cells, LEVEL_WORDS
        anchor = self._anchor()
        loose: tuple[tuple[str, str], ...] = ()
        at = None  # the anchor cell, when file-level findings are commented on it here
        if sheet_marks.loose and anchor is not None:
            loose = tuple((m.level, m.message) for m in sheet_marks.loose)
            at = anchor[1]
        notes = []  # the marking's per-cell loop: mostly one mark a cell
        for place in sorted(cells) if at is None or at in cells else sorted([*cells, at]):
            cell_marks = cells.get(place, ())
            if len(cell_marks) == 1:
                mark = cell_marks[0]
                lines: tuple[tuple[str, str], ...] = ((words[mark.severity], mark.message),)
            else:
                lines = tuple([(words[m.severity], m.message) for m in cell_marks])
            lines = lines + loose if place == at else lines
            notes.append(_new_tuple(cm.Note, (place[0], place[1], lines)))  # Note(...), faster
        if not notes:
            return
        part = self.parts[name]
        ws = self.sheet(name)
        existing = [r for r in self.pkg.related(part, COMMENTS) if self.pkg.has(r.target)]
        if existing:
            text, fresh = cm.merge_comments(self.pkg.text(existing[0].target), notes)
            self.pkg.write(existing[0].target, text)
        else:
            comments_part = self.pkg.free_name(posixpath.join(self.folder, "comments{}.xml"))
            self.pkg.write(comments_part, cm.new_comments(notes))
            self.pkg.add_relationship(part, COMMENTS, comments_part)
            self.pkg.add_content_type_override(comments_part, cm.COMMENTS_CONTENT_TYPE)
            fresh = notes
        if not fresh:
            return
        vml = self._vml_part(name)
        if vml is not None:
            self.pkg.write(vml, cm.merge_vml(self.pkg.text(vml), fresh))
            return
        vml = self.pkg.free_name(posixpath.join(self.folder, "drawings", "vmlDrawing{}.vml"))
        block = self._free_vml_block()
        self.pkg.write(vml, cm.new_vml(fresh, block))
        self._blocks[vml] = block
        self.pkg.add_content_type_default("vml", cm.VML_CONTENT_TYPE)
        rid = self.pkg.add_relationship(part, VML_DRAWING, vml)
        ws.add_legacy_drawing(rid)
        self._vml[name] = vml

    def _free_vml_block(self) -> int:
        """A shape-id block no other VML drawing of the workbook uses."""
        blocks = [0]
        for name in self.parts:
            vml = self._vml_part(name)
            if vml is not None:
                if vml not in self._blocks:  # merging boxes in keeps a drawing's block
                    self._blocks[vml] = cm.vml_block(self.pkg.text(vml))
                blocks.append(self._blocks[vml])
        return max(blocks) + 1

    def _protection(self) -> str | None:
        """Another sheet's ``<sheetProtection>`` (the cover's first), without a prefix."""
        order = sorted(self.parts, key=lambda n: n != (self.cover.sheet if self.cover else None))
        for name in order:
            if name == RESULTS_SHEET:
                continue
            ws = self.sheet(name)
            element = ws.protection()
            if element:
                if ws.prefix:
                    element = element.replace(f"<{ws.prefix}sheetProtection", "<sheetProtection", 1)
                return from_byte_text(element)
        return None

    def _row(self, mark: Mark) -> Row:
        """The results-sheet row of one mark: its cell, else its sheet, else the file."""
        place = self._place(mark)
        if place is not None and mark.sheet:
            shown, link = _cell_link(mark.sheet, *place)
            return Row(LEVEL_WORDS[mark.severity], mark.severity, shown, link, mark.message)
        if mark.sheet and mark.sheet in self.parts and mark.sheet != RESULTS_SHEET:
            return Row(
                mark.level, mark.severity, mark.sheet, f"{quote_sheet(mark.sheet)}!A1", mark.message
            )
        anchor = self._anchor()
        location = f"{quote_sheet(anchor[0])}!{to_a1(*anchor[1])}" if anchor else None
        return Row(mark.level, mark.severity, WHOLE_FILE, location, mark.message)

    def _group_row(self, group: FindingGroup[Mark]) -> Row:
        """One line for a hint repeated over many cells: the ranges, linked to the first."""
        first = group.items[0]
        row = self._row(first)
        return Row(first.level, first.severity, group.where, row.location, group.summary)

    def _results(self, marks: list[Mark], styles: Styles, previous: int | None) -> None:
        lines = group_repeated(marks)
        rows = [self._group_row(m) if isinstance(m, FindingGroup) else self._row(m) for m in lines]
        grouped = any(isinstance(m, FindingGroup) for m in lines)
        xml = results_sheet(
            RESULTS_TITLE,
            self._lines(marks, grouped),
            rows,
            styles.result_styles(),
            self._protection(),
        )
        if previous is not None:
            self.pkg.write(self.parts[RESULTS_SHEET], xml)
            self.wb.move_sheet_first(previous)
        else:
            part = self.pkg.free_name(posixpath.join(self.folder, "worksheets", "sheet{}.xml"))
            self.pkg.write(part, xml)
            rid = self.pkg.add_relationship(self.wb_part, WORKSHEET, part)
            self.pkg.add_content_type_override(part, WORKSHEET_CONTENT_TYPE)
            self.wb.insert_first_sheet(RESULTS_SHEET, rid)
            self._app_properties()
        self.wb.add_defined_name(MARK_NAME, f"{quote_sheet(RESULTS_SHEET)}!$A$1")

    def _app_properties(self) -> None:
        found = self.pkg.related("", EXTENDED_PROPERTIES)
        if not found or not self.pkg.has(found[0].target):
            return
        text = self.pkg.text(found[0].target)
        names = [s.name for s in self.sheets]
        new = add_to_app_properties(text, names, RESULTS_SHEET, MARK_NAME)
        if new is not None:
            self.pkg.write(found[0].target, new)

    def _lines(self, marks: list[Mark], grouped: bool) -> list[Line]:
        errors = sum(1 for m in marks if m.severity == "error")
        warnings = len(marks) - errors
        merged = "同一提示出现在许多单元格的，下表合并为一行，列出单元格范围。" if grouped else ""
        lines = [
            Line(
                f"共 {len(marks)} 项：错误 {errors} 项，提示 {warnings} 项。红色单元格有错误，"
                "橙色单元格有提示；鼠标移到单元格上可看到批注中的说明，点击下表“位置”可跳到该单元格。"
                + merged
            ),
            Line("修改后重新报送："),
            Line("1. 按下表逐项改正红色单元格；提示项请核对，确认无误的可以不改。"),
        ]
        cover = self.cover
        if cover and cover.sheet in self.parts and cover.status:
            lines.append(
                Line(
                    f"2. 改完后打开“{cover.sheet}”工作表，确认“{cover.status_label}”显示"
                    f"“{cover.status_ok}”（点击此行可跳转）。",
                    (f"{quote_sheet(cover.sheet)}!{cover.status}", f"转到{cover.status_label}"),
                )
            )
            step = 3
        else:
            step = 2
        lines.append(
            Line(
                f"{step}. 保存为 .xlsx 格式（不要另存为 .xls、.et 或 PDF），报送回来。"
                "本页、红色标记和批注不用删除，重新收集时会自动忽略。"
            )
        )
        return lines
