"""The three tables as grids of boxes, as they are published: the one model both renderers draw.

A grid is read off the workbook layout (:func:`gongkai_xlsx.definition.layout.layout_of`),
which already places every header with its spans, the label area of table B (三、本年度办理结果
running down to （七）总计, （七）总计 across the two inner label columns), the block titles of
table A and table C's three header rows. Taking the boxes from there, minus what belongs to the
workbook only (sheet title, agency note, live check rows), means the printed tables can never
drift from the template a clerk fills: one definition, one geometry, every artifact.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Literal

from gongkai_xlsx.definition.layout import Box, SheetLayout, layout_of
from gongkai_xlsx.definition.model import CellDef, Form, Table

GridRole = Literal["block_title", "corner", "header", "row_label", "group_label", "value"]

# Workbook roles that are part of the published table, and what they are in the grid.
_ROLES: dict[str, GridRole] = {
    "block_title": "block_title",
    "corner": "corner",
    "header": "header",
    "row_label": "row_label",
    "group_label": "group_label",
    "input": "value",
    "computed": "value",
}
HEADER_ROLES: tuple[GridRole, ...] = ("block_title", "corner", "header")

# Relative column widths (a data column is 1). A label column holding only group labels
# (三、本年度办理结果, （三）不予公开 …) is narrow: its boxes are tall, the text wraps down. The
# column of the innermost row labels gets room for about LABEL_CHARS_PER_WIDTH characters per
# unit of its longest label, within the bounds below.
GROUP_COLUMN_WIDTH = 1.55
LABEL_COLUMN_MIN, LABEL_COLUMN_MAX = 1.5, 4.8
LABEL_CHARS_PER_WIDTH = 7.5


@dataclass(frozen=True)
class GridCell:
    """One box of a published table: 0-based position in the grid and its spans.

    Label boxes carry their official ``text``; value boxes carry the ``cell`` whose value
    they show.
    """

    row: int
    col: int
    rowspan: int
    colspan: int
    role: GridRole
    text: str = ""
    cell: CellDef | None = None

    @property
    def is_header(self) -> bool:
        return self.role in HEADER_ROLES

    @property
    def last_row(self) -> int:
        return self.row + self.rowspan - 1

    @property
    def last_col(self) -> int:
        return self.col + self.colspan - 1


@dataclass(frozen=True)
class Grid:
    """One table: ``height`` x ``width`` boxes tiling the rectangle exactly once.

    ``label_width`` columns on the left hold row labels (0 for table C). ``header_rows``
    leading rows are the header to repeat on every page the table runs onto (0 when the
    table has several blocks, each with its own header: table A). ``column_widths`` are
    relative widths, one per column.
    """

    table: Table
    width: int
    height: int
    label_width: int
    header_rows: int
    cells: tuple[GridCell, ...]
    column_widths: tuple[float, ...]

    def rows(self) -> list[list[GridCell]]:
        """The boxes starting in each row, left to right (what an HTML ``<tr>`` holds)."""
        rows: list[list[GridCell]] = [[] for _ in range(self.height)]
        for cell in self.cells:
            rows[cell.row].append(cell)
        return rows

    def value_cells(self) -> list[GridCell]:
        return [c for c in self.cells if c.role == "value"]


def _grid_box(box: Box, top: int, form: Form) -> GridCell:
    role = _ROLES[box.role]
    return GridCell(
        row=box.row - top,
        col=box.col,
        rowspan=box.last_row - box.row + 1,
        colspan=box.last_col - box.col + 1,
        role=role,
        text=box.text or "",
        cell=form.cell(box.cell_id) if box.cell_id else None,
    )


def _column_widths(sheet: SheetLayout, cells: list[GridCell]) -> tuple[float, ...]:
    widths = [1.0] * sheet.width
    for col in range(sheet.label_width):
        own = [c for c in cells if c.col == col and c.colspan == 1 and not c.is_header]
        if own and all(c.role == "group_label" for c in own):
            widths[col] = GROUP_COLUMN_WIDTH
        else:
            longest = max((len(c.text) for c in own), default=0)
            widths[col] = min(
                LABEL_COLUMN_MAX, max(LABEL_COLUMN_MIN, longest / LABEL_CHARS_PER_WIDTH)
            )
    return tuple(widths)


def _header_rows(sheet: SheetLayout, top: int) -> int:
    """The rows the workbook repeats on each printed page when they open the table (the
    header of a one-block table; a table of several blocks repeats only its sheet title)."""
    if sheet.repeat_rows is None:
        return 0
    first, last = sheet.repeat_rows
    return last - top + 1 if first == top else 0


def grid_of(form: Form, table: Table) -> Grid:
    """The grid of one table of ``form``, read off its workbook layout."""
    sheet = layout_of(form).sheet(table.sheet)
    boxes = [b for b in sheet.boxes if b.role in _ROLES]
    top = min(b.row for b in boxes)
    cells = sorted((_grid_box(b, top, form) for b in boxes), key=lambda c: (c.row, c.col))
    height = max(c.last_row for c in cells) + 1
    return Grid(
        table=table,
        width=sheet.width,
        height=height,
        label_width=sheet.label_width,
        header_rows=_header_rows(sheet, top),
        cells=tuple(cells),
        column_widths=_column_widths(sheet, cells),
    )


@cache
def table_grids(form: Form) -> tuple[Grid, ...]:
    """The grids of every table of ``form``, in the form's order (cached per form)."""
    return tuple(grid_of(form, table) for table in form.tables)
