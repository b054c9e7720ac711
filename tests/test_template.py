"""The generated template, reopened with openpyxl: labels, merged headers, protection,
validation, names, properties, formulas with their cached results, print setup."""

from __future__ import annotations

import dataclasses
import re
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from conftest import SEED_AGENCY, balanced, formula_of
from openpyxl.worksheet.formula import ArrayFormula
from xlsxwriter.worksheet import Worksheet

from gongkai_xlsx.api import check_file
from gongkai_xlsx.cellref import from_a1, to_a1
from gongkai_xlsx.definition import Form
from gongkai_xlsx.definition.cover import STATUS_EMPTY, STATUS_EMPTY_NAMED
from gongkai_xlsx.definition.evaluate import with_totals
from gongkai_xlsx.definition.layout import COUNTED_KINDS, CheckSpec, Layout, layout_of
from gongkai_xlsx.writer import TemplateOptions, TemplateOptionsError, styles, write_template
from gongkai_xlsx.writer import workbook as workbook_module
from gongkai_xlsx.writer.formulas import (
    MAX_FORMULA_LENGTH,
    STATUS_OK,
    Cached,
    Formulas,
)
from gongkai_xlsx.writer.workbook import (
    COVER_COLUMN_WIDTH,
    COVER_LABEL_WIDTH,
    TemplateBuildError,
    _Worksheet,
)

SHEETS = ["填报说明", "主动公开", "依申请公开", "复议诉讼"]


@pytest.fixture(scope="module")
def wb(template_2024: Path) -> openpyxl.Workbook:
    return openpyxl.load_workbook(template_2024)


@pytest.fixture(scope="module")
def cached(template_2024: Path) -> openpyxl.Workbook:
    return openpyxl.load_workbook(template_2024, data_only=True)


def test_sheets_in_order(wb: openpyxl.Workbook) -> None:
    assert wb.sheetnames == SHEETS


def test_table_b_merged_header_and_label_area(wb: openpyxl.Workbook) -> None:
    merged = {str(r) for r in wb["依申请公开"].merged_cells.ranges}
    assert merged == {
        "A1:J1",
        "A2:J2",  # title, agency/year note
        "A3:C5",  # the corner note spans the label columns and the three header rows
        "D3:J3",  # 申请人情况
        "D4:D5",  # 自然人 spans the two lower header rows
        "E4:I4",  # 法人或其他组织 over its five columns
        "J4:J5",  # 总计
        "A6:C6",
        "A7:C7",  # 一、二、 span all three label columns
        "A8:A29",  # 三、本年度办理结果 runs down to （七）总计
        "B8:C8",
        "B9:C9",  # （一）（二）
        "B10:B17",
        "B18:B20",
        "B21:B25",
        "B26:B28",  # （三）…（六） over their sub-rows
        "B29:C29",  # （七）总计 spans the two inner label columns
        "A30:C30",  # 四、
        "A32:C32",  # the B1 indicator row's label, below the table
    }


def test_table_c_three_header_rows(wb: openpyxl.Workbook) -> None:
    merged = {str(r) for r in wb["复议诉讼"].merged_cells.ranges}
    assert merged == {
        "A1:O1",
        "A2:O2",
        "A3:E3",
        "F3:O3",  # 行政复议 · 行政诉讼
        "A4:A5",
        "B4:B5",
        "C4:C5",
        "D4:D5",
        "E4:E5",  # the five labels under 行政复议
        "F4:J4",
        "K4:O4",  # 未经复议直接起诉 · 复议后起诉
    }
    ws = wb["复议诉讼"]
    labels = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
    assert [ws.cell(4, c).value for c in range(1, 6)] == labels
    assert [ws.cell(5, c).value for c in range(6, 16)] == labels * 2
    assert (ws["A3"].value, ws["F3"].value, ws["F4"].value, ws["K4"].value) == (
        "行政复议",
        "行政诉讼",
        "未经复议直接起诉",
        "复议后起诉",
    )


def test_table_a_blocks(wb: openpyxl.Workbook, cached: openpyxl.Workbook) -> None:
    ws = wb["主动公开"]
    column_a = [cached["主动公开"].cell(r, 1).value for r in range(1, 17)]
    assert column_a == [
        "二、主动公开政府信息情况",
        "填报单位：互助县城市管理综合行政执法局　　报告年度：2024年",
        "第二十条第（一）项",
        "信息内容",
        "规章",
        "行政规范性文件",
        "第二十条第（五）项",
        "信息内容",
        "行政许可",
        "第二十条第（六）项",
        "信息内容",
        "行政处罚",
        "行政强制",
        "第二十条第（八）项",
        "信息内容",
        "行政事业性收费",
    ]
    assert [ws.cell(4, c).value for c in (2, 3, 4)] == [
        "本年制发件数",
        "本年废止件数",
        "现行有效件数",
    ]
    assert ws["B15"].value == "本年收费金额（单位：万元）"
    assert {"B8:D8", "B9:D9", "B15:D15", "B16:D16"} <= {str(r) for r in ws.merged_cells.ranges}


def test_every_label_of_the_definition_is_where_the_layout_puts_it(
    wb: openpyxl.Workbook, layout: Layout
) -> None:
    labels = layout.labels()
    assert len(labels) > 60
    for sheet, row, col, text in labels:
        assert wb[sheet].cell(row + 1, col + 1).value == text, (sheet, to_a1(row, col))


def test_official_labels_of_table_b_rows(wb: openpyxl.Workbook) -> None:
    ws = wb["依申请公开"]
    assert ws["A3"].value == "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
    assert [ws.cell(r, 3).value for r in range(10, 18)] == [
        "1.属于国家秘密",
        "2.其他法律行政法规禁止公开",
        "3.危及“三安全一稳定”",
        "4.保护第三方合法权益",
        "5.属于三类内部事务信息",
        "6.属于四类过程性信息",
        "7.属于行政执法案卷",
        "8.属于行政查询事项",
    ]
    assert ws["B9"].value == "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"
    assert (
        ws["C27"].value
        == "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"
    )
    assert (ws["A8"].value, ws["B29"].value, ws["A30"].value) == (
        "三、本年度办理结果",
        "（七）总计",
        "四、结转下年度继续办理",
    )


def test_only_input_cells_are_unlocked(wb: openpyxl.Workbook, layout: Layout, form: Form) -> None:
    inputs = {
        (sheet.name, r, c)
        for sheet in layout.sheets
        for box in sheet.boxes
        if box.role == "input" or (box.role == "field_value" and box.field in ("contact", "phone"))
        for r in range(box.row, box.last_row + 1)
        for c in range(box.col, box.last_col + 1)
    }
    # 166 input cells, four of them merged over three columns; contact and phone over three
    assert len(inputs) == 166 + 4 * 2 + 2 * 3
    for sheet in layout.sheets:
        ws = wb[sheet.name]
        for row in range(sheet.print_rows[1] + 3):
            for col in range(sheet.width):
                cell = ws.cell(row + 1, col + 1)
                unlocked = (sheet.name, row, col) in inputs
                assert cell.protection.locked is not unlocked, (sheet.name, to_a1(row, col))


def test_agency_is_an_input_only_when_not_given(
    wb: openpyxl.Workbook, blank_template_2024: Path
) -> None:
    assert wb["填报说明"]["B4"].value == SEED_AGENCY
    assert wb["填报说明"]["B4"].protection.locked
    blank = openpyxl.load_workbook(blank_template_2024)
    assert blank["填报说明"]["B4"].value is None
    assert not blank["填报说明"]["B4"].protection.locked
    assert blank["填报说明"]["B3"].value == 2024 and blank["填报说明"]["B3"].protection.locked


def test_sheets_and_structure_are_protected(wb: openpyxl.Workbook, template_2024: Path) -> None:
    for ws in wb.worksheets:
        assert ws.protection.sheet, ws.title
        # OOXML polarity: True = prohibited. Rows and columns may be resized, not inserted.
        assert ws.protection.insertRows and ws.protection.deleteColumns
        assert not ws.protection.formatColumns and not ws.protection.formatRows
    assert wb.security is not None and wb.security.lockStructure
    xml = zipfile.ZipFile(template_2024).read("xl/workbook.xml").decode()
    assert xml.index("<workbookPr") < xml.index("<workbookProtection") < xml.index("<bookViews")


def test_password_protects_sheets_and_structure(tmp_path: Path, form: Form) -> None:
    path = tmp_path / "p.xlsx"
    write_template(form, TemplateOptions(2024, password="s3cret"), path)
    wb = openpyxl.load_workbook(path)
    # The legacy 16-bit hash of "s3cret", as Excel computes it for an ASCII password.
    assert wb.security.workbookPassword == wb["依申请公开"].protection.password
    assert wb.security.workbookPassword not in (None, "")


def _validated(ws) -> dict[str, object]:
    covered: dict[str, object] = {}
    for dv in ws.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            for row in range(rng.min_row, rng.max_row + 1):
                for col in range(rng.min_col, rng.max_col + 1):
                    covered[to_a1(row - 1, col - 1)] = dv
    return covered


def test_validation_covers_exactly_the_input_cells(
    wb: openpyxl.Workbook, layout: Layout, form: Form
) -> None:
    for table in form.tables:
        ws = wb[table.sheet]
        covered = _validated(ws)
        expected = {}
        for cell in form.input_cells():
            if cell.table == table.key:
                _, r, c = layout.cell_positions[cell.id]
                expected[to_a1(r, c)] = cell
        assert set(covered) == set(expected), table.sheet
        for ref, cell in expected.items():
            dv = covered[ref]
            assert dv.showErrorMessage and dv.showInputMessage and dv.errorStyle in (None, "stop")
            assert dv.prompt == cell.kind.prompt and dv.error == cell.kind.error
            if cell.kind.type == "integer":
                assert dv.operator in (None, "between")  # "between" is the OOXML default
                assert (dv.type, dv.formula1, dv.formula2) == ("whole", "0", "999999999")
            else:
                assert dv.type == "custom"
                assert dv.formula1 == (
                    "AND(ISNUMBER(B16),B16>=0,B16<=999999999.9999,ROUND(B16,4)=B16)"
                )


def test_defined_names_for_every_cell(wb: openpyxl.Workbook, layout: Layout) -> None:
    names = wb.defined_names
    for cell_id, (sheet, r, c) in layout.cell_positions.items():
        ref = to_a1(r, c)
        expected = (
            f"'{sheet}'!${ref.rstrip('0123456789')}${ref.lstrip('ABCDEFGHIJKLMNOPQRSTUVWXYZ')}"
        )
        assert names[f"gk.{cell_id}"].attr_text == expected
    assert names["gk.b.received.natural_person"].attr_text == "'依申请公开'!$D$6"
    assert names["gk.c.litigation_after_review.total"].attr_text == "'复议诉讼'!$O$6"
    assert names["gk.cover.agency"].attr_text == "'填报说明'!$B$4"
    assert len([n for n in names if n.startswith("gk.")]) == 200 + 4


def test_document_properties(wb: openpyxl.Workbook, layout: Layout) -> None:
    props = {p.name: p for p in wb.custom_doc_props.props}
    assert {k: p.value for k, p in props.items()} == {
        "gongkai.format": "gk2021",
        "gongkai.year": "2024",
        "gongkai.template_version": "1",
        "gongkai.agency": SEED_AGENCY,
        "gongkai.layout": layout.fingerprint,
        "gongkai.tool": "gongkai-xlsx 0.1.0",
    }
    assert all(type(p).__name__ == "StringProperty" for p in props.values())


def _strings_removed(formula: str) -> str:
    return re.sub(r'"[^"]*"', '""', formula)


_RANGE = re.compile(r"(?:'([^']+)'!)?\$?([A-Z]{1,3})\$?([0-9]+)(?::\$?([A-Z]{1,3})\$?([0-9]+))?")


def cells_referenced(formula: str, sheet: str) -> set[tuple[str, int, int]]:
    """Every cell a formula reads, ranges expanded: {(sheet, row, col)}, 0-based."""
    found: set[tuple[str, int, int]] = set()
    for on, c0, r0, c1, r1 in _RANGE.findall(_strings_removed(formula)):
        top, left = from_a1(f"{c0}{r0}")
        bottom, right = from_a1(f"{c1}{r1}") if c1 else (top, left)
        for r in range(top, bottom + 1):
            for c in range(left, right + 1):
                found.add((on or sheet, r, c))
    return found


def test_every_total_is_blank_or_the_sum_of_exactly_its_parts(
    wb: openpyxl.Workbook, layout: Layout, form: Form
) -> None:
    """A total reads its parts and nothing else, and is "" while they are all blank."""
    for cell in form.computed_cells():
        sheet, r, c = layout.cell_positions[cell.id]
        formula = formula_of(wb[sheet].cell(r + 1, c + 1).value)
        assert formula is not None and formula.startswith("=IF(COUNT("), cell.id
        assert ',"",SUM(' in formula, cell.id
        parts = {layout.cell_positions[p] for p in cell.parts}
        assert cells_referenced(formula, sheet) == parts, cell.id
    ws = wb["依申请公开"]
    # （七）总计 of a column sums its 21 result rows, 总计 of （七） the six （七） cells
    assert cells_referenced(formula_of(ws["D29"].value) or "", "依申请公开") == {
        ("依申请公开", r, 3) for r in range(7, 28)
    }
    assert formula_of(ws["J29"].value) == '=IF(COUNT(D29:I29)=0,"",SUM(D29:I29))'


def test_b1_indicators_read_the_four_rows_of_their_column(
    wb: openpyxl.Workbook, layout: Layout
) -> None:
    sheet = layout.sheet("依申请公开")
    ws = wb[sheet.name]
    checks = [b for b in sheet.boxes if b.role == "check"]
    assert len(checks) == 7
    rows = ("received", "carried_over", "results_total", "carried_forward")
    for box in checks:
        assert box.check is not None and box.check.column is not None
        col = ".".join(box.check.column.key_path())
        formula = formula_of(ws.cell(box.row + 1, box.col + 1).value) or ""
        expected = {layout.cell_positions[f"b.{row}.{col}"] for row in rows}
        assert cells_referenced(formula, sheet.name) == expected, col


ALLOWED_FUNCTIONS = {
    "AND", "ASC", "CHAR", "CLEAN", "COUNT", "COUNTA", "COUNTIF", "FIND", "IF", "IFERROR",
    "INT", "ISBLANK", "ISNUMBER", "ISTEXT", "LEFT", "LEN", "MID", "MOD", "NOT", "OR", "REPT",
    "RIGHT", "ROUND", "SUBSTITUTE", "SUM", "SUMPRODUCT", "TRIM",
}  # fmt: skip


def every_formula(wb: openpyxl.Workbook) -> list[tuple[str, str, str]]:
    """(sheet, where, formula) of every cell formula, conditional format and validation."""
    found = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                formula = formula_of(c.value)
                if formula is not None:
                    found.append((ws.title, c.coordinate, formula))
        for cf in ws.conditional_formatting:
            for rule in cf.rules:
                found += [(ws.title, f"CF {cf.sqref}", f) for f in rule.formula]
        for dv in ws.data_validations.dataValidation:
            if dv.type == "custom":
                found.append((ws.title, f"DV {dv.sqref}", dv.formula1))
    return found


def test_formulas_use_only_functions_every_application_has(
    wb: openpyxl.Workbook, template_2024: Path
) -> None:
    """Excel 2007+, WPS and LibreOffice: no dynamic arrays, no LET/LAMBDA, no _xlfn. names,
    no formula longer than Excel's 8,192 characters; array formulas (Ctrl+Shift+Enter) of
    one unmerged cell only, and every formula that works cell by cell is one."""
    formulas = every_formula(wb)
    assert len(formulas) > 100
    used: set[str] = set()
    for sheet, where, formula in formulas:
        assert len(formula) <= MAX_FORMULA_LENGTH, (sheet, where, len(formula))
        used |= set(re.findall(r"([A-Z][A-Z0-9._]*)\(", _strings_removed(formula)))
    assert used <= ALLOWED_FUNCTIONS, used - ALLOWED_FUNCTIONS
    assert {"SUMPRODUCT", "ASC", "REPT", "COUNT"} <= used
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, ArrayFormula):
                    assert c.value.ref == c.coordinate
                    assert c.coordinate not in ws.merged_cells  # Excel refuses that
                elif isinstance(c.value, str) and c.value.startswith("="):
                    assert "SUMPRODUCT(" not in c.value, c.coordinate
    with zipfile.ZipFile(template_2024) as z:  # cm="…" marks a dynamic array formula
        parts = [n for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
        assert len(parts) == 4 and not any(b' cm="' in z.read(n) for n in parts)


def status_of(layout: Layout, wb: openpyxl.Workbook) -> tuple[str, list[str]]:
    """The cover's status cell and its non-empty lines, as cached in the file."""
    cover = layout.sheets[0]
    ws = wb[cover.name]
    status = next(b for b in cover.boxes if b.role == "status")
    lines = [ws.cell(b.row + 1, 1).value for b in cover.boxes if b.role == "status_line"]
    return ws.cell(status.row + 1, 1).value, [x for x in lines if x]


NO_NUMBERS = "报表中还没有填写任何数字：请逐项填写，没有发生的事项请填0，不能整表空白。"
AGENCY_MISSING = "请填写“填报单位”：本单位全称。"


def test_blank_template_caches_blank_totals_and_a_neutral_status(
    cached: openpyxl.Workbook, blank_template_2024: Path, layout: Layout, form: Form
) -> None:
    """What a blank template shows before any recalculation: every total blank (the JSON
    says null), the B1 row 0, and the status 尚未填写 with the steps (never a red 未通过
    before the clerk typed anything); the lines under it say what is still missing."""
    blank = openpyxl.load_workbook(blank_template_2024, data_only=True)
    for wb in (cached, blank):
        for cell in form.computed_cells():
            sheet, r, c = layout.cell_positions[cell.id]
            assert wb[sheet].cell(r + 1, c + 1).value in (None, ""), cell.id
        assert [wb["依申请公开"].cell(32, c).value for c in range(4, 11)] == [0] * 7
    assert status_of(layout, cached) == (STATUS_EMPTY_NAMED, [NO_NUMBERS])
    assert status_of(layout, blank) == (STATUS_EMPTY, [AGENCY_MISSING, NO_NUMBERS])


def test_not_yet_filled_in_looks_neutral(
    wb: openpyxl.Workbook, blank_template_2024: Path, layout: Layout
) -> None:
    """尚未填写 wears a grey fill and dark grey text, the lines under it grey steps while
    it shows: no red and no amber before the clerk typed anything."""
    cover = layout.sheets[0]
    status = next(b for b in cover.boxes if b.role == "status")
    cell = to_a1(status.row, status.col)
    lines = [b.row for b in cover.boxes if b.role == "status_line" and not b.check.is_hint]
    for book, text in (
        (wb, STATUS_EMPTY_NAMED),
        (openpyxl.load_workbook(blank_template_2024), STATUS_EMPTY),
    ):
        rules = {
            (str(cf.sqref), tuple(r.formula)): r.dxf
            for cf in book[cover.name].conditional_formatting
            for r in cf.rules
        }
        dxf = rules[(cell, (f'"{text}"',))]
        assert dxf.fill.bgColor.rgb == "FF" + styles.EMPTY_FILL[1:]
        assert dxf.font.color.rgb == "FF" + styles.STEP_FONT[1:]
        steps = f"A{min(lines) + 1}:D{max(lines) + 1}"
        quiet = rules[(steps, (f'${cell[0]}${cell[1:]}="{text}"',))]
        assert quiet.font.color.rgb == "FF" + styles.STEP_FONT[1:]
        for colour in (styles.EMPTY_FILL, styles.STEP_FONT):
            grey = int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)
            assert max(grey) == min(grey)  # neither red nor green nor amber


def test_cover_status_lines_name_each_check(wb: openpyxl.Workbook, layout: Layout) -> None:
    """One line per check, failures before hints; counted lines show a hidden count cell."""
    cover = layout.sheets[0]
    ws = wb[cover.name]
    lines = [b for b in cover.boxes if b.role == "status_line"]
    assert [b.check.kind for b in lines if b.check] == [
        "agency",
        "no_numbers",
        *["balance"] * 7,
        *["typed_over"] * 2,  # the tables with totals: B and C
        *["not_number", "negative", "fraction", "too_large"] * 3,
        "decimals",
        *["as_text", "blank_marker"] * 3,
    ]
    text = "\n".join(ws.cell(b.row + 1, 1).value for b in lines)
    assert text.count("第一项加第二项之和应等于第三项加第四项之和") == 7  # B1 per column
    assert "依申请公开表“自然人”列" in text and "依申请公开表“总计”列" in text
    for sheet in ("主动公开", "依申请公开", "复议诉讼"):
        for line in (
            f"{sheet}表有 ",
            f"{sheet}表有单元格填了小数，件数必须是整数。",
            f"提示：{sheet}表有 ",
        ):
            assert line in text
    assert "主动公开表“行政事业性收费 · 本年收费金额（单位：万元）”最多保留4位小数。" in text
    counts = [b for b in cover.boxes if b.role == "status_count"]
    assert len(counts) == 1 + 3 * 6 + 2
    assert {b.col for b in counts} == {cover.width} and ws.column_dimensions["E"].hidden
    for box in counts:
        line = ws.cell(box.row + 1, 1).value
        assert f"E{box.row + 1}" in line  # the line shows (or tests) its own count


def longest_line(formulas: Formulas, spec: CheckSpec, form: Form) -> str:
    """The longest text a status line can show: every input cell counted, B1 差
    -1999999998 (both sides at their limits), an agency of 32,767 characters (Excel's
    most in one cell)."""
    values = with_totals(form, {})
    if spec.kind == "balance":
        assert spec.column is not None
        col = ".".join(spec.column.key_path())
        if not spec.column.total:
            values = with_totals(
                form, {f"b.carried_forward.{col}": 999999999, f"b.disclosed.{col}": 999999999}
            )
        else:
            values = {**values, "b.carried_forward.total": 1999999998}
    count = Cached("", len(form.input_cells())) if spec.kind in COUNTED_KINDS else None
    shown = formulas.status_line(spec, values, "某" * 32767, count).value
    if spec.kind == "decimals":
        assert spec.cell is not None
        over = {spec.cell.id: spec.cell.kind.maximum + 1}
        shown = formulas.status_line(spec, with_totals(form, over), None).value
    if spec.kind == "no_numbers":
        shown = formulas.status_line(spec, values, None, Cached("", 0)).value
    assert isinstance(shown, str) and shown, spec.kind
    return shown


def test_every_status_line_fits_one_line_of_the_cover(layout: Layout, form: Form) -> None:
    """Status rows are one line tall (a formula's result cannot grow its row): the longest
    message each line can show fits the cover's width in 宋体."""
    formulas = Formulas(layout)
    cover = layout.sheets[0]
    pixels = styles.column_pixels(COVER_LABEL_WIDTH) + 3 * styles.column_pixels(COVER_COLUMN_WIDTH)
    for box in cover.boxes:
        if box.role == "status_line":
            assert box.check is not None
            text = longest_line(formulas, box.check, form)
            assert styles.lines_needed(text, pixels) == 1, text


def test_print_setup(wb: openpyxl.Workbook) -> None:
    for ws in wb.worksheets:
        assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.page_setup.fitToWidth in (None, 1)  # 1 is the OOXML default
        assert ws.page_setup.fitToHeight in (None, 1)  # one page tall as well
    b = wb["依申请公开"]
    assert b.print_area == "'依申请公开'!$A$1:$J$30"  # the B1 row (32) is not printed
    assert b.print_title_rows == "$3:$5"
    assert b.freeze_panes == "D6"
    assert wb["复议诉讼"].print_title_rows == "$3:$5"


def test_fonts_widths_and_heights(wb: openpyxl.Workbook) -> None:
    """Row heights from 宋体 metrics: 1 em = 14 px per CJK character at 10.5 pt, a column
    of width w is 7w + 5 px; a line is 13.5 pt (18 px), a row 4.5 pt more, 18 at least."""
    ws = wb["依申请公开"]
    assert ws["C10"].font.name == "宋体" and ws["D6"].font.name == "宋体"
    assert ws["D6"].fill.fgColor.rgb.endswith("FFF2CC")  # input cells are shaded
    assert ws.column_dimensions["C"].width == pytest.approx(34 + 5 / 7, abs=0.01)
    heights = {r: ws.row_dimensions[r].height for r in range(6, 31)}
    # （一）予以公开: 7 characters in B:C (68 + 243 px): one line
    assert heights[8] == 18
    # （二）部分公开（区分处理的，只计这一情形，不计其他情形）: 28 em = 392 px in B:C
    # (311 px, less the indent and margins: 295): two lines
    assert heights[9] == 31.5
    # 5.要求行政机关确认或重新出具已获取信息: 19 em = 266 px in column C (243 px): two
    assert heights[25] == 31.5
    # 1.申请人无正当理由逾期不补正、…: 32 em = 448 px, two lines of 227 px only if no line
    # had to break early (、 may not begin a line): three; 2.申请人逾期未按收费通知要求缴纳
    # 费用、行政机关不再处理其政府信息公开申请: 35 em: three
    assert (heights[26], heights[27]) == (45, 45)
    assert [r for r, h in heights.items() if h != 18] == [9, 25, 26, 27]
    # table B's header: 社会公益组织 (6 em = 84 px) in 9.5 (71 px): two lines
    assert ws.row_dimensions[5].height == 31.5
    # table C's five labels (4 em = 56 px) fit its 8.5-wide columns (64 px): one line
    c = wb["复议诉讼"]
    assert [c.row_dimensions[r].height for r in (3, 4, 5)] == [18, 18, 18]


def test_table_a_corner_cells_look_like_the_headers_beside_them(wb: openpyxl.Workbook) -> None:
    ws = wb["主动公开"]
    for row in (4, 8, 11, 15):
        corner, header = ws.cell(row, 1), ws.cell(row, 2)
        assert corner.value == "信息内容"
        assert (
            (corner.font.b, corner.fill.fgColor.rgb, corner.alignment.horizontal)
            == (
                header.font.b,
                header.fill.fgColor.rgb,
                header.alignment.horizontal,
            )
            == (True, "FFF2F2F2", "center")
        )


def test_an_over_long_validation_text_fails_the_build(tmp_path: Path, form: Form) -> None:
    count = form.kinds["count"]
    long_kind = dataclasses.replace(count, prompt="长" * 300)
    cells = tuple(
        dataclasses.replace(c, kind=long_kind) if c.kind is count else c for c in form.cells
    )
    broken = dataclasses.replace(form, cells=cells)
    target = tmp_path / "t.xlsx"
    with pytest.raises(TemplateBuildError):
        write_template(broken, TemplateOptions(2024), target)
    assert not target.exists() and list(tmp_path.iterdir()) == []  # nothing half-written


# ------------------------------------------------------------------ options refused
@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            TemplateOptions(2024, agency="某" * 101),
            "填报单位最多100个字，“某某某某某某某某某某某某某某某某某某某某…”有 101 个字：请写本单位全称。",
        ),
        (  # Excel counts UTF-16 units: 𠮷 is two
            TemplateOptions(2024, agency="𠮷" * 51),
            "填报单位最多100个字，“𠮷𠮷𠮷𠮷𠮷𠮷𠮷𠮷𠮷𠮷𠮷𠮷𠮷𠮷𠮷𠮷𠮷𠮷𠮷𠮷…”有 102 个字：请写本单位全称。",
        ),
        (TemplateOptions(2024, agency="   "), "填报单位不能只有空格：请写本单位全称。"),
        (
            TemplateOptions(2024, agency="某局\u202e"),
            "填报单位中有换行或不可见的控制字符：请写成一行文字。",
        ),
        (TemplateOptions(2024, password="密码"), "保护密码只能使用英文字母、数字和英文符号"),
        (
            TemplateOptions(2024, prefill={"b.received.total": 1}),
            "“一、本年新收政府信息公开申请数量 · 总计”是自动计算的合计，不能预填。",
        ),
        (
            TemplateOptions(2024, prefill={"b.nothing.here": 1}),
            "预填的单元格“b.nothing.here”不是政府信息公开工作年度报告（2021年格式）中的单元格。",
        ),
        (
            TemplateOptions(2024, prefill={"a.licensing.decisions": Decimal("2.5")}),
            "预填的“行政许可 · 本年处理决定数量”为 Decimal('2.5')，是小数。",
        ),
        (
            TemplateOptions(2024, prefill={"a.fees.amount": Decimal("1.23456")}),
            "预填的“行政事业性收费 · 本年收费金额（单位：万元）”为 Decimal('1.23456')，超过 4 位小数。",
        ),
        (
            TemplateOptions(2024, prefill={"c.review.upheld": -1}),
            "预填的“行政复议 · 结果维持”为 -1，不在 0 至 999999999 之间。",
        ),
        (
            TemplateOptions(2024, prefill={"c.review.upheld": 1.0}),  # type: ignore[dict-item]
            "预填的“行政复议 · 结果维持”为 1.0，不是整数或 Decimal。",
        ),
        (TemplateOptions(2024, note="  "), "模板说明不能为空，也不能含有控制字符。"),
        (TemplateOptions(2024, note="说" * 501), "模板说明最多500个字。"),
    ],
)
def test_options_the_workbook_cannot_carry_are_refused_before_writing(
    tmp_path: Path, form: Form, options: TemplateOptions, message: str
) -> None:
    """Refused in Chinese before xlsxwriter sees them (a 256-character agency used to end
    in xlsxwriter's English warning about custom properties); nothing is written."""
    with pytest.raises(TemplateOptionsError) as refused:
        write_template(form, options, tmp_path / "t.xlsx")
    assert str(refused.value).startswith(message)
    assert list(tmp_path.iterdir()) == []


def test_the_longest_agency_allowed_fits_every_place_it_goes(tmp_path: Path, form: Form) -> None:
    """100 characters (the cover's own limit) in the cell, the note of each table sheet and
    the custom property (Excel allows 255 there)."""
    agency = "𠮷" * 50  # 100 UTF-16 units
    path = tmp_path / "t.xlsx"
    write_template(form, TemplateOptions(2024, agency=agency), path)
    wb = openpyxl.load_workbook(path)
    props = {p.name: p.value for p in wb.custom_doc_props.props}
    assert wb["填报说明"]["B4"].value == props["gongkai.agency"] == agency


# ------------------------------------------------------------------ prefilled templates
PREVIOUS = {  # last year's 四、结转下年度继续办理, as `new --previous` would prefill 二
    "b.carried_over.natural_person": 18,
    "b.carried_over.commercial_enterprise": 4,
    "b.carried_over.legal_service_agency": 3,
}
PREVIOUS_NOTE = "二、上年结转 已按 2023 年度报告预填，如有出入请直接修改"


@pytest.fixture(scope="module")
def previous_template(tmp_path_factory: pytest.TempPathFactory, form: Form) -> Path:
    path = tmp_path_factory.mktemp("prefill") / "previous.xlsx"
    options = TemplateOptions(2024, agency=SEED_AGENCY, prefill=PREVIOUS, note=PREVIOUS_NOTE)
    write_template(form, options, path)
    return path


def test_a_prefilled_template_carries_the_numbers_open_and_marked(
    previous_template: Path, layout: Layout, form: Form
) -> None:
    wb = openpyxl.load_workbook(previous_template)
    for cell in form.input_cells():
        sheet, r, c = layout.cell_positions[cell.id]
        ws_cell = wb[sheet].cell(r + 1, c + 1)
        assert ws_cell.value == PREVIOUS.get(cell.id), cell.id
        assert not ws_cell.protection.locked, cell.id  # still the agency's to correct
        fill = ws_cell.fill.fgColor.rgb
        if cell.id in PREVIOUS:
            assert fill.endswith("DDEBF7") and ws_cell.comment.text == PREVIOUS_NOTE
        else:
            assert fill.endswith("FFF2CC") and ws_cell.comment is None
    cover = wb["填报说明"]
    assert cover["A2"].value == PREVIOUS_NOTE and "A2:D2" in cover.merged_cells
    assert cover.row_dimensions[2].height == 18


def test_a_prefilled_template_caches_its_totals_b1_and_status(
    previous_template: Path, layout: Layout, form: Form
) -> None:
    """Right before any recalculation: 二's 总计 is 25, B1 shows the carried-over numbers
    (nothing else is filled yet), and the cover says so column by column."""
    wb = openpyxl.load_workbook(previous_template, data_only=True)
    values = with_totals(form, PREVIOUS)
    for cell in form.computed_cells():
        sheet, r, c = layout.cell_positions[cell.id]
        assert wb[sheet].cell(r + 1, c + 1).value == values[cell.id], cell.id  # "" reads None
    assert wb["依申请公开"]["J7"].value == 25
    assert [wb["依申请公开"].cell(32, c).value for c in range(4, 11)] == [18, 4, 0, 0, 3, 0, 25]
    rule = "第一项加第二项之和应等于第三项加第四项之和"
    assert status_of(layout, wb) == (
        STATUS_EMPTY_NAMED,  # the carried-over numbers are the writer's: nothing typed yet
        [
            f"依申请公开表“自然人”列：{rule}，差 18。",
            f"依申请公开表“商业企业”列：{rule}，差 4。",
            f"依申请公开表“法律服务机构”列：{rule}，差 3。",
            f"依申请公开表“总计”列：{rule}，差 25。",
        ],
    )


def test_a_summary_template_locks_its_prefilled_numbers(
    tmp_path: Path, layout: Layout, form: Form
) -> None:
    """The 汇总 workbook of `aggregate -o X.xlsx`: every input prefilled and locked, no
    comments (the cover line says where the numbers come from), the fee as a decimal."""
    ones = {c.id: Decimal("250.83") if c.kind.type == "decimal" else 1 for c in form.input_cells()}
    prefill = balanced(form, ones)  # 二 raised where B1 needs it
    note = "本表为某县 12 个单位报表的汇总，数字已锁定"
    path = tmp_path / "summary.xlsx"
    write_template(
        form, TemplateOptions(2024, "某县", prefill=prefill, lock_prefill=True, note=note), path
    )
    wb = openpyxl.load_workbook(path)
    for cell in form.input_cells():
        sheet, r, c = layout.cell_positions[cell.id]
        ws_cell = wb[sheet].cell(r + 1, c + 1)
        assert ws_cell.protection.locked and ws_cell.comment is None, cell.id
    assert wb["主动公开"]["B16"].value == 250.83
    assert wb["填报说明"]["A2"].value == note
    shown = openpyxl.load_workbook(path, data_only=True)
    assert status_of(layout, shown) == (STATUS_OK, [])
    assert shown["依申请公开"]["J29"].value == with_totals(form, prefill)["b.results_total.total"]
    assert shown["依申请公开"]["J29"].value == 21 * 6  # （七）总计: 21 result rows × 6 columns


def test_remembered_formula_preparation_is_xlsxwriter_s_own(template_2024: Path) -> None:
    """The writer keeps xlsxwriter's preparation of each formula (150 regular expressions
    a formula, the same formulas in every template); kept results equal a fresh run."""
    assert len(_Worksheet._prepared) > 50
    plain = Worksheet()
    for (formula, expand, future), prepared in _Worksheet._prepared.items():
        plain.use_future_functions = future
        assert Worksheet._prepare_formula(plain, formula, expand) == prepared


def test_b1_marks_every_cell_of_both_sums_live(wb: openpyxl.Workbook, form: Form) -> None:
    """While a column's B1 difference is not 0, its 一, 二, （七）总计 and 四 turn red, in
    the marked copies' red (a typo may be in any of them); the 总计 column is left alone,
    as by ingest. The rule comes before the input cells' own marks, so it wins over a hint."""
    layout = layout_of(form)
    sheet = layout.sheet("依申请公开")
    ws = wb[sheet.name]
    rules = [
        (str(cf.sqref), rule.formula[0], rule.dxf.fill.bgColor.rgb, rule.priority)
        for cf in ws.conditional_formatting
        for rule in cf.rules
        if rule.type == "expression"
    ]
    checks = {b.check.column.key_path(): b for b in sheet.boxes if b.role == "check"}
    rule = next(r for r in form.rules if r.id == "B1")
    for column in form.balance_columns(rule):
        box = checks[column.column.key_path()]
        letters = to_a1(box.row, box.col).rstrip("0123456789")
        indicator = f"${letters}${box.row + 1}<>0"
        for cell_id in (*column.left, *column.right):
            _, r, c = layout.cell_positions[cell_id]
            mine = [x for x in rules if x[0] == to_a1(r, c) and x[1] == indicator]
            if column.column.total:
                assert mine == [], cell_id
                continue
            assert [x[2] for x in mine] == ["FF" + styles.MARK_BAD_FILL[1:]], cell_id
            inputs = [x[3] for x in rules if not re.fullmatch(r"\$[A-Z]+\$\d+<>0", x[1])]
            assert mine[0][3] < min(inputs), cell_id


def test_every_total_has_a_hidden_locked_unprinted_shadow(
    wb: openpyxl.Workbook, cached: openpyxl.Workbook, layout: Layout
) -> None:
    """Each total's shadow (which the cover compares with what the total shows, to catch
    a total typed over) sums the same cells, holds the same result, is locked, and sits in
    a hidden column right of the printed table."""
    shadows = layout.shadow_positions
    assert set(shadows) == {c.id for c in layout.form.computed_cells()}
    for cell_id, (sheet, r, c) in shadows.items():
        ws = wb[sheet]
        _, tr, tc = layout.cell_positions[cell_id]
        assert r == tr and c >= layout.sheet(sheet).width
        total, twin = (
            formula_of(ws.cell(tr + 1, tc + 1).value),
            formula_of(ws.cell(r + 1, c + 1).value),
        )
        assert total is not None and twin is not None
        assert total.startswith("=IF(") and total.endswith(f",{twin[1:]})")  # the same sum
        assert cached[sheet].cell(r + 1, c + 1).value == (
            cached[sheet].cell(tr + 1, tc + 1).value or 0
        )
        assert ws.cell(r + 1, c + 1).protection.locked
        dims = [d for d in ws.column_dimensions.values() if d.min <= c + 1 <= d.max]
        assert dims and all(d.hidden for d in dims), (sheet, c)


def test_shadow_cells_are_never_numbers_outside_the_form(
    template_2024: Path, layout: Layout, tmp_path: Path
) -> None:
    """A shadow that lost its formula (a paste of values into an unprotected copy) holds a
    plain number where the form has no cell: the reader knows it is ours and says
    nothing, while the same number one column further right is a stray number."""
    sheet, r, c = layout.shadow_positions["b.received.total"]
    shadow, beyond = (
        to_a1(r, c),
        to_a1(r, max(col for _s, _r, col in layout.shadow_positions.values()) + 1),
    )
    dest = tmp_path / "pasted.xlsx"
    with zipfile.ZipFile(template_2024) as zin, zipfile.ZipFile(dest, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "xl/worksheets/sheet3.xml":  # 依申请公开
                data, n = re.subn(
                    rb'<c r="%s"( s="\d+")?>.*?</c>' % shadow.encode(),
                    rb'<c r="%s"\1><v>7</v></c><c r="%s"><v>7</v></c>'
                    % (shadow.encode(), beyond.encode()),
                    data,
                )
                assert n == 1
            zout.writestr(info, data)
    strays = [
        (f.code.code, f.sheet, f.cell)
        for f in check_file(dest).findings
        if f.code.code.startswith("stray")
    ]
    assert strays == [("stray-number", sheet, beyond)]


@pytest.mark.parametrize(
    "formula",
    [
        "{=SUM(IF(ISTEXT(A1:A3),1,0))}",  # no dynamic function: written without the search
        "{=SORT(A1:A3)}",  # a dynamic array
        "{=_xlfn.UNIQUE(A1:A3)}",
        "{=XSORT(A1:A3)+MYFILTER(1)}",  # the name inside a longer one: not dynamic
        "{=sort(A1:A3)}",  # xlsxwriter's search is case-sensitive
        '{=SUM(IF(A1:A3>0,1,0))*LEN("FILTER(")}',  # in a text: xlsxwriter decides
    ],
)
def test_array_formulas_are_written_as_xlsxwriter_writes_them(formula: str) -> None:
    """The writer skips xlsxwriter's search for a dynamic-array function only where none
    of its names followed by "(" occurs: every cell and flag is xlsxwriter's own."""
    ours, plain = _Worksheet(), Worksheet()
    for ws in (ours, plain):
        ws.use_future_functions = False
        assert ws.write_array_formula(2, 1, 2, 1, formula, None, 7) == 0
    assert ours.table == plain.table
    assert ours.has_dynamic_arrays == plain.has_dynamic_arrays
    assert [ours.dim_rowmin, ours.dim_colmax] == [plain.dim_rowmin, plain.dim_colmax]


def test_the_writer_knows_xlsxwriter_s_dynamic_array_functions() -> None:
    """Read from xlsxwriter's own pattern: every name it lists, and none the pattern does
    not find in a formula."""
    assert workbook_module._DYNAMIC_CALLS is not None
    assert {"SORT(", "FILTER(", "UNIQUE(", "XLOOKUP("} <= set(workbook_module._DYNAMIC_CALLS)
    from xlsxwriter.worksheet import re_dynamic_function

    for call in workbook_module._DYNAMIC_CALLS:
        assert re_dynamic_function.search("=" + call + "A1)")
