"""Cell formats and sizes of the template.

Excel does not grow a row to fit a merged cell's text, nor a formula's result, so row
heights are computed here, from the metrics of 宋体 (SimSun), the font of the template and
of every Chinese Windows PC: a CJK character (and the punctuation SimSun draws full-width:
“”、·—…) is 1 em wide, an ASCII character ½ em. At 10.5 pt and 96 dpi that is 14 and 7
pixels; a column of width ``w`` (in digits of the default font) is ``7w + 5`` pixels.
SimSun is not installed on Linux, so the widths are computed, never measured.
"""

from __future__ import annotations

import math
import unicodedata

from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook

from gongkai_xlsx.definition.looks import ERROR_MARK, HINT_MARK
from gongkai_xlsx.text import text_width  # re-exported: terminal widths, used by tests

__all__ = ["formats", "height_for", "lines_needed", "simsun_units", "text_width"]

FONT = "宋体"  # SimSun: present on every Chinese Windows PC, and WPS maps it too
FONT_SIZE = 10.5  # 五号, the size of official tables
LINE_HEIGHT = 13.5  # points per wrapped line of 宋体 at FONT_SIZE (18 px)
ROW_PADDING = 2.25  # points above and below the lines (3 px): heights are whole pixels
MIN_ROW_HEIGHT = 18.0
INPUT_FILL = "#FFF2CC"  # light yellow: "you may type here"
PREFILL_FILL = "#DDEBF7"  # light blue: "the tool put this number here"
COMPUTED_FILL = "#EDEDED"
HEADER_FILL = "#F2F2F2"
OK_FILL, OK_FONT = "#C6EFCE", "#006100"
HINT_FILL, HINT_FONT = "#FFEB9C", "#7F6000"
BAD_FILL, BAD_FONT = "#FFC7CE", "#9C0006"
# The marks on input cells: the fills of the marked copies (definition.looks), the cell's
# own black text on them.
MARK_BAD_FILL, MARK_HINT_FILL = f"#{ERROR_MARK}", f"#{HINT_MARK}"
EMPTY_FILL, STEP_FONT = "#F2F2F2", "#404040"  # 尚未填写: neutral, neither green nor red
NOTE_FONT = "#1F4E79"

COUNT_FORMAT = "#,##0"
AMOUNT_FORMAT = "#,##0.00##"

# Pixels at 96 dpi for 宋体 10.5 pt.
HALF_EM_PX = 7  # an ASCII character, and Excel's "digit" that column widths count
COLUMN_PADDING_PX = 5  # what Excel adds to every column beyond its width in digits
CELL_MARGIN_PX = 6  # left and right inner margins of a cell's text together
INDENT_PX = 10  # one indent level

# Font sizes of the roles that do not use FONT_SIZE.
ROLE_FONT_SIZE = {"title": 14.0, "heading": 12.0, "status": 12.0}


def simsun_units(text: str) -> int:
    """Width of ``text`` in 宋体 in half-ems: wide, full-width and ambiguous characters
    (CJK, full-width forms, the quotes “” and 、·— that SimSun draws full-width) are 2."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WFA" else 1 for ch in text)


def column_pixels(width: float) -> int:
    return int(width * HALF_EM_PX + 0.5) + COLUMN_PADDING_PX


def lines_needed(text: str, pixels: float, font_size: float = FONT_SIZE) -> int:
    """Lines ``text`` takes when wrapped in a cell ``pixels`` wide (explicit line breaks
    kept). CJK text wraps between almost any two characters; but a line may not begin
    with punctuation such as 、，） (禁则), so a wrapped line is counted one em short."""
    half_em = HALF_EM_PX * font_size / FONT_SIZE
    usable = max(pixels - CELL_MARGIN_PX, 4 * half_em)
    lines = 0
    for part in text.split("\n"):
        width = simsun_units(part) * half_em
        lines += 1 if width <= usable else math.ceil(width / (usable - 2 * half_em))
    return lines


def height_for(text: str, pixels: float, font_size: float = FONT_SIZE) -> float:
    """Row height in points for ``text`` in a cell ``pixels`` wide."""
    line = LINE_HEIGHT * font_size / FONT_SIZE
    return max(MIN_ROW_HEIGHT, lines_needed(text, pixels, font_size) * line + 2 * ROW_PADDING)


def formats(workbook: Workbook) -> dict[str, Format]:
    """Every format the writer uses, created once per workbook."""
    base = {"font_name": FONT, "font_size": FONT_SIZE, "valign": "vcenter", "text_wrap": True}
    boxed = {**base, "border": 1}

    def fmt(style: dict[str, object] = base, **props: object) -> Format:
        return workbook.add_format({**style, **props})

    header = {**boxed, "align": "center", "bold": True, "bg_color": HEADER_FILL}
    prefill = {**boxed, "align": "right", "bg_color": PREFILL_FILL}
    return {
        "title": fmt(base, bold=True, font_size=ROLE_FONT_SIZE["title"], align="center"),
        "note": fmt(base, align="left"),
        "cover_note": fmt(base, align="left", bold=True, font_color=NOTE_FONT),
        "block_title": fmt(boxed, align="left", bold=True),
        # The corner of a block heads its row labels (table A's 信息内容): a header like
        # the column headers beside it.
        "corner": fmt(header),
        "header": fmt(header),
        "row_label": fmt(boxed, align="left", indent=1),
        "group_label": fmt(boxed, align="center"),
        "input_count": fmt(
            boxed, align="right", locked=False, bg_color=INPUT_FILL, num_format=COUNT_FORMAT
        ),
        "input_amount": fmt(
            boxed, align="right", locked=False, bg_color=INPUT_FILL, num_format=AMOUNT_FORMAT
        ),
        "prefill_count_open": fmt(prefill, locked=False, num_format=COUNT_FORMAT),
        "prefill_amount_open": fmt(prefill, locked=False, num_format=AMOUNT_FORMAT),
        "prefill_count_locked": fmt(prefill, num_format=COUNT_FORMAT),
        "prefill_amount_locked": fmt(prefill, num_format=AMOUNT_FORMAT),
        "computed": fmt(
            boxed, align="right", bg_color=COMPUTED_FILL, num_format=COUNT_FORMAT, bold=True
        ),
        "field_label": fmt(header),
        "field_locked": fmt(boxed, align="left"),
        "field_input": fmt(boxed, align="left", locked=False, bg_color=INPUT_FILL, num_format="@"),
        "heading": fmt(base, bold=True, font_size=ROLE_FONT_SIZE["heading"]),
        "instruction": fmt(base, align="left"),
        "status": fmt(boxed, bold=True, font_size=ROLE_FONT_SIZE["status"], align="center"),
        "status_line": fmt(base, align="left", font_color=BAD_FONT),
        "status_hint": fmt(base, align="left", font_color=HINT_FONT),
        "count": fmt(base, align="right", font_color="#808080"),
        "check_label": fmt(boxed, align="left", italic=True),
        "check": fmt(boxed, align="right", num_format="0;-0;0"),
        "ok": fmt(bg_color=OK_FILL, font_color=OK_FONT),
        "hint": fmt(bg_color=HINT_FILL, font_color=HINT_FONT),
        "bad": fmt(bg_color=BAD_FILL, font_color=BAD_FONT),
        "mark_bad": fmt(bg_color=MARK_BAD_FILL),
        "mark_hint": fmt(bg_color=MARK_HINT_FILL),
        "empty": fmt(bg_color=EMPTY_FILL, font_color=STEP_FONT),
        "step": fmt(font_color=STEP_FONT),
    }
