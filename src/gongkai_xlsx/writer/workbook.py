"""Draw a form's layout into a locked, printable, self-checking xlsx template.

The workbook is built in memory and its structure locked there; only the finished bytes go
to the disk, through :func:`gongkai_xlsx.fsio.write_atomic`: an interrupted run or a full
disk never leaves a half-written workbook, and xlsxwriter never touches a file itself.
"""

from __future__ import annotations

import io
import re
import warnings
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar

from xlsxwriter import worksheet as xlsxwriter_worksheet
from xlsxwriter.format import Format
from xlsxwriter.utility import xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

from gongkai_xlsx import __version__
from gongkai_xlsx.cellref import rectangles
from gongkai_xlsx.definition import names
from gongkai_xlsx.definition.cover import (
    STATUS_EMPTY,
    STATUS_EMPTY_NAMED,
    STATUS_FAIL,
    STATUS_HINTS,
    STATUS_OK,
)
from gongkai_xlsx.definition.evaluate import Values, with_totals
from gongkai_xlsx.definition.layout import Box, Layout, SheetLayout, layout_of
from gongkai_xlsx.definition.model import CellDef, Form
from gongkai_xlsx.fsio import write_atomic
from gongkai_xlsx.writer import prepared, styles
from gongkai_xlsx.writer.formulas import MAX_FORMULA_LENGTH, Cached, Formulas
from gongkai_xlsx.writer.options import TemplateOptions, TemplateOptionsError, check_options
from gongkai_xlsx.writer.protect import LockedWorkbook

COVER_LABEL_WIDTH = 14.0
COVER_COLUMN_WIDTH = 30.0
TITLE_ROW_HEIGHT = 30.0


Preparation = tuple[str, bool, bool]
"""A formula as xlsxwriter is asked to prepare it: (text, expand_future_functions,
use_future_functions)."""


def _dynamic_calls() -> tuple[str, ...] | None:
    """``NAME(`` for each function xlsxwriter writes as a dynamic array, read from its own
    pattern (``\\bNAME\\(`` alternatives); None when the pattern is not of that shape."""
    pattern = getattr(xlsxwriter_worksheet, "re_dynamic_function", None)
    if not isinstance(pattern, re.Pattern) or pattern.flags & re.IGNORECASE:
        return None
    found = re.findall(r"\\b([A-Z][A-Z0-9.]*)\\\(", pattern.pattern)
    if not found or len(found) != pattern.pattern.count("|") + 1:
        return None
    return tuple(f"{name}(" for name in found)


_DYNAMIC_CALLS = _dynamic_calls()


class _Worksheet(Worksheet):
    """xlsxwriter's worksheet, preparing each formula once.

    xlsxwriter runs some 150 regular expressions over every formula it writes (to add
    ``_xlfn.`` prefixes); the template's text-aware formulas are long, and the same in every
    template. Their prepared form comes from the table built with the package
    (:mod:`gongkai_xlsx.writer.prepared`), else from xlsxwriter, and is kept per process.
    ``recording`` (for the table's generator and its test) bypasses both and collects
    xlsxwriter's own results; ``recording_arrays`` collects whether xlsxwriter finds a
    dynamic-array function in each array formula."""

    _prepared: ClassVar[dict[Preparation, str]] = {}
    recording: ClassVar[dict[Preparation, str] | None] = None
    recording_arrays: ClassVar[dict[str, bool] | None] = None

    def _prepare_formula(self, formula: str, expand_future_functions: bool = False) -> str:
        key = (formula, bool(expand_future_functions), bool(self.use_future_functions))
        if self.recording is not None:
            own = self._xlsxwriters(formula, expand_future_functions)
            self.recording[key] = own
            return own
        result = self._prepared.get(key)
        if result is None:
            result = prepared.looked_up(*key)
            if result is None:
                result = self._xlsxwriters(formula, expand_future_functions)
            self._prepared[key] = result
        return result

    def write_array_formula(  # type: ignore[override]
        self,
        first_row: int,
        first_col: int,
        last_row: int,
        last_col: int,
        formula: str,
        cell_format: Format | None = None,
        value: Any = 0,
    ) -> int:
        """xlsxwriter's, without its search of the whole formula for a dynamic-array
        function (29 alternatives tried at every character of the template's long
        formulas: a tenth of a template) where it could only fail: the formula is one the
        table built with the package knows it finds nothing in
        (:func:`gongkai_xlsx.writer.prepared.plain_array`), or no such name followed by
        "(" occurs in it at all. Then xlsxwriter writes the array formula."""
        if self.recording_arrays is not None:
            dynamic = xlsxwriter_worksheet.re_dynamic_function.search(formula) is not None
            self.recording_arrays[formula] = dynamic
        plain = isinstance(first_row, int) and (
            prepared.plain_array(formula)
            or (_DYNAMIC_CALLS is not None and not any(c in formula for c in _DYNAMIC_CALLS))
        )
        write = self._write_array_formula if plain else super().write_array_formula
        return int(write(first_row, first_col, last_row, last_col, formula, cell_format, value))

    def _xlsxwriters(self, formula: str, expand_future_functions: bool) -> str:
        # xlsxwriter annotates its public API only; this private method returns the text.
        return str(super()._prepare_formula(formula, expand_future_functions))  # type: ignore[no-untyped-call]


def xlsxwriter_preparations(form: Form) -> dict[Preparation, str]:
    """Every formula the templates of ``form`` ask xlsxwriter to prepare, with
    xlsxwriter's own result: for a template to be filled in, one with an agency, and one
    with last year's numbers prefilled (what ``new`` writes)."""
    return _recorded(form)[0]


def xlsxwriter_array_verdicts(form: Form) -> dict[str, bool]:
    """Every array formula the templates of ``form`` write (as in
    :func:`xlsxwriter_preparations`), and whether xlsxwriter's own search finds a
    dynamic-array function in it."""
    return _recorded(form)[1]


def _recorded(form: Form) -> tuple[dict[Preparation, str], dict[str, bool]]:
    carried = [p.cell for r in form.cross_year if r.kind == "carry" for p in form.carried_cells(r)]
    prefill = {cell: 1 for cell in carried} or {form.input_cells()[0].id: 1}
    variants = [
        TemplateOptions(year=form.first_year),
        TemplateOptions(year=form.first_year, agency="某县交通运输局"),
        TemplateOptions(
            year=form.first_year, agency="某县交通运输局", prefill=prefill, note="预填"
        ),
    ]
    recorded: dict[Preparation, str] = {}
    arrays: dict[str, bool] = {}
    _Worksheet.recording, _Worksheet.recording_arrays = recorded, arrays
    try:
        for options in variants:
            template_bytes(form, options)
    finally:
        _Worksheet.recording = _Worksheet.recording_arrays = None
    return recorded, arrays


class TemplateBuildError(RuntimeError):
    """xlsxwriter refused part of the template (e.g. an over-long validation text), or a
    formula is longer than Excel accepts: a fault of the definition, never of the options,
    which :func:`check_options` has refused before anything is written."""


def _checked(result: int | None, what: str) -> None:
    """xlsxwriter reports many problems by a negative return value only: make them fatal."""
    if result is not None and result < 0:
        raise TemplateBuildError(f"xlsxwriter rejected {what} (code {result})")


class _TemplateWriter:
    def __init__(self, form: Form, options: TemplateOptions, out: io.BytesIO) -> None:
        self.form = form
        self.layout: Layout = layout_of(form)
        self.options = options
        self.formulas = Formulas(self.layout)
        # Every cell's value in the file as written: the prefilled numbers and their totals.
        self.values: Values = with_totals(form, dict(options.prefill))
        self.wb = LockedWorkbook(
            out,
            {
                "in_memory": True,  # no temporary files of xlsxwriter's own
                "default_format_properties": {
                    "font_name": styles.FONT,
                    "font_size": styles.FONT_SIZE,
                },
            },
            options.password,
        )
        self.fmt = styles.formats(self.wb)
        self.agency_ref = self.formulas.agency_ref
        cover_sheet, yr, yc = self.layout.field_positions["year"]
        self.year_ref = f"{names.quote_sheet(cover_sheet)}!{xl_rowcol_to_cell(yr, yc, True, True)}"

    # ------------------------------------------------------------------ whole workbook
    def build(self) -> None:
        self._properties()
        for sheet in self.layout.sheets:
            ws = self.wb.add_worksheet(sheet.name, worksheet_class=_Worksheet)
            self._draw(ws, sheet)
            self._sizes(ws, sheet)
            self._page(ws, sheet)
            ws.protect(self.options.password, {"format_columns": True, "format_rows": True})
        members = self.options.members
        if members is not None:  # a summary (aggregate): a template does without these
            from gongkai_xlsx.writer.summary_sheet import add_completeness_sheet, add_members_sheet

            add_members_sheet(self.wb, self.form, members, self.options.password, _checked)
            if members.completeness is not None:
                add_completeness_sheet(
                    self.wb, members.completeness, self.options.password, _checked
                )
        self._defined_names()
        self.wb.worksheets()[0].activate()
        self.wb.close()

    def _properties(self) -> None:
        year, agency = self.options.year, self.options.agency or ""
        self.wb.set_properties(
            {
                "title": f"{year}年度政府信息公开工作年度报告数据填报表",
                "subject": self.form.name,
                "author": "gongkai-xlsx",
                "company": agency,
                "comments": "由 gongkai-xlsx 生成；请只填写浅黄色单元格。",
            }
        )
        props = {
            names.PROP_FORMAT: self.form.id,
            names.PROP_YEAR: str(year),
            names.PROP_VERSION: self.form.template_version,
            names.PROP_AGENCY: agency,
            names.PROP_LAYOUT: self.layout.fingerprint,
            names.PROP_TOOL: f"gongkai-xlsx {__version__}",
        }
        members = self.options.members
        if members is not None:  # a summary: its members are listed in 汇总明细
            props[names.PROP_KIND] = names.KIND_SUMMARY
            props[names.PROP_MEMBERS] = str(len(members.rows))
            props[names.PROP_MEMBERS_SHA256] = members.digest
            check = members.completeness
            props[names.PROP_COMPLETENESS] = check.text if check is not None else ""
            if check is not None:
                props[names.PROP_COMPLETENESS_VERSION] = str(names.COMPLETENESS_VERSION)
        for key, value in props.items():
            if not value:  # an absent property reads back unambiguously; "" may not
                continue
            _checked(self.wb.set_custom_property(key, value, "text"), f"property {key}")

    def _defined_names(self) -> None:
        for cell_id, (sheet, r, c) in self.layout.cell_positions.items():
            target = f"={names.quote_sheet(sheet)}!{xl_rowcol_to_cell(r, c, True, True)}"
            _checked(self.wb.define_name(names.cell_name(cell_id), target), cell_id)
        for key, (sheet, r, c) in self.layout.field_positions.items():
            target = f"={names.quote_sheet(sheet)}!{xl_rowcol_to_cell(r, c, True, True)}"
            _checked(self.wb.define_name(names.field_name(key), target), key)

    # ------------------------------------------------------------------ one sheet
    def _put(self, ws: Worksheet, box: Box, value: str | float | None, fmt: Format) -> None:
        """Write a string/number/None into a box, merging it when it spans several cells."""
        if box.merged:
            ws.merge_range(box.row, box.col, box.last_row, box.last_col, "", fmt)
        if value is None:
            ws.write_blank(box.row, box.col, None, fmt)
        elif isinstance(value, str):
            ws.write_string(box.row, box.col, value, fmt)
        else:
            ws.write_number(box.row, box.col, value, fmt)

    def _formula(self, ws: Worksheet, box: Box, cached: Cached, fmt: Format) -> None:
        if len(cached.formula) > MAX_FORMULA_LENGTH:
            raise TemplateBuildError(
                f"{ws.name}!{xl_rowcol_to_cell(box.row, box.col)}: formula of "
                f"{len(cached.formula)} characters, more than Excel's {MAX_FORMULA_LENGTH}"
            )
        if box.merged:
            ws.merge_range(box.row, box.col, box.last_row, box.last_col, "", fmt)
        result: int
        if cached.is_array:
            assert not box.merged, "array formulas are written into single cells"
            result = ws.write_array_formula(
                box.row, box.col, box.row, box.col, "{" + cached.formula + "}", fmt, cached.value
            )
        else:
            result = ws.write_formula(box.row, box.col, cached.formula, fmt, cached.value)
        _checked(result, cached.formula)

    def _draw(self, ws: Worksheet, sheet: SheetLayout) -> None:
        failures: list[str] = []
        hints: list[str] = []
        shown: dict[str, str] = {}
        counts = {
            id(b.check): self.formulas.count(b.check, self.values)
            for b in sheet.boxes
            if b.role == "status_count" and b.check is not None
        }
        for box in sheet.boxes:
            role = box.role
            if role in (
                "title",
                "block_title",
                "corner",
                "header",
                "heading",
                "instruction",
                "field_label",
                "check_label",
                "row_label",
                "group_label",
            ):
                self._put(ws, box, box.text, self.fmt[role])
            elif role == "note":
                self._note(ws, box)
            elif role == "cover_note":
                if self.options.note:
                    self._put(ws, box, self.options.note, self.fmt["cover_note"])
            elif role == "input":
                self._input(ws, box, self.form.cell(box.cell_id or ""))
            elif role == "computed":
                cell = self.form.cell(box.cell_id or "")
                self._formula(ws, box, self.formulas.total(cell, self.values), self.fmt["computed"])
            elif role == "shadow":
                cell = self.form.cell(box.shadow_of or "")
                self._formula(ws, box, self.formulas.shadow(cell, self.values), self.fmt["count"])
            elif role == "field_value":
                self._field(ws, box)
            elif role == "status_count":
                assert box.check is not None
                self._formula(ws, box, counts[id(box.check)], self.fmt["count"])
            elif role == "status_line":
                assert box.check is not None
                count = counts.get(id(box.check))
                cached = self.formulas.status_line(
                    box.check, self.values, self.options.agency, count
                )
                hint = box.check.is_hint
                self._formula(ws, box, cached, self.fmt["status_hint" if hint else "status_line"])
                ref = xl_rowcol_to_cell(box.row, box.col)
                (hints if hint else failures).append(ref)
                shown[ref] = str(cached.value)
            elif role == "check":
                assert box.check is not None
                cached = self.formulas.balance_difference(box.check, sheet.name, self.values)
                self._formula(ws, box, cached, self.fmt["check"])
                self._traffic_light(ws, box)
                self._balance_marks(ws, box)
        for box in sheet.boxes:
            if box.role == "status":
                empty = self._empty_status()
                cached = Formulas.status(failures, hints, shown, empty)
                self._formula(ws, box, cached, self.fmt["status"])
                status_ref = xl_rowcol_to_cell(box.row, box.col)
                looks = [(STATUS_OK, "ok"), (STATUS_HINTS, "hint"), (STATUS_FAIL, "bad")]
                if empty is not None:
                    looks.append((empty[1], "empty"))
                for text, look in looks:
                    ws.conditional_format(
                        status_ref,
                        {
                            "type": "cell",
                            "criteria": "==",
                            "value": f'"{text}"',
                            "format": self.fmt[look],
                        },
                    )
                if empty is not None:
                    self._quiet_lines(ws, sheet, box, empty[1])
        if sheet.table is not None:
            self._typed_over_marks(ws, sheet)
            self._validation(ws, sheet)

    def _typed_over_marks(self, ws: Worksheet, sheet: SheetLayout) -> None:
        """A total typed over with another number is red, as in a marked copy (ingest's
        ``total-typed-over``): it differs from its hidden shadow."""
        assert sheet.table is not None
        for shown, shadow in self.formulas.typed_over_rects(sheet.table):
            first = xl_rowcol_to_cell(shown[0], shown[1])
            twin = xl_rowcol_to_cell(shadow[0], shadow[1])
            criteria = "=" + Formulas.typed_over(first, twin)
            ws.conditional_format(
                *shown, {"type": "formula", "criteria": criteria, "format": self.fmt["mark_bad"]}
            )

    def _empty_status(self) -> tuple[str, str] | None:
        """The 尚未填写 condition and text of this template, or None (a summary: nothing
        is open to type). What the writer prefilled is no typing: the agency name written
        by ``new --agency``/the roster (locked) and the numbers of ``--previous`` (open,
        typing over them counts)."""
        if self.options.members is not None:
            return None
        fields = [
            f.key
            for f in self.form.cover.fields
            if f.kind == "text" and not (f.key == "agency" and self.options.agency)
        ]
        condition = self.formulas.nothing_typed(
            self.options.prefill, self.options.lock_prefill, fields
        )
        if condition is None:
            return None
        return condition, STATUS_EMPTY_NAMED if self.options.agency else STATUS_EMPTY

    def _quiet_lines(self, ws: Worksheet, sheet: SheetLayout, status: Box, text: str) -> None:
        """While the status says 尚未填写, the failure lines under it (what is still
        missing: the agency name, any number) are grey steps, not red errors."""
        failures = [
            b
            for b in sheet.boxes
            if b.role == "status_line" and b.check is not None and not b.check.is_hint
        ]
        if not failures:
            return
        first, last = min(b.row for b in failures), max(b.row for b in failures)
        target = xl_rowcol_to_cell(status.row, status.col, True, True)
        ws.conditional_format(
            first,
            0,
            last,
            sheet.width - 1,
            {"type": "formula", "criteria": f'={target}="{text}"', "format": self.fmt["step"]},
        )

    def _input(self, ws: Worksheet, box: Box, cell: CellDef) -> None:
        """An input cell: blank and yellow, or holding its prefilled number in blue, open
        or locked as asked; an open prefilled cell carries the note as a comment. In a
        summary (``members``) every input is blue and locked, a blank one too."""
        amount = cell.kind.type == "decimal"
        value = self.options.prefill.get(cell.id)
        # A summary's numbers all come from its members, blanks included: all locked.
        locked = self.options.lock_prefill or self.options.members is not None
        if value is None and self.options.members is None:
            self._put(ws, box, None, self.fmt["input_amount" if amount else "input_count"])
            return
        fmt = self.fmt[
            f"prefill_{'amount' if amount else 'count'}_{'locked' if locked else 'open'}"
        ]
        self._put(ws, box, float(value) if isinstance(value, Decimal) else value, fmt)
        if self.options.note and not locked:
            _checked(
                ws.write_comment(
                    box.row,
                    box.col,
                    self.options.note,
                    {"author": "gongkai-xlsx", "x_scale": 2, "y_scale": 1.2},
                ),
                f"comment on {cell.id}",
            )

    def _note(self, ws: Worksheet, box: Box) -> None:
        formula = f'="填报单位："&{self.agency_ref}&"　　报告年度："&{self.year_ref}&"年"'
        value = f"填报单位：{self.options.agency or ''}　　报告年度：{self.options.year}年"
        self._formula(ws, box, Cached(formula, value), self.fmt["note"])

    def _field(self, ws: Worksheet, box: Box) -> None:
        field = next(f for f in self.form.cover.fields if f.key == box.field)
        if field.kind == "year":
            self._put(ws, box, self.options.year, self.fmt["field_locked"])
            return
        if field.key == "agency" and self.options.agency:
            self._put(ws, box, self.options.agency, self.fmt["field_locked"])
            return
        self._put(ws, box, None, self.fmt["field_input"])
        if field.max_length is None:
            return
        _checked(
            ws.data_validation(
                box.row,
                box.col,
                box.row,
                box.col,
                {
                    "validate": "length",
                    "criteria": "<=",
                    "value": field.max_length,
                    "input_title": field.label,
                    "input_message": field.prompt,
                    "error_title": "输入过长",
                    "error_message": f"{field.label}最多{field.max_length}个字。",
                },
            ),
            f"validation of {field.key}",
        )

    def _traffic_light(self, ws: Worksheet, box: Box) -> None:
        cell = xl_rowcol_to_cell(box.row, box.col)
        ws.conditional_format(
            cell, {"type": "cell", "criteria": "==", "value": 0, "format": self.fmt["ok"]}
        )
        ws.conditional_format(
            cell, {"type": "cell", "criteria": "!=", "value": 0, "format": self.fmt["bad"]}
        )

    def _balance_marks(self, ws: Worksheet, box: Box) -> None:
        """While a column's B1 difference is not 0, every cell of its two sums (一, 二,
        （七）总计, 四) is marked red, as in a marked copy: the typo may be in any of them.
        Added before the input cells' own marks, so it wins over a hint. The 总计 column is
        left alone, as by ingest: its difference is the sum of the others'."""
        spec = box.check
        assert spec is not None and spec.rule is not None and spec.column is not None
        if spec.column.total:
            return
        column = next(c for c in self.form.balance_columns(spec.rule) if c.column is spec.column)
        target = xl_rowcol_to_cell(box.row, box.col, True, True)
        for cell_id in (*column.left, *column.right):
            _, r, c = self.layout.cell_positions[cell_id]
            ws.conditional_format(
                r,
                c,
                r,
                c,
                {"type": "formula", "criteria": f"={target}<>0", "format": self.fmt["mark_bad"]},
            )

    def _validation(self, ws: Worksheet, sheet: SheetLayout) -> None:
        """Data validation and marks on every input cell, one rule per rectangle and kind:
        red for what ingest calls an error, orange for what it reads with a warning (the
        marked copies' fills)."""
        assert sheet.table is not None
        by_kind: dict[str, list[CellDef]] = {}
        for cell in self.form.cells_of(sheet.table.key):
            if not cell.computed:
                by_kind.setdefault(cell.kind.key, []).append(cell)
        for cells in by_kind.values():
            kind = cells[0].kind
            positions = [self.layout.cell_positions[c.id][1:] for c in cells]
            for rect in rectangles(positions):
                top_left = xl_rowcol_to_cell(rect[0], rect[1])
                texts = {
                    "input_title": kind.title,
                    "input_message": kind.prompt,
                    "error_title": "输入有误",
                    "error_message": kind.error,
                    "error_type": "stop",
                    "ignore_blank": True,
                }
                if kind.type == "integer":
                    rule = {
                        "validate": "integer",
                        "criteria": "between",
                        "minimum": int(kind.minimum),
                        "maximum": int(kind.maximum),
                    }
                else:
                    x = top_left
                    rule = {
                        "validate": "custom",
                        "value": (
                            f"=AND(ISNUMBER({x}),{x}>={kind.minimum},{x}<={kind.maximum},"
                            f"ROUND({x},{kind.decimals})={x})"
                        ),
                    }
                _checked(ws.data_validation(*rect, {**rule, **texts}), f"validation {top_left}")
                for criteria, look in (
                    (Formulas.invalid_input(top_left, kind), "mark_bad"),
                    (Formulas.hint_input(top_left), "mark_hint"),
                ):
                    ws.conditional_format(
                        *rect, {"type": "formula", "format": self.fmt[look], "criteria": criteria}
                    )

    # ------------------------------------------------------------------ sizes and print
    def _column_widths(self, sheet: SheetLayout) -> list[float]:
        if sheet.table is None:
            return [COVER_LABEL_WIDTH] + [COVER_COLUMN_WIDTH] * (sheet.width - 1)
        label_width = sheet.label_width
        widths: list[float] = []
        for i in range(label_width):
            if i < label_width - 1:
                widths.append(7.0 if i == 0 else 9.0)
            else:
                widest = max(
                    (
                        styles.simsun_units(b.text or "")
                        for b in sheet.boxes
                        if b.role == "row_label" and b.col == i
                    ),
                    default=20,
                )
                widths.append(float(min(34, max(24, widest / 2 + 2))))
        data_columns = sheet.width - label_width
        # Table C's fifteen columns: 8.5 (64 px) holds its four-character labels on one line.
        data_width = 20.0 if data_columns <= 4 else 9.5 if data_columns <= 8 else 8.5
        return widths + [data_width] * data_columns

    def _text_of(self, box: Box) -> str | None:
        if box.role == "cover_note":
            return self.options.note
        return box.text

    def _sizes(self, ws: Worksheet, sheet: SheetLayout) -> None:
        """Column widths, and each row as tall as its text needs in 宋体 (styles.py)."""
        widths = self._column_widths(sheet)
        for i, w in enumerate(widths):
            ws.set_column(i, i, w)
        # The counts behind the status lines: beside the printed cover, out of sight; the
        # totals' shadows beside the printed table, likewise.
        for col in sorted({b.col for b in sheet.boxes if b.role in ("status_count", "shadow")}):
            ws.set_column(col, col, 12, None, {"hidden": True})
        heights: dict[int, float] = {}
        for box in sheet.boxes:
            text = self._text_of(box)
            if not text:
                continue
            pixels = sum(styles.column_pixels(w) for w in widths[box.col : box.last_col + 1])
            if box.role == "row_label":
                pixels -= styles.INDENT_PX
            size = styles.ROLE_FONT_SIZE.get(box.role, styles.FONT_SIZE)
            per_row = styles.height_for(text, pixels, size) / (box.last_row - box.row + 1)
            if box.role == "title":
                per_row = max(per_row, TITLE_ROW_HEIGHT)
            for r in range(box.row, box.last_row + 1):
                heights[r] = max(heights.get(r, styles.MIN_ROW_HEIGHT), per_row)
        for box in sheet.boxes:  # rows without text: status lines are compact, others minimum
            if box.role == "cover_note":
                continue  # an empty row 1 keeps Excel's default height
            compact = box.role in ("status_line", "status_count")
            line = styles.LINE_HEIGHT + 2 if compact else styles.MIN_ROW_HEIGHT
            heights.setdefault(box.row, line)
        for r, h in heights.items():
            ws.set_row(r, round(h, 1))

    def _page(self, ws: Worksheet, sheet: SheetLayout) -> None:
        ws.set_landscape()
        ws.set_paper(9)  # A4
        ws.fit_to_pages(1, 1)  # each table (and the cover) on one A4 page
        ws.center_horizontally()
        ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
        ws.set_footer("&C第 &P 页，共 &N 页")
        ws.print_area(sheet.print_rows[0], 0, sheet.print_rows[1], sheet.width - 1)
        if sheet.repeat_rows:
            ws.repeat_rows(*sheet.repeat_rows)
        if sheet.freeze != (0, 0):
            ws.freeze_panes(*sheet.freeze)
        ws.hide_gridlines(2)


def write_template(form: Form, options: TemplateOptions, path: Path) -> None:
    """Write the template for ``options`` to ``path`` atomically (replacing any file there).

    Raises :class:`TemplateOptionsError` (Chinese message) before writing anything when an
    option cannot go into the workbook, ``OSError`` when the file cannot be written."""
    data = template_bytes(form, options)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, data)


def template_bytes(form: Form, options: TemplateOptions) -> bytes:
    """The locked template for ``options``, as the bytes of an xlsx file (nothing written).

    Raises :class:`TemplateOptionsError` when an option cannot go into the workbook and
    :class:`TemplateBuildError` when xlsxwriter refuses part of it."""
    check_options(form, options)
    raw = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # xlsxwriter warns and drops over-long rules: refuse
        try:
            _TemplateWriter(form, options, raw).build()
        except Warning as exc:
            raise TemplateBuildError(f"xlsxwriter: {exc}") from exc
    return raw.getvalue()


__all__ = [
    "TemplateBuildError",
    "TemplateOptions",
    "TemplateOptionsError",
    "template_bytes",
    "write_template",
]
