"""The whole report as a Word document, laid out the way Chinese offices publish it.

Six parts in the form's order, the three tables drawn from the same grid as the HTML (merged
boxes as real Word merges: gridSpan across, vMerge down), the publisher's text or a marked
placeholder in the text parts, then the agency and the date. Page and fonts follow the usual
government layout (GB/T 9704 margins on A4 portrait; 仿宋 三号 body, 黑体 part headings, 宋体
tables in 五号); each font is named for East Asian text too (``w:eastAsia``), which is the name
Word actually uses for Chinese characters. Tables do not break badly, and the parts flow
without a forced page break: no row splits across pages, a block of a table is kept on one
page (table A may go on between its blocks), and a long table (table B) keeps its header with
its first rows and repeats the header on the next page.

Built with python-docx: maintained, pure Python, and it writes real merges; the few things it
has no API for (repeated header rows, rows that must not split, East Asian font names, page
number field) are set in the XML here.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX, WD_LINE_SPACING
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Emu, Length, Mm, Pt
from docx.styles.style import ParagraphStyle
from docx.table import Table as DocxTable
from docx.text.paragraph import Paragraph as DocxParagraph

from gongkai_xlsx.definition.model import Form
from gongkai_xlsx.render.grid import Grid, GridCell, table_grids
from gongkai_xlsx.render.report_text import Paragraph, ReportText
from gongkai_xlsx.render.values import (
    INCOMPLETE,
    CompletenessView,
    cell_text,
    completeness_view,
    member_count,
    report_title,
)
from gongkai_xlsx.text import text_width

# GB/T 9704-2012 (党政机关公文格式): A4, 天头 37 mm, 订口 28 mm, text block 156 x 225 mm.
PAGE_WIDTH, PAGE_HEIGHT = Mm(210), Mm(297)
MARGIN_TOP, MARGIN_BOTTOM, MARGIN_LEFT, MARGIN_RIGHT = Mm(37), Mm(35), Mm(28), Mm(26)
TEXT_WIDTH = PAGE_WIDTH - MARGIN_LEFT - MARGIN_RIGHT

LATIN_FONT = "Times New Roman"
BODY_FONT, HEADING_FONT, TABLE_FONT, TITLE_FONT = "仿宋", "黑体", "宋体", "宋体"
BODY_SIZE, TITLE_SIZE, TABLE_SIZE = Pt(16), Pt(22), Pt(10.5)  # 三号, 二号, 五号
BODY_LINE = Pt(28)  # fixed line pitch of official documents (22 lines a page)
CELL_MARGIN = Mm(0.6)  # left and right, inside each table box
CELL_MARGIN_V = Mm(0.4)  # top and bottom
# Table lines at a fixed pitch, so that a table is as tall in every application whatever font
# stands in for 宋体 (LibreOffice's CJK fallbacks have much taller lines than SimSun).
TABLE_LINE = Pt(13)
ROW_MIN_HEIGHT = Pt(20)
# A table of more rows than this fills most of a page (table B): it is not kept on one page
# (Word would send it with its heading to the next one, leaving a page half blank), it runs
# on with its header repeated; its rows are set compact, so that it takes fewer pages.
LONG_TABLE_ROWS = 20
LONG_TABLE_ROW_MIN_HEIGHT = Pt(15)

# Style names a publisher sees in Word's style list.
STYLE_TITLE = "报告标题"
STYLE_HEADING = "报告部分标题"
STYLE_BODY = "报告正文"
STYLE_TABLE = "表格文字"
STYLE_CLOSING = "报告落款"

PLACEHOLDER = "（请在此处填写“{title}”部分的内容，发布前替换本段。）"


def chinese_date(date: dt.date) -> str:
    """2025年1月6日: the way a date closes a Chinese official document."""
    return f"{date.year}年{date.month}月{date.day}日"


def _set_fonts(element: Any, east_asian: str) -> None:
    """Name ``east_asian`` for Chinese text (w:eastAsia) and the Latin font for the rest.

    ``element`` is a style's or a run's XML element (both have ``get_or_add_rPr``).
    """
    rpr = element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)  # first child of rPr (no character styles are used here)
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)  # a theme font would override the names below
    fonts.set(qn("w:ascii"), LATIN_FONT)
    fonts.set(qn("w:hAnsi"), LATIN_FONT)
    fonts.set(qn("w:cs"), LATIN_FONT)
    fonts.set(qn("w:eastAsia"), east_asian)


def _paragraph_style(
    doc: DocxDocument, name: str, font: str, size: Length, *, bold: bool = False
) -> ParagraphStyle:
    # python-docx leaves add_style unannotated; a paragraph style type gives a ParagraphStyle.
    style: ParagraphStyle = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    style.base_style = doc.styles["Normal"]
    style.quick_style = True
    _set_fonts(style.element, font)
    style.font.size = size
    style.font.bold = bold
    return style


def _styles(doc: DocxDocument) -> None:
    """Document defaults in Chinese, and the five styles the report uses."""
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    if defaults is not None:
        rpr = defaults.find(qn("w:rPrDefault") + "/" + qn("w:rPr"))
        if rpr is not None:
            lang = rpr.find(qn("w:lang"))
            if lang is None:
                lang = OxmlElement("w:lang")
                rpr.append(lang)
            lang.set(qn("w:val"), "en-US")
            lang.set(qn("w:eastAsia"), "zh-CN")
    normal = doc.styles["Normal"]
    _set_fonts(normal.element, BODY_FONT)
    normal.font.size = BODY_SIZE
    normal.paragraph_format.space_before = Pt(0)
    normal.paragraph_format.space_after = Pt(0)

    title = _paragraph_style(doc, STYLE_TITLE, TITLE_FONT, TITLE_SIZE, bold=True)
    title.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.space_after = Pt(16)
    title.paragraph_format.keep_with_next = True

    heading = _paragraph_style(doc, STYLE_HEADING, HEADING_FONT, BODY_SIZE)
    fmt = heading.paragraph_format
    fmt.keep_with_next = True
    fmt.space_before, fmt.space_after = Pt(6), Pt(6)
    fmt.first_line_indent = BODY_SIZE * 2
    ppr = heading.element.get_or_add_pPr()
    outline = OxmlElement("w:outlineLvl")  # shows in Word's navigation pane
    outline.set(qn("w:val"), "0")
    ppr.append(outline)

    body = _paragraph_style(doc, STYLE_BODY, BODY_FONT, BODY_SIZE)
    fmt = body.paragraph_format
    fmt.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    fmt.first_line_indent = BODY_SIZE * 2
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = BODY_LINE

    table = _paragraph_style(doc, STYLE_TABLE, TABLE_FONT, TABLE_SIZE)
    table.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    table.paragraph_format.line_spacing = TABLE_LINE

    closing = _paragraph_style(doc, STYLE_CLOSING, BODY_FONT, BODY_SIZE)
    closing.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    closing.paragraph_format.right_indent = BODY_SIZE * 4  # 右空四字
    closing.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    closing.paragraph_format.line_spacing = BODY_LINE


def _page(doc: DocxDocument) -> None:
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
    section.top_margin, section.bottom_margin = MARGIN_TOP, MARGIN_BOTTOM
    section.left_margin, section.right_margin = MARGIN_LEFT, MARGIN_RIGHT
    section.header_distance, section.footer_distance = Mm(15), Mm(20)
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.add_run("— ")
    _page_field(footer)
    footer.add_run(" —")
    for run in footer.runs:
        _set_fonts(run._r, TABLE_FONT)
        run.font.size = Pt(14)


def _page_field(paragraph: DocxParagraph) -> None:
    """A PAGE field: Word and LibreOffice fill in the page number."""
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1")):
        run = paragraph.add_run()
        if kind:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._r.append(char)
        elif text == " PAGE ":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            run._r.append(instr)
        else:
            run.text = text or ""
    end = paragraph.add_run()
    char = OxmlElement("w:fldChar")
    char.set(qn("w:fldCharType"), "end")
    end._r.append(char)


def _row_properties(table: DocxTable, grid: Grid) -> None:
    """Rows never split across pages; header rows repeat on every page the table runs onto."""
    minimum = LONG_TABLE_ROW_MIN_HEIGHT if grid.height > LONG_TABLE_ROWS else ROW_MIN_HEIGHT
    for index, row in enumerate(table.rows):
        trpr = row._tr.get_or_add_trPr()
        for element in list(trpr):
            trpr.remove(element)
        # CT_TrPr order: cantSplit, trHeight, tblHeader
        trpr.append(OxmlElement("w:cantSplit"))
        height = OxmlElement("w:trHeight")
        height.set(qn("w:val"), str(round(minimum.pt * 20)))
        height.set(qn("w:hRule"), "atLeast")
        trpr.append(height)
        if index < grid.header_rows:
            trpr.append(OxmlElement("w:tblHeader"))


def _table_properties(table: DocxTable, widths: list[int]) -> None:
    tblpr = table._tbl.tblPr
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    tblpr.append(layout)
    width = tblpr.find(qn("w:tblW"))
    if width is None:
        width = OxmlElement("w:tblW")
        tblpr.append(width)
    width.set(qn("w:w"), str(round(sum(widths) / 635)))  # EMU to twips
    width.set(qn("w:type"), "dxa")
    margins = OxmlElement("w:tblCellMar")
    for side, size in (
        ("top", CELL_MARGIN_V),
        ("left", CELL_MARGIN),
        ("bottom", CELL_MARGIN_V),
        ("right", CELL_MARGIN),
    ):
        margin = OxmlElement(f"w:{side}")
        margin.set(qn("w:w"), str(round(size / 635)))
        margin.set(qn("w:type"), "dxa")
        margins.append(margin)
    tblpr.append(margins)
    _order_tblpr(tblpr)


# CT_TblPr's child order (ECMA-376 17.4.60); Word refuses a file with them out of order.
_TBLPR_ORDER = [
    "tblStyle",
    "tblpPr",
    "tblOverlap",
    "bidiVisual",
    "tblStyleRowBandSize",
    "tblStyleColBandSize",
    "tblW",
    "jc",
    "tblCellSpacing",
    "tblInd",
    "tblBorders",
    "shd",
    "tblLayout",
    "tblCellMar",
    "tblLook",
    "tblCaption",
    "tblDescription",
]


def _order_tblpr(tblpr: Any) -> None:
    children = list(tblpr)
    rank = {qn(f"w:{name}"): i for i, name in enumerate(_TBLPR_ORDER)}
    children.sort(key=lambda e: rank.get(e.tag, len(rank)))
    for child in children:
        tblpr.remove(child)
        tblpr.append(child)


def _fill_box(cell: Any, box: GridCell, text: str, width: int) -> None:
    cell.width = Emu(width)
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    paragraph = cell.paragraphs[0]
    paragraph.style = STYLE_TABLE
    left = box.role in ("row_label", "block_title")
    paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT if left else WD_ALIGN_PARAGRAPH.CENTER
    if text:
        paragraph.add_run(text)


def _table(doc: DocxDocument, grid: Grid, document: dict[str, Any]) -> DocxTable:
    table: DocxTable = doc.add_table(rows=grid.height, cols=grid.width)  # unannotated there
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    total = sum(grid.column_widths)
    widths = [round(TEXT_WIDTH * w / total) for w in grid.column_widths]
    widths[-1] = TEXT_WIDTH - sum(widths[:-1])
    for column, width in zip(table.columns, widths, strict=True):
        column.width = Emu(width)
    for box in grid.cells:
        cell = table.cell(box.row, box.col)
        if box.rowspan > 1 or box.colspan > 1:
            cell = cell.merge(table.cell(box.last_row, box.last_col))
        if box.role == "value":
            assert box.cell is not None
            text = cell_text(document, box.cell)
        else:
            text = box.text
        _fill_box(cell, box, text, sum(widths[box.col : box.last_col + 1]))
    _table_properties(table, widths)
    _row_properties(table, grid)
    _keep_blocks_together(table, grid)
    return table


def _kept_rows(grid: Grid) -> set[int]:
    """The rows whose text keeps with the next row, so that Word moves them on together.

    Each block of a table stays on one page, but a table of several blocks (table A) may go
    on to the next page between two blocks: a chain over the whole table would take its
    heading and all of it to the next page, leaving half a page blank. A long table (table B)
    keeps only its header with the first two rows and its last three rows together, and runs
    on with its header repeated: it is not sent to a page of its own, and never leaves one
    row alone under a repeated header.
    """
    if grid.height > LONG_TABLE_ROWS:  # and its last three rows go on together
        head = set(range(min(grid.header_rows + 2, grid.height - 1)))
        return head | {grid.height - 3, grid.height - 2}
    starts = {c.row for c in grid.cells if c.role == "block_title" and c.col == 0}
    return {row for row in range(grid.height - 1) if row + 1 not in starts}


def _keep_blocks_together(table: DocxTable, grid: Grid) -> None:
    """Set keep-with-next on the text of the rows :func:`_kept_rows` names."""
    kept = _kept_rows(grid)
    for index, row in enumerate(table.rows):
        if index not in kept:
            continue
        for cell in row.cells:
            for paragraph in cell.paragraphs:
                paragraph.paragraph_format.keep_with_next = True


COMPLETENESS_HEADER = ("状态", "单位数", "单位")
COMPLETENESS_WIDTHS = (0.22, 0.12, 0.66)  # of the text width: the names take the room


def _completeness(doc: DocxDocument, view: CompletenessView) -> None:
    """附：报送情况: the counts in body text (with the note when the summary is
    incomplete), then a table of each status with its agencies, boxed and centred as the
    report's own tables, its header repeated, kept together and with the signature (never
    a page with the date alone)."""
    doc.add_paragraph("附：报送情况", style=STYLE_HEADING)
    counts = f"{view.counts}{INCOMPLETE}" if view.incomplete else view.counts
    doc.add_paragraph(counts, style=STYLE_BODY).paragraph_format.keep_with_next = True
    table: DocxTable = doc.add_table(rows=len(view.rows) + 1, cols=3)
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    widths = [round(TEXT_WIDTH * share) for share in COMPLETENESS_WIDTHS]
    widths[-1] = TEXT_WIDTH - sum(widths[:-1])
    for column, width in zip(table.columns, widths, strict=True):
        column.width = Emu(width)
    rows = [COMPLETENESS_HEADER, *((label, str(len(n)), "、".join(n)) for label, n in view.rows)]
    for r, texts in enumerate(rows):
        for c, text in enumerate(texts):
            cell = table.cell(r, c)
            cell.width = Emu(widths[c])
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
            paragraph = cell.paragraphs[0]
            paragraph.style = STYLE_TABLE
            names = c == 2 and r > 0
            paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT if names else WD_ALIGN_PARAGRAPH.CENTER
            # a few rows (one per status): kept together, and the last with the signature
            paragraph.paragraph_format.keep_with_next = True
            paragraph.add_run(text)
    _table_properties(table, widths)
    for index, row in enumerate(table.rows):
        trpr = row._tr.get_or_add_trPr()
        height = OxmlElement("w:trHeight")
        height.set(qn("w:val"), str(round(ROW_MIN_HEIGHT.pt * 20)))
        height.set(qn("w:hRule"), "atLeast")
        trpr.append(height)
        if index == 0:
            trpr.append(OxmlElement("w:tblHeader"))


def _title(doc: DocxDocument, title: str, agency: str) -> None:
    """The title, broken after the agency's name when it does not fit on one line (as
    published: 互助县城市管理综合行政执法局 / 2024年度政府信息公开工作年度报告), never inside a word."""
    paragraph = doc.add_paragraph(style=STYLE_TITLE)
    per_line = TEXT_WIDTH / TITLE_SIZE
    rest = title[len(agency) :]
    if title.startswith(agency) and agency and rest and text_width(title) / 2 > per_line:
        paragraph.add_run(agency).add_break()
        paragraph.add_run(rest)
    else:
        paragraph.add_run(title)


def _text(doc: DocxDocument, paragraphs: list[Paragraph]) -> None:
    for paragraph in paragraphs:
        out = doc.add_paragraph(style=STYLE_BODY)
        for text, bold in paragraph.runs:
            run = out.add_run(text)
            if bold:
                run.bold = True


def _placeholder(doc: DocxDocument, title: str) -> None:
    run = doc.add_paragraph(style=STYLE_BODY).add_run(PLACEHOLDER.format(title=title))
    run.font.highlight_color = WD_COLOR_INDEX.YELLOW


def _properties(doc: DocxDocument, title: str, agency: str) -> None:
    """The file's own properties: this report's, not those of python-docx's template (its
    2013 dates and its thumbnail of another page)."""
    props = doc.core_properties
    props.title, props.author, props.language = title, agency, "zh-CN"
    props.comments = "由 gongkai-xlsx 根据规范 JSON 生成"
    props.last_modified_by, props.keywords, props.subject, props.category = "", "", "", ""
    now = dt.datetime.now(dt.UTC).replace(microsecond=0, tzinfo=None)
    props.created = props.modified = now
    package_rels = doc.part.package.rels
    for rid, rel in list(package_rels.items()):
        if rel.reltype == RT.THUMBNAIL:
            package_rels.pop(rid)


def build_docx(
    document: dict[str, Any],
    form: Form,
    text: ReportText | None = None,
    date: dt.date | None = None,
) -> DocxDocument:
    """The report of ``document`` as a python-docx Document (see :func:`docx_bytes`)."""
    date = date or dt.date.today()
    text = text or ReportText()
    title = report_title(form, document)
    doc = Document()
    _styles(doc)
    _page(doc)
    _properties(doc, title, str(document["agency"]))
    _title(doc, title, str(document["agency"]))
    members = member_count(document)
    if members is not None:
        doc.add_paragraph(
            f"（汇总 {members} 个单位的报表）", style=STYLE_TABLE
        ).alignment = WD_ALIGN_PARAGRAPH.CENTER
    _text(doc, text.preamble)
    grids = {g.table.key: g for g in table_grids(form)}
    for part in form.report.parts:
        doc.add_paragraph(part.title, style=STYLE_HEADING)
        if part.table is not None:
            _table(doc, grids[part.table.key], document)
        elif text.parts.get(part.title):
            _text(doc, text.parts[part.title])
        else:
            _placeholder(doc, part.title)
    complete = completeness_view(document)
    if complete is not None:  # a summary made against a roster: how complete, under the tables
        _completeness(doc, complete)
    for line in ("", str(document["agency"])):  # kept on the page of the date
        doc.add_paragraph(line, style=STYLE_CLOSING).paragraph_format.keep_with_next = True
    doc.add_paragraph(chinese_date(date), style=STYLE_CLOSING)
    return doc


def docx_bytes(
    document: dict[str, Any],
    form: Form,
    text: ReportText | None = None,
    date: dt.date | None = None,
) -> bytes:
    """The whole report as .docx bytes: six parts, tables, the agency and ``date`` (today)."""
    out = io.BytesIO()
    build_docx(document, form, text, date).save(out)
    return out.getvalue()
