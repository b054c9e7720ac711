"""Frozen dataclasses of a form definition.

Everything the other stages need is computed once here (cell identifiers, the parts of
every total, display labels), so that no writer, reader or check re-derives the form.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Any, Literal, TypeVar, cast

KindType = Literal["integer", "decimal"]
RuleKind = Literal["balance", "row_total", "column_total"]
CrossYearKind = Literal["carry", "stock", "jump"]
T = TypeVar("T")


@dataclass(frozen=True)
class Kind:
    """What may be entered in an input cell: whole counts, or amounts with limited decimals."""

    key: str
    type: KindType
    minimum: Decimal
    maximum: Decimal
    decimals: int
    title: str
    prompt: str
    error: str

    def __hash__(self) -> int:
        """The fields' hash, once per kind and process: a kind is a cache key of every
        input cell's number on every return (its Decimals hash anew each time)."""
        found: int | None = self.__dict__.get("_hash")
        if found is None:
            found = hash(
                (
                    self.key,
                    self.type,
                    self.minimum,
                    self.maximum,
                    self.decimals,
                    self.title,
                    self.prompt,
                    self.error,
                )
            )
            object.__setattr__(self, "_hash", found)
        return found

    def __getstate__(self) -> dict[str, Any]:
        """Without the remembered hash: another process hashes strings otherwise."""
        return {k: v for k, v in self.__dict__.items() if k != "_hash"}


@dataclass(frozen=True, eq=False)
class Node:
    """One node of a row or column outline.

    A leaf is a row (or column) of cells; an inner node only groups labels. ``key`` is None
    for nodes that do not contribute to identifiers. Nodes compare by identity: two columns
    may carry the same label and key (table C's five labels repeat under each group).
    """

    label: str | None
    key: str | None
    total: bool
    kind: str | None
    level: int
    children: tuple[Node, ...] = ()
    parent: Node | None = field(default=None, repr=False)

    @property
    def is_leaf(self) -> bool:
        return not self.children

    def leaves(self) -> list[Node]:
        if self.is_leaf:
            return [self]
        return [leaf for child in self.children for leaf in child.leaves()]

    def ancestors(self) -> list[Node]:
        """Parents from the root down to (excluding) this node."""
        chain: list[Node] = []
        node = self.parent
        while node is not None:
            chain.append(node)
            node = node.parent
        return chain[::-1]

    def key_path(self) -> tuple[str, ...]:
        return tuple(n.key for n in [*self.ancestors(), self] if n.key is not None)

    def depth(self) -> int:
        """Height of the subtree: 1 for a leaf."""
        return 1 + max((c.depth() for c in self.children), default=0)


@dataclass(frozen=True, eq=False)
class Block:
    """A grid under one header: table A has four, tables B and C one each."""

    title: str | None
    corner: str | None
    columns: tuple[Node, ...]
    rows: tuple[Node, ...]

    def row_leaves(self) -> list[Node]:
        return [leaf for node in self.rows for leaf in node.leaves()]

    def column_leaves(self) -> list[Node]:
        return [leaf for node in self.columns for leaf in node.leaves()]

    def header_height(self) -> int:
        return max(node.depth() for node in self.columns)

    def label_width(self) -> int:
        """Columns taken by row labels: the depth of the row outline, 0 for unlabeled rows."""
        if all(node.label is None for node in self.rows):
            return 0
        return max(node.depth() for node in self.rows)


@dataclass(frozen=True, eq=False)
class Table:
    key: str
    sheet: str
    title: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class CellDef:
    """One data cell of the form, input or computed.

    ``parts`` lists the identifiers a computed cell sums; it is empty for input cells.
    ``row_label`` / ``column_label`` are the labels a person reads in messages.
    """

    id: str
    table: str
    block: int
    row: Node
    column: Node
    kind: Kind
    parts: tuple[str, ...]
    row_label: str
    column_label: str

    @property
    def computed(self) -> bool:
        return bool(self.parts)

    @cached_property
    def path(self) -> tuple[str, ...]:
        """Keys below the table, i.e. the JSON path inside ``tables.<table>`` (computed
        once: every reader of a canonical document walks it for every cell)."""
        return tuple(self.id.split(".")[1:])

    @property
    def label(self) -> str:
        return " · ".join(p for p in (self.row_label, self.column_label) if p)


@dataclass(frozen=True)
class CoverField:
    key: str
    label: str
    kind: Literal["year", "text"]
    optional: bool
    prompt: str
    max_length: int | None = None  # characters, counted in UTF-16 units as Excel's LEN does


@dataclass(frozen=True)
class Cover:
    sheet: str
    title: str
    fields: tuple[CoverField, ...]
    instructions: tuple[str, ...]


@dataclass(frozen=True)
class Rule:
    """A 勾稽关系 as data; see the comment above ``[[rules]]`` in the TOML."""

    id: str
    kind: RuleKind
    table: str
    text: str
    left: tuple[str, ...] = ()
    right: tuple[str, ...] = ()
    at: str | None = None
    left_text: str = ""  # how the official wording names each side of a balance
    right_text: str = ""


@dataclass(frozen=True)
class CrossYearRule:
    """A rule between an agency's return and its return of the year before (same format);
    see the comment above ``[[cross_year]]`` in the TOML. Rows and columns are named by
    their key paths, as the 勾稽关系 name rows; :class:`Form` turns them into cells."""

    id: str
    kind: CrossYearKind
    text: str
    table: str = ""
    row: str = ""  # carry: this year's row
    previous_row: str = ""  # carry: last year's row
    rows: tuple[str, ...] = ()  # stock: the rows it holds in
    column: str = ""  # stock: the column that follows from last year's
    plus: tuple[str, ...] = ()  # stock: this year's columns added
    minus: tuple[str, ...] = ()  # stock: this year's columns taken off
    factor: Decimal = Decimal(0)  # jump: how many times larger (or smaller) is a jump
    minimum: Decimal = Decimal(0)  # jump: both years at least this


@dataclass(frozen=True)
class CarriedCell:
    """This year's cell that must equal last year's ``previous`` cell (a carry rule)."""

    cell: str
    previous: str


@dataclass(frozen=True)
class StockCell:
    """This year's ``cell`` = last year's same cell + this year's ``plus`` − ``minus``."""

    cell: str
    plus: tuple[str, ...]
    minus: tuple[str, ...]


@dataclass(frozen=True)
class BalanceColumn:
    column: Node
    left: tuple[str, ...]
    right: tuple[str, ...]
    at: str


@dataclass(frozen=True)
class ReportPart:
    """One of the published report's parts: a table of the form, or text (``table`` None)."""

    title: str
    table: Table | None = None


@dataclass(frozen=True)
class Report:
    """The report as published: its title pattern and its parts in order."""

    title: str
    parts: tuple[ReportPart, ...]

    def title_for(self, agency: str, year: int) -> str:
        return self.title.format(agency=agency, year=year)


@dataclass(frozen=True, eq=False)
class Form:
    id: str
    name: str
    template_version: str
    first_year: int
    older_format_note: str
    older_format_first_year: int | None
    kinds: dict[str, Kind]
    cover: Cover
    tables: tuple[Table, ...]
    rules: tuple[Rule, ...]
    cells: tuple[CellDef, ...]
    report: Report
    source_sha256: str
    cross_year: tuple[CrossYearRule, ...] = ()

    def cell(self, cell_id: str) -> CellDef:
        return self._by_id[cell_id]

    def cell_at(self, table: str, row_key: str, column: Node) -> CellDef:
        """The cell of ``table`` on the row whose key path is ``row_key`` (a rule names
        rows so) and in ``column`` (a column leaf of the table)."""
        return self._by_row_and_column[(table, row_key, id(column))]

    def balance_columns(self, rule: Rule) -> list[BalanceColumn]:
        """A balance rule (B1) column by column: the cells of each side and the cell a
        finding points at, so that no check or writer rebuilds an identifier (once per
        rule: every return is checked with them)."""

        def build() -> tuple[BalanceColumn, ...]:
            table = self.table(rule.table)
            return tuple(
                BalanceColumn(
                    column=column,
                    left=tuple(self.cell_at(table.key, row, column).id for row in rule.left),
                    right=tuple(self.cell_at(table.key, row, column).id for row in rule.right),
                    at=self.cell_at(table.key, rule.at or "", column).id,
                )
                for column in table.blocks[0].column_leaves()
            )

        return list(self._memo(("balance-columns", rule), build))

    def cell_by_keys(self, table: str, row_key: str, column_key: str) -> CellDef:
        """The cell of ``table`` on the row and in the column whose key paths are
        ``row_key`` and ``column_key`` (how a cross-year rule names them); KeyError if none."""
        return self._by_keys[(table, row_key, column_key)]

    def carried_cells(self, rule: CrossYearRule) -> tuple[CarriedCell, ...]:
        """A carry rule column by column: this year's input cell of ``rule.row`` and last
        year's of ``rule.previous_row``. Total columns are left out: their difference is
        the sum of the others'."""

        def build() -> tuple[CarriedCell, ...]:
            return tuple(
                CarriedCell(
                    cell.id,
                    self.cell_by_keys(
                        rule.table, rule.previous_row, ".".join(cell.column.key_path())
                    ).id,
                )
                for cell in self.cells_of_row(rule.table, rule.row)
                if not cell.computed
            )

        return self._memo(("carried", rule), build)

    def stock_cells(self, rule: CrossYearRule) -> tuple[StockCell, ...]:
        """A stock rule row by row: the cell that follows from last year's, and this
        year's cells added to and taken off it."""

        def ids(row: str, columns: tuple[str, ...]) -> tuple[str, ...]:
            return tuple(self.cell_by_keys(rule.table, row, c).id for c in columns)

        def build() -> tuple[StockCell, ...]:
            return tuple(
                StockCell(ids(row, (rule.column,))[0], ids(row, rule.plus), ids(row, rule.minus))
                for row in rule.rows
            )

        return self._memo(("stock", rule), build)

    def jump_cells(self) -> tuple[str, ...]:
        """The input cells a jump rule compares with the same cell last year: all of them
        except those another cross-year rule already compares with last year (more
        strictly: one typo, one warning)."""

        def build() -> tuple[str, ...]:
            compared: set[str] = set()
            for other in self.cross_year:
                if other.kind == "carry":
                    compared.update(c.cell for c in self.carried_cells(other))
                elif other.kind == "stock":
                    compared.update(c.cell for c in self.stock_cells(other))
            return tuple(c.id for c in self.input_cells() if c.id not in compared)

        return self._memo(("jump",), build)

    def cells_of_row(self, table: str, row_key: str) -> list[CellDef]:
        """Every cell of the row whose key path is ``row_key``, in column order."""
        return list(self._by_row.get((table, row_key), ()))

    def _memo(self, key: tuple[Any, ...], build: Callable[[], T]) -> T:
        """``build()`` once per key: cross-year cells are asked for on every return."""
        memo = self._computed
        if key not in memo:
            memo[key] = build()
        # One key, one builder: what is stored under it is that builder's T.
        return cast(T, memo[key])

    @cached_property
    def _computed(self) -> dict[tuple[Any, ...], Any]:
        return {}

    @cached_property
    def _by_row(self) -> dict[tuple[str, str], list[CellDef]]:
        rows: dict[tuple[str, str], list[CellDef]] = {}
        for c in self.cells:
            rows.setdefault((c.table, ".".join(c.row.key_path())), []).append(c)
        return rows

    @cached_property
    def _by_keys(self) -> dict[tuple[str, str, str], CellDef]:
        return {
            (c.table, ".".join(c.row.key_path()), ".".join(c.column.key_path())): c
            for c in self.cells
        }

    @cached_property
    def _by_row_and_column(self) -> dict[tuple[str, str, int], CellDef]:
        return {(c.table, ".".join(c.row.key_path()), id(c.column)): c for c in self.cells}

    def table(self, key: str) -> Table:
        return next(t for t in self.tables if t.key == key)

    @cached_property
    def _by_id(self) -> dict[str, CellDef]:
        # cached_property writes the instance __dict__ directly, which a frozen dataclass allows
        return {c.id: c for c in self.cells}

    @cached_property
    def _input_cells(self) -> tuple[CellDef, ...]:
        return tuple(c for c in self.cells if not c.computed)

    def input_cells(self) -> list[CellDef]:
        return list(self._input_cells)

    @cached_property
    def _computed_cells(self) -> tuple[CellDef, ...]:
        return tuple(c for c in self.cells if c.computed)

    def computed_cells(self) -> list[CellDef]:
        return list(self._computed_cells)  # asked for three times in checking each return

    @cached_property
    def _cells_by_table(self) -> dict[str, tuple[CellDef, ...]]:
        tables: dict[str, list[CellDef]] = {}
        for c in self.cells:
            tables.setdefault(c.table, []).append(c)
        return {key: tuple(cells) for key, cells in tables.items()}

    def cells_of(self, table: str) -> list[CellDef]:
        return list(self._cells_by_table.get(table, ()))
