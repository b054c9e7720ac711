"""The command line as a person uses it: `new`, `schema`, `check` and `ingest`, their exit
codes (0 fine, 1 findings, 2 bad usage), messages, file names and the files they write."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from child_env import child_env
from conftest import SEED_AGENCY, Filler, console_script, fill_with_openpyxl, run
from openpyxl.utils.protection import hash_password
from test_report_schema import validate_report
from typer.testing import Result

from gongkai_xlsx.definition import Form
from gongkai_xlsx.definition.layout import Layout
from gongkai_xlsx.ingest.page import without_run as page_without_run
from gongkai_xlsx.ingest.report import without_run
from gongkai_xlsx.outputfolder import is_bookkeeping
from gongkai_xlsx.writer import TemplateOptions, write_template

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT / "schemas" / "gk2021.schema.json"
DEFAULT_2024 = "2024年度政府信息公开工作年度报告填报表.xlsx"
SHEETS = ["填报说明", "主动公开", "依申请公开", "复议诉讼"]

GOOD_VALUES = {"a.licensing.decisions": 44, "a.penalty.decisions": 31, "a.fees.amount": 250.83}
# 5 received, 2 disclosed, nothing carried forward: B1 is 3 short in the natural-person column.
B1_VALUES = {"b.received.natural_person": 5, "b.disclosed.natural_person": 2}
B1_LINE = (
    "  错误 [balance] 依申请公开!D30（四、结转下年度继续办理 · 自然人）："
    "第一项加第二项之和应等于第三项加第四项之和；现在第一项加第二项之和为 5，"
    "第三项加第四项之和为 2，前者多 3。请核对这一列的数字。"
)
TABLE_HEADER = ["文件", "单位", "状态", "错误", "提示"]


@pytest.fixture
def make_return(form: Form, layout: Layout, tmp_path_factory: pytest.TempPathFactory):
    """make_return(dest, agency, year=2024, values=GOOD_VALUES) → a filled return at dest."""
    cache: dict[tuple[str, int], Path] = {}

    def _make(
        dest: Path, agency: str, year: int = 2024, values: Mapping[str, Any] = GOOD_VALUES
    ) -> Path:
        key = (agency, year)
        if key not in cache:
            cache[key] = tmp_path_factory.mktemp("tpl") / "template.xlsx"
            write_template(form, TemplateOptions(year=year, agency=agency), cache[key])
        dest.parent.mkdir(parents=True, exist_ok=True)
        return fill_with_openpyxl(layout, cache[key], dest, values)

    return _make


def ingest(*args: str | os.PathLike[str]) -> tuple[Result, dict[str, Any]]:
    """Run ``ingest ARGS`` (ARGS must contain ``-o OUT``) and load OUT/report.json."""
    result = run("ingest", *args)
    out = Path(args[list(args).index("-o") + 1])
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    validate_report(report)  # every report a CLI test writes has the committed shape
    return result, report


def statuses(report: Mapping[str, Any]) -> list[tuple[str, str | None, str, str | None]]:
    return [(r["file"], r["agency"], r["status"], r["output"]) for r in report["returns"]]


def codes(report: Mapping[str, Any], file: str) -> list[str]:
    row = next(r for r in report["returns"] if r["file"] == file)
    return [f["code"] for f in row["findings"]]


def outputs(out: Path) -> dict[str, bytes]:
    """Every file of OUT by name; report.json and report.html without their ``run`` record
    (its time, jobs and inputs), which is all that may differ between two runs of the same
    files. The folder's manifest is bookkeeping (it holds report.json's sha256, so it
    differs with ``run``); tests/test_output_manifest.py checks it."""
    found = {
        p.name: p.read_bytes()
        for p in sorted(out.iterdir())
        if p.is_file() and not is_bookkeeping(p.name)
    }
    if "report.json" in found:
        data = without_run(json.loads(found["report.json"]))
        found["report.json"] = json.dumps(data, ensure_ascii=False).encode()
    if "report.html" in found:
        found["report.html"] = page_without_run(found["report.html"]).encode()
    return found


# ----------------------------------------------------------------------------------- new
def test_new_writes_the_default_name_in_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = run("new", "2024")
    assert result.exit_code == 0
    assert result.stdout == f"已生成 2024 年度填报模板：{DEFAULT_2024}\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == [DEFAULT_2024]
    wb = openpyxl.load_workbook(tmp_path / DEFAULT_2024)
    assert wb.sheetnames == SHEETS
    assert wb["填报说明"]["B3"].value == 2024
    assert wb["填报说明"]["B4"].value is None  # no agency: the clerk types it


def test_new_output_option(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = run("new", "2024", "-o", "t.xlsx")
    assert result.exit_code == 0
    assert result.stdout == "已生成 2024 年度填报模板：t.xlsx\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.xlsx"]
    assert openpyxl.load_workbook(tmp_path / "t.xlsx").sheetnames == SHEETS


def test_new_agency_names_the_file_and_is_locked_on_the_cover(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = run("new", "2024", "--agency", "某县民政局")
    assert result.exit_code == 0
    name = "2024年度政府信息公开工作年度报告填报表_某县民政局.xlsx"
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]
    wb = openpyxl.load_workbook(tmp_path / name)
    cover = wb["填报说明"]
    assert (cover["A4"].value, cover["B4"].value) == ("填报单位", "某县民政局")
    assert cover["B4"].protection.locked and cover.protection.sheet
    props = {p.name: p.value for p in wb.custom_doc_props.props}
    assert props["gongkai.agency"] == "某县民政局"


@pytest.mark.parametrize(
    ("agency", "message"),
    [
        (
            "   ",
            "错误：--agency 不能只有空格：请写本单位全称；不加 --agency 则生成由各单位自己填写名称的模板。\n",
        ),
        (
            "某" * 101,
            f"错误：--agency：填报单位最多100个字，“{'某' * 20}…”有 101 个字：请写本单位全称。\n",
        ),
        (  # beyond Excel's 255 characters for a custom property: no xlsxwriter warning
            "长" * 300,
            f"错误：--agency：填报单位最多100个字，“{'长' * 20}…”有 300 个字：请写本单位全称。\n",
        ),
    ],
)
def test_new_refuses_an_agency_the_cover_would_refuse(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, agency: str, message: str
) -> None:
    """The cover's own rule is 最多100个字; only spaces is no name (it used to make a
    template without agency, silently)."""
    monkeypatch.chdir(tmp_path)
    result = run("new", "2024", "--agency", agency)
    assert result.exit_code == 2
    assert result.stderr == message
    assert list(tmp_path.iterdir()) == []


def test_new_takes_line_breaks_and_bidi_characters_out_of_the_agency(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = run("new", "2024", "--agency", " 某县\n民政局\u202e ")
    assert result.exit_code == 0
    assert result.stderr == "提示：单位名称中的换行、U+202E已去掉，按“某县 民政局”生成。\n"
    name = "2024年度政府信息公开工作年度报告填报表_某县 民政局.xlsx"
    assert result.stdout == f"已生成 2024 年度填报模板：{name}\n"
    assert openpyxl.load_workbook(tmp_path / name)["填报说明"]["B4"].value == "某县 民政局"


def test_new_never_overwrites_without_force(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    target = tmp_path / DEFAULT_2024
    target.write_bytes(b"a clerk's file that must survive")
    result = run("new", "2024")
    assert result.exit_code == 2
    assert "已存在" in result.stderr and "--force" in result.stderr
    assert result.stderr == f"错误：{DEFAULT_2024}：文件已存在。如需覆盖，请加 --force。\n"
    assert target.read_bytes() == b"a clerk's file that must survive"

    result = run("new", "2024", "--force")
    assert result.exit_code == 0
    assert openpyxl.load_workbook(target).sheetnames == SHEETS


@pytest.mark.parametrize("year", [2019, 2020])
def test_new_refuses_years_of_the_2019_format(
    year: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = run("new", str(year))
    assert result.exit_code == 2
    assert "2019年格式" in result.stderr
    assert result.stderr.startswith(f"错误：报告年度 {year} 不受支持：")
    assert list(tmp_path.iterdir()) == []


def test_new_accepts_2021_to_next_year_and_refuses_the_year_after(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    next_year = dt.date.today().year + 1
    for year in (2021, next_year):
        result = run("new", str(year))
        assert result.exit_code == 0, result.output
        path = tmp_path / f"{year}年度政府信息公开工作年度报告填报表.xlsx"
        assert openpyxl.load_workbook(path)["填报说明"]["B3"].value == year
    result = run("new", str(next_year + 1))
    assert result.exit_code == 2
    assert result.stderr == (
        f"错误：报告年度 {next_year + 1} 还没有到：本工具支持 2021 至 {next_year} 年度。\n"
    )
    assert not (tmp_path / f"{next_year + 1}年度政府信息公开工作年度报告填报表.xlsx").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["new", "1999"],
            "错误：报告年度 1999 无效：政府信息公开工作年度报告的统一格式从 2019 年度起才有；",
        ),
        (["new", "2020"], "错误：报告年度 2020 不受支持：2019、2020年度报告使用2019年格式"),
        (["schema", "2019"], "错误：报告年度 2019 不受支持：2019、2020年度报告使用2019年格式"),
        (["ingest", "x.xlsx", "-o", "out", "--year", "2019"], "错误：报告年度 2019 不受支持："),
    ],
)
def test_year_messages_give_the_real_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], message: str
) -> None:
    """Neither "templates" for a schema, nor a 2019 template nobody can make."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "x.xlsx").write_bytes(b"")
    result = run(*args)
    assert result.exit_code == 2 and result.stderr.startswith(message), result.stderr
    assert "模板" not in result.stderr.splitlines()[0] or args[0] == "new"


def test_new_password_protects_every_sheet_and_the_structure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert run("new", "2024", "--password", "abc", "-o", "p.xlsx").exit_code == 0
    wb = openpyxl.load_workbook(tmp_path / "p.xlsx")
    assert wb.security.lockStructure
    assert wb.security.workbookPassword == hash_password("abc") == "CC1A"
    assert [ws.protection.password for ws in wb] == ["CC1A"] * 4


def test_new_refuses_a_chinese_password(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = run("new", "2024", "--password", "密码", "-o", "p.xlsx")
    assert result.exit_code == 2
    assert result.stderr.startswith("错误：保护密码只能使用英文字母、数字和英文符号")
    assert list(tmp_path.iterdir()) == []


def test_new_out_dir_and_roster_go_together(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "r.csv").write_text("单位名称\n甲局\n", encoding="utf-8")
    result = run("new", "2024", "--out-dir", "d")
    assert result.exit_code == 2
    assert result.stderr == "错误：--out-dir 只能与 --roster 一起使用；单个文件请用 -o。\n"
    result = run("new", "2024", "--roster", "r.csv")
    assert result.exit_code == 2
    assert result.stderr == "错误：按名单生成时请用 --out-dir 指定输出文件夹。\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.csv"]


# -------------------------------------------------------------------------------- schema
def test_schema_prints_the_committed_schema() -> None:
    result = run("schema", "2024")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert result.stdout == SCHEMA.read_text(encoding="utf-8")


def test_schema_of_an_unsupported_year() -> None:
    result = run("schema", "2019")
    assert result.exit_code == 2
    assert "2019年格式" in result.stderr and result.stdout == ""


# --------------------------------------------------------------------------------- check
def test_check_a_good_return(fill: Filler) -> None:
    path = fill(GOOD_VALUES)
    result = run("check", path)
    assert result.exit_code == 0
    assert result.stdout == f"{path}：通过（{SEED_AGENCY}，2024）\n未发现问题。\n"


def test_check_a_b1_error_names_the_cell_and_rule(fill: Filler) -> None:
    path = fill(B1_VALUES)
    result = run("check", path)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0] == f"{path}：有错误（{SEED_AGENCY}，2024）"
    assert B1_LINE in lines
    assert lines[-1] == "错误 1 项，提示 0 项"  # D30 only: the 总计 column is computed


def test_check_json(fill: Filler) -> None:
    path = fill(B1_VALUES)
    result = run("check", path, "--json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert (data["status"], data["agency"], data["year"], data["document"]) == (
        "errors",
        SEED_AGENCY,
        2024,
        None,
    )
    assert [(f["code"], f["cell"], f["rule"]) for f in data["findings"]] == [
        ("balance", "D30", "B1"),
    ]
    good = run("check", fill(GOOD_VALUES, name="good.xlsx"), "--json")
    assert good.exit_code == 0
    data = json.loads(good.stdout)
    assert (data["status"], data["findings"]) == ("ok", [])
    assert data["document"]["tables"]["a"]["licensing"] == {"decisions": 44}


def test_check_a_missing_file(tmp_path: Path) -> None:
    result = run("check", tmp_path / "nope.xlsx")
    assert result.exit_code == 2
    assert result.stderr == f"错误：{tmp_path / 'nope.xlsx'}：文件不存在。\n"


def test_check_year_option(fill: Filler) -> None:
    result = run("check", fill(GOOD_VALUES), "--year", "2023", "--json")
    assert result.exit_code == 1
    assert [f["code"] for f in json.loads(result.stdout)["findings"]] == ["year-mismatch"]


# -------------------------------------------------------------------------------- ingest
@pytest.fixture
def messy_folder(tmp_path: Path, make_return) -> Path:
    """A coordinator's inbox: a good and a broken return, a CSV, Office debris, notes, and
    the output folder of an earlier run inside it."""
    inbox = tmp_path / "inbox"
    make_return(inbox / "甲局.xlsx", "甲局")
    make_return(inbox / "乡镇" / "乙局.xlsx", "乙局", values=B1_VALUES)
    (inbox / "名单.csv").write_text("单位名称\n甲局\n", encoding="utf-8")
    shutil.copy(inbox / "甲局.xlsx", inbox / "~$甲局.xlsx")  # Excel's lock file
    shutil.copy(inbox / "甲局.xlsx", inbox / ".x.xlsx")
    (inbox / "notes.txt").write_text("记得催报", encoding="utf-8")
    (inbox / "out").mkdir()
    (inbox / "out" / "report.json").write_text('{"returns": []}\n', encoding="utf-8")
    shutil.copy(inbox / "甲局.xlsx", inbox / "out" / "stray.xlsx")
    return inbox


def test_invisible_characters_typed_into_the_agency_stay_out_of_file_names(
    fill: Filler, tmp_path: Path
) -> None:
    """An agency name typed in the sheet with a bidi override (U+202E reverses what follows
    it in a folder listing), an isolate, a zero-width space and a tab: the JSON's file name
    is cleaned as ``new --agency`` cleans a name, the document keeps the name as read."""
    typed = "某县\u202e教育\u200b局\u2066\t"
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    fill(GOOD_VALUES, fields={"agency": typed}, name="inbox/a.xlsx")
    out = tmp_path / "out"
    result, report = ingest(inbox, "-o", out)
    assert result.exit_code == 0, result.output
    assert [r["output"] for r in report["returns"]] == ["某县教育局_2024.json"]
    assert sorted(p.name for p in out.iterdir() if not is_bookkeeping(p.name)) == [
        "report.html",
        "report.json",
        "某县教育局_2024.json",
    ]
    assert report["outputs"] == ["report.html", "某县教育局_2024.json"]


def test_ingest_a_messy_folder(messy_folder: Path) -> None:
    out = messy_folder / "out"
    result, report = ingest(messy_folder, "-o", out)
    assert result.exit_code == 1
    assert statuses(report) == [
        ("乡镇/乙局.xlsx", "乙局", "errors", None),
        ("名单.csv", None, "unreadable", None),
        ("甲局.xlsx", "甲局", "ok", "甲局_2024.json"),
    ]
    assert report["summary"] == {
        "returns": 3,
        "returns_ok": 1,
        "returns_warnings": 0,
        "returns_errors": 1,
        "returns_unreadable": 1,
        "findings_errors": 2,
        "findings_warnings": 0,
        "skipped_files": 1,
        "unreadable_entries": 0,
        "passed_over": 2,
        "returns_superseded": 0,
        "versions_undecided": 0,
    }
    assert [r["status_label"] for r in report["returns"]] == ["有错误", "无法读取", "通过"]
    assert report["skipped_files"] == ["notes.txt"]
    assert [p["path"] for p in report["passed_over"]] == [".x.xlsx", "~$甲局.xlsx"]
    assert codes(report, "乡镇/乙局.xlsx") == ["balance"]
    assert codes(report, "名单.csv") == ["file-text"]
    assert sorted(p.name for p in out.iterdir() if not is_bookkeeping(p.name)) == [
        "report.html",
        "report.json",
        "stray.xlsx",
        "甲局_2024.json",
    ]
    doc = json.loads((out / "甲局_2024.json").read_bytes())
    assert (doc["agency"], doc["year"], doc["source"]["file"]) == ("甲局", 2024, "甲局.xlsx")
    assert "有错误" in result.stdout and B1_LINE in result.stdout.splitlines()
    assert result.stdout.splitlines()[-6:] == [
        "共 3 份：通过 1，有提示 0，有错误 1，无法读取 1。",
        "需要退回单位修改的报表 2 份：乡镇/乙局.xlsx、名单.csv。",
        "加 --annotate 文件夹 可为每份生成标出问题的副本，发回单位修改，"
        f"例如 gongkai-xlsx ingest 报表/ -o {out.as_posix()} --annotate 退回/。",
        f"规范 JSON 和完整的检查报告已写入 {out}（report.json）。",
        f"用浏览器打开 {out / 'report.html'} 可查看、筛选本批结果和合计。",
        "另有 1 个文件不是电子表格，未读取：notes.txt（见 report.json）。",
    ]


def test_ingest_report_lists_files_that_are_not_spreadsheets(messy_folder: Path) -> None:
    out = messy_folder / "out"
    _result, report = ingest(messy_folder, "-o", out)
    assert report["skipped_files"] == ["notes.txt"]
    assert report["summary"]["skipped_files"] == 1


def test_ingest_twice_gives_the_same_bytes(messy_folder: Path) -> None:
    out = messy_folder / "out"
    first, _ = ingest(messy_folder, "-o", out)
    before = outputs(out)
    second, _ = ingest(messy_folder, "-o", out)
    assert (first.exit_code, second.exit_code) == (1, 1)
    assert first.stdout == second.stdout
    assert outputs(out) == before
    assert sorted(before) == ["report.html", "report.json", "stray.xlsx", "甲局_2024.json"]


def test_ingest_table_has_one_row_per_return(messy_folder: Path) -> None:
    result, _ = ingest(messy_folder, "-o", messy_folder / "out")
    lines = result.stdout.splitlines()
    assert lines[0].split() == TABLE_HEADER
    assert set(lines[1]) == {"-", " "}
    assert [line.split() for line in lines[2:5]] == [
        ["乡镇/乙局.xlsx", "乙局", "有错误", "1", "0"],
        ["名单.csv", "-", "无法读取", "1", "0"],
        ["甲局.xlsx", "甲局", "通过", "0", "0"],
    ]
    assert lines[5] == ""
    # columns line up: each row's status starts where the header's 状态 does (CJK = 2 cells)
    from gongkai_xlsx.writer.styles import text_width

    col = text_width(lines[0][: lines[0].index("状态")])
    for line, status in zip(lines[2:5], ["有错误", "无法读取", "通过"], strict=True):
        assert text_width(line[: line.index(status)]) == col


def test_ingest_only_good_returns(tmp_path: Path, make_return) -> None:
    make_return(tmp_path / "in" / "甲局.xlsx", "甲局")
    make_return(tmp_path / "in" / "乙局.xlsx", "乙局")
    result, report = ingest(tmp_path / "in", "-o", tmp_path / "out")
    assert result.exit_code == 0
    assert statuses(report) == [
        ("乙局.xlsx", "乙局", "ok", "乙局_2024.json"),
        ("甲局.xlsx", "甲局", "ok", "甲局_2024.json"),
    ]
    assert sorted(p.name for p in (tmp_path / "out").iterdir() if not is_bookkeeping(p.name)) == [
        "report.html",
        "report.json",
        "乙局_2024.json",
        "甲局_2024.json",
    ]
    assert result.stdout.splitlines()[-4:] == [
        "共 2 份：通过 2，有提示 0，有错误 0，无法读取 0。",
        "全部报表都没有错误。",
        f"规范 JSON 和完整的检查报告已写入 {tmp_path / 'out'}（report.json）。",
        f"用浏览器打开 {tmp_path / 'out' / 'report.html'} 可查看、筛选本批结果和合计。",
    ]


def test_ingest_an_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "readme.txt").write_text("nothing here", encoding="utf-8")
    result = run("ingest", tmp_path / "in", "-o", tmp_path / "out")
    assert result.exit_code == 2
    assert result.stderr == "错误：没有找到任何报表文件（.xlsx 等电子表格）。\n"
    assert not (tmp_path / "out").exists()


def test_ingest_a_missing_path_or_an_out_that_is_a_file(tmp_path: Path) -> None:
    result = run("ingest", tmp_path / "nope", "-o", tmp_path / "out")
    assert result.exit_code == 2
    assert result.stderr == f"错误：{tmp_path / 'nope'}：文件或文件夹不存在。\n"
    (tmp_path / "in").mkdir()
    (tmp_path / "file").write_text("x", encoding="utf-8")
    result = run("ingest", tmp_path / "in", "-o", tmp_path / "file")
    assert result.exit_code == 2
    assert result.stderr == f"错误：{tmp_path / 'file'}：输出位置已存在且不是文件夹。\n"


def test_ingest_year_option_rejects_another_year(tmp_path: Path, make_return) -> None:
    make_return(tmp_path / "in" / "甲局.xlsx", "甲局")
    result, report = ingest(tmp_path / "in", "-o", tmp_path / "out", "--year", "2023")
    assert result.exit_code == 1
    assert statuses(report) == [("甲局.xlsx", "甲局", "errors", None)]
    row = report["returns"][0]
    assert [(f["code"], f["severity"], f["actual"], f["expected"]) for f in row["findings"]] == [
        ("year-mismatch", "error", 2024, 2023)
    ]
    assert row["findings"][0]["message"] == (
        "报告年度为 2024，本次收集的是 2023 年度的报表。请使用 2023 年度的模板重新填报。"
    )
    assert sorted(p.name for p in (tmp_path / "out").iterdir() if not is_bookkeeping(p.name)) == [
        "report.html",
        "report.json",
    ]


def test_ingest_two_returns_of_one_agency_takes_the_later(tmp_path: Path, make_return) -> None:
    """Two returns of one agency arriving together are versions of its return (issue 14):
    the later by the file times counts; the other is shown as superseded, writes nothing."""
    make_return(tmp_path / "in" / "a.xlsx", "甲局")
    make_return(tmp_path / "in" / "b.xlsx", "甲局", values={"a.licensing.decisions": 45})
    os.utime(tmp_path / "in" / "a.xlsx", (1736496000, 1736496000))
    os.utime(tmp_path / "in" / "b.xlsx", (1736582400, 1736582400))
    result, report = ingest(tmp_path / "in", "-o", tmp_path / "out")
    assert result.exit_code == 0
    assert statuses(report) == [
        ("a.xlsx", "甲局", "superseded", None),
        ("b.xlsx", "甲局", "ok", "甲局_2024.json"),
    ]
    assert report["returns"][0]["superseded_by"] == "b.xlsx"
    assert report["duplicates"] == []
    out = tmp_path / "out"
    assert sorted(p.name for p in out.iterdir() if not is_bookkeeping(p.name)) == [
        "report.html",
        "report.json",
        "甲局_2024.json",
    ]
    assert json.loads((out / "甲局_2024.json").read_bytes())["source"]["file"] == "b.xlsx"


def test_ingest_mixed_years_without_year_option(tmp_path: Path, make_return) -> None:
    make_return(tmp_path / "in" / "a.xlsx", "甲局", year=2023)
    make_return(tmp_path / "in" / "b.xlsx", "甲局", year=2024)
    result, report = ingest(tmp_path / "in", "-o", tmp_path / "out")
    assert result.exit_code == 0
    assert statuses(report) == [
        ("a.xlsx", "甲局", "warnings", "甲局_2023.json"),
        ("b.xlsx", "甲局", "warnings", "甲局_2024.json"),
    ]
    for row, year in zip(report["returns"], (2023, 2024), strict=True):
        assert [(f["code"], f["severity"], f["actual"]) for f in row["findings"]] == [
            ("year-mixed", "warning", year)
        ]
        assert row["findings"][0]["message"] == (
            f"本批报表的年度不一致（2023、2024）；本表为 {year} 年度。如只收集某一年度，请用 --year 指定。"
        )


def test_ingest_removes_the_json_of_a_return_that_no_longer_passes(
    tmp_path: Path, make_return
) -> None:
    inbox, out = tmp_path / "in", tmp_path / "out"
    make_return(inbox / "甲局.xlsx", "甲局")
    make_return(inbox / "乙局.xlsx", "乙局")
    result, _ = ingest(inbox, "-o", out)
    assert result.exit_code == 0
    assert sorted(p.name for p in out.iterdir() if not is_bookkeeping(p.name)) == [
        "report.html",
        "report.json",
        "乙局_2024.json",
        "甲局_2024.json",
    ]
    make_return(inbox / "甲局.xlsx", "甲局", values=B1_VALUES)  # the clerk re-sends it, broken
    result, report = ingest(inbox, "-o", out)
    assert result.exit_code == 1
    assert statuses(report) == [
        ("乙局.xlsx", "乙局", "ok", "乙局_2024.json"),
        ("甲局.xlsx", "甲局", "errors", None),
    ]
    assert sorted(p.name for p in out.iterdir() if not is_bookkeeping(p.name)) == [
        "report.html",
        "report.json",
        "乙局_2024.json",
    ]


def test_ingest_two_folders_with_the_same_file_name(tmp_path: Path, make_return) -> None:
    make_return(tmp_path / "县一" / "报表.xlsx", "甲局")
    make_return(tmp_path / "县二" / "报表.xlsx", "乙局")
    result, report = ingest(tmp_path / "县一", tmp_path / "县二", "-o", tmp_path / "out")
    assert result.exit_code == 0
    # with several PATHs each file is shown under the PATH it was found in
    assert statuses(report) == [
        (f"{(tmp_path / '县一').as_posix()}/报表.xlsx", "甲局", "ok", "甲局_2024.json"),
        (f"{(tmp_path / '县二').as_posix()}/报表.xlsx", "乙局", "ok", "乙局_2024.json"),
    ]


@pytest.mark.parametrize("kind", ["ole-header", "deflate"])
def test_ingest_survives_a_damaged_file(tmp_path: Path, make_return, kind: str) -> None:
    good = make_return(tmp_path / "in" / "甲局.xlsx", "甲局")
    if kind == "ole-header":  # sector shift 0xFFFF at offset 30
        damaged = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(22) + b"\xff\xff" + bytes(992)
    else:  # the first byte of xl/workbook.xml's deflate stream set to an invalid block type
        data = bytearray(good.read_bytes())
        h = zipfile.ZipFile(good).getinfo("xl/workbook.xml").header_offset
        start = h + 30 + int.from_bytes(data[h + 26 : h + 28], "little")
        data[start + int.from_bytes(data[h + 28 : h + 30], "little")] = 0x07
        damaged = bytes(data)
    (tmp_path / "in" / "乙局.xls").write_bytes(damaged)
    result, report = ingest(tmp_path / "in", "-o", tmp_path / "out")
    assert result.exit_code == 1
    assert statuses(report) == [
        ("乙局.xls", None, "unreadable", None),
        ("甲局.xlsx", "甲局", "ok", "甲局_2024.json"),
    ]
    assert codes(report, "乙局.xls") == ["file-corrupt"]


def test_ingest_in_parallel_writes_what_a_serial_run_writes(tmp_path: Path, make_return) -> None:
    """From 16 returns on, -j N checks in worker processes; the outputs must not change."""
    inbox = tmp_path / "in"
    for i in range(17):
        make_return(inbox / f"r{i:02d}.xlsx", f"某县第{i:02d}局")
    make_return(inbox / "dup.xlsx", "某县第00局")
    make_return(inbox / "bad.xlsx", "乙局", values=B1_VALUES)
    serial, report = ingest(inbox, "-o", tmp_path / "serial", "-j", "1")
    parallel, _ = ingest(inbox, "-o", tmp_path / "parallel", "-j", "4")
    assert (serial.exit_code, parallel.exit_code) == (1, 1)
    assert outputs(tmp_path / "serial") == outputs(tmp_path / "parallel")
    # dup.xlsx is the very file of r00.xlsx: an identical copy counts once (issue 14)
    assert report["summary"]["returns"] == 18 and report["summary"]["returns_errors"] == 1
    assert report["summary"]["returns_superseded"] == 1
    assert len(outputs(tmp_path / "serial")) == 2 + 17  # report.json, report.html, 17 JSON


def test_ingest_into_the_folder_it_reads(tmp_path: Path, make_return) -> None:
    inbox = tmp_path / "in"
    make_return(inbox / "甲局.xlsx", "甲局")
    first, report = ingest(inbox, "-o", inbox)
    before = outputs(inbox)
    second, again = ingest(inbox, "-o", inbox)
    assert (first.exit_code, second.exit_code) == (0, 0)
    assert again["skipped_files"] == report["skipped_files"] == []
    assert outputs(inbox) == before


def test_version() -> None:
    from gongkai_xlsx import __version__

    result = run("--version")
    assert (result.exit_code, result.stdout) == (0, f"gongkai-xlsx {__version__}\n")


# ---------------------------------------------------------------------------- subprocess
def test_console_script_new_and_check(tmp_path: Path, fill: Filler) -> None:
    exe = console_script()

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [exe, *args],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            encoding="utf-8",
            env=child_env(PYTHONIOENCODING="utf-8"),
            timeout=120,
            check=False,
        )

    proc = cli("new", "2024", "-o", "t.xlsx")
    assert (proc.returncode, proc.stdout, proc.stderr) == (
        0,
        "已生成 2024 年度填报模板：t.xlsx\n",
        "",
    )
    assert openpyxl.load_workbook(tmp_path / "t.xlsx").sheetnames == SHEETS

    proc = cli("check", str(fill(B1_VALUES, name="bad.xlsx")))
    assert proc.returncode == 1
    assert B1_LINE in proc.stdout.splitlines()
    assert "Traceback" not in proc.stderr

    proc = cli("new", "2019", "-o", "old.xlsx")
    assert proc.returncode == 2 and "2019年格式" in proc.stderr
    assert "Traceback" not in proc.stderr and not (tmp_path / "old.xlsx").exists()


# ------------------------------------------------------------------ paths people give
def test_a_very_long_agency_name_gives_a_usable_file_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make_return
) -> None:
    """A Chinese character is 3 bytes; Linux and macOS allow 255 bytes per file name."""
    monkeypatch.chdir(tmp_path)
    agency = "某县城市管理综合行政执法局" * 5
    result = run("new", "2024", "--agency", agency)
    assert result.exit_code == 0
    (made,) = tmp_path.glob("*.xlsx")
    assert len(made.name.encode()) <= 255
    assert openpyxl.load_workbook(made)["填报说明"]["B4"].value == agency  # name kept whole
    make_return(tmp_path / "in" / "r.xlsx", "𠀀" * 50)  # 100 characters for Excel, 200 bytes
    ingested, report = ingest(tmp_path / "in", "-o", tmp_path / "out")
    assert ingested.exit_code == 0
    (output,) = [r["output"] for r in report["returns"]]
    assert (tmp_path / "out" / output).is_file() and len(output.encode()) <= 255


def test_output_paths_that_cannot_be_written(tmp_path: Path, make_return) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    result = run("new", "2024", "-o", blocker / "t.xlsx")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"错误：{blocker / 't.xlsx'}：无法写入（")
    make_return(tmp_path / "in" / "r.xlsx", "甲局")
    result = run("ingest", tmp_path / "in", "-o", blocker / "out")
    assert result.exit_code == 2
    assert result.stderr == (
        f"错误：{blocker / 'out'}：无法写入结果（路径中有一部分是文件而不是文件夹），输出文件夹保持原样。\n"
    )


def test_check_on_a_folder_says_to_use_ingest(tmp_path: Path) -> None:
    result = run("check", tmp_path)
    assert result.exit_code == 2
    assert "这是文件夹，不是文件。检查整个文件夹请用 gongkai-xlsx ingest。" in result.stderr


def test_an_outdir_mirrors_the_latest_run_and_says_what_it_removed(
    tmp_path: Path, make_return
) -> None:
    """Two batches into one OUTDIR: the second replaces the first, out loud, so no JSON of
    an older run can be taken for current data, and report.json lists every file there."""
    make_return(tmp_path / "w1" / "a.xlsx", "甲局")
    make_return(tmp_path / "w2" / "b.xlsx", "乙局")
    ingest(tmp_path / "w1", "-o", tmp_path / "out")
    second, report = ingest(tmp_path / "w2", "-o", tmp_path / "out")
    assert sorted(p.name for p in (tmp_path / "out").iterdir() if not is_bookkeeping(p.name)) == [
        "report.html",
        "report.json",
        "乙局_2024.json",
    ]
    assert [r["output"] for r in report["returns"]] == ["乙局_2024.json"]
    assert "已删除输出文件夹中上次运行留下、本次没有的 1 个结果：甲局_2024.json。" in second.stdout


@pytest.mark.parametrize("name", ["t.xls", "t.csv", "t"])
def test_new_refuses_a_name_that_is_not_xlsx(tmp_path: Path, name: str) -> None:
    result = run("new", "2024", "-o", tmp_path / name)
    assert result.exit_code == 2
    assert "文件名应以 .xlsx 结尾" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_file_names_that_are_not_utf8(tmp_path: Path, make_return) -> None:
    """A Windows zip of Chinese names unpacked on Linux leaves GBK bytes in a UTF-8 folder."""
    inbox = tmp_path / "in"
    good = make_return(tmp_path / "src.xlsx", "甲局")
    folder = os.fsencode(inbox / "第一批")
    os.makedirs(folder)
    shutil.copy(good, os.path.join(folder, "某县交通局.xlsx".encode("gbk")))
    result, report = ingest(inbox, "-o", tmp_path / "out")
    assert result.exit_code == 0
    assert [r["file"] for r in report["returns"]] == ["第一批/某县交通局.xlsx"]
    doc = json.loads((tmp_path / "out" / "甲局_2024.json").read_text(encoding="utf-8"))
    assert doc["source"]["file"] == "某县交通局.xlsx"


# ------------------------------------------------------------------ lists cut short
COUNTY = ["某县甲局", "某县乙局", "某县丙局", "某县丁局", "某县戊局", "某县己局", "某县庚局"]
COUNTY += ["某县辛局", "某县壬局"]


@pytest.mark.parametrize("agencies", [7, 9])
def test_a_cut_list_names_all_it_can_and_counts_in_the_sentences_word(
    tmp_path: Path, make_return, agencies: int
) -> None:
    """The defect: “等 6 份” after naming five of six, and 份 for agencies. A list one
    longer than the limit is named whole; a longer one says how many in all, counted in
    the sentence's own word (个单位 for agencies, 份 for returns)."""
    names = COUNTY[:agencies]
    inbox, out = tmp_path / "报表", tmp_path / "结果"
    make_return(inbox / "甲.xlsx", names[0])  # one agency on the roster sent a good return
    missing = names[1:]  # the others sent nothing; as many off-roster returns have errors
    broken = [f"外{i}.xlsx" for i in range(len(missing))]
    for i, file in enumerate(broken):
        make_return(inbox / file, f"外县{i}局", values=B1_VALUES)
    roster = tmp_path / "名单.csv"
    roster.write_text("单位名称\n" + "\n".join(names) + "\n", encoding="utf-8-sig")
    result, report = ingest(inbox, "-o", out, "--roster", roster)
    assert report["roster"]["missing"] == missing
    if len(missing) == 6:  # one more than the five a list names: all six named, no 等
        listed, back = "、".join(missing), "、".join(broken)
    else:
        listed = "、".join(missing[:5]) + f" 等共 {len(missing)} 个单位"
        back = "、".join(broken[:5]) + f" 等共 {len(broken)} 份"
    lines = result.stdout.splitlines()
    assert f"  未报送 {len(missing)} 个：{listed}" in lines, lines
    assert f"需要退回单位修改的报表 {len(broken)} 份：{back}。" in lines
    assert "等 " not in result.stdout  # never the bare “等 N” of the old lists
    summed = run(
        "aggregate", out, "-o", tmp_path / "汇总.json", "--name", "某县", "--roster", roster
    )
    assert summed.exit_code == 0, summed.output
    assert f"  未报送 {len(missing)} 个：{listed}" in summed.stdout.splitlines(), summed.stdout


@pytest.mark.parametrize(("to", "suffix"), [(None, ".html"), ("docx", ".docx")])
def test_render_into_an_existing_folder_uses_the_default_name(
    tmp_path: Path, to: str | None, suffix: str
) -> None:
    """``-o 文件夹/`` means the folder, with the name render would give beside the JSON."""
    document = ROOT / "samples" / "expected" / "某县民政局_2024.json"
    folder = tmp_path / "年报"
    folder.mkdir()
    result = run("render", document, "-o", folder, *(["--to", to] if to else []))
    assert result.exit_code == 0, result.output
    assert [p.name for p in folder.iterdir()] == [f"某县民政局_2024{suffix}"]


def test_ingest_annotate_never_shows_internal_names_or_zero_copies(
    tmp_path: Path, make_return
) -> None:
    """The defects: “已在 退回 生成 0 份标注副本”, and a marked copy removed by a later run
    shown as “@annotated/…” (report.json's mount name)."""
    inbox, out, back = tmp_path / "报表", tmp_path / "结果", tmp_path / "退回"
    make_return(inbox / "甲.xlsx", "某县甲局")
    clean = run("ingest", inbox, "-o", out, "--annotate", back)
    assert clean.exit_code == 0, clean.output
    assert "标注副本" not in clean.stdout  # nothing to send back, nothing said about copies
    (inbox / "照片.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(32))
    unreadable = run("ingest", inbox, "-o", out, "--annotate", back)
    assert unreadable.exit_code == 1
    assert "生成 0 份" not in unreadable.stdout
    assert "没有生成标注副本：需要退回的报表无法读取或无法标注（原因见上）。" in unreadable.stdout
    (inbox / "照片.png").unlink()
    make_return(inbox / "乡镇" / "乙.xlsx", "某县乙局", values=B1_VALUES)
    marked = run("ingest", inbox, "-o", out, "--annotate", back)
    assert f"已在 {back} 生成 1 份标注副本，可直接发回单位修改。" in marked.stdout
    [copy] = back.glob("某县乙局_退回修改_*.xlsx")  # named for sending (issue 14)
    make_return(inbox / "乡镇" / "乙.xlsx", "某县乙局")  # fixed and sent again
    fixed = run("ingest", inbox, "-o", out, "--annotate", back)
    assert fixed.exit_code == 0, fixed.output
    assert "@" not in fixed.stdout
    assert (
        f"已删除 {back} 中上次生成、本次不再需要的 1 份标注副本：{copy.name}。"
        in fixed.stdout.splitlines()
    )
    assert not copy.exists()
