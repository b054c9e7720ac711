"""What goes back to an agency is right and easy to send (issue 14, part 3): a total typed
over with another number goes back marked red; a hint repeated over many cells is one line
of the marked copy's 校验结果 sheet (every cell still in report.json and in the comments)."""

from __future__ import annotations

import json
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
