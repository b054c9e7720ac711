"""Cell formats and sizes of the template.

Excel does not grow a merged cell to fit its text, so row heights are computed here from
the text length and the width the text has; CJK characters count as two width units.
"""

from __future__ import annotations

import math

from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook

from gongkai_xlsx.text import text_width

FONT = "宋体"  # SimSun: present on every Chinese Windows PC, and WPS maps it too
FONT_SIZE = 10.5  # 五号, the size of official tables
LINE_HEIGHT = 14.5  # points per wrapped line at FONT_SIZE
MIN_ROW_HEIGHT = 18.0
INPUT_FILL = "#FFF2CC"  # light yellow: "you may type here"
COMPUTED_FILL = "#EDEDED"
HEADER_FILL = "#F2F2F2"
OK_FILL, OK_FONT = "#C6EFCE", "#006100"
BAD_FILL, BAD_FONT = "#FFC7CE", "#9C0006"

COUNT_FORMAT = "#,##0"
AMOUNT_FORMAT = "#,##0.00##"

# Column widths (in characters of the default font) per sheet role of a column.
WIDTHS = {
    "主动公开": [26, 20, 20, 20],
    "依申请公开": [7, 9, 34] + [9.5] * 7,
    "复议诉讼": [7.6] * 15,
    "填报说明": [14, 30, 30, 30],
}


def lines_needed(text: str, width: float) -> int:
    usable = max(width - 1.5, 2.0)
    return sum(max(1, math.ceil(text_width(part) / usable)) for part in text.split("\n"))


def height_for(text: str, width: float) -> float:
    return max(MIN_ROW_HEIGHT, lines_needed(text, width) * LINE_HEIGHT + 5)


def formats(workbook: Workbook) -> dict[str, Format]:
    """Every format the writer uses, created once per workbook."""
    base = {"font_name": FONT, "font_size": FONT_SIZE, "valign": "vcenter", "text_wrap": True}
    boxed = {**base, "border": 1}

    def fmt(style: dict[str, object] = base, **props: object) -> Format:
        return workbook.add_format({**style, **props})

    return {
        "title": fmt(base, bold=True, font_size=14, align="center"),
        "note": fmt(base, align="left"),
        "block_title": fmt(boxed, align="left", bold=True),
        "corner": fmt(boxed, align="center"),
        "header": fmt(boxed, align="center", bold=True, bg_color=HEADER_FILL),
        "row_label": fmt(boxed, align="left", indent=1),
        "group_label": fmt(boxed, align="center"),
        "input_count": fmt(
            boxed, align="right", locked=False, bg_color=INPUT_FILL, num_format=COUNT_FORMAT
        ),
        "input_amount": fmt(
            boxed, align="right", locked=False, bg_color=INPUT_FILL, num_format=AMOUNT_FORMAT
        ),
        "computed": fmt(
            boxed, align="right", bg_color=COMPUTED_FILL, num_format=COUNT_FORMAT, bold=True
        ),
        "field_label": fmt(boxed, align="center", bold=True, bg_color=HEADER_FILL),
        "field_locked": fmt(boxed, align="left"),
        "field_input": fmt(boxed, align="left", locked=False, bg_color=INPUT_FILL, num_format="@"),
        "heading": fmt(base, bold=True, font_size=12),
        "instruction": fmt(base, align="left"),
        "status": fmt(boxed, bold=True, font_size=12, align="center"),
        "status_line": fmt(base, align="left", font_color=BAD_FONT),
        "check_label": fmt(boxed, align="left", italic=True),
        "check": fmt(boxed, align="right", num_format="0;-0;0"),
        "ok": fmt(bg_color=OK_FILL, font_color=OK_FONT),
        "bad": fmt(bg_color=BAD_FILL, font_color=BAD_FONT),
    }
