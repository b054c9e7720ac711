"""The 汇总明细 sheet of a summary workbook: one row per member, one column per cell
(and 报送情况, when the summary was checked against a roster).

For people who filter and pivot in Excel it is one Excel Table (one header row, filter
buttons, no total row) headed by the official labels; for the next level's ``ingest`` it
is the list of members, read back exactly: every column has a workbook-level name on its
header cell (``gk.members.<key>``), numbers are stored as the numbers of the members'
documents (blanks empty), and the sheet is locked like the rest of the workbook (filters
allowed). Totals are ``SUM`` formulas over their parts in the row, with their results
cached, so the row is right in an application that does not recalculate; a total whose
parts are all blank shows 0, as ``SUM`` does (only the inputs are read back).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from decimal import Decimal

from xlsxwriter.format import Format
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from gongkai_xlsx.definition import names
from gongkai_xlsx.definition.evaluate import with_totals
from gongkai_xlsx.definition.model import Form
from gongkai_xlsx.definition.summary_columns import (
    COMPLETENESS_LABELS,
    MemberColumn,
    member_columns,
)
from gongkai_xlsx.writer import styles
from gongkai_xlsx.writer.members import MemberRow, MembersSheet, RosterCheck, data_texts


class _MembersWorksheet(Worksheet):
    """A worksheet whose formulas are each ``=SUM(cells of its row)``: nothing in them for
    xlsxwriter's preparation of a formula to change but the leading "=", and its ~150
    regular expressions a formula are most of the time of a large summary (a test holds
    the shortcut to xlsxwriter's own result)."""

    _PLAIN = re.compile(r"=SUM\([A-Z]{1,3}[1-9][0-9]*(?:,[A-Z]{1,3}[1-9][0-9]*)*\)")

    def _prepare_formula(self, formula: str, expand_future_functions: bool = False) -> str:
        if self._PLAIN.fullmatch(formula):
            return formula[1:]
        # xlsxwriter annotates its public API only; this private method returns the text.
        return str(super()._prepare_formula(formula, expand_future_functions))  # type: ignore[no-untyped-call]


TABLE_NAME = "gk_members"  # ASCII: every application accepts it
TABLE_STYLE = "Table Style Light 1"
FIELD_WIDTHS = {"agency": 30.0, "year": 9.0, "kind": 8.0, "source_file": 30.0, "sha256": 66.0}
# Narrow number columns (a count up to 9,999,999; an amount is wider), so that some 200
# columns print on a few pages: a county's 汇总明细 on about nine A4 pages, not fifty.
CELL_WIDTH = 10.0
AMOUNT_WIDTH = 14.0
PRINT_SCALE = 0.55  # the smallest print scale aimed at: 五号 prints at about 6 pt
PRINTABLE_PX = 1047  # A4 landscape less 0.4" margins, in pixels at 96 dpi


def _formats(wb: Workbook) -> dict[str, Format]:
    base = {"font_name": styles.FONT, "font_size": styles.FONT_SIZE, "valign": "vcenter"}
    return {
        "header": wb.add_format(
            {**base, "bold": True, "text_wrap": True, "align": "center", "border": 1}
        ),
        "text": wb.add_format({**base, "num_format": "@"}),
        "year": wb.add_format({**base, "num_format": "0", "align": "center"}),
        "count": wb.add_format({**base, "num_format": styles.COUNT_FORMAT}),
        "amount": wb.add_format({**base, "num_format": styles.AMOUNT_FORMAT}),
        "total": wb.add_format(
            {
                **base,
                "num_format": styles.COUNT_FORMAT,
                "bold": True,
                "bg_color": styles.COMPUTED_FILL,
            }
        ),
    }


def _field_value(row: MemberRow, key: str) -> str | int:
    if key == "kind":
        return names.MEMBER_KINDS[row.kind]
    value = getattr(row, key)
    assert isinstance(value, str | int)
    return value


def _write_row(
    ws: Worksheet,
    r: int,
    form: Form,
    columns: tuple[MemberColumn, ...],
    parts: dict[str, list[str]],
    row: MemberRow,
    fmt: dict[str, Format],
) -> None:
    """One member's row; ``parts`` holds the column letters of each total's parts."""
    cells = with_totals(form, dict(row.values))
    number = str(r + 1)
    for c, column in enumerate(columns):
        cell = column.cell
        if cell is None:
            value = _field_value(row, column.key)
            if isinstance(value, int):
                ws.write_number(r, c, value, fmt["year"])
            else:
                ws.write_string(r, c, value, fmt["text"])
        elif cell.computed:
            formula = "=SUM(" + ",".join(letters + number for letters in parts[cell.id]) + ")"
            ws.write_formula(r, c, formula, fmt["total"], cells[cell.id] or 0)
        else:
            amount = row.values.get(cell.id)
            if amount is not None:
                shown = float(amount) if isinstance(amount, Decimal) else amount
                kind = "amount" if cell.kind.type == "decimal" else "count"
                ws.write_number(r, c, shown, fmt[kind])


Checked = Callable[[int | None, str], None]  # the writer's check of xlsxwriter's return codes


def add_members_sheet(
    wb: Workbook, form: Form, members: MembersSheet, password: str, checked: Checked
) -> None:
    """Add 汇总明细 (after the sheets already added) and the names of its columns; for a
    summary too large for its numbers, 汇总明细 listing the members and 成员数据."""
    if members.in_data(form):
        _add_member_list(wb, form, members, password, checked)
        _add_data_sheet(wb, form, members, password, checked)
        return
    columns = member_columns(form)
    letters = {column.key: xl_col_to_name(c) for c, column in enumerate(columns)}
    parts = {c.id: [letters[p] for p in c.parts] for c in form.computed_cells()}
    fmt = _formats(wb)
    ws = wb.add_worksheet(names.MEMBERS_SHEET, worksheet_class=_MembersWorksheet)
    for r, row in enumerate(members.rows, start=1):
        _write_row(ws, r, form, columns, parts, row, fmt)
    last_row, last_col = len(members.rows), len(columns) - 1
    result = ws.add_table(
        0,
        0,
        last_row,
        last_col,
        {
            "name": TABLE_NAME,
            "style": TABLE_STYLE,
            "autofilter": True,
            "columns": [{"header": col.header, "header_format": fmt["header"]} for col in columns],
        },
    )
    checked(result, "the members table")
    widths = [_width(column) for column in columns]
    for c, (column, width) in enumerate(zip(columns, widths, strict=True)):
        ws.set_column(c, c, width)
        target = f"={names.quote_sheet(names.MEMBERS_SHEET)}!${letters[column.key]}$1"
        checked(wb.define_name(names.member_name(column.key), target), column.key)
    header_height = max(
        styles.height_for(col.header, styles.column_pixels(w))
        for col, w in zip(columns, widths, strict=True)
    )
    ws.set_row(0, round(header_height, 1))
    ws.set_default_row(styles.MIN_ROW_HEIGHT)
    ws.freeze_panes(1, 1)
    _page(ws, widths)
    ws.protect(password, {"autofilter": True, "format_columns": True, "format_rows": True})


def _width(column: MemberColumn) -> float:
    if column.cell is None:
        return FIELD_WIDTHS.get(column.key, CELL_WIDTH)
    return AMOUNT_WIDTH if column.cell.kind.type == "decimal" else CELL_WIDTH


def _page(ws: Worksheet, widths: list[float]) -> None:
    """A4 landscape, the header row and the agency column on every page, gridlines
    printed; as many pages wide as the columns need at :data:`PRINT_SCALE` (the
    application scales them to fit exactly), the rows flowing down."""
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    ws.repeat_rows(0)
    ws.repeat_columns(0, 0)
    ws.hide_gridlines(0)  # shown and printed: the table's columns are narrow
    pixels = sum(styles.column_pixels(w) for w in widths)
    per_page = PRINTABLE_PX - styles.column_pixels(widths[0]) * PRINT_SCALE  # less column A
    ws.fit_to_pages(max(1, math.ceil(pixels * PRINT_SCALE / per_page)), 0)
    ws.set_footer(f"&C{names.MEMBERS_SHEET}　第 &P 页，共 &N 页")


LIST_HEADER_ROW = 2  # 0-based: below the note on what this list is and a blank row
DATA_WIDTH = 120.0


def _add_member_list(
    wb: Workbook, form: Form, members: MembersSheet, password: str, checked: Checked
) -> None:
    """汇总明细 of a summary whose numbers travel in 成员数据: who each member is (a
    filterable table of the member fields), under a note saying where the numbers are.
    Not read back (成员数据 is); printed, only the note and the header: thousands of
    rows are no document to print."""
    fields = [c for c in member_columns(form) if c.cell is None]
    fmt = _formats(wb)
    ws = wb.add_worksheet(names.MEMBERS_SHEET)
    note = (
        f"本汇总计入 {len(members.rows)} 个单位，数量较多：本表只列出各单位；各单位的数字随本文件"
        f"保存在隐藏的“{names.MEMBERS_DATA_SHEET}”工作表中，用 gongkai-xlsx ingest 读取本文件，"
        "即得到含各单位数字的规范 JSON。打印时本表只打印本说明和表头。"
    )
    wrap = {"font_name": styles.FONT, "font_size": styles.FONT_SIZE, "text_wrap": True}
    ws.merge_range(0, 0, 0, len(fields) - 1, note, wb.add_format({**wrap, "valign": "top"}))
    ws.set_row(0, 48)
    for r, row in enumerate(members.rows, start=LIST_HEADER_ROW + 1):
        for c, column in enumerate(fields):
            value = _field_value(row, column.key)
            if isinstance(value, int):
                ws.write_number(r, c, value, fmt["year"])
            else:
                ws.write_string(r, c, value, fmt["text"])
    header = [{"header": col.header, "header_format": fmt["header"]} for col in fields]
    last = LIST_HEADER_ROW + len(members.rows)
    options = {"name": TABLE_NAME, "style": TABLE_STYLE, "autofilter": True, "columns": header}
    checked(ws.add_table(LIST_HEADER_ROW, 0, last, len(fields) - 1, options), "the members list")
    for c, column in enumerate(fields):
        ws.set_column(c, c, _width(column))
        ref = f"${xl_col_to_name(c)}${LIST_HEADER_ROW + 1}"
        target = f"={names.quote_sheet(names.MEMBERS_SHEET)}!{ref}"
        checked(wb.define_name(names.member_name(column.key), target), column.key)
    ws.set_default_row(styles.MIN_ROW_HEIGHT)
    ws.freeze_panes(LIST_HEADER_ROW + 1, 1)
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)
    ws.print_area(0, 0, LIST_HEADER_ROW, len(fields) - 1)
    ws.protect(password, {"autofilter": True, "format_columns": True, "format_rows": True})


def _add_data_sheet(
    wb: Workbook, form: Form, members: MembersSheet, password: str, checked: Checked
) -> None:
    """成员数据, hidden: A1 the keys of a row, then one cell per member holding its row
    (:func:`~gongkai_xlsx.writer.members.data_texts`), in the summary's order; ``gk.members_data`` names A1.
    A hidden sheet, not a custom part: Excel, WPS and LibreOffice keep it on a re-save."""
    texts = data_texts(form, members.rows)
    ws = wb.add_worksheet(names.MEMBERS_DATA_SHEET)
    text = _formats(wb)["text"]
    for r, cell in enumerate(texts):
        ws.write_string(r, 0, cell, text)
    ws.set_column(0, 0, DATA_WIDTH)
    ws.hide()
    target = f"={names.quote_sheet(names.MEMBERS_DATA_SHEET)}!$A$1"
    checked(wb.define_name(names.MEMBERS_DATA_NAME, target), "the members data")
    ws.protect(password, {"format_columns": True, "format_rows": True})


COMPLETENESS_WIDTH = 40.0
LIST_ROW = 6  # 0-based row of the lists' headers: below the five figures and a gap
AGENCIES_COLUMN = 3  # 0-based: 名单中的单位, 状态, 收到的文件, right of the two lists


def add_completeness_sheet(
    wb: Workbook, check: RosterCheck, password: str, checked: Checked
) -> None:
    """Add 报送情况 (version :data:`names.COMPLETENESS_VERSION`): the roster's file, how
    many agencies it lists, how many sent (of those, how many are to be fixed and how
    many could not be read: blank when not known), then who did not send (as the roster
    writes them), who is not on the roster (as their documents write them, counted
    apart) and every roster agency with its status and files; each part under its name
    for the reader."""
    fmt = _formats(wb)
    ws = wb.add_worksheet(names.COMPLETENESS_SHEET)
    target = {}
    for r, key in enumerate(("roster", "expected", "submitted", "to_fix", "unreadable")):
        ws.write_string(r, 0, COMPLETENESS_LABELS[key], fmt["header"])
        value = getattr(check, key)
        if isinstance(value, int):
            ws.write_number(r, 1, value, fmt["year"])
        elif isinstance(value, str):
            ws.write_string(r, 1, value, fmt["text"])
        else:  # not known: the summary was not made from ingest's output folders
            ws.write_string(r, 1, "不详", fmt["text"])
        target[key] = f"$B${r + 1}"
    for c, key in enumerate(("missing", "extra")):
        ws.write_string(LIST_ROW, c, COMPLETENESS_LABELS[key], fmt["header"])
        for r, name in enumerate(getattr(check, key), start=LIST_ROW + 1):
            ws.write_string(r, c, name, fmt["text"])
        target[key] = f"${xl_col_to_name(c)}${LIST_ROW + 1}"
    wrap = wb.add_format(
        {
            "font_name": styles.FONT,
            "font_size": styles.FONT_SIZE,
            "num_format": "@",
            "text_wrap": True,
        }
    )
    for c, key in enumerate(("agencies", "status", "files"), start=AGENCIES_COLUMN):
        ws.write_string(LIST_ROW, c, COMPLETENESS_LABELS[key], fmt["header"])
    for r, (name, status, files) in enumerate(check.agencies, start=LIST_ROW + 1):
        ws.write_string(r, AGENCIES_COLUMN, name, fmt["text"])
        ws.write_string(r, AGENCIES_COLUMN + 1, status, fmt["text"])
        if files:
            ws.write_string(r, AGENCIES_COLUMN + 2, "\n".join(files), wrap)
    target["agencies"] = f"${xl_col_to_name(AGENCIES_COLUMN)}${LIST_ROW + 1}"
    sheet = names.quote_sheet(names.COMPLETENESS_SHEET)
    for key in names.COMPLETENESS_FIELDS_2:
        checked(wb.define_name(names.completeness_name(key), f"={sheet}!{target[key]}"), key)
    ws.set_column(0, 1, COMPLETENESS_WIDTH)
    ws.set_column(AGENCIES_COLUMN - 1, AGENCIES_COLUMN - 1, 2)
    ws.set_column(AGENCIES_COLUMN, AGENCIES_COLUMN, COMPLETENESS_WIDTH)
    ws.set_column(AGENCIES_COLUMN + 1, AGENCIES_COLUMN + 1, 18)
    ws.set_column(AGENCIES_COLUMN + 2, AGENCIES_COLUMN + 2, COMPLETENESS_WIDTH)
    ws.set_default_row(styles.MIN_ROW_HEIGHT)
    ws.set_paper(9)  # A4 landscape, the lists side by side on one page's width
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(LIST_ROW)
    ws.protect(password, {"format_columns": True, "format_rows": True})
