"""Draw a form's layout into a locked, printable, self-checking xlsx template.

The file is built in a temporary file beside the target, its structure is locked, and only
then is it moved into place: an interrupted run never leaves a half-written workbook.
"""

from __future__ import annotations

import os
import tempfile
import warnings
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

import xlsxwriter
from xlsxwriter.utility import xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

from gongkai_xlsx import __version__
from gongkai_xlsx.definition import names
from gongkai_xlsx.definition.layout import Box, Layout, SheetLayout, layout_of
from gongkai_xlsx.definition.model import CellDef, Form
from gongkai_xlsx.writer import styles
from gongkai_xlsx.writer.formulas import STATUS_FAIL, STATUS_OK, Formulas, rectangles
from gongkai_xlsx.writer.protect import add_structure_lock

AGENCY_MAX_LENGTH = 100


class TemplateBuildError(RuntimeError):
    """xlsxwriter refused part of the template (e.g. an over-long validation text)."""


@dataclass(frozen=True)
class TemplateOptions:
    year: int
    agency: str | None = None
    password: str = ""


def _checked(result: int | None, what: str) -> None:
    """xlsxwriter reports many problems by a negative return value only: make them fatal."""
    if result is not None and result < 0:
        raise TemplateBuildError(f"xlsxwriter rejected {what} (code {result})")


class _TemplateWriter:
    def __init__(self, form: Form, options: TemplateOptions, path: Path) -> None:
        self.form = form
        self.layout: Layout = layout_of(form)
        self.options = options
        self.formulas = Formulas(self.layout)
        self.wb = xlsxwriter.Workbook(
            str(path),
            {
                "default_format_properties": {
                    "font_name": styles.FONT,
                    "font_size": styles.FONT_SIZE,
                }
            },
        )
        self.fmt = styles.formats(self.wb)
        cover_sheet, r, c = self.layout.field_positions["agency"]
        self.agency_ref = f"{names.quote_sheet(cover_sheet)}!{xl_rowcol_to_cell(r, c, True, True)}"
        _, yr, yc = self.layout.field_positions["year"]
        self.year_ref = f"{names.quote_sheet(cover_sheet)}!{xl_rowcol_to_cell(yr, yc, True, True)}"

    # ------------------------------------------------------------------ whole workbook
    def build(self) -> None:
        self._properties()
        for sheet in self.layout.sheets:
            ws = self.wb.add_worksheet(sheet.name)
            self._draw(ws, sheet)
            self._sizes(ws, sheet)
            self._page(ws, sheet)
            ws.protect(self.options.password, {"format_columns": True, "format_rows": True})
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
    def _put(self, ws: Worksheet, box: Box, value, fmt) -> None:
        """Write a string/number/None into a box, merging it when it spans several cells."""
        if box.merged:
            ws.merge_range(box.row, box.col, box.last_row, box.last_col, "", fmt)
        if value is None:
            ws.write_blank(box.row, box.col, None, fmt)
        elif isinstance(value, str):
            ws.write_string(box.row, box.col, value, fmt)
        else:
            ws.write_number(box.row, box.col, value, fmt)

    def _formula(self, ws: Worksheet, box: Box, formula: str, value, fmt) -> None:
        if box.merged:
            ws.merge_range(box.row, box.col, box.last_row, box.last_col, "", fmt)
        _checked(ws.write_formula(box.row, box.col, formula, fmt, value), formula)

    def _draw(self, ws: Worksheet, sheet: SheetLayout) -> None:
        status_lines: list[str] = []
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
            ) or role in ("row_label", "group_label"):
                self._put(ws, box, box.text, self.fmt[role])
            elif role == "note":
                self._note(ws, box)
            elif role == "input":
                cell = self.form.cell(box.cell_id or "")
                kind = "input_amount" if cell.kind.type == "decimal" else "input_count"
                self._put(ws, box, None, self.fmt[kind])
            elif role == "computed":
                cell = self.form.cell(box.cell_id or "")
                self._formula(ws, box, self.formulas.total(cell), 0, self.fmt["computed"])
            elif role == "field_value":
                self._field(ws, box)
            elif role == "status_line":
                assert box.check is not None
                formula = self.formulas.status_line(box.check, self.agency_ref)
                failing = box.check.kind == "agency" and not self.options.agency
                value = "请填写“填报单位”：本单位全称。" if failing else ""
                self._formula(ws, box, formula, value, self.fmt["status_line"])
                status_lines.append(xl_rowcol_to_cell(box.row, box.col))
            elif role == "check":
                assert box.check is not None
                formula = "=" + self.formulas.balance_difference(box.check, sheet.name)
                self._formula(ws, box, formula, 0, self.fmt["check"])
                self._traffic_light(ws, box)
        for box in sheet.boxes:
            if box.role == "status":
                ok = bool(self.options.agency)
                value = STATUS_OK if ok else STATUS_FAIL
                self._formula(ws, box, Formulas.status(status_lines), value, self.fmt["status"])
                cell = xl_rowcol_to_cell(box.row, box.col)
                ws.conditional_format(
                    cell,
                    {
                        "type": "cell",
                        "criteria": "==",
                        "value": f'"{STATUS_OK}"',
                        "format": self.fmt["ok"],
                    },
                )
                ws.conditional_format(
                    cell,
                    {
                        "type": "cell",
                        "criteria": "!=",
                        "value": f'"{STATUS_OK}"',
                        "format": self.fmt["bad"],
                    },
                )
        if sheet.table is not None:
            self._validation(ws, sheet)

    def _note(self, ws: Worksheet, box: Box) -> None:
        formula = f'="填报单位："&{self.agency_ref}&"　　报告年度："&{self.year_ref}&"年"'
        value = f"填报单位：{self.options.agency or ''}　　报告年度：{self.options.year}年"
        self._formula(ws, box, formula, value, self.fmt["note"])

    def _field(self, ws: Worksheet, box: Box) -> None:
        field = next(f for f in self.form.cover.fields if f.key == box.field)
        if field.kind == "year":
            self._put(ws, box, self.options.year, self.fmt["field_locked"])
            return
        if field.key == "agency" and self.options.agency:
            self._put(ws, box, self.options.agency, self.fmt["field_locked"])
            return
        self._put(ws, box, None, self.fmt["field_input"])
        _checked(
            ws.data_validation(
                box.row,
                box.col,
                box.row,
                box.col,
                {
                    "validate": "length",
                    "criteria": "<=",
                    "value": AGENCY_MAX_LENGTH,
                    "input_title": field.label,
                    "input_message": field.prompt,
                    "error_title": "输入过长",
                    "error_message": f"{field.label}最多{AGENCY_MAX_LENGTH}个字。",
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

    def _validation(self, ws: Worksheet, sheet: SheetLayout) -> None:
        """Data validation and a red mark on every input cell, one rule per rectangle and kind."""
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
                ws.conditional_format(
                    *rect,
                    {
                        "type": "formula",
                        "format": self.fmt["bad"],
                        "criteria": Formulas.invalid_input(top_left, cells[0]),
                    },
                )

    # ------------------------------------------------------------------ sizes and print
    def _column_widths(self, sheet: SheetLayout) -> list[float]:
        if sheet.table is None:
            return [14.0] + [30.0] * (sheet.width - 1)
        label_width = sheet.label_width
        widths: list[float] = []
        for i in range(label_width):
            if i < label_width - 1:
                widths.append(7.0 if i == 0 else 9.0)
            else:
                widest = max(
                    (
                        styles.text_width(b.text or "")
                        for b in sheet.boxes
                        if b.role == "row_label" and b.col == i
                    ),
                    default=20,
                )
                widths.append(float(min(34, max(24, widest / 2 + 2))))
        data_columns = sheet.width - label_width
        data_width = 20.0 if data_columns <= 4 else 9.5 if data_columns <= 8 else 7.6
        return widths + [data_width] * data_columns

    def _sizes(self, ws: Worksheet, sheet: SheetLayout) -> None:
        widths = self._column_widths(sheet)
        for i, w in enumerate(widths):
            ws.set_column(i, i, w)
        heights: dict[int, float] = {}
        for box in sheet.boxes:
            if not box.text:
                continue
            width = sum(widths[box.col : box.last_col + 1])
            per_row = styles.height_for(box.text, width) / (box.last_row - box.row + 1)
            if box.role == "title":
                per_row = max(per_row, 30.0)
            for r in range(box.row, box.last_row + 1):
                heights[r] = max(heights.get(r, styles.MIN_ROW_HEIGHT), per_row)
        for box in sheet.boxes:  # rows without text: status lines are compact, others minimum
            compact = box.role == "status_line"
            heights.setdefault(box.row, styles.LINE_HEIGHT if compact else styles.MIN_ROW_HEIGHT)
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
    """Write the template for ``options`` to ``path`` atomically (replacing any file there)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, raw_name = tempfile.mkstemp(prefix=".gk-", suffix=".xlsx", dir=path.parent)
    os.close(fd)
    raw = Path(raw_name)
    locked = raw.with_name(raw.stem + "-locked.xlsx")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # xlsxwriter warns and drops over-long rules: refuse
            try:
                _TemplateWriter(form, options, raw).build()
            except Warning as exc:
                raise TemplateBuildError(f"xlsxwriter: {exc}") from exc
        add_structure_lock(raw, locked, options.password)
        umask = os.umask(0)
        os.umask(umask)
        locked.chmod(0o666 & ~umask)  # mkstemp makes 0600; a template is an ordinary file
        os.replace(locked, path)
    finally:
        for leftover in (raw, locked):
            with suppress(FileNotFoundError):
                leftover.unlink()


__all__ = ["TemplateBuildError", "TemplateOptions", "write_template"]
