"""The ``校验结果`` sheet: what is wrong, where (a link to the cell), how to resubmit.

Written from scratch as one worksheet part with inline strings (so the shared-string
table is not touched), protected with a copy of another sheet's ``<sheetProtection>``
element (same options, same password hash).
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

from gongkai_xlsx.annotate.styles import ResultStyles
from gongkai_xlsx.ooxml.xmltext import escape, escape_each
from gongkai_xlsx.text import kept_width, text_width

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
COLUMNS = (("级别", 8.0), ("位置", 26.0), ("说明", 96.0))
LINE_HEIGHT = 14.25  # points per wrapped line at the workbook's 10.5-11 pt font
HEADER = "级别", "位置", "说明"


class Row(NamedTuple):
    """One finding: 级别 word, the 位置 shown, the link target (None: no link), 说明."""

    level: str
    severity: str
    place: str
    location: str | None
    message: str


class Line(NamedTuple):
    """A line of the text above the table, optionally a link (location, link text)."""

    text: str
    link: tuple[str, str] | None = None


@lru_cache(maxsize=1024)
def _height(text: str, width: float) -> float:
    """A row's height for ``text`` wrapped in ``width`` (kept: the same words come back
    in the results of many returns)."""
    per_line = max(int(width) - 2, 1)
    if "\n" not in text:  # one line: no generator
        lines = max(1, -(-kept_width(text) // per_line))
    else:
        lines = sum(max(1, -(-text_width(part) // per_line)) for part in text.split("\n"))
    return round(lines * LINE_HEIGHT + 5, 2)


@lru_cache(maxsize=4096)
def _row_height(message: str, place: str) -> str:
    """A finding's row height as written: its 说明 or its 位置 wrapped, at least 20 (kept,
    as :func:`_height` is)."""
    return str(max(_height(message, COLUMNS[2][1]), _height(place, COLUMNS[1][1]), 20))


_INLINE = ' t="inlineStr"><is><t xml:space="preserve">'
_CLOSE = "</t></is></c>"


def _cell(ref: str, style: int, text: str) -> str:
    return f'<c r="{ref}" s="{style}"{_INLINE}{escape(text)}{_CLOSE}'


def results_sheet(
    title: str,
    lines: list[Line],
    rows: list[Row],
    styles: ResultStyles,
    protection: str | None,
) -> str:
    """The sheet XML. ``title`` goes in A1 (the marker ingest looks for), ``lines``
    below it across all columns, then the table header and one row per finding."""
    full_width = sum(w for _, w in COLUMNS)
    xml_rows: list[str] = []
    merges: list[str] = []
    links: list[str] = []
    r = 1
    xml_rows.append(
        f'<row r="{r}" ht="27" customHeight="1">{_cell("A1", styles.title, title)}</row>'
    )
    merges.append("A1:C1")
    for line in lines:
        r += 1
        style = styles.text_link if line.link else styles.text
        ht = _height(line.text, full_width)
        xml_rows.append(
            f'<row r="{r}" ht="{ht}" customHeight="1">{_cell(f"A{r}", style, line.text)}</row>'
        )
        merges.append(f"A{r}:C{r}")
        if line.link:
            location, tip = line.link
            links.append(_hyperlink(f"A{r}", location, line.text, tip))
    r += 2
    header_row = r
    cells = "".join(
        _cell(f"{col}{r}", styles.header, name) for col, name in zip("ABC", HEADER, strict=True)
    )
    xml_rows.append(f'<row r="{r}" ht="20" customHeight="1">{cells}</row>')
    # the rows' texts escaped together (nearly always plain text: one search answers)
    levels = escape_each([row.level for row in rows])
    places = escape_each([row.place for row in rows])
    messages = escape_each([row.message for row in rows])
    locations = escape_each([row.location or "" for row in rows])
    for row, level, place, message, location in zip(
        rows, levels, places, messages, locations, strict=True
    ):
        r += 1
        level_style = styles.level_error if row.severity == "error" else styles.level_warning
        place_style = styles.link if row.location else styles.body
        height = _row_height(row.message, row.place)
        xml_rows.append(  # _cell's markup inlined: this is the results sheet's per-mark loop
            f'<row r="{r}" ht="{height}" customHeight="1">'
            f'<c r="A{r}" s="{level_style}"{_INLINE}{level}{_CLOSE}'
            f'<c r="B{r}" s="{place_style}"{_INLINE}{place}{_CLOSE}'
            f'<c r="C{r}" s="{styles.body}"{_INLINE}{message}{_CLOSE}</row>'
        )
        if row.location:  # _hyperlink's markup inlined ("转到 " needs no escaping)
            links.append(
                f'<hyperlink ref="B{r}" location="{location}" '
                f'display="{place}" tooltip="转到 {place}"/>'
            )
    cols = "".join(
        f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>'
        for i, (_, w) in enumerate(COLUMNS, start=1)
    )
    pane = (
        f'<pane ySplit="{header_row}" topLeftCell="A{header_row + 1}" activePane="bottomLeft" '
        'state="frozen"/><selection pane="bottomLeft" activeCell="B'
        f'{header_row + 1}" sqref="B{header_row + 1}"/>'
    )
    parts = [
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n',
        f'<worksheet xmlns="{MAIN_NS}">',
        '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>',
        f'<dimension ref="A1:C{r}"/>',
        f'<sheetViews><sheetView tabSelected="1" showGridLines="0" workbookViewId="0">{pane}'
        "</sheetView></sheetViews>",
        '<sheetFormatPr defaultRowHeight="15"/>',
        f"<cols>{cols}</cols>",
        f"<sheetData>{''.join(xml_rows)}</sheetData>",
        protection or "",
        f'<mergeCells count="{len(merges)}">'
        + "".join(f'<mergeCell ref="{m}"/>' for m in merges)
        + "</mergeCells>",
        f"<hyperlinks>{''.join(links)}</hyperlinks>" if links else "",
        '<printOptions horizontalCentered="1"/>',
        '<pageMargins left="0.4" right="0.4" top="0.6" bottom="0.6" header="0.3" footer="0.3"/>',
        '<pageSetup paperSize="9" orientation="landscape" fitToWidth="1" fitToHeight="0"/>',
        "</worksheet>",
    ]
    return "".join(parts)


def _hyperlink(ref: str, location: str, display: str, tip: str) -> str:
    """An internal link: ``location`` only, so no relationship part is needed."""
    return (
        f'<hyperlink ref="{ref}" location="{escape(location)}" '
        f'display="{escape(display)}" tooltip="{escape(tip)}"/>'
    )
