"""The generated template, reopened with openpyxl: labels, merged headers, protection,
validation, names, properties, formulas with their cached results, print setup."""

from __future__ import annotations

import dataclasses
import zipfile
from pathlib import Path

import openpyxl
import pytest
from conftest import SEED_AGENCY

from gongkai_xlsx.cellref import to_a1
from gongkai_xlsx.definition import Form
from gongkai_xlsx.definition.layout import Layout
from gongkai_xlsx.writer import TemplateOptions, write_template
from gongkai_xlsx.writer.formulas import STATUS_FAIL, STATUS_OK
from gongkai_xlsx.writer.workbook import TemplateBuildError

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


def test_totals_are_formulas_with_cached_results(
    wb: openpyxl.Workbook, cached: openpyxl.Workbook
) -> None:
    ws = wb["依申请公开"]
    assert ws["J6"].value == "=SUM(D6:I6)"
    assert ws["D29"].value == "=SUM(D8:D28)"
    assert ws["J29"].value == "=SUM(D29:I29)"
    assert ws["D32"].value == "=SUM(D6:D7)-SUM(D29:D30)"  # B1 indicator below the table
    assert wb["复议诉讼"]["J6"].value == "=SUM(F6:I6)"
    assert cached["依申请公开"]["J29"].value == 0
    assert cached["依申请公开"]["D32"].value == 0
    status = next(c for c in cached["填报说明"]["A"] if c.value in (STATUS_OK, STATUS_FAIL))
    assert status.value == STATUS_OK


def test_blank_template_status_asks_for_the_agency(blank_template_2024: Path) -> None:
    ws = openpyxl.load_workbook(blank_template_2024, data_only=True)["填报说明"]
    values = [c.value for c in ws["A"]]
    assert STATUS_FAIL in values
    assert "请填写“填报单位”：本单位全称。" in values


def test_cover_status_lines_name_each_check(wb: openpyxl.Workbook) -> None:
    formulas = [
        c.value
        for c in wb["填报说明"]["A"]
        if isinstance(c.value, str) and c.value.startswith("=IF(")
    ]
    text = "\n".join(formulas)
    assert text.count("第一项加第二项之和应等于第三项加第四项之和") == 7  # B1 per column
    assert "依申请公开表“自然人”列" in text and "依申请公开表“总计”列" in text
    for sheet in ("主动公开", "依申请公开", "复议诉讼"):
        assert f"{sheet}表有 " in text  # text and negatives per sheet
    assert "最多保留4位小数" in text
    for sheet in ("主动公开", "依申请公开", "复议诉讼"):  # pasted fractions and huge numbers
        assert f"{sheet}表有单元格填了小数，件数必须是整数。" in text
        assert f'{sheet}表有 "&SUM(COUNTIF(' in text


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
    ws = wb["依申请公开"]
    assert ws["C10"].font.name == "宋体" and ws["D6"].font.name == "宋体"
    assert ws["D6"].fill.fgColor.rgb.endswith("FFF2CC")  # input cells are shaded
    assert ws.column_dimensions["C"].width >= 24
    # the two longest labels need two lines in column C
    assert ws.row_dimensions[26].height >= 30 and ws.row_dimensions[27].height >= 30
    for r in range(6, 31):
        assert ws.row_dimensions[r].height >= 18


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
