"""Read a ``templates/<id>.toml`` into a :class:`Form`, checking it as we go.

A mistake in the definition (an unknown rule row, a duplicate identifier, a prompt longer
than Excel accepts) is a :class:`DefinitionError` at load time, so that no broken workbook
is ever generated from it.

Every start of ``new`` needs the form and its layout, and parsing the TOML, building the
form and laying it out took about a tenth of ``new``. So the layout each definition gives
(with its form, :func:`prepared_layout`) is prepared when the package is built
(:mod:`.prepared_forms`, written by ``scripts/make_prepared_forms.py``), keyed by the
SHA-256 of the TOML's bytes: a definition whose bytes differ finds nothing and is built
from the TOML here, so a prepared form is never used for another text.
tests/test_prepared_forms.py proves each prepared form and layout are the ones built from
the TOML.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import pickle
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any

from gongkai_xlsx.definition.model import (
    Block,
    CellDef,
    Cover,
    CoverField,
    CrossYearRule,
    Form,
    Kind,
    Node,
    Report,
    ReportPart,
    Rule,
    Table,
)
from gongkai_xlsx.errors import UsageError
from gongkai_xlsx.resources import templates_dir

if TYPE_CHECKING:
    from gongkai_xlsx.definition.layout import Layout

# Excel's limits for data-validation texts ([MS-OI29500] 2.1.613), counted in UTF-16 units.
MAX_VALIDATION_TITLE = 32
MAX_VALIDATION_PROMPT = 255
MAX_VALIDATION_ERROR = 224
MAX_PROPERTY_TEXT = 255  # a custom document property's text value


class DefinitionError(ValueError):
    """The form definition file is inconsistent; raised when it is loaded."""


class UnsupportedYearError(UsageError):
    """No format of this tool covers the requested report year (message in Chinese)."""


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _max_length(field: dict[str, Any]) -> int | None:
    """A text field's limit; Excel's custom document properties hold at most 255 characters
    (the agency is stored in one), so no limit may be above that."""
    limit = field.get("max_length")
    if limit is None:
        return None
    if not isinstance(limit, int) or not 0 < limit <= MAX_PROPERTY_TEXT:
        raise DefinitionError(f"cover field {field.get('key')!r}: bad max_length {limit!r}")
    return limit


def _build_outline(items: list[dict[str, Any]], where: str) -> tuple[Node, ...]:
    """Turn an outline (items with ``level``) into a tree of frozen nodes."""
    roots: list[list[Any]] = []  # [item, children] pairs, mutable while building
    stack: list[list[Any]] = []
    for item in items:
        level = int(item.get("level", 0))
        if level > len(stack):
            raise DefinitionError(f"{where}: level {level} skips a level at {item!r}")
        entry: list[Any] = [item, []]
        del stack[level:]
        (stack[-1][1] if stack else roots).append(entry)
        stack.append(entry)

    def freeze(entry: list[Any], level: int) -> Node:
        item, children = entry
        node = Node(
            label=item.get("label"),
            key=item.get("key"),
            total=bool(item.get("total", False)),
            kind=item.get("kind"),
            level=level,
            children=tuple(freeze(child, level + 1) for child in children),
        )
        for child in node.children:
            object.__setattr__(child, "parent", node)
        if node.total and node.children:
            raise DefinitionError(f"{where}: total node {node.label!r} must be a leaf")
        if node.is_leaf and node.key is None and node.label is not None:
            raise DefinitionError(f"{where}: leaf {node.label!r} needs a key")
        return node

    return tuple(freeze(entry, 0) for entry in roots)


def _display_label(leaf: Node, all_leaves: list[Node]) -> str:
    """The leaf's label, prefixed by its nearest group unless that group spans everything."""
    parts = [leaf.label] if leaf.label else []
    parent = leaf.parent
    if parent is not None and parent.label and len(parent.leaves()) < len(all_leaves):
        parts.insert(0, parent.label)
    return " · ".join(parts)


def _siblings(leaf: Node, all_leaves: list[Node]) -> list[Node]:
    """The leaves a total sums: every other leaf under the total's parent."""
    scope = leaf.parent.leaves() if leaf.parent is not None else all_leaves
    return [other for other in scope if other is not leaf]


def _cells(table: Table, kinds: dict[str, Kind]) -> list[CellDef]:
    cells: list[CellDef] = []
    for b_index, block in enumerate(table.blocks):
        rows, cols = block.row_leaves(), block.column_leaves()

        def cell_id(row: Node, col: Node) -> str:
            return ".".join((table.key, *row.key_path(), *col.key_path()))

        for row in rows:
            for col in cols:
                if col.total:
                    parts = tuple(cell_id(row, other) for other in _siblings(col, cols))
                elif row.total:
                    parts = tuple(cell_id(other, col) for other in _siblings(row, rows))
                else:
                    parts = ()
                kind_key = col.kind or row.kind or "count"
                if kind_key not in kinds:
                    raise DefinitionError(f"table {table.key}: unknown kind {kind_key!r}")
                cells.append(
                    CellDef(
                        id=cell_id(row, col),
                        table=table.key,
                        block=b_index,
                        row=row,
                        column=col,
                        kind=kinds[kind_key],
                        parts=parts,
                        row_label=_display_label(row, rows),
                        column_label=_display_label(col, cols),
                    )
                )
    return cells


def _kind(key: str, data: dict[str, Any]) -> Kind:
    kind = Kind(
        key=key,
        type=data["type"],
        minimum=Decimal(str(data["minimum"])),
        maximum=Decimal(str(data["maximum"])),
        decimals=int(data.get("decimals", 0)),
        title=data["title"],
        prompt=data["prompt"],
        error=data["error"],
    )
    for text, limit in (
        (kind.title, MAX_VALIDATION_TITLE),
        (kind.prompt, MAX_VALIDATION_PROMPT),
        (kind.error, MAX_VALIDATION_ERROR),
    ):
        if _utf16_len(text) > limit:
            raise DefinitionError(f"kind {key}: {text!r} is longer than Excel's {limit}")
    return kind


def _check_rules(rules: list[Rule], tables: dict[str, Table]) -> None:
    """Rules must name real rows, and total rules must match the computed nodes: a table
    with a total column has a row_total rule (B2, C1), one with a total row a column_total
    rule (B3), and no total rule stands without its computed cells."""
    for table in tables.values():
        has = {
            "row_total": any(c.total for b in table.blocks for c in b.column_leaves()),
            "column_total": any(r.total for b in table.blocks for r in b.row_leaves()),
        }
        for kind, computed in has.items():
            ruled = any(r.table == table.key and r.kind == kind for r in rules)
            if computed != ruled:
                raise DefinitionError(
                    f"table {table.key}: total nodes and {kind} rules disagree "
                    f"(computed cells: {computed}, rule: {ruled})"
                )
    for rule in rules:
        if rule.table not in tables:
            raise DefinitionError(f"rule {rule.id}: unknown table {rule.table!r}")
        table = tables[rule.table]
        row_keys = {r.key for b in table.blocks for r in b.row_leaves()}
        for key in (*rule.left, *rule.right, *([rule.at] if rule.at else [])):
            if key not in row_keys:
                raise DefinitionError(f"rule {rule.id}: unknown row {key!r}")
        if rule.kind == "balance" and not (
            rule.left and rule.right and rule.at and rule.left_text and rule.right_text
        ):
            raise DefinitionError(
                f"rule {rule.id}: balance needs left, right, at, left_text and right_text"
            )
        if rule.kind not in ("balance", "row_total", "column_total"):
            raise DefinitionError(f"rule {rule.id}: unknown kind {rule.kind!r}")


def _cross_year_rule(item: dict[str, Any]) -> CrossYearRule:
    kind = item.get("kind")
    factor, minimum = item.get("factor", 0), item.get("minimum", 0)
    text = item.get("text", "")
    if kind == "jump":
        text = text.format(factor=factor, minimum=minimum)
    return CrossYearRule(
        id=item.get("id", ""),
        kind=kind,  # type: ignore[arg-type]  # checked in _check_cross_year
        text=text,
        table=item.get("table", ""),
        row=item.get("row", ""),
        previous_row=item.get("previous_row", ""),
        rows=tuple(item.get("rows", ())),
        column=item.get("column", ""),
        plus=tuple(item.get("plus", ())),
        minus=tuple(item.get("minus", ())),
        factor=Decimal(str(factor)),
        minimum=Decimal(str(minimum)),
    )


def _check_cross_year(form: Form) -> None:
    """Every cross-year rule names real rows and columns of input cells (a carried cell is
    prefilled into next year's template, so it may not be a total) and has its wording;
    a jump needs a factor above 1."""
    ids = [r.id for r in form.cross_year]
    if len(set(ids)) != len(ids) or not all(ids):
        raise DefinitionError(f"cross_year: every rule needs its own id (got {ids})")
    for rule in form.cross_year:
        where = f"cross_year {rule.id}"
        if not rule.text:
            raise DefinitionError(f"{where}: needs a text")
        try:
            if rule.kind == "carry":
                pairs = form.carried_cells(rule)
                cells = [form.cell(i) for p in pairs for i in (p.cell, p.previous)]
            elif rule.kind == "stock":
                stocks = form.stock_cells(rule)
                cells = [form.cell(i) for s in stocks for i in (s.cell, *s.plus, *s.minus)]
            elif rule.kind == "jump":
                if rule.factor <= 1 or rule.minimum < 0:
                    raise DefinitionError(f"{where}: needs factor > 1 and minimum >= 0")
                cells = [form.cell(i) for i in form.jump_cells()]
            else:
                raise DefinitionError(f"{where}: unknown kind {rule.kind!r}")
        except KeyError as exc:
            raise DefinitionError(f"{where}: no cell at {exc}") from None
        if not cells or any(c.computed for c in cells):
            raise DefinitionError(f"{where}: must name input cells (and at least one)")


def _report(data: dict[str, Any], tables: dict[str, Table]) -> Report:
    """The published report's parts: every table exactly once, text parts titled."""
    parts: list[ReportPart] = []
    for item in data["parts"]:
        if "table" in item:
            if item["table"] not in tables:
                raise DefinitionError(f"report: unknown table {item['table']!r}")
            table = tables[item["table"]]
            parts.append(ReportPart(table.title, table))
        elif item.get("title"):
            parts.append(ReportPart(item["title"]))
        else:
            raise DefinitionError(f"report: a part needs a table or a title: {item!r}")
    used = [p.table.key for p in parts if p.table is not None]
    if sorted(used) != sorted(tables):
        raise DefinitionError(f"report: every table must appear exactly once (got {used})")
    titles = [p.title for p in parts]
    if len(set(titles)) != len(titles):
        raise DefinitionError("report: two parts share a title")
    title = data["title"]
    try:
        title.format(agency="", year=0)
    except (KeyError, IndexError, ValueError) as exc:
        raise DefinitionError(f"report: title may use only {{agency}} and {{year}}: {exc}") from exc
    return Report(title, tuple(parts))


@cache
def load_form(format_id: str) -> Form:
    """Load and check ``templates/<format_id>.toml`` (cached: forms are immutable): the
    form prepared for exactly these bytes when there is one, else built from them."""
    raw = (templates_dir() / f"{format_id}.toml").read_bytes()
    return prepared_form(format_id, raw) or build_form(raw)


def prepared_form(format_id: str, raw: bytes) -> Form | None:
    """The form prepared with the package for the definition ``format_id`` whose bytes
    are ``raw``, or None when none was prepared for these bytes."""
    from gongkai_xlsx.definition import layout as laid
    from gongkai_xlsx.definition.prepared_forms import FORMS

    digest = hashlib.sha256(raw).hexdigest()
    entry = FORMS.get(format_id)
    if entry is None or entry[0] != digest:
        return None
    layout = pickle.loads(entry[1])
    if not isinstance(layout, laid.Layout) or not isinstance(layout.form, Form):
        return None
    if layout.form.source_sha256 != digest:
        return None
    laid.remember(layout)
    return layout.form


def prepared_layout(raw: bytes) -> Layout:
    """What :mod:`.prepared_forms` holds for the definition ``raw``: the form built from
    it, laid out, with what every start asks of the layout (its fingerprint, the
    shadows' places) worked out."""
    from gongkai_xlsx.definition.layout import computed_layout

    layout = computed_layout(build_form(raw))
    assert layout.fingerprint and layout.shadow_positions is not None
    return layout


def build_form(raw: bytes) -> Form:
    """The form the definition ``raw`` (a TOML file's bytes) describes, checked."""
    import tomllib

    data = tomllib.loads(raw.decode("utf-8"))
    meta = data["form"]
    kinds = {key: _kind(key, value) for key, value in data["kinds"].items()}
    tables: list[Table] = []
    for t in data["tables"]:
        blocks = tuple(
            Block(
                title=b.get("title"),
                corner=b.get("corner"),
                columns=_build_outline(b["columns"], f"{t['key']} columns"),
                rows=_build_outline(b["rows"], f"{t['key']} rows"),
            )
            for b in t["blocks"]
        )
        tables.append(Table(key=t["key"], sheet=t["sheet"], title=t["title"], blocks=blocks))
    cells = [cell for table in tables for cell in _cells(table, kinds)]
    ids = [c.id for c in cells]
    if len(set(ids)) != len(ids):
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        raise DefinitionError(f"duplicate cell identifiers: {dupes}")
    rules = [
        Rule(
            id=r["id"],
            kind=r["kind"],
            table=r["table"],
            text=r["text"],
            left=tuple(r.get("left", ())),
            right=tuple(r.get("right", ())),
            at=r.get("at"),
            left_text=r.get("left_text", ""),
            right_text=r.get("right_text", ""),
        )
        for r in data.get("rules", [])
    ]
    _check_rules(rules, {t.key: t for t in tables})
    c = data["cover"]
    cover = Cover(
        sheet=c["sheet"],
        title=c["title"],
        fields=tuple(
            CoverField(
                key=f["key"],
                label=f["label"],
                kind=f["kind"],
                optional=bool(f.get("optional", False)),
                prompt=f.get("prompt", ""),
                max_length=_max_length(f),
            )
            for f in c["fields"]
        ),
        instructions=tuple(c["instructions"]),
    )
    sheets = [cover.sheet, *(t.sheet for t in tables)]
    if len(set(sheets)) != len(sheets):
        raise DefinitionError("two sheets share a name")
    form = Form(
        id=meta["id"],
        name=meta["name"],
        template_version=str(meta["template_version"]),
        first_year=int(meta["first_year"]),
        older_format_note=meta.get("older_format_note", ""),
        older_format_first_year=meta.get("older_format_first_year"),
        kinds=kinds,
        cover=cover,
        tables=tuple(tables),
        rules=tuple(rules),
        cells=tuple(cells),
        report=_report(data["report"], {t.key: t for t in tables}),
        source_sha256=hashlib.sha256(raw).hexdigest(),
        cross_year=tuple(_cross_year_rule(r) for r in data.get("cross_year", [])),
    )
    _check_cross_year(form)
    return form


def available_formats() -> list[str]:
    return sorted(p.stem for p in templates_dir().glob("*.toml"))


def last_supported_year(today: _dt.date | None = None) -> int:
    """Reports are made in January for the year before; a template for next year is allowed."""
    return (today or _dt.date.today()).year + 1


def form_for_year(year: int, today: _dt.date | None = None) -> Form:
    """The format a report on ``year`` uses, or :class:`UnsupportedYearError` in Chinese."""
    forms = sorted((load_form(f) for f in available_formats()), key=lambda f: f.first_year)
    last = last_supported_year(today)
    supported = f"本工具支持 {forms[0].first_year} 至 {last} 年度"
    if year > last:
        raise UnsupportedYearError(f"报告年度 {year} 还没有到：{supported}。")
    usable = [f for f in forms if f.first_year <= year]
    if not usable:
        earliest = min((f.older_format_first_year or f.first_year for f in forms), default=year)
        if year < earliest:
            raise UnsupportedYearError(
                f"报告年度 {year} 无效：政府信息公开工作年度报告的统一格式从 {earliest} 年度起才有；"
                f"{supported}。"
            )
        note = "；".join(f.older_format_note for f in forms if f.older_format_note)
        raise UnsupportedYearError(
            f"报告年度 {year} 不受支持：{note or '该年度没有可用的报告格式'}。{supported}。"
        )
    return usable[-1]
