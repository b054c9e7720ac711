"""The formulas of the template, and the result each has for the values written into it.

The workbook must say what ingest will say. Ingest reads a number typed as text (``１２``,
``1,200``, ``" 12 "``) as that number with a warning, ``/ - — _ 无`` as blank with a
warning, and anything else that is not a number as an error; a total whose parts are all
blank is blank (null), otherwise the sum with blanks as 0. So the totals and the B1 row
count numbers typed as text, every total is ``""`` while all its parts are blank, and the
cover's status lines tell failures (ingest's errors) from hints (ingest's warnings).

Only functions that Excel 2007+, WPS and LibreOffice share are used (SUM, SUMPRODUCT, IF,
AND, OR, NOT, LEN, COUNT, COUNTA, COUNTIF, ISNUMBER, ISTEXT, ISBLANK, ROUND, INT, IFERROR,
ASC, CLEAN, TRIM, SUBSTITUTE, REPT, LEFT, RIGHT). A text number is recognised with
functions SUMPRODUCT applies cell by cell, and its value is taken as
``--(0&REPT(text, recognised))``, which is ``--"0"`` (0) for every cell not recognised, so
no cell can turn a sum into an error. IF and IFERROR are never used inside SUMPRODUCT, so
the formulas compute the same as ordinary formulas in Excel, WPS and LibreOffice; they are
written as single-cell array formulas (never dynamic arrays) where they can be
(:class:`Cached`).

Each formula comes with the value it has for numbers written by the tool (:class:`Cached`),
so the file shows the right result in an application that does not recalculate.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from xlsxwriter.utility import xl_rowcol_to_cell

from gongkai_xlsx.cellref import rectangles
from gongkai_xlsx.definition.cover import STATUS_FAIL, STATUS_HINTS, STATUS_OK
from gongkai_xlsx.definition.evaluate import Number, Values
from gongkai_xlsx.definition.layout import Box, CheckSpec, Layout
from gongkai_xlsx.definition.model import CellDef, Form, Kind, Table
from gongkai_xlsx.definition.names import quote_sheet
from gongkai_xlsx.text import BLANK_MARKS, utf16_len

MAX_FORMULA_LENGTH = 8192  # Excel 2007+: characters of one formula
DIGITS = "0123456789"


def _ref(row: int, col: int, sheet: str | None = None, absolute: bool = False) -> str:
    ref = xl_rowcol_to_cell(row, col, row_abs=absolute, col_abs=absolute)
    return f"{quote_sheet(sheet)}!{ref}" if sheet else ref


Rect = tuple[int, int, int, int]  # first row, first column, last row, last column (0-based)


def range_ref(rect: Rect, sheet: str | None = None) -> str:
    r0, c0, r1, c1 = rect
    ref = _ref(r0, c0) if (r0, c0) == (r1, c1) else f"{_ref(r0, c0)}:{_ref(r1, c1)}"
    return f"{quote_sheet(sheet)}!{ref}" if sheet else ref


# ------------------------------------------------------------------ text in input cells
# Each function takes a reference (one cell or a range) and gives an expression that is
# evaluated cell by cell: inside SUMPRODUCT for a range, directly for one cell.
def plain_text(r: str) -> str:
    """The content as ingest compares it: half-width (ASC turns １２ and ， into 12 and ,),
    no control characters, no surrounding spaces (full-width and no-break ones too)."""
    return f'TRIM(CLEAN(SUBSTITUTE(SUBSTITUTE(ASC({r}),"\u3000"," "),"\u00a0"," ")))'


def normal_text(r: str) -> str:
    """:func:`plain_text` without thousands separators: what must be a number."""
    return f'SUBSTITUTE({plain_text(r)},",","")'


def _without_digits(x: str) -> str:
    for digit in DIGITS:
        x = f'SUBSTITUTE({x},"{digit}","")'
    return x


# CHAR(1) cannot be in a text once CLEAN has run: a safe separator for "is one of" tests.
_SEP = "CHAR(1)"


def _one_of(x: str, options: Iterable[str]) -> str:
    """1 when the text ``x`` is exactly one of ``options``, 0 otherwise (FIND in a
    separator-joined list: one FIND instead of a comparison per option)."""
    joined = "|" + "|".join(options) + "|"
    return f'ISNUMBER(FIND({_SEP}&{x}&{_SEP},SUBSTITUTE("{joined}","|",{_SEP})))'


def is_number_text(r: str) -> str:
    """1 for a text that ingest reads as a number: digits with at most one decimal point
    between them, thousands separators where they belong, spaces around; 0 otherwise
    (numbers, words, blanks).

    With commas and digits taken out, what is left must be nothing or one point; the first
    and the last character must be digits (so there is one, and no point or comma at either
    end); a comma in the whole part must have three digits after it (``250,83`` is a word,
    not 25083)."""
    c = plain_text(r)
    u = normal_text(r)
    first = f'ISNUMBER(FIND(LEFT({c}&"x"),"{DIGITS}"))'
    last = f'ISNUMBER(FIND(RIGHT("x"&{c}),"{DIGITS}"))'
    whole = f'LEFT({c},FIND(".",{c}&".")-1)'
    grouped = (
        f'(((LEN({whole})=LEN(SUBSTITUTE({whole},",","")))'
        f'+(MID("xxxx"&{whole},LEN({whole})+1,1)=","))>0)'
    )
    return f"ISTEXT({r})*{_one_of(_without_digits(u), ['', '.'])}*{first}*{last}*{grouped}"


def text_value(r: str) -> str:
    """The number a text holds where :func:`is_number_text` is 1, else 0; never an error."""
    return f"--(0&REPT({normal_text(r)},{is_number_text(r)}))"


def is_blank_marker(r: str) -> str:
    """1 for a text that is one of the marks read as blank (``/``, ``无`` …), as written or
    once half-width (ingest compares both; ASC differs between applications on dashes)."""
    marks = sorted(BLANK_MARKS)
    written = _one_of(f"TRIM(CLEAN({r}))", marks)
    return f"ISTEXT({r})*(({written}+{_one_of(plain_text(r), marks)})>0)"


def is_spaces(r: str) -> str:
    """1 for a text of spaces only, which ingest reads as blank without a word."""
    return f"ISTEXT({r})*(LEN({plain_text(r)})=0)"


def _sp(expr: str) -> str:
    return f"SUMPRODUCT({expr})"


@dataclass(frozen=True)
class Cached:
    """A formula, the result it has in the file as written, and whether it is written as
    an array formula.

    Totals, B1 differences and the cover's counts are single-cell array formulas
    (Ctrl+Shift+Enter; never dynamic arrays): they apply functions cell by cell over a
    range inside SUMPRODUCT, which Excel, WPS and LibreOffice do in an ordinary formula
    too, but Gnumeric only in an array formula; and LibreOffice recomputes array formulas
    when it opens a file, so a total it shows is never a stale cached one. Cells that are
    merged (status lines, notes) hold ordinary formulas: Excel refuses array formulas in
    merged cells."""

    formula: str
    value: str | int | float | Decimal  # a B1 difference of prefilled decimals stays exact
    is_array: bool = False


def _excel_text(number: Number) -> str:
    """A number as ``&`` turns it into text (General format)."""
    if isinstance(number, Decimal):
        text = format(number.normalize(), "f")
        return text if "." in text else str(int(number))
    return str(number)


def _cell_value(number: Number | None) -> str | int | float:
    if number is None:
        return ""
    return float(number) if isinstance(number, Decimal) else number


class Formulas:
    """Formula text for every computed cell and live check of one layout."""

    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        self.form: Form = layout.form
        cover = layout.sheets[0]
        sheet, r, c = layout.field_positions["agency"]
        self.agency_ref = _ref(r, c, sheet, absolute=True)
        self._check_boxes: dict[tuple[str, int], Box] = {}
        for s in layout.sheets:
            for box in s.boxes:
                if box.role == "check" and box.check and box.check.rule and box.check.column:
                    self._check_boxes[(box.check.rule.id, id(box.check.column))] = box
        self._check_sheet = {id(b): s.name for s in layout.sheets for b in s.boxes}
        self._count_boxes = [b for b in cover.boxes if b.role == "status_count"]

    def pos(self, cell_id: str) -> tuple[str, int, int]:
        return self.layout.cell_positions[cell_id]

    # -------------------------------------------------------------- ranges
    def _rects(self, cell_ids: Iterable[str], on_sheet: str | None) -> list[str]:
        ids = list(cell_ids)
        if not ids:
            return []
        sheet = self.pos(ids[0])[0]
        rects = rectangles([self.pos(i)[1:] for i in ids])
        qualifier = None if sheet == on_sheet else sheet
        return [range_ref(rect, qualifier) for rect in rects]

    def input_ranges(self, table: Table, kind: str | None = None) -> list[str]:
        cells = [
            c
            for c in self.form.cells_of(table.key)
            if not c.computed and (kind is None or c.kind.type == kind)
        ]
        return self._rects([c.id for c in cells], None)

    # -------------------------------------------------------------- sums
    def _sum_and_count(self, cell_ids: Iterable[str], on_sheet: str | None) -> tuple[str, str]:
        """Expressions for the sum of ``cell_ids`` (numbers typed as text included, blanks
        as 0) and for how many of them hold a number; computed cells hold "" or a number."""
        ids = list(cell_ids)
        inputs = self._rects([i for i in ids if not self.form.cell(i).computed], on_sheet)
        computed = self._rects([i for i in ids if self.form.cell(i).computed], on_sheet)
        every = ",".join(inputs + computed)
        total = "+".join([f"SUM({every})", *(_sp(text_value(r)) for r in inputs)])
        count = "+".join([f"COUNT({every})", *(_sp(is_number_text(r)) for r in inputs)])
        return total, count

    def total(self, cell: CellDef, values: Values) -> Cached:
        """Blank while every part is blank (as the canonical JSON's null), else the sum."""
        total, count = self._sum_and_count(cell.parts, self.pos(cell.id)[0])
        return Cached(f'=IF({count}=0,"",{total})', _cell_value(values[cell.id]), is_array=True)

    def shadow(self, cell: CellDef, values: Values) -> Cached:
        """The hidden twin of a total: the same sum, blanks as 0, as ingest recomputes it
        (a blank total is 0 to ingest too: a total typed over with 0 while its items are
        blank is the sum, not another number)."""
        total, _ = self._sum_and_count(cell.parts, self.pos(cell.id)[0])
        return Cached(f"={total}", _cell_value(values[cell.id] or 0), is_array=True)

    def typed_over_rects(self, table: Table) -> list[tuple[Rect, Rect]]:
        """Each rectangle of ``table``'s totals with the rectangle of their shadows (the
        same shape: :func:`gongkai_xlsx.definition.layout._place_shadows`)."""
        computed = [c.id for c in self.form.cells_of(table.key) if c.computed]
        at = {self.pos(i)[1:]: i for i in computed}
        shadows = self.layout.shadow_positions
        pairs: list[tuple[Rect, Rect]] = []
        for rect in rectangles(list(at)):
            _, sr0, sc0 = shadows[at[(rect[0], rect[1])]]
            _, sr1, sc1 = shadows[at[(rect[2], rect[3])]]
            pairs.append((rect, (sr0, sc0, sr1, sc1)))
        return pairs

    @staticmethod
    def typed_over(shown: str, shadow: str) -> str:
        """1 (cell by cell) where a total shows something, and it is not its shadow's sum:
        a total typed over with another number (or a word), as ingest's
        ``total-typed-over``; a cleared total is recomputed by ingest without a word."""
        return f"(LEN({plain_text(shown)})>0)*({shown}<>{shadow})"

    def balance_difference(self, spec: CheckSpec, on_sheet: str, values: Values) -> Cached:
        """The B1 indicator of one column: (一 + 二) − (（七） + 四), blanks as 0."""
        left, right = self._balance_ids(spec)
        left_sum, _ = self._sum_and_count(left, on_sheet)
        right_sum, _ = self._sum_and_count(right, on_sheet)
        difference = self._difference(spec, values)
        return Cached(f"=({left_sum})-({right_sum})", difference, is_array=True)

    def _balance_ids(self, spec: CheckSpec) -> tuple[list[str], list[str]]:
        rule, column = spec.rule, spec.column
        assert rule is not None and column is not None
        table = self.form.table(rule.table)
        col_key = ".".join(column.key_path())
        left = [f"{table.key}.{row}.{col_key}" for row in rule.left]
        right = [f"{table.key}.{row}.{col_key}" for row in rule.right]
        return left, right

    def _difference(self, spec: CheckSpec, values: Values) -> Number:
        left, right = self._balance_ids(spec)
        return sum((values[i] or 0 for i in left), start=0) - sum(
            (values[i] or 0 for i in right), start=0
        )

    # -------------------------------------------------------------- cover status lines
    def count(self, spec: CheckSpec, values: Values) -> Cached:
        """The number a counted status line shows (a ``status_count`` cell): how many cells
        the check finds, or for ``no_numbers`` how many input cells hold a number.

        ``values`` are every cell's value in the file as written (``with_totals`` of the
        numbers the tool wrote: never text, so the text counts are 0 in such a file)."""
        return replace(self._count(spec, values), is_array=True)

    def _count(self, spec: CheckSpec, values: Values) -> Cached:
        kind = spec.kind
        inputs = {c.id: values[c.id] for c in self.form.input_cells()}
        if kind == "no_numbers":
            every_input = ",".join(r for t in self.form.tables for r in self.input_ranges(t))
            as_text = [
                _ref(b.row, b.col)
                for b in self._count_boxes
                if b.check is not None and b.check.kind == "as_text"
            ]
            formula = "=" + "+".join([f"COUNT({every_input})", *as_text])
            return Cached(formula, sum(1 for v in inputs.values() if v is not None))
        assert spec.table is not None
        table = spec.table
        mine = [v for c, v in inputs.items() if v is not None and self._in(c, table)]
        integers = [
            v
            for c, v in inputs.items()
            if v is not None and self._in(c, table) and self.form.cell(c).kind.type == "integer"
        ]
        if kind == "not_number":
            # Whatever is neither empty nor a number: less the numbers typed as text and
            # the blank marks (counted by their own lines) and texts of spaces only.
            others = "+".join(
                f"COUNTA({r})-COUNT({r})-{_sp(is_spaces(r))}" for r in self.input_ranges(table)
            )
            hints = [self._count_ref_of(k, table) for k in ("as_text", "blank_marker")]
            return Cached(f"={others}-{'-'.join(hints)}", 0)
        if kind == "negative":
            parts = [f'COUNTIF({r},"<0")' for r in self.input_ranges(table)]
            return Cached("=" + "+".join(parts), sum(1 for v in mine if v < 0))
        if kind == "fraction":
            ranges = self.input_ranges(table, "integer")
            # A word makes MOD an error, which IFERROR turns into 0 for that range: the
            # not-number line asks for words to be fixed first.
            parts = [f"IFERROR({_sp(f'ISNUMBER({r})*(MOD({r},1)<>0)')},0)" for r in ranges]
            parts += [_sp(f"(MOD({text_value(r)},1)<>0)*1") for r in ranges]
            return Cached("=" + "+".join(parts), sum(1 for v in integers if v != int(v)))
        if kind == "too_large":
            ranges = self.input_ranges(table, "integer")
            limit = self._integer_maximum()
            parts = [f'COUNTIF({r},">{limit}")' for r in ranges]
            parts += [_sp(f"({text_value(r)}>{limit})*1") for r in ranges]
            return Cached("=" + "+".join(parts), sum(1 for v in integers if v > limit))
        if kind == "as_text":
            return Cached(
                "=" + "+".join(_sp(is_number_text(r)) for r in self.input_ranges(table)), 0
            )
        if kind == "blank_marker":
            return Cached(
                "=" + "+".join(_sp(is_blank_marker(r)) for r in self.input_ranges(table)), 0
            )
        if kind == "typed_over":
            pairs = [
                (range_ref(a, table.sheet), range_ref(b, table.sheet))
                for a, b in self.typed_over_rects(table)
            ]
            return Cached("=" + "+".join(_sp(self.typed_over(a, b)) for a, b in pairs), 0)
        raise ValueError(f"check kind {kind} has no count")

    def status_line(
        self, spec: CheckSpec, values: Values, agency: str | None, count: Cached | None = None
    ) -> Cached:
        """A cover status line: "" when the check passes, a Chinese message otherwise.
        A counted line shows its ``status_count`` cell, whose :meth:`count` is ``count``."""
        kind = spec.kind
        if kind == "agency":
            return self._agency_line(agency)
        if kind == "balance":
            return self._balance_line(spec, values)
        if kind == "decimals":
            return self._decimals_line(spec, values)
        assert count is not None
        n = self._count_ref(spec)
        shown = int(count.value)
        if kind == "no_numbers":
            message = "报表中还没有填写任何数字：请逐项填写，没有发生的事项请填0，不能整表空白。"
            return Cached(f'=IF({n}=0,"{message}","")', "" if shown else message)
        assert spec.table is not None
        sheet = spec.table.sheet
        if kind == "fraction":
            message = f"{sheet}表有单元格填了小数，件数必须是整数。"
            return Cached(f'=IF({n}=0,"","{message}")', message if shown else "")
        head, tail = {
            "typed_over": (
                f"{sheet}表有 ",
                " 个自动计算的合计被改填为与各项之和不同的数字，请核对各项，再把合计改回公式。",
            ),
            "not_number": (
                f"{sheet}表有 ",
                " 个单元格填的不是数字（文字、空格或“/”等），请改为数字。",
            ),
            "negative": (f"{sheet}表有 ", " 个单元格填了负数，请改为0或正数。"),
            "too_large": (
                f"{sheet}表有 ",
                f" 个单元格超过上限 {self._integer_maximum()}，请核对。",
            ),
            "as_text": (
                f"提示：{sheet}表有 ",
                " 个单元格以文字形式填了数字（如“１２”“1,200”），已按数字计算。",
            ),
            "blank_marker": (
                f"提示：{sheet}表有 ",
                " 个单元格填了“/”“无”等，已按未填写处理；没有发生的事项请填0。",
            ),
        }[kind]
        formula = f'=IF({n}=0,"","{head}"&{n}&"{tail}")'
        return Cached(formula, f"{head}{shown}{tail}" if shown else "")

    def _count_ref(self, spec: CheckSpec) -> str:
        box = next(b for b in self._count_boxes if b.check is spec)
        return _ref(box.row, box.col)

    def _count_ref_of(self, kind: str, table: Table) -> str:
        box = next(
            b
            for b in self._count_boxes
            if b.check is not None and b.check.kind == kind and b.check.table is table
        )
        return _ref(box.row, box.col)

    def _in(self, cell_id: str, table: Table) -> bool:
        return self.form.cell(cell_id).table == table.key

    def _agency_line(self, agency: str | None) -> Cached:
        cover_field = next(f for f in self.form.cover.fields if f.key == "agency")
        label, limit = cover_field.label, cover_field.max_length
        a = self.agency_ref
        missing = f"请填写“{label}”：本单位全称。"
        formula = f'=IF(LEN({plain_text(a)})=0,"{missing}",'
        shown = missing if not agency else ""
        if limit is not None:
            head, tail = f"“{label}”最多{limit}个字，现有 ", " 个字，请改为本单位全称。"
            formula += f'IF(LEN({a})>{limit},"{head}"&LEN({a})&"{tail}",""))'
            if agency and utf16_len(agency) > limit:
                shown = f"{head}{utf16_len(agency)}{tail}"
        else:
            formula += '"")'
        return Cached(formula, shown)

    def _balance_line(self, spec: CheckSpec, values: Values) -> Cached:
        assert spec.rule is not None and spec.column is not None and spec.table is not None
        box = self._check_boxes[(spec.rule.id, id(spec.column))]
        ref = _ref(box.row, box.col, self._check_sheet[id(box)], absolute=True)
        where = f"{spec.table.sheet}表“{spec.column.label}”列"
        head = f"{where}：{spec.rule.text}，差 "
        diff = self._difference(spec, values)
        formula = f'=IF({ref}=0,"","{head}"&{ref}&"。")'
        return Cached(formula, f"{head}{_excel_text(diff)}。" if diff else "")

    def _decimals_line(self, spec: CheckSpec, values: Values) -> Cached:
        """One amount cell: its decimals and its limit, as a number or as a number in text."""
        cell = spec.cell
        assert cell is not None
        sheet, r, c = self.pos(cell.id)
        x = _ref(r, c, sheet)
        kind = cell.kind
        places, limit = kind.decimals, _plain(kind.maximum)
        where = f"{sheet}表“{cell.label}”"
        decimals = f"{where}最多保留{places}位小数。"
        too_large = f"{where}超过上限 {limit}，请核对。"
        v = f"IF(ISNUMBER({x}),{x},{text_value(x)})"
        formula = f'=IF({v}>{limit},"{too_large}",IF(ROUND({v},{places})<>{v},"{decimals}",""))'
        value = values.get(cell.id)
        shown = ""
        if value is not None and value > kind.maximum:
            shown = too_large
        elif value is not None and Decimal(value) != round(Decimal(value), places):
            shown = decimals
        return Cached(formula, shown)

    def _integer_maximum(self) -> int:
        return int(max(k.maximum for k in self.form.kinds.values() if k.type == "integer"))

    # -------------------------------------------------------------- the status cell
    def nothing_typed(
        self, prefill: Mapping[str, Number], locked: bool, open_fields: Sequence[str]
    ) -> str | None:
        """A condition true while the clerk has typed nothing: every input cell the writer
        left blank is still empty (COUNTA: a word, a "/" or a space is typed too), every
        cell it prefilled still holds its number (unless ``locked``: then no one can type
        there), and the open cover fields (``open_fields``: keys, e.g. contact and phone)
        are empty. None when no input cell is open (a locked summary): there is nothing to
        type, so never "not yet filled in"."""
        blank: dict[str, list[str]] = {}
        for cell in self.form.input_cells():
            if cell.id not in prefill:
                blank.setdefault(cell.table, []).append(cell.id)
        kept = {} if locked else prefill
        if not blank and not kept:
            return None
        cover = self.layout.sheets[0].name
        ranges = [r for ids in blank.values() for r in self._rects(ids, cover)]
        terms = [f"COUNTA({','.join(ranges)})=0"] if ranges else []
        for cell_id, number in kept.items():
            sheet, r, c = self.pos(cell_id)
            x = _ref(r, c, sheet)
            terms.append(f"ISNUMBER({x})*({x}={_excel_text(number)})")
        for key in open_fields:
            sheet, r, c = self.layout.field_positions[key]
            terms.append(f"LEN({_ref(r, c, None if sheet == cover else sheet, absolute=True)})=0")
        return f"AND({','.join(terms)})"

    @staticmethod
    def status(
        failures: list[str],
        hints: list[str],
        lines: dict[str, str],
        empty: tuple[str, str] | None = None,
    ) -> Cached:
        """全部校验通过 / 校验通过（有提示） / 未通过校验, from the status line cells; first,
        with ``empty`` (a :meth:`nothing_typed` condition and its text), 尚未填写 while
        nothing is typed, which is what the writer's own file shows: it types nothing."""
        fail = "&".join(failures) or '""'
        hint = "&".join(hints) or '""'
        formula = (
            f'IF(LEN({fail})>0,"{STATUS_FAIL}",IF(LEN({hint})>0,"{STATUS_HINTS}","{STATUS_OK}"))'
        )
        if empty is not None:
            condition, text = empty
            return Cached(f'=IF({condition},"{text}",{formula})', text)
        formula = "=" + formula
        if any(lines[r] for r in failures):
            value = STATUS_FAIL
        elif any(lines[r] for r in hints):
            value = STATUS_HINTS
        else:
            value = STATUS_OK
        return Cached(formula, value)

    # -------------------------------------------------------------- marks on input cells
    @staticmethod
    def invalid_input(top_left: str, kind: Kind) -> str:
        """Conditional-format formula (relative to the range's top-left): an entry ingest
        calls an error (a word, a negative, a fraction in a count, too many decimals, a
        number above the limit, also when typed as text)."""
        x = top_left
        v = f"--{normal_text(x)}"  # only where is_number_text is 1: never an error there
        limit = _plain(kind.maximum)

        def inexact(n: str) -> str:
            return f"ROUND({n},{kind.decimals})<>{n}" if kind.decimals else f"MOD({n},1)<>0"

        number = f"OR({x}<0,{x}>{limit},{inexact(x)})"
        as_text = f"OR({v}>{limit},{inexact(v)})"  # a text with a minus sign is a word
        word = f"AND(LEN(TRIM(CLEAN(ASC({x}))))>0,{is_blank_marker(x)}=0)"
        text = f"IF({is_number_text(x)}=1,{as_text},{word})"
        return f"=IF(ISBLANK({x}),FALSE,IF(ISNUMBER({x}),{number},IF(ISTEXT({x}),{text},TRUE)))"

    @staticmethod
    def hint_input(top_left: str) -> str:
        """Conditional-format formula: a number typed as text or a blank mark (ingest's
        warnings). An entry that is also wrong is marked by :meth:`invalid_input` first."""
        x = top_left
        return f"=({is_number_text(x)}+{is_blank_marker(x)})>0"


def _plain(number: Decimal) -> str:
    return format(number.normalize(), "f")
