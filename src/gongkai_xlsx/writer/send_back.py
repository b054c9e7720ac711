"""The 退回清单: one row per agency whose return goes back, with whom to call and which
marked copy to send, written beside the marked copies.

A coordinator works down it by phone and WeChat, and prints it: A4 landscape, one page
wide, the header repeated on every page. Phones are written as text (a leading 0 and a
dash stay as typed). The workbook is made in memory; the caller writes it through the one
atomic writer (ingest stages it with the marked copies, in the same commit).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import count

from xlsxwriter.workbook import Workbook

from gongkai_xlsx.text import text_width
from gongkai_xlsx.writer import styles

SEND_BACK_NAME = "退回清单.xlsx"
TITLE = "退回清单"
SHEET = "退回清单"
CREATED = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def send_back_names() -> Iterator[str]:
    """退回清单.xlsx, then 退回清单_2.xlsx …: the first not taken by a marked copy (an
    agency's own file could be called so)."""
    yield SEND_BACK_NAME
    stem, suffix = SEND_BACK_NAME.rsplit(".", 1)
    for n in count(2):
        yield f"{stem}_{n}.{suffix}"


def is_send_back_name(name: str) -> bool:
    """A name :func:`send_back_names` gives (at the top of the annotate folder)."""
    stem, suffix = SEND_BACK_NAME.rsplit(".", 1)
    if name == SEND_BACK_NAME:
        return True
    head, _, number = name.removesuffix(f".{suffix}").rpartition("_")
    return name.endswith(f".{suffix}") and head == stem and number.isdigit()


@dataclass(frozen=True)
class SendBackRow:
    """One agency to contact. ``source``: where the contact came from (``报表`` its own
    return, ``名单`` the roster; None when neither gives one); ``files``: its returns as
    received; ``marked``: the marked copies to send (none for a file that could not be
    read: the agency is asked for the workbook)."""

    agency: str
    status: str
    errors: int
    files: tuple[str, ...]
    marked: tuple[str, ...] = ()
    contact: str | None = None
    phone: str | None = None
    email: str | None = None
    source: str | None = None


COLUMNS: tuple[tuple[str, float], ...] = (
    ("序号", 5.0),
    ("单位", 22.0),
    ("联系人", 9.0),
    ("联系电话", 14.0),
    ("邮箱", 16.0),
    ("状态", 9.0),
    ("错误数", 7.0),
    ("收到的报表", 20.0),
    ("发回的标注副本", 22.0),
    ("联系方式取自", 8.0),
)
# the marked copies' cell of a file that could not be read (the 退回清单 and the desk)
NO_COPY = "（无法读取，请单位报送 .xlsx 工作簿）"
MAX_WIDTH = 30.0  # a column grows with its longest text up to this, then wraps


def _cells(number: int, row: SendBackRow) -> list[str | int]:
    return [
        number,
        row.agency,
        row.contact or "",
        row.phone or "",
        row.email or "",
        row.status,
        row.errors,
        "\n".join(row.files),
        "\n".join(row.marked) if row.marked else NO_COPY,
        row.source or "",
    ]


def _width(value: str | int) -> float:
    """Characters wide its longest line is, with a margin."""
    return max(text_width(line) for line in str(value).split("\n")) + 2.0


def send_back_bytes(rows: Sequence[SendBackRow], note: str | None = None) -> bytes:
    """The 退回清单 workbook's bytes; ``note``: a line under the title (what to do)."""
    buffer = io.BytesIO()
    wb = Workbook(buffer, {"in_memory": True})
    # A fixed date, not the time of writing: a re-run that sends back the same returns
    # writes the same bytes (and the output folder keeps the file as it is).
    wb.set_properties({"title": TITLE, "author": "gongkai-xlsx", "created": CREATED})
    base = {"font_name": styles.FONT, "font_size": styles.FONT_SIZE, "valign": "vcenter"}
    title = wb.add_format({**base, "bold": True, "font_size": 16})
    text = wb.add_format({**base, "text_wrap": True})
    header = wb.add_format(
        {**base, "bold": True, "border": 1, "bg_color": "#D9D9D9", "align": "center"}
    )
    body = wb.add_format({**base, "border": 1, "text_wrap": True, "num_format": "@"})
    number = wb.add_format({**base, "border": 1, "align": "center"})
    ws = wb.add_worksheet(SHEET)
    widths = [
        min(MAX_WIDTH, max([w, _width(name), *(_width(_cells(0, r)[i]) for r in rows)]))
        for i, (name, w) in enumerate(COLUMNS)
    ]
    for i, width in enumerate(widths):
        ws.set_column(i, i, width)
    last = len(COLUMNS) - 1
    ws.merge_range(0, 0, 0, last, TITLE, title)
    ws.set_row(0, 26)
    header_row = 1
    if note:
        ws.merge_range(1, 0, 1, last, note, text)
        ws.set_row(1, 30)
        header_row = 2
    for i, (name, _) in enumerate(COLUMNS):
        ws.write_string(header_row, i, name, header)
    for k, row in enumerate(rows, start=1):
        r = header_row + k
        for i, value in enumerate(_cells(k, row)):
            if isinstance(value, int):
                ws.write_number(r, i, value, number)
            elif not value:
                ws.write_blank(r, i, None, body)  # empty, not a text of nothing
            else:
                ws.write_string(r, i, value, body)
        lines = max(
            styles.lines_needed(str(value), styles.column_pixels(widths[i]))
            for i, value in enumerate(_cells(k, row))
        )
        ws.set_row(r, max(20.0, lines * styles.LINE_HEIGHT + 6))
    ws.freeze_panes(header_row + 1, 0)
    ws.repeat_rows(header_row)
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)
    ws.center_horizontally()
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    ws.set_footer("&C第 &P 页，共 &N 页")
    if rows:
        ws.autofilter(header_row, 0, header_row + len(rows), last)
    wb.close()
    return buffer.getvalue()
