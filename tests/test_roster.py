"""`gongkai-xlsx new --roster`: rosters as coordinators save them (CSV in UTF-8, UTF-8 with
BOM or GBK, xlsx), their headers, blank rows and duplicates, and agency names that make
awkward Windows file names. Each template carries its agency on the cover and in the
document properties."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from conftest import run
from typer.testing import Result

from gongkai_xlsx.api import new_from_roster
from gongkai_xlsx.roster import read_roster

BASE = "2024年度政府信息公开工作年度报告填报表"
WINDOWS_FORBIDDEN = re.compile(r'[<>:"/\\|?*\x00-\x1f]')


def name_for(agency_stem: str) -> str:
    return f"{BASE}_{agency_stem}.xlsx"


def agency_of(path: Path) -> tuple[str, str, bool]:
    """(cover 填报说明!B4, property gongkai.agency, B4 locked) of a generated template."""
    wb = openpyxl.load_workbook(path)
    props = {p.name: p.value for p in wb.custom_doc_props.props}
    cell = wb["填报说明"]["B4"]
    return cell.value, props["gongkai.agency"], bool(cell.protection.locked)


def generate(tmp_path: Path, roster: Path) -> tuple[Result, dict[str, tuple[str, str, bool]]]:
    """Run ``new 2024 --roster ROSTER --out-dir OUT`` → (result, {file name: agency_of})."""
    out = tmp_path / "out"
    result = run("new", "2024", "--roster", roster, "--out-dir", out)
    files = sorted(out.iterdir()) if out.is_dir() else []
    return result, {p.name: agency_of(p) for p in files}


def write_xlsx(path: Path, rows: list[list[object]]) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "名单"
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_csv_roster_in_each_encoding(tmp_path: Path, encoding: str) -> None:
    roster = tmp_path / "名单.csv"
    roster.write_bytes("单位名称\r\n某县民政局\r\n某县教育局\r\n".encode(encoding))
    result, made = generate(tmp_path, roster)
    assert result.exit_code == 0
    assert result.stdout == f"已生成 2 份 2024 年度填报模板，保存在 {tmp_path / 'out'}。\n"
    assert made == {
        name_for("某县教育局"): ("某县教育局", "某县教育局", True),
        name_for("某县民政局"): ("某县民政局", "某县民政局", True),
    }


def test_xlsx_roster(tmp_path: Path) -> None:
    roster = write_xlsx(tmp_path / "名单.xlsx", [["单位名称"], ["某县民政局"], ["某县教育局"]])
    result, made = generate(tmp_path, roster)
    assert result.exit_code == 0
    assert made == {
        name_for("某县教育局"): ("某县教育局", "某县教育局", True),
        name_for("某县民政局"): ("某县民政局", "某县民政局", True),
    }


def test_header_in_a_later_column(tmp_path: Path) -> None:
    roster = tmp_path / "名单.csv"
    roster.write_text(
        "序号,单位名称,联系人\n1,某县民政局,张三\n2,某县教育局,李四\n", encoding="utf-8"
    )
    assert read_roster(roster).names == ["某县民政局", "某县教育局"]
    xlsx = write_xlsx(
        tmp_path / "名单.xlsx",
        [["序号", "单位名称", "联系人"], [1, "某县民政局", "张三"], [2, "某县教育局", "李四"]],
    )
    assert read_roster(xlsx).names == ["某县民政局", "某县教育局"]
    result, made = generate(tmp_path, xlsx)
    assert result.exit_code == 0
    assert sorted(made) == [name_for("某县教育局"), name_for("某县民政局")]


def test_no_header_takes_the_first_column(tmp_path: Path) -> None:
    roster = tmp_path / "名单.csv"
    roster.write_text("某县民政局,张三\n某县教育局,李四\n", encoding="utf-8")
    assert read_roster(roster).names == ["某县民政局", "某县教育局"]
    single = tmp_path / "单列.csv"
    single.write_text("某县民政局\n某县教育局\n", encoding="gbk")
    assert read_roster(single).names == ["某县民政局", "某县教育局"]
    xlsx = write_xlsx(tmp_path / "名单.xlsx", [["某县民政局", 1], ["某县教育局", 2]])
    assert read_roster(xlsx).names == ["某县民政局", "某县教育局"]


def test_blank_rows_and_cells_are_skipped(tmp_path: Path) -> None:
    roster = tmp_path / "名单.csv"
    roster.write_text(
        "\n\n序号,单位名称\n1,某县民政局\n,\n\n2,  \n3,某县教育局\n\n", encoding="utf-8"
    )
    assert read_roster(roster).names == ["某县民政局", "某县教育局"]
    xlsx = write_xlsx(
        tmp_path / "名单.xlsx",
        [[None], ["单位名称"], ["某县民政局"], [None], ["   "], ["某县教育局"], [None]],
    )
    assert read_roster(xlsx).names == ["某县民政局", "某县教育局"]
    result, made = generate(tmp_path, xlsx)
    assert result.exit_code == 0 and len(made) == 2


def test_a_duplicated_name_is_reported_and_made_once(tmp_path: Path) -> None:
    roster = tmp_path / "名单.csv"
    roster.write_text("单位名称\n某县民政局\n某县教育局\n 某县民政局 \n", encoding="utf-8")
    parsed = read_roster(roster)
    assert (parsed.names, parsed.duplicates) == (["某县民政局", "某县教育局"], [(4, "某县民政局")])
    result, made = generate(tmp_path, roster)
    assert result.exit_code == 0
    assert "重复" in result.stderr
    assert result.stderr == "提示：名单第 4 行“某县民政局”重复出现，只生成一份模板。\n"
    assert result.stdout == f"已生成 2 份 2024 年度填报模板，保存在 {tmp_path / 'out'}。\n"
    assert sorted(made) == [name_for("某县教育局"), name_for("某县民政局")]


def test_names_become_windows_safe_file_names(tmp_path: Path) -> None:
    agencies = ["A/B局", "CON", "名称:测试", "测试局...", "A:B局", "a/b局"]
    roster = tmp_path / "名单.csv"
    roster.write_text("单位名称\n" + "\n".join(agencies) + "\n", encoding="utf-8")
    result, made = generate(tmp_path, roster)
    assert result.exit_code == 0
    assert made == {
        name_for("A_B局"): ("A/B局", "A/B局", True),
        name_for("_CON"): ("CON", "CON", True),
        name_for("名称_测试"): ("名称:测试", "名称:测试", True),
        name_for("测试局"): ("测试局...", "测试局...", True),
        # A:B局 and a/b局 sanitise to the name of A/B局 (Windows ignores case)
        name_for("A_B局_2"): ("A:B局", "A:B局", True),
        name_for("a_b局_3"): ("a/b局", "a/b局", True),
    }
    for file_name in made:
        stem = file_name.removesuffix(".xlsx")
        assert not WINDOWS_FORBIDDEN.search(file_name)
        assert stem == stem.rstrip(". ")
    assert len({n.casefold() for n in made}) == len(made)


def test_existing_templates_are_kept_unless_forced(tmp_path: Path) -> None:
    roster = tmp_path / "名单.csv"
    roster.write_text("单位名称\n某县民政局\n某县教育局\n", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    kept = out / name_for("某县民政局")
    kept.write_bytes(b"already sent to the agency")
    result = run("new", "2024", "--roster", roster, "--out-dir", out)
    assert result.exit_code == 0
    assert result.stderr == f"提示：{kept} 已存在，未覆盖（如需覆盖请加 --force）。\n"
    assert result.stdout == f"已生成 1 份 2024 年度填报模板，保存在 {out}。\n"
    assert kept.read_bytes() == b"already sent to the agency"
    result = run("new", "2024", "--roster", roster, "--out-dir", out, "--force")
    assert result.exit_code == 0
    assert agency_of(kept) == ("某县民政局", "某县民政局", True)


@pytest.mark.parametrize(
    ("file_name", "content", "message"),
    [
        ("missing.csv", None, "名单文件不存在"),
        ("名单.doc", b"x", "名单只支持 .csv 或 .xlsx 文件"),
        ("名单.xlsx", b"not a zip", "无法读取名单工作簿（BadZipFile）"),
        ("名单.csv", "单位名称\n\n".encode(), "名单中没有单位名称"),
    ],
)
def test_unusable_rosters_exit_2(
    tmp_path: Path, file_name: str, content: bytes | None, message: str
) -> None:
    roster = tmp_path / file_name
    if content is not None:
        roster.write_bytes(content)
    result, made = generate(tmp_path, roster)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"错误：{roster}：") and message in result.stderr
    assert made == {}


def test_xlsx_roster_with_a_stale_dimension(tmp_path: Path) -> None:
    """openpyxl's read-only mode trusts <dimension>; the roster must not."""
    plain = write_xlsx(tmp_path / "plain.xlsx", [["序号", "单位名称"], [1, "甲局"], [2, "乙局"]])
    roster = tmp_path / "名单.xlsx"  # what WPS and other writers leave: <dimension ref="A1"/>
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(roster, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename.startswith("xl/worksheets/sheet"):
                data, n = re.subn(rb'<dimension ref="[^"]*"\s*/>', b'<dimension ref="A1"/>', data)
                assert n == 1
            dst.writestr(info, data)
    assert read_roster(roster).names == ["甲局", "乙局"]


def test_roster_keeps_the_official_name_as_written(tmp_path: Path) -> None:
    """Full-width brackets and commas stay as written, as with `new --agency`."""
    official = "中共某县委办公室（某县人民政府办公室）"
    roster = tmp_path / "名单.csv"
    roster.write_text(f"单位名称\n{official}\n", encoding="utf-8")
    result = new_from_roster(2024, roster, tmp_path / "out")
    assert [agency_of(p)[0] for p in result.written] == [official]


def test_a_title_row_above_the_header(tmp_path: Path) -> None:
    """Common in office sheets: a merged title, then 序号 / 地区 / 单位名称."""
    roster = tmp_path / "名单.csv"
    roster.write_text(
        "2025年度政务公开年报填报单位名单,,\n序号,地区,单位名称\n1,互助县,互助县教育局\n"
        "2,互助县,互助县民政局\n",
        encoding="gbk",
    )
    assert read_roster(roster).names == ["互助县教育局", "互助县民政局"]


def test_a_header_word_in_a_later_column(tmp_path: Path) -> None:
    roster = tmp_path / "名单.csv"
    roster.write_text("序号,机构名称\n1,甲局\n2,乙局\n", encoding="utf-8")
    assert read_roster(roster).names == ["甲局", "乙局"]
