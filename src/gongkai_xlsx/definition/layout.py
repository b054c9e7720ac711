"""Where every piece of the form sits in the workbook.

The layout is computed from the definition alone (never typed by hand): the merged header
geometry comes from the column outline, the label area from the row outline. The writer
draws it, the reader looks values up in it, and its fingerprint, stored in the workbook,
tells the reader whether a return was made from exactly this layout. The layout of each
definition is prepared with its form when the package is built (:mod:`.load`,
:func:`remember`), so a start does not compute it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

from gongkai_xlsx.definition.model import Block, CellDef, Form, Node, Rule, Table

Role = Literal[
    "title",
    "note",
    "block_title",
    "corner",
    "header",
    "row_label",
    "group_label",
    "input",
    "computed",
    "field_label",
    "field_value",
    "heading",
    "instruction",
    "status",
    "status_line",
    "check_label",
    "check",
    "cover_note",
    "status_count",
    "shadow",
]

# Boxes holding fixed text: all locked, all compared when a return is read.
LABEL_ROLES = (
    "title",
    "block_title",
    "corner",
    "header",
    "row_label",
    "group_label",
    "field_label",
    "heading",
    "instruction",
    "check_label",
)

FIRST_TABLE_ROW = 2  # row 0: title, row 1: the agency/year note


@dataclass(frozen=True)
class Box:
    """A rectangle of the sheet (0-based, inclusive); one merged range when larger than 1x1."""

    row: int
    col: int
    last_row: int
    last_col: int
    role: Role
    text: str | None = None
    cell_id: str | None = None
    field: str | None = None
    check: CheckSpec | None = None
    block: int | None = None  # the table block a header, row label or data cell belongs to
    shadow_of: str | None = None  # a "shadow" box: the computed cell whose sum it repeats

    @property
    def merged(self) -> bool:
        return (self.row, self.col) != (self.last_row, self.last_col)


CheckKind = Literal[
    "agency",
    "no_numbers",
    "balance",
    "not_number",
    "negative",
    "fraction",
    "too_large",
    "decimals",
    "as_text",
    "blank_marker",
    "typed_over",
]
# Checks that only inform: a return with them still passes, as ingest gives warnings for them.
HINT_KINDS: frozenset[CheckKind] = frozenset({"as_text", "blank_marker"})
# Checks whose status line shows a count of cells, kept in a cell of its own beside the line
# (a "status_count" box, right of the printed cover), so the long counting formula is
# written once and the line only shows it.
COUNTED_KINDS: frozenset[CheckKind] = frozenset(
    {
        "no_numbers",
        "not_number",
        "negative",
        "fraction",
        "too_large",
        "as_text",
        "blank_marker",
        "typed_over",
    }
)


@dataclass(frozen=True)
class CheckSpec:
    """A check the workbook itself evaluates live (cover status lines, B1 indicator row).

    kind ``balance``: rule ``rule`` in column ``column`` (a column leaf of its table);
    ``not_number`` / ``negative`` / ``as_text`` / ``blank_marker``: the input cells of table
    ``table``; ``fraction`` / ``too_large``: its whole-number input cells; ``decimals``:
    cell ``cell`` (its decimals and its limit); ``agency``: the cover's agency name is
    filled in and not too long; ``no_numbers``: some input cell of the form holds a number;
    ``typed_over``: the computed cells of table ``table`` showing something other than their
    shadows (a total typed over with another number: ingest's ``total-typed-over``).
    ``as_text`` and ``blank_marker`` are hints (:data:`HINT_KINDS`), the others failures.
    """

    kind: CheckKind
    rule: Rule | None = None
    table: Table | None = None
    column: Node | None = None
    cell: CellDef | None = None

    @property
    def is_hint(self) -> bool:
        return self.kind in HINT_KINDS


@dataclass
class SheetLayout:
    name: str
    table: Table | None
    width: int
    boxes: list[Box] = field(default_factory=list)
    print_rows: tuple[int, int] = (0, 0)
    repeat_rows: tuple[int, int] | None = None
    freeze: tuple[int, int] = (0, 0)
    label_width: int = 0
    # Each column holding computed cells -> the hidden column holding their shadows.
    shadow_columns: dict[int, int] = field(default_factory=dict)

    def add(self, box: Box) -> Box:
        self.boxes.append(box)
        return box


@dataclass
class Layout:
    form: Form
    sheets: list[SheetLayout]
    cell_positions: dict[str, tuple[str, int, int]]
    field_positions: dict[str, tuple[str, int, int]]

    @cached_property
    def shadow_positions(self) -> dict[str, tuple[str, int, int]]:
        """Each computed cell's shadow: (sheet, row, col) of the hidden cell holding the
        same sum, which the cover compares with what the total shows. Ours, like the
        cells: the reader never reports them."""
        return {
            b.shadow_of: (s.name, b.row, b.col)
            for s in self.sheets
            for b in s.boxes
            if b.role == "shadow" and b.shadow_of is not None
        }

    def sheet(self, name: str) -> SheetLayout:
        return next(s for s in self.sheets if s.name == name)

    def labels(self) -> list[tuple[str, int, int, str]]:
        """Every fixed text the definition puts in a sheet: (sheet, row, col, text)."""
        return [(sheet, row, col, text) for sheet, row, col, text, _ in self.labels_with_roles()]

    def labels_with_roles(self) -> list[tuple[str, int, int, str, str]]:
        return [
            (s.name, b.row, b.col, b.text, b.role)
            for s in self.sheets
            for b in s.boxes
            if b.text and b.role in LABEL_ROLES
        ]

    @cached_property
    def fingerprint(self) -> str:
        """A hash of everything that decides where a value sits and what it means (computed
        once: the reader compares it for every return)."""
        payload = {
            "form": self.form.id,
            "version": self.form.template_version,
            "cells": sorted(self.cell_positions.items()),
            "fields": sorted(self.field_positions.items()),
            "labels": sorted(self.labels()),
        }
        import json  # here only: a prepared layout carries its fingerprint

        data = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode("utf-8")
        return hashlib.sha256(data).hexdigest()[:16]


def _place_columns(
    sheet: SheetLayout, block: Block, top: int, left: int, index: int
) -> dict[int, tuple[int, int]]:
    """Draw the header of ``block``; return each column leaf's (first, last) sheet column."""
    height = block.header_height()
    leaves = block.column_leaves()
    spans: dict[int, tuple[int, int]] = {}
    for i, leaf in enumerate(leaves):
        last = sheet.width - 1 if i == len(leaves) - 1 else left + i
        spans[id(leaf)] = (left + i, last)

    def draw(node: Node) -> None:
        node_leaves = node.leaves()
        first, last = spans[id(node_leaves[0])][0], spans[id(node_leaves[-1])][1]
        bottom = top + height - 1 if node.is_leaf else top + node.level
        sheet.add(Box(top + node.level, first, bottom, last, "header", node.label, block=index))
        for child in node.children:
            draw(child)

    for node in block.columns:
        draw(node)
    return spans


def _place_rows(
    sheet: SheetLayout, block: Block, top: int, width: int, index: int
) -> dict[int, int]:
    """Draw the row labels of ``block``; return each row leaf's sheet row."""
    positions = {id(leaf): top + i for i, leaf in enumerate(block.row_leaves())}

    def draw(node: Node) -> None:
        node_leaves = node.leaves()
        first, last = positions[id(node_leaves[0])], positions[id(node_leaves[-1])]
        if node.is_leaf:
            sheet.add(
                Box(first, node.level, first, width - 1, "row_label", node.label, block=index)
            )
        else:
            sheet.add(
                Box(first, node.level, last, node.level, "group_label", node.label, block=index)
            )
        for child in node.children:
            draw(child)

    if width:
        for node in block.rows:
            draw(node)
    return positions


def _table_sheet(form: Form, table: Table, cells: dict[str, tuple[str, int, int]]) -> SheetLayout:
    label_width = max(b.label_width() for b in table.blocks)
    width = max(label_width + len(b.column_leaves()) for b in table.blocks)
    sheet = SheetLayout(table.sheet, table, width, label_width=label_width)
    sheet.add(Box(0, 0, 0, width - 1, "title", table.title))
    sheet.add(Box(1, 0, 1, width - 1, "note"))
    row = FIRST_TABLE_ROW
    headers: list[tuple[int, int]] = []  # each block's first and last header row
    by_node = {(id(c.row), id(c.column)): c for c in form.cells_of(table.key)}
    for index, block in enumerate(table.blocks):
        if block.title:
            sheet.add(Box(row, 0, row, width - 1, "block_title", block.title))
            row += 1
        height = block.header_height()
        if label_width:
            sheet.add(Box(row, 0, row + height - 1, label_width - 1, "corner", block.corner or ""))
        headers.append((row, row + height - 1))
        spans = _place_columns(sheet, block, row, label_width, index)
        row += height
        positions = _place_rows(sheet, block, row, label_width, index)
        for r_leaf in block.row_leaves():
            for c_leaf in block.column_leaves():
                cell = by_node[(id(r_leaf), id(c_leaf))]
                first, last = spans[id(c_leaf)]
                r = positions[id(r_leaf)]
                role: Role = "computed" if cell.computed else "input"
                sheet.add(Box(r, first, r, last, role, cell_id=cell.id, block=index))
                cells[cell.id] = (table.sheet, r, first)
        row += len(block.row_leaves())
    sheet.print_rows = (0, row - 1)
    if len(headers) == 1:
        [(header_first, header_last)] = headers
        sheet.repeat_rows = (header_first, header_last)
        sheet.freeze = (header_last + 1, label_width)
    else:
        sheet.repeat_rows = (0, 0)
        sheet.freeze = (FIRST_TABLE_ROW, 0)
    _place_balance_checks(form, table, sheet, row + 1)
    _place_shadows(sheet)
    return sheet


def _place_shadows(sheet: SheetLayout) -> None:
    """A hidden twin of every computed cell, right of the table (unprinted), in the same
    row: the columns holding computed cells, in order, map to adjacent hidden columns, so
    a rectangle of totals has a rectangle of shadows of the same shape, and one comparison
    of the two ranges counts the totals typed over (:class:`CheckSpec` ``typed_over``)."""
    computed = [b for b in sheet.boxes if b.role == "computed"]
    columns = sorted({b.col for b in computed})
    sheet.shadow_columns = {c: sheet.width + i for i, c in enumerate(columns)}
    for b in computed:
        c = sheet.shadow_columns[b.col]
        sheet.add(Box(b.row, c, b.row, c, "shadow", shadow_of=b.cell_id, block=b.block))


def _place_balance_checks(form: Form, table: Table, sheet: SheetLayout, row: int) -> None:
    """The live indicator row of each balance rule (B1), below the table, unprinted."""
    for rule in form.rules:
        if rule.kind != "balance" or rule.table != table.key:
            continue
        block = table.blocks[0]
        label = f"{rule.id}校验：{rule.text}（差值应为0）"
        sheet.add(Box(row, 0, row, max(sheet.label_width - 1, 0), "check_label", label))
        for i, col in enumerate(block.column_leaves()):
            c = sheet.label_width + i
            sheet.add(
                Box(row, c, row, c, "check", check=CheckSpec("balance", rule=rule, column=col))
            )
        row += 1


COVER_WIDTH = 4


def _cover_checks(form: Form) -> list[CheckSpec]:
    """The cover's status lines: failures first (as ingest's errors), then hints."""
    checks: list[CheckSpec] = []
    if any(not f.optional and f.kind == "text" for f in form.cover.fields):
        checks.append(CheckSpec("agency"))
    checks.append(CheckSpec("no_numbers"))
    for rule in form.rules:
        if rule.kind == "balance":
            table = form.table(rule.table)
            for col in table.blocks[0].column_leaves():
                checks.append(CheckSpec("balance", rule=rule, table=table, column=col))
    for table in form.tables:
        if any(c.computed for c in form.cells_of(table.key)):
            checks.append(CheckSpec("typed_over", table=table))
    for table in form.tables:
        checks.append(CheckSpec("not_number", table=table))
        checks.append(CheckSpec("negative", table=table))
        if any(c.kind.type == "integer" and not c.computed for c in form.cells_of(table.key)):
            checks.append(CheckSpec("fraction", table=table))
            checks.append(CheckSpec("too_large", table=table))
    for cell in form.input_cells():
        if cell.kind.type == "decimal":
            checks.append(CheckSpec("decimals", cell=cell))
    for table in form.tables:
        checks.append(CheckSpec("as_text", table=table))
        checks.append(CheckSpec("blank_marker", table=table))
    return checks


def _cover_sheet(form: Form, fields: dict[str, tuple[str, int, int]]) -> SheetLayout:
    cover = form.cover
    last = COVER_WIDTH - 1
    sheet = SheetLayout(cover.sheet, None, COVER_WIDTH)
    sheet.add(Box(0, 0, 0, last, "title", cover.title))
    # Row 1 holds a note a particular template carries (e.g. "二、上年结转 已按 2023 年度报告
    # 预填"); empty otherwise. Not a label: it is no part of the fingerprint.
    sheet.add(Box(1, 0, 1, last, "cover_note"))
    row = 2
    for f in cover.fields:
        sheet.add(Box(row, 0, row, 0, "field_label", f.label))
        sheet.add(Box(row, 1, row, last, "field_value", field=f.key))
        fields[f.key] = (cover.sheet, row, 1)
        row += 1
    row += 1
    sheet.add(Box(row, 0, row, last, "heading", "填报说明"))
    row += 1
    for line in cover.instructions:
        sheet.add(Box(row, 0, row, last, "instruction", line))
        row += 1
    row += 1
    sheet.add(Box(row, 0, row, last, "heading", "校验状态（随填写自动更新）"))
    row += 1
    sheet.add(Box(row, 0, row, last, "status"))
    row += 1
    for check in _cover_checks(form):
        sheet.add(Box(row, 0, row, last, "status_line", check=check))
        if check.kind in COUNTED_KINDS:
            sheet.add(Box(row, COVER_WIDTH, row, COVER_WIDTH, "status_count", check=check))
        row += 1
    sheet.print_rows = (0, row - 1)
    return sheet


_LAYOUTS: dict[Form, Layout] = {}  # forms are immutable and hashed by identity


def layout_of(form: Form) -> Layout:
    """The layout of ``form``: the one prepared with it, else computed once."""
    layout = _LAYOUTS.get(form)
    if layout is None:
        layout = _LAYOUTS[form] = computed_layout(form)
    return layout


def remember(layout: Layout) -> None:
    """Keep ``layout`` (prepared with its form, :mod:`.load`) as its form's layout."""
    _LAYOUTS.setdefault(layout.form, layout)


def computed_layout(form: Form) -> Layout:
    """The layout of ``form``, computed from the definition."""
    cells: dict[str, tuple[str, int, int]] = {}
    fields: dict[str, tuple[str, int, int]] = {}
    sheets = [_cover_sheet(form, fields)]
    sheets += [_table_sheet(form, table, cells) for table in form.tables]
    return Layout(form, sheets, cells, fields)
