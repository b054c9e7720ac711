"""`gongkai-xlsx new --roster`: rosters as coordinators save them (CSV in UTF-8, UTF-8 with
BOM or GBK, xlsx), their headers, blank rows and duplicates, and agency names that make
awkward Windows file names. Each template carries its agency on the cover and in the
document properties."""

from __future__ import annotations

import contextlib
import os
import pty
import re
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest
from conftest import console_script, run
from typer.testing import Result

from gongkai_xlsx.api import _new as api_new
from gongkai_xlsx.api import new_from_roster, plan_roster, write_roster
from gongkai_xlsx.roster import MAX_AGENCIES, MAX_FILE_BYTES, RosterError, read_roster

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
    assert result.stderr == ""
    assert result.stdout == (
        f"已生成 2 份 2024 年度填报模板，保存在 {tmp_path / 'out'}。\n"
        "名单中有 1 行与前面的单位名称重复，只生成一份：第 4 行“某县民政局”。\n"
    )
    assert sorted(made) == [name_for("某县教育局"), name_for("某县民政局")]


def test_one_agency_written_two_ways_is_one_template(tmp_path: Path) -> None:
    """The roster's duplicates are the agencies ingest and aggregate match as one (the
    one agency identity): a second spelling is not a second template, whose return would
    then be a duplicate of the first."""
    roster = tmp_path / "名单.csv"
    roster.write_text(
        "单位名称\n某县（水利局）\nA/B局\n某县【水利局】\n某县 (水利局)\na/b局\n某县\u200b水利局\n",
        encoding="utf-8",
    )
    parsed = read_roster(roster)
    assert parsed.names == ["某县（水利局）", "A/B局", "某县水利局"]
    assert parsed.duplicates == [(4, "某县【水利局】"), (5, "某县 (水利局)"), (6, "a/b局")]
    result, made = generate(tmp_path, roster)
    assert result.exit_code == 0, result.output
    assert sorted(made) == sorted(name_for(n) for n in ("某县（水利局）", "A_B局", "某县水利局"))
    assert result.stdout.splitlines()[-1] == (
        "名单中有 3 行与前面的单位名称重复，只生成一份：第 4 行“某县【水利局】”、第 5 行“某县 (水利局)”、第 6 行“a/b局”。"
    )


def test_names_become_windows_safe_file_names(tmp_path: Path) -> None:
    # (a/b局 would be A/B局 itself: one agency, however written; a*b局 is another)
    agencies = ["A/B局", "CON", "名称:测试", "测试局...", "A:B局", "a*b局"]
    roster = tmp_path / "名单.csv"
    roster.write_text("单位名称\n" + "\n".join(agencies) + "\n", encoding="utf-8")
    result, made = generate(tmp_path, roster)
    assert result.exit_code == 0
    assert made == {
        name_for("A_B局"): ("A/B局", "A/B局", True),
        name_for("_CON"): ("CON", "CON", True),
        name_for("名称_测试"): ("名称:测试", "名称:测试", True),
        name_for("测试局"): ("测试局...", "测试局...", True),
        # A:B局 and a*b局 sanitise to the name of A/B局 (Windows ignores case)
        name_for("A_B局_2"): ("A:B局", "A:B局", True),
        name_for("a_b局_3"): ("a*b局", "a*b局", True),
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
    assert result.stderr == ""
    assert result.stdout == (
        f"已生成 1 份 2024 年度填报模板，保存在 {out}。\n"
        f"另有 1 份已存在，未覆盖（如需覆盖请加 --force）：{kept.name}。\n"
    )
    assert kept.read_bytes() == b"already sent to the agency"
    result = run("new", "2024", "--roster", roster, "--out-dir", out, "--force")
    assert result.exit_code == 0
    assert result.stdout == f"已生成 2 份 2024 年度填报模板，保存在 {out}。\n"
    assert agency_of(kept) == ("某县民政局", "某县民政局", True)


def test_a_rerun_with_every_template_present_writes_nothing_and_succeeds(tmp_path: Path) -> None:
    """Running the same command again is what a coordinator does after adding names: the
    folder already holds one template per name, so the run succeeds (exit 0) and says so
    instead of "已生成 0 份"."""
    roster = tmp_path / "名单.csv"
    names = [f"某县第{i}局" for i in range(5)]
    roster.write_text("单位名称\n" + "\n".join(names) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    assert run("new", "2024", "--roster", roster, "--out-dir", out).exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    again = run("new", "2024", "--roster", roster, "--out-dir", out)
    assert again.exit_code == 0
    assert again.stdout == (
        f"没有生成新的模板：名单中 5 个单位的模板都已存在于 {out}，未覆盖（如需重新生成请加 --force）。\n"
    )
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_templates_that_cannot_be_written_are_named_and_set_the_exit_code(tmp_path: Path) -> None:
    """A folder where a template should go cannot be replaced: that agency fails, the others
    are written, the run exits 1 (some written) or 2 (none written)."""
    roster = tmp_path / "名单.csv"
    roster.write_text("单位名称\n甲局\n乙局\n", encoding="utf-8")
    out = tmp_path / "out"
    (out / name_for("甲局")).mkdir(parents=True)
    result = run("new", "2024", "--roster", roster, "--out-dir", out)
    assert result.exit_code == 1
    assert result.stderr == f"错误：{out / name_for('甲局')}：无法写入（这是一个文件夹）。\n"
    assert result.stdout == (
        f"已生成 1 份 2024 年度填报模板，保存在 {out}。\n"
        "有 1 份模板无法写入（原因见上方错误），请处理后重新运行同一命令：已生成的不会重复生成。\n"
    )
    assert agency_of(out / name_for("乙局"))[0] == "乙局"
    (out / name_for("乙局")).unlink()
    (out / name_for("乙局")).mkdir()
    result = run("new", "2024", "--roster", roster, "--out-dir", out)
    assert result.exit_code == 2
    assert result.stdout.startswith("有 2 份模板无法写入")


def test_names_with_line_breaks_and_invisible_characters_are_cleaned(tmp_path: Path) -> None:
    """Never written raw into a cell or a file name: a line break becomes a space, control
    and bidi characters (U+202E turns the text after it around) are removed, and the
    coordinator is told which row was changed and how."""
    roster = tmp_path / "名单.csv"
    roster.write_text(
        '单位名称\n"某县\n民政局"\n某县\u202e教育局\n某县\x07财政局\n', encoding="utf-8"
    )
    result, made = generate(tmp_path, roster)
    assert result.exit_code == 0
    assert result.stderr == (
        "提示：名单第 2 行的单位名称中的换行已去掉，按“某县 民政局”生成。\n"
        "提示：名单第 3 行的单位名称中的U+202E已去掉，按“某县教育局”生成。\n"
        "提示：名单第 4 行的单位名称中的U+0007已去掉，按“某县财政局”生成。\n"
    )
    assert made == {
        name_for("某县 民政局"): ("某县 民政局", "某县 民政局", True),
        name_for("某县教育局"): ("某县教育局", "某县教育局", True),
        name_for("某县财政局"): ("某县财政局", "某县财政局", True),
    }


def test_a_name_over_the_limit_stops_the_roster_before_anything_is_written(
    tmp_path: Path,
) -> None:
    """The cover allows 100 characters (最多100个字); a longer name is refused with its row,
    and no template of the roster is written (no half-made folder to clean up)."""
    roster = tmp_path / "名单.csv"
    long_name = "某" * 101
    roster.write_text(f"单位名称\n甲局\n{long_name}\n乙局\n{'长' * 300}\n", encoding="utf-8")
    result, made = generate(tmp_path, roster)
    assert result.exit_code == 2
    assert result.stderr == (
        f"错误：{roster}：名单中有 2 个单位名称不能使用（"
        f"第 3 行：填报单位最多100个字，“{'某' * 20}…”有 101 个字：请写本单位全称。；"
        f"第 5 行：填报单位最多100个字，“{'长' * 20}…”有 300 个字：请写本单位全称。）。"
        "请修改名单后重新运行；本次没有生成任何模板。\n"
    )
    assert made == {}


def test_a_roster_with_a_huge_field_is_read_or_refused_in_chinese(tmp_path: Path) -> None:
    """The csv module stops at fields over 131,072 characters (csv.Error): a huge note in
    another column does not matter, a huge name is refused by its row."""
    roster = tmp_path / "名单.csv"
    roster.write_text(f"单位名称,备注\n甲局,{'x' * 1_000_000}\n乙局,\n", encoding="utf-8")
    assert read_roster(roster).names == ["甲局", "乙局"]
    roster.write_text(f"单位名称\n甲局\n{'名' * 1_000_000}\n", encoding="utf-8")
    result, made = generate(tmp_path, roster)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"错误：{roster}：名单中有 1 个单位名称不能使用（第 3 行：")
    assert "有 1000000 个字" in result.stderr and made == {}


def test_old_mac_line_endings(tmp_path: Path) -> None:
    """A lone CR ends each line (old Mac "CSV"): a csv.Error in the csv module."""
    roster = tmp_path / "名单.csv"
    roster.write_bytes("单位名称\r甲局\r乙局\r".encode("gbk"))
    assert read_roster(roster).names == ["甲局", "乙局"]


def test_progress_is_reported_once_per_agency(tmp_path: Path) -> None:
    roster = tmp_path / "名单.csv"
    roster.write_text("单位名称\n甲局\n乙局\n丙局\n", encoding="utf-8")
    plan = plan_roster(2024, roster, tmp_path / "out")
    ticks: list[int] = []
    result = write_roster(plan, progress=lambda: ticks.append(len(ticks)))
    assert ticks == [0, 1, 2] and len(result.written) == 3


def test_the_progress_bar_shows_on_a_terminal_only(tmp_path: Path) -> None:
    """On a terminal stderr shows 正在生成模板 with a bar; piped, nothing but the summary."""
    roster = tmp_path / "名单.csv"
    roster.write_text("单位名称\n甲局\n乙局\n", encoding="utf-8")
    command = [console_script(), "new", "2024", "--roster", str(roster), "--out-dir"]
    main, child = pty.openpty()
    try:
        proc = subprocess.run(
            [*command, str(tmp_path / "tty")],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=child,
            timeout=120,
            check=False,
        )
        os.close(child)
        seen = b""
        with contextlib.suppress(OSError):  # EIO once the terminal's writer is gone
            while chunk := os.read(main, 4096):
                seen += chunk
    finally:
        os.close(main)
    assert proc.returncode == 0
    assert "正在生成模板" in seen.decode("utf-8", "replace")
    piped = subprocess.run(
        [*command, str(tmp_path / "pipe")], capture_output=True, timeout=120, check=False
    )
    assert piped.returncode == 0 and piped.stderr == b""
    assert piped.stdout.decode() == f"已生成 2 份 2024 年度填报模板，保存在 {tmp_path / 'pipe'}。\n"


@pytest.mark.parametrize(
    ("file_name", "content", "message"),
    [
        ("missing.csv", None, "名单文件不存在"),
        ("名单.doc", b"x", "名单只支持 .csv 或 .xlsx 文件"),
        ("名单.xlsx", b"not a zip", "无法读取名单工作簿（文件已损坏或不是 xlsx 格式）"),
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


def test_a_folder_given_as_roster_is_called_a_folder(tmp_path: Path) -> None:
    result = run("new", "2024", "--roster", tmp_path, "--out-dir", tmp_path / "out")
    assert result.exit_code == 2 and not (tmp_path / "out").exists()
    assert result.stderr == (
        f"错误：{tmp_path}：这是一个文件夹，不是名单文件。请给出名单文件（.csv 或 .xlsx）的路径。\n"
    )


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


def test_the_readme_example_of_a_roster_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The README shows a rerun after names were added: its lines are what the tool prints."""
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    command = "$ gongkai-xlsx new 2024 --roster 名单.csv --out-dir 模板/\n"
    shown = readme.split(command, 1)[1].split("```", 1)[0]
    monkeypatch.chdir(tmp_path)
    names = ["某县民政局", "某县教育局", "某县财政局", "某县交通运输局", "某县卫生健康局"]
    Path("名单.csv").write_text("单位名称\n" + "\n".join([*names, "某县民政局"]) + "\n", "utf-8")
    Path("模板").mkdir()
    for name in names[:2]:
        (Path("模板") / name_for(name)).write_bytes(b"sent last week")
    result = run("new", "2024", "--roster", "名单.csv", "--out-dir", "模板/")
    assert result.exit_code == 0
    assert result.stdout == shown


def test_ctrl_c_in_a_roster_run_leaves_whole_templates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C after the first template: that one is complete (written atomically), the run
    says how to go on, and exits 130 (the shell's code for Ctrl-C)."""
    roster = tmp_path / "名单.csv"
    roster.write_text("单位名称\n甲局\n乙局\n", encoding="utf-8")
    real = api_new.write_atomic
    calls: list[Path] = []

    def interrupted(path, data):  # type: ignore[no-untyped-def]
        if calls:
            raise KeyboardInterrupt
        calls.append(path)
        real(path, data)

    monkeypatch.setattr(api_new, "write_atomic", interrupted)
    result = run("new", "2024", "--roster", roster, "--out-dir", tmp_path / "out")
    assert result.exit_code == 130
    assert result.stderr == (
        "\n已中断：已生成的模板都是完整的；重新运行同一命令会跳过已存在的文件。\n"
    )
    assert [p.name for p in (tmp_path / "out").iterdir()] == [name_for("甲局")]
    assert agency_of(calls[0])[0] == "甲局"


def test_a_roster_over_the_cap_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    """10,001 names (a province's list given as one roster: 100,000 took an hour and
    2.7 GB): refused in Chinese, with the row where it went over, nothing written."""
    roster = tmp_path / "名单.csv"
    names = "".join(f"某县第{i}号单位\n" for i in range(MAX_AGENCIES + 1))
    roster.write_text(f"单位名称\n{names}", encoding="utf-8")
    result, made = generate(tmp_path, roster)
    assert result.exit_code == 2
    assert result.stderr == (
        f"错误：{roster}：名单中的单位超过 10000 个（读到第 10002 行），超过一份名单的上限。"
        "请按县（区）或系统把名单分成几份（每份不超过 10000 个单位），分别运行。\n"
    )
    assert made == {} and not (tmp_path / "out").exists()


def test_a_long_xlsx_roster_is_refused_on_the_row_that_goes_over(tmp_path: Path) -> None:
    """A 100,000-row xlsx: read row by row and refused at the first row past the cap
    (title and header rows allowed above the names), not read to its end."""
    roster = tmp_path / "名单.xlsx"
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(["2025年度名单"])
    ws.append(["序号", "单位名称"])
    for i in range(100_000):
        ws.append([i + 1, f"某县第{i}号单位"])
    wb.save(roster)
    with pytest.raises(RosterError, match=r"名单中的单位超过 10000 个（读到第 10011 行）"):
        read_roster(roster)


def test_a_city_roster_of_5000_names_with_wide_rows_is_read(tmp_path: Path) -> None:
    """A city's 5,000 agencies in xlsx, each row 80 columns wide (notes beyond the 50
    columns read), duplicates and blank rows among them: every name, in order."""
    roster = tmp_path / "名单.xlsx"
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(["单位名称", *(f"备注{j}" for j in range(79))])
    for i in range(5_000):
        ws.append([f"某市第{i}号单位", *("x" for _ in range(79))])
        if i % 1000 == 0:
            ws.append([])
            ws.append([f"某市第{i}号单位"])
    wb.save(roster)
    read = read_roster(roster)
    assert read.names == [f"某市第{i}号单位" for i in range(5_000)]
    assert len(read.duplicates) == 5


def test_a_roster_file_over_the_size_cap_is_refused(tmp_path: Path) -> None:
    roster = tmp_path / "名单.csv"
    with roster.open("wb") as fh:
        fh.write("单位名称\n甲局\n".encode())
        fh.truncate(MAX_FILE_BYTES + 1)
    with pytest.raises(RosterError, match="名单文件过大（超过 32 MB）"):
        read_roster(roster)
