"""What goes back to an agency is right and easy to send (issue 14, part 3): a total typed
over with another number goes back marked red; a hint repeated over many cells is one line
of the marked copy's 校验结果 sheet (every cell still in report.json and in the comments)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import openpyxl
import pytest
from conftest import fill_with_openpyxl, run

from gongkai_xlsx.annotate import Mark, marks_from_findings
from gongkai_xlsx.annotate.styles import ERROR_FILL, WARNING_FILL
from gongkai_xlsx.catalogue import Code
from gongkai_xlsx.cellref import compress
from gongkai_xlsx.definition import Form
from gongkai_xlsx.definition.layout import Layout
from gongkai_xlsx.definition.names import RESULTS_SHEET
from gongkai_xlsx.findings import Finding, FindingGroup, group_repeated
from gongkai_xlsx.writer import TemplateOptions, write_template

BALANCED = {"b.received.natural_person": 5, "b.carried_forward.natural_person": 5}
SLASHES = {("依申请公开", f"{c}{r}"): "/" for c in "DEFGH" for r in (7, 8, 9, 10)}  # 20 cells


@pytest.fixture
def template(form: Form, tmp_path: Path) -> Path:
    path = tmp_path / "template.xlsx"
    write_template(form, TemplateOptions(year=2024, agency="某县民政局"), path)
    return path


def ingest(tmp_path: Path, files: dict[str, Path]) -> tuple[int, dict, Path]:
    """``ingest 报表/ -o 结果/ --annotate 退回/`` through the CLI: exit code, report, 退回/."""
    inbox = tmp_path / "报表"
    inbox.mkdir()
    for name, path in files.items():
        (inbox / name).write_bytes(path.read_bytes())
    out, back = tmp_path / "结果", tmp_path / "退回"
    result = run("ingest", inbox, "-o", out, "--annotate", back)
    return result.exit_code, json.loads((out / "report.json").read_text("utf-8")), back


def results_rows(path: Path) -> list[tuple[object, ...]]:
    """The finding rows of a marked copy's 校验结果 sheet (below its 级别/位置/说明 header)."""
    rows = list(openpyxl.load_workbook(path)[RESULTS_SHEET].iter_rows(values_only=True))
    header = rows.index(("级别", "位置", "说明"))
    return rows[header + 1 :]


def test_a_total_typed_over_with_another_number_goes_back_marked_red(
    layout: Layout, template: Path, tmp_path: Path
) -> None:
    filled = fill_with_openpyxl(
        layout, template, tmp_path / "a.xlsx", BALANCED, raw={("依申请公开", "J6"): 9}
    )
    code, report, back = ingest(tmp_path, {"民政局.xlsx": filled})
    assert code != 0
    (entry,) = report["returns"]
    assert entry["status"] == "errors" and entry["output"] is None
    assert [
        (f["code"], f["severity"], f["cell"], f["actual"], f["expected"]) for f in entry["findings"]
    ] == [("total-typed-over", "error", "J6", 9, 5)]
    marked = back / entry["annotated"]
    ws = openpyxl.load_workbook(marked)["依申请公开"]
    assert ws["J6"].fill.fgColor.rgb == ERROR_FILL
    assert ws["J6"].comment is not None and "各项之和为 5" in ws["J6"].comment.text
    assert [r[:2] for r in results_rows(marked)] == [("错误", "依申请公开!J6")]


def test_a_total_typed_over_with_the_sum_passes_with_a_hint(
    layout: Layout, template: Path, tmp_path: Path
) -> None:
    filled = fill_with_openpyxl(
        layout, template, tmp_path / "a.xlsx", BALANCED, raw={("依申请公开", "J6"): 5}
    )
    code, report, back = ingest(tmp_path, {"民政局.xlsx": filled})
    assert code == 0
    (entry,) = report["returns"]
    assert entry["status"] == "warnings" and entry["output"] is not None
    assert [(f["code"], f["severity"], f["cell"]) for f in entry["findings"]] == [
        ("formula-removed", "warning", "J6")
    ]
    assert entry["annotated"] is None and not any(back.glob("*.xlsx"))


def test_a_slash_in_twenty_cells_is_one_line_of_the_results_sheet(
    layout: Layout, template: Path, tmp_path: Path
) -> None:
    """report.json and the comments keep all 20 cells; the 校验结果 sheet names them as one
    range on one line, after the error (errors first)."""
    raw = {**SLASHES, ("依申请公开", "J6"): 9}  # the error that makes it go back
    filled = fill_with_openpyxl(layout, template, tmp_path / "a.xlsx", BALANCED, raw=raw)
    _, report, back = ingest(tmp_path, {"民政局.xlsx": filled})
    (entry,) = report["returns"]
    slashes = [f for f in entry["findings"] if f["code"] == "blank-marker"]
    assert len(slashes) == 20 and {f["cell"] for f in slashes} == {c for _, c in SLASHES}
    marked = back / entry["annotated"]
    rows = results_rows(marked)
    assert rows == [
        rows[0],
        (
            "提示",
            "依申请公开!D7:H10",
            "共 20 个单元格：“/”按空白（未填写）读取；没有发生的事项请填0。",
        ),
    ]
    assert rows[0][:2] == ("错误", "依申请公开!J6")
    ws = openpyxl.load_workbook(marked)["依申请公开"]
    for _, ref in SLASHES:
        assert ws[ref].fill.fgColor.rgb == WARNING_FILL
        assert ws[ref].comment is not None and "“/”按空白" in ws[ref].comment.text


def test_five_slashes_stay_five_lines(layout: Layout, template: Path, tmp_path: Path) -> None:
    raw = {("依申请公开", f"{c}7"): "/" for c in "DEFGH"}
    raw[("依申请公开", "J6")] = 9
    filled = fill_with_openpyxl(layout, template, tmp_path / "a.xlsx", BALANCED, raw=raw)
    _, report, back = ingest(tmp_path, {"民政局.xlsx": filled})
    rows = results_rows(back / report["returns"][0]["annotated"])
    assert [r[1] for r in rows] == ["依申请公开!J6", *(f"依申请公开!{c}7" for c in "DEFGH")]


# ------------------------------------------------------------------ the grouping itself
def test_cells_are_named_as_few_ranges() -> None:
    assert compress(["D6", "D7", "D8", "F6"]) == ["D6:D8", "F6"]
    assert compress(["B5", "C5", "B6", "C6", "J20"]) == ["B5:C6", "J20"]
    assert compress(["AA100"]) == ["AA100"]
    assert compress([]) == []


def blank(sheet: str, cell: str, actual: str = "/") -> Finding:
    return Finding(Code.BLANK_MARKER, sheet=sheet, cell=cell, actual=actual)


def test_more_than_five_hints_of_one_code_become_one_group_in_place() -> None:
    error = Finding(Code.NEGATIVE, sheet="主动公开", cell="B5", actual=-1, expected=0)
    hints = [blank("依申请公开", f"D{r}") for r in range(6, 12)] + [blank("复议诉讼", "B6")]
    other = Finding(Code.NUMBER_AS_TEXT, sheet="依申请公开", cell="E6", actual="１", expected=1)
    items = [error, *hints[:3], other, *hints[3:]]
    grouped = group_repeated(items)
    assert grouped[0] is error and grouped[2] is other
    group = grouped[1]
    assert isinstance(group, FindingGroup) and len(grouped) == 3
    assert group.items == tuple(hints)
    assert group.ranges == ("依申请公开!D6:D11", "复议诉讼!B6")
    assert group.message == (
        "依申请公开!D6:D11、复议诉讼!B6：共 7 个单元格：“/”按空白（未填写）读取；没有发生的事项请填0。"
    )
    assert not group.is_error and group.code_name == "blank-marker"


def test_five_hints_errors_and_whole_file_findings_are_never_grouped() -> None:
    five = [blank("依申请公开", f"D{r}") for r in range(6, 11)]
    assert group_repeated(five) == five
    errors = [
        Finding(Code.NEGATIVE, sheet="主动公开", cell=f"B{r}", actual=-1) for r in range(5, 15)
    ]
    assert group_repeated(errors) == errors
    loose = [Finding(Code.PROPS_MISSING, actual="x") for _ in range(8)]
    assert group_repeated(loose) == loose


def test_a_group_of_different_texts_says_the_rest_are_alike() -> None:
    items = [blank("依申请公开", f"D{r}", "/" if r % 2 else "无") for r in range(6, 12)]
    (group,) = group_repeated(items)
    assert isinstance(group, FindingGroup)
    assert (
        group.summary
        == "共 6 个单元格：“无”按空白（未填写）读取；没有发生的事项请填0。（其余 5 个单元格同类）"
    )


def test_marks_group_as_their_findings_do() -> None:
    """The marked copy groups its marks (which cross to the marking worker) by the same
    function the terminal and the page use for findings."""
    findings = [blank("依申请公开", f"D{r}") for r in range(6, 13)]
    marks = marks_from_findings(findings)
    (group,) = group_repeated(marks)
    assert isinstance(group, FindingGroup) and isinstance(group.items[0], Mark)
    (expected,) = group_repeated(findings)
    assert isinstance(expected, FindingGroup)
    assert group.message == expected.message


# ------------------------------------------------------------------ the 退回清单
ROSTER_ROWS = [
    ["2024年度政府信息公开年度报告报送名单"],
    ["序号", "单位名称", "联系人", "手机", "电子邮箱"],
    ["1", "某县民政局", "张三", "0571-1234567", "mz@example.cn"],
    ["2", "某县教育局", "李四", "13800000000", ""],
    ["3", "某县财政局", "", "", ""],
    ["4", "某县交通运输局", "赵六", "13700000000", "jt@example.cn"],
]


def gbk_roster(path: Path) -> Path:
    """As Excel's “CSV（逗号分隔）” saves it on Chinese Windows: GBK, CRLF."""
    text = "\r\n".join(",".join(row) for row in ROSTER_ROWS) + "\r\n"
    path.write_bytes(text.encode("gbk"))
    return path


def xlsx_roster(path: Path) -> Path:
    """As typed into Excel: the phones as numbers where they are all digits."""
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in ROSTER_ROWS:
        ws.append([int(v) if v.isdigit() and len(v) > 3 else v for v in row])
    wb.save(path)
    return path


@pytest.mark.parametrize("make", [gbk_roster, xlsx_roster], ids=["gbk-csv", "xlsx"])
def test_the_roster_reads_its_contact_columns(make, tmp_path: Path) -> None:
    from gongkai_xlsx.roster import read_roster

    suffix = ".csv" if make is gbk_roster else ".xlsx"
    roster = read_roster(make(tmp_path / f"名单{suffix}"))
    assert roster.has_contacts and roster.contact_columns == ("contact", "phone", "email")
    assert [(e.name, e.contact, e.phone, e.email) for e in roster.entries] == [
        ("某县民政局", "张三", "0571-1234567", "mz@example.cn"),
        ("某县教育局", "李四", "13800000000", None),
        ("某县财政局", None, None, None),
        ("某县交通运输局", "赵六", "13700000000", "jt@example.cn"),
    ]


def test_a_roster_of_names_only_has_no_contacts(tmp_path: Path) -> None:
    from gongkai_xlsx.roster import read_roster

    path = tmp_path / "名单.csv"
    path.write_bytes("单位名称\r\n某县民政局\r\n联系人\r\n".encode("gbk"))
    roster = read_roster(path)
    assert not roster.has_contacts and roster.contact_columns == ()
    assert [(e.name, e.contact) for e in roster.entries] == [("某县民政局", None), ("联系人", None)]


def agency_return(
    form: Form, layout: Layout, tmp_path: Path, agency: str, raw: dict, fields: dict | None = None
) -> Path:
    template = tmp_path / f"{agency}_模板.xlsx"
    write_template(form, TemplateOptions(year=2024, agency=agency), template)
    return fill_with_openpyxl(
        layout, template, tmp_path / f"{agency}_填好.xlsx", BALANCED, fields, raw
    )


def send_back_list(back: Path) -> list[tuple[object, ...]]:
    """The 退回清单's rows below its header, read back as Excel would show them."""
    ws = openpyxl.load_workbook(back / "退回清单.xlsx").active
    rows = list(ws.iter_rows(values_only=True))
    header = next(i for i, r in enumerate(rows) if r[0] == "序号")
    assert rows[header] == (
        "序号",
        "单位",
        "联系人",
        "联系电话",
        "邮箱",
        "状态",
        "错误数",
        "收到的报表",
        "发回的标注副本",
        "联系方式取自",
    )
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
    return rows[header + 1 :]


@pytest.mark.parametrize("make", [gbk_roster, xlsx_roster], ids=["gbk-csv", "xlsx"])
def test_the_send_back_list_names_whom_to_call_for_each_return_that_goes_back(
    make, form: Form, layout: Layout, tmp_path: Path
) -> None:
    """民政局 wrote its own contact on the cover (it wins over the roster's); 教育局 did
    not (the roster's); 财政局 passed (not listed); 交通运输局 sent an .xls (listed, no
    marked copy, the roster's contact); an agency off the roster is listed without one."""
    typed_over = {("依申请公开", "J6"): 9}
    files = {
        "民政局.xlsx": agency_return(
            form,
            layout,
            tmp_path,
            "某县民政局",
            typed_over,
            {"contact": "王五", "phone": 13900000000},
        ),
        "教育局.xlsx": agency_return(form, layout, tmp_path, "某县教育局", typed_over),
        "财政局.xlsx": agency_return(form, layout, tmp_path, "某县财政局", {}),
        "水利局.xlsx": agency_return(form, layout, tmp_path, "某县水利局", typed_over),
    }
    xls = tmp_path / "某县交通运输局.xls"
    xls.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 4000)
    files["某县交通运输局.xls"] = xls
    roster = make(tmp_path / ("名单.csv" if make is gbk_roster else "名单.xlsx"))
    inbox, out, back = tmp_path / "报表", tmp_path / "结果", tmp_path / "退回"
    inbox.mkdir()
    for name, path in files.items():
        (inbox / name).write_bytes(path.read_bytes())
    result = run("ingest", inbox, "-o", out, "--annotate", back, "--roster", roster)
    assert result.exit_code != 0
    report = json.loads((out / "report.json").read_text("utf-8"))
    marked = {e["file"]: e["annotated"] for e in report["returns"]}
    rows = send_back_list(back)
    agencies = [r[1] for r in rows]
    assert "某县财政局" not in agencies
    by_agency = {r[1]: r for r in rows}
    assert by_agency["某县民政局"][2:] == (
        "王五",
        "13900000000",
        "mz@example.cn",
        "有错误",
        1,
        "民政局.xlsx",
        marked["民政局.xlsx"],
        "报表",
    )
    assert by_agency["某县教育局"][2:] == (
        "李四",
        "13800000000",
        None,
        "有错误",
        1,
        "教育局.xlsx",
        marked["教育局.xlsx"],
        "名单",
    )
    assert by_agency["某县水利局"][2:5] == (None, None, None)  # not on the roster
    assert by_agency["某县水利局"][9] is None
    (xls_row,) = [r for r in rows if r[7] == "某县交通运输局.xls"]
    assert xls_row[5] == "无法读取" and "无法读取" in xls_row[8]
    assert agencies.index("某县民政局") < agencies.index("某县教育局")  # roster order
    assert [r[0] for r in rows] == list(range(1, len(rows) + 1))
    assert "@annotated/退回清单.xlsx" in report["outputs"]


def test_nothing_to_send_back_leaves_no_send_back_list(
    form: Form, layout: Layout, tmp_path: Path
) -> None:
    """A re-run after every agency fixed its return removes last run's 退回清单."""
    inbox, out, back = tmp_path / "报表", tmp_path / "结果", tmp_path / "退回"
    inbox.mkdir()
    bad = agency_return(form, layout, tmp_path, "某县民政局", {("依申请公开", "J6"): 9})
    (inbox / "民政局.xlsx").write_bytes(bad.read_bytes())
    run("ingest", inbox, "-o", out, "--annotate", back)
    assert (back / "退回清单.xlsx").is_file()
    good = agency_return(form, layout, tmp_path / "..", "某县民政局", {})
    (inbox / "民政局.xlsx").write_bytes(good.read_bytes())
    result = run("ingest", inbox, "-o", out, "--annotate", back)
    assert result.exit_code == 0
    assert not (back / "退回清单.xlsx").exists()


def test_a_return_naming_no_agency_goes_back_to_the_roster_agency_its_file_name_contains(
    layout: Layout, blank_template_2024: Path, tmp_path: Path
) -> None:
    """Its marked copy is named for that agency and its 退回清单 row is that agency's, with
    the roster's contact; without a roster, the file's own name is all there is."""
    inbox, out, back = tmp_path / "报表", tmp_path / "结果", tmp_path / "退回"
    inbox.mkdir()
    typed_over = {("依申请公开", "J6"): 9}
    fill_with_openpyxl(
        layout, blank_template_2024, inbox / "某县教育局2024年报.xlsx", BALANCED, raw=typed_over
    )
    roster = gbk_roster(tmp_path / "名单.csv")
    run("ingest", inbox, "-o", out, "--annotate", back, "--roster", roster)
    [marked] = [p.name for p in back.glob("*.xlsx") if p.name != "退回清单.xlsx"]
    assert re.fullmatch(r"某县教育局_退回修改_\d{8}\.xlsx", marked), marked
    [row] = send_back_list(back)
    assert row[1:4] == ("某县教育局", "李四", "13800000000") and row[8] == marked

    run("ingest", inbox, "-o", tmp_path / "结果2", "--annotate", tmp_path / "退回2")
    [marked] = [p.name for p in (tmp_path / "退回2").glob("*_退回修改_*.xlsx")]
    assert marked.startswith("某县教育局2024年报_退回修改_")


def test_the_terminal_shows_a_repeated_hint_as_one_line(
    layout: Layout, template: Path, tmp_path: Path
) -> None:
    """``check`` and ``ingest`` print the 20 slashes as one line naming the range, after
    the error; report.json keeps all 20 (above)."""
    raw = {**SLASHES, ("依申请公开", "J6"): 9}
    filled = fill_with_openpyxl(layout, template, tmp_path / "a.xlsx", BALANCED, raw=raw)
    checked = run("check", filled)
    ingested = run("ingest", filled, "-o", tmp_path / "out")
    for result in (checked, ingested):
        lines = [line for line in result.stdout.splitlines() if "blank-marker" in line]
        assert lines == [
            "  提示 [blank-marker] 依申请公开!D7:H10：共 20 个单元格："
            "“/”按空白（未填写）读取；没有发生的事项请填0。"
        ], result.stdout


def test_groups_of_two_codes_interleaved_keep_every_other_line_in_its_place() -> None:
    """Each repeated hint becomes one line where its first cell was; the lines between,
    and a hint repeated too few times to group, stay where they were, in order."""
    texts = [
        Finding(Code.NUMBER_AS_TEXT, sheet="依申请公开", cell=f"E{r}", actual="１", expected=1)
        for r in range(6, 13)
    ]
    blanks = [blank("依申请公开", f"D{r}") for r in range(6, 13)]
    few = [
        Finding(Code.NEGATIVE, sheet="主动公开", cell=f"B{r}", actual=-1, expected=0)
        for r in range(5, 8)
    ]
    items = [few[0], texts[0], blanks[0], *texts[1:4], few[1], *blanks[1:], *texts[4:], few[2]]
    grouped = group_repeated(items)
    assert [type(line).__name__ for line in grouped] == [
        "Finding",
        "FindingGroup",
        "FindingGroup",
        "Finding",
        "Finding",
    ]
    assert grouped[0] is few[0] and grouped[3] is few[1] and grouped[4] is few[2]
    assert grouped[1].items == tuple(texts) and grouped[2].items == tuple(blanks)
