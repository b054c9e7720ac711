"""Every entry of the input gets an answer: the one walk (gongkai_xlsx.walk) that ingest,
aggregate and --previous read their input through, driven through the real CLI.

A folder nobody may open, a path longer than the system allows, a Windows shortcut in
place of a return: each is an error naming the path (report.json, the terminal, the page)
and the run does not exit 0. Links to folders are followed once; hidden, system and lock
entries are passed over with a note and do not fail the run.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import as_nobody, run
from test_report_schema import validate_report

from gongkai_xlsx import walk as walk_module
from gongkai_xlsx.walk import POSIX_PATH_MAX, system_path, walk

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
GOOD = SAMPLES / "互助县城市管理综合行政执法局_2024.xlsx"  # 通过, no findings at all
OTHER = SAMPLES / "某县民政局_2024_LibreOffice保存.xlsx"  # 通过 too, another agency


def report_of(out: Path) -> dict[str, Any]:
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    validate_report(data)
    return data


def unreadable(report: dict[str, Any]) -> list[tuple[str, str]]:
    return [(e["path"], e["code"]) for e in report["unreadable_entries"]]


def files(report: dict[str, Any]) -> list[tuple[str, str]]:
    return [(r["file"], r["status"]) for r in report["returns"]]


def refuse(name: str, err: int = errno.EACCES) -> Callable[[Any], Any]:
    """``os.scandir`` that fails for folders called ``name`` as the system does for a folder
    nobody may open (CI runs as root, which opens any folder)."""

    def scandir(path: Any) -> Any:
        if os.path.basename(os.fspath(path)) == name:
            raise OSError(err, os.strerror(err), os.fspath(path))
        return os.scandir(path)

    return scandir


@pytest.fixture
def open_folder() -> Iterator[Path]:
    """A folder everyone may enter (pytest's are root's alone): runs here go as nobody."""
    folder = Path(tempfile.mkdtemp(prefix="gk-walk-", dir="/tmp"))
    folder.chmod(0o777)
    yield folder
    for path, dirs, _files in os.walk(folder):
        for name in dirs:
            os.chmod(os.path.join(path, name), 0o755)
    shutil.rmtree(folder, ignore_errors=True)


# ------------------------------------------------------------------ folders nobody may open
def test_a_folder_nobody_may_open_is_named_and_the_run_fails(open_folder: Path) -> None:
    """The defect: as an ordinary user, a mode-000 sub-folder was skipped silently (exit 0,
    “全部报表都没有错误”). Run as nobody, for real: the folder is an error everywhere."""
    inbox = open_folder / "报表"
    (inbox / "乡镇").mkdir(parents=True)
    shutil.copy(GOOD, inbox / "甲.xlsx")
    shutil.copy(OTHER, inbox / "乡镇" / "乙.xlsx")
    (inbox / "乡镇").chmod(0o000)
    out = open_folder / "out"
    for folder in (open_folder, inbox):
        folder.chmod(0o777)

    # nobody may not read the interpreter's folders: what the run needs is loaded first

    assert run("check", GOOD).exit_code == 0  # the reader and the checks, in this process

    def cli() -> str:
        result = run("ingest", inbox, "-o", out, "-j", "1")
        return json.dumps([result.exit_code, result.stdout])

    answer = as_nobody(cli)
    assert answer.startswith("["), answer
    code, stdout = json.loads(answer)
    assert code == 1
    report = report_of(out)
    assert files(report) == [("甲.xlsx", "ok")]
    assert unreadable(report) == [("乡镇", "folder-unreadable")]
    message = report["unreadable_entries"][0]["message"]
    assert message.startswith("文件夹“乡镇”无法打开（没有打开该文件夹的权限）")
    assert report["summary"]["unreadable_entries"] == 1
    assert f"  错误 [folder-unreadable] {message}" in stdout.splitlines()
    assert "全部报表都没有错误。" not in stdout
    assert "读到的报表都没有错误，但有 1 个文件夹或文件无法读取（见上），本批结果不完整。" in stdout
    page = (out / "report.html").read_text(encoding="utf-8")
    section = page.split('id="gk-unreadable"')[1].split("</section>")[0]
    assert "乡镇" in section and "没有打开该文件夹的权限" in section
    assert "全部报表都没有错误" not in page


def test_an_input_folder_nobody_may_open_is_a_usage_error_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox = tmp_path / "报表"
    inbox.mkdir()
    shutil.copy(GOOD, inbox / "甲.xlsx")
    monkeypatch.setattr(walk_module, "_scandir", refuse("报表"))
    result = run("ingest", inbox, "-o", tmp_path / "out")
    assert result.exit_code == 2
    assert f"文件夹“{inbox.as_posix()}”无法打开（没有打开该文件夹的权限）" in result.output
    assert not (tmp_path / "out").exists()


def test_a_folder_removed_during_the_walk_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox = tmp_path / "in"
    (inbox / "sub").mkdir(parents=True)
    shutil.copy(GOOD, inbox / "甲.xlsx")
    monkeypatch.setattr(walk_module, "_scandir", refuse("sub", errno.ENOENT))
    result = run("ingest", inbox, "-o", tmp_path / "out")
    assert result.exit_code == 1
    report = report_of(tmp_path / "out")
    assert report["unreadable_entries"] == [
        {
            "path": "sub",
            "code": "folder-unreadable",
            "message": "文件夹“sub”无法打开（在读取过程中被移走或删除），其中的文件都没有读取。"
            "请检查该文件夹的权限，或把其中的报表复制到可以打开的文件夹后重新运行。",
        }
    ]


# ------------------------------------------------------------------------- links and shortcuts
def test_a_link_to_a_folder_is_followed_once(tmp_path: Path) -> None:
    """A symbolic link to a folder outside the input is read through; a link back to a
    folder above it, and a second link to one folder, are notes, never a second walk."""
    elsewhere = tmp_path / "别处"
    elsewhere.mkdir()
    shutil.copy(OTHER, elsewhere / "乙.xlsx")
    inbox = tmp_path / "in"
    (inbox / "sub").mkdir(parents=True)
    shutil.copy(GOOD, inbox / "甲.xlsx")
    (inbox / "a-link").symlink_to(elsewhere, target_is_directory=True)
    (inbox / "b-again").symlink_to(elsewhere, target_is_directory=True)
    (inbox / "sub" / "up").symlink_to(inbox, target_is_directory=True)  # a loop
    out = tmp_path / "out"
    result = run("ingest", inbox, "-o", out)
    assert result.exit_code == 0, result.output
    report = report_of(out)
    assert files(report) == [("a-link/乙.xlsx", "ok"), ("甲.xlsx", "ok")]
    assert report["unreadable_entries"] == []
    assert report["passed_over"] == [
        {"path": "b-again", "reason": "与“a-link”是同一个文件夹（链接），已读取"},
        {"path": "sub/up", "reason": f"与“{inbox.as_posix()}”是同一个文件夹（链接），已读取"},
    ]
    assert "按规则未查看 2 项：b-again（与“a-link”是同一个文件夹（链接），已读取）" in result.stdout
    assert "全部报表都没有错误。" in result.stdout


def test_a_link_loop_in_place_of_a_folder_is_named(tmp_path: Path) -> None:
    """Two links pointing at each other: no folder behind them, so the reader answers
    the entry as it answers any file link that leads nowhere."""
    inbox = tmp_path / "in"
    inbox.mkdir()
    shutil.copy(GOOD, inbox / "甲.xlsx")
    (inbox / "x.xlsx").symlink_to(inbox / "y.xlsx")
    (inbox / "y.xlsx").symlink_to(inbox / "x.xlsx")
    result = run("ingest", inbox, "-o", tmp_path / "out")
    assert result.exit_code == 1
    report = report_of(tmp_path / "out")
    assert files(report) == [("x.xlsx", "unreadable"), ("y.xlsx", "unreadable"), ("甲.xlsx", "ok")]


def test_a_shortcut_gets_its_own_answer(tmp_path: Path) -> None:
    inbox = tmp_path / "in"
    inbox.mkdir()
    shutil.copy(GOOD, inbox / "甲.xlsx")
    (inbox / "乙局报表.xlsx.lnk").write_bytes(b"L\x00\x00\x00\x01\x14\x02\x00")
    result = run("ingest", inbox, "-o", tmp_path / "out")
    assert result.exit_code == 1
    report = report_of(tmp_path / "out")
    assert files(report) == [("甲.xlsx", "ok")]
    message = (
        "“乙局报表.xlsx.lnk”是快捷方式（.lnk），不是报表本身，未读取。"
        "请把报表文件本身放入文件夹后重新运行。"
    )
    assert report["unreadable_entries"] == [
        {"path": "乙局报表.xlsx.lnk", "code": "file-shortcut", "message": message}
    ]
    assert report["skipped_files"] == []
    assert f"  错误 [file-shortcut] {message}" in result.stdout.splitlines()


# ------------------------------------------------------------- what Windows keeps: notes only
def test_system_and_hidden_entries_are_notes_not_failures(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A USB drive's root: System Volume Information (which an ordinary user cannot open
    on Windows, refused here too), $RECYCLE.BIN, a folder with the hidden attribute (the
    attribute injected: Linux has none), a dot folder and Excel's lock file."""
    drive = tmp_path / "U盘"
    for name in ("System Volume Information", "$RECYCLE.BIN", "旧资料", ".Trashes"):
        (drive / name).mkdir(parents=True)
        shutil.copy(GOOD, drive / name / "副本.xlsx")
    shutil.copy(GOOD, drive / "甲.xlsx")
    shutil.copy(GOOD, drive / "~$甲.xlsx")
    monkeypatch.setattr(walk_module, "_scandir", refuse("System Volume Information"))
    monkeypatch.setattr(
        walk_module, "_attributes", lambda entry: 2 if entry.name == "旧资料" else 0
    )
    out = tmp_path / "out"
    result = run("ingest", drive, "-o", out)
    assert result.exit_code == 0, result.output
    report = report_of(out)
    assert files(report) == [("甲.xlsx", "ok")]
    assert report["unreadable_entries"] == []
    hidden = "隐藏的{}，未读取；其中如有报表，请取消隐藏后重新运行"
    assert report["passed_over"] == [
        {
            "path": "~$甲.xlsx",
            "reason": "Office 的临时锁文件（对应的报表正在 Excel 或 WPS 中打开），不是报表",
        },
        {"path": "$RECYCLE.BIN", "reason": "系统文件夹，不是报表"},
        {"path": ".Trashes", "reason": hidden.format("文件夹")},
        {"path": "System Volume Information", "reason": "系统文件夹，不是报表"},
        {"path": "旧资料", "reason": hidden.format("文件夹")},
    ]
    assert report["summary"]["passed_over"] == 5
    assert "全部报表都没有错误。" in result.stdout
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "System Volume Information（系统文件夹，不是报表）" in page


# ------------------------------------------------------------------------------ long paths
def test_a_path_over_windows_limit_is_read(tmp_path: Path) -> None:
    """260 characters is Windows' limit without the long-path prefix; Linux reads on."""
    inbox = tmp_path / "in"
    deep = inbox / ("各乡镇街道办事处报送材料" * 6) / ("第二批" * 20) / ("补报" * 30) / ("乡" * 80)
    deep.mkdir(parents=True)
    shutil.copy(GOOD, deep / "甲.xlsx")
    assert len(str(deep / "甲.xlsx")) > 260
    result = run("ingest", inbox, "-o", tmp_path / "out")
    assert result.exit_code == 0, result.output
    [(name, status)] = files(report_of(tmp_path / "out"))
    assert status == "ok" and name.endswith("/甲.xlsx") and len(name) > 100


@pytest.mark.parametrize(
    ("path", "opened"),
    [
        ("C:\\报表\\甲.xlsx", "C:\\报表\\甲.xlsx"),  # short: as it is
        ("C:\\" + "长" * 250 + "\\甲.xlsx", "\\\\?\\C:\\" + "长" * 250 + "\\甲.xlsx"),
        ("C:\\a\\..\\" + "b" * 250, "\\\\?\\C:\\" + "b" * 250),  # normalised: \\?\ stops that
        ("\\\\server\\share\\" + "c" * 250, "\\\\?\\UNC\\server\\share\\" + "c" * 250),
        ("\\\\?\\C:\\" + "d" * 300, "\\\\?\\C:\\" + "d" * 300),  # already prefixed
    ],
)
def test_windows_long_paths_are_opened_through_the_prefix(path: str, opened: str) -> None:
    assert system_path(path, windows=True) == opened
    assert system_path(path, windows=False) == path


def _deep_tree(root: Path) -> list[Path]:
    """Folders nested past PATH_MAX, made with relative mkdir/chdir (no path that long can
    be given to the system): a return at a reachable depth, one in the deepest folder that
    can still be listed (the file's own path over the limit), and one below that."""
    here = os.getcwd()
    name = "层" * 66  # 198 bytes: a level adds 199
    long_name = "深" * 80 + ".xlsx"  # 245 bytes: over the limit from the last listable level
    made: list[Path] = []
    path = root
    try:
        os.chdir(root)
        while len(os.fsencode(str(path))) < POSIX_PATH_MAX + 300:
            os.mkdir(name)
            os.chdir(name)
            path = path / name
            room = POSIX_PATH_MAX - len(os.fsencode(str(path)))
            if not made and room < POSIX_PATH_MAX - 1000:
                shutil.copy(GOOD, "浅.xlsx")
                made.append(path / "浅.xlsx")
            elif 0 < room <= len(os.fsencode(name)) + 1:
                shutil.copy(GOOD, long_name)
                made.append(path / long_name)
        shutil.copy(GOOD, "最深.xlsx")
        made.append(path / "最深.xlsx")
    finally:
        os.chdir(here)
    assert len(made) == 3
    return made


def test_a_path_over_linux_limit_is_named_never_skipped(tmp_path: Path) -> None:
    """Past PATH_MAX (4096 bytes) the system opens nothing: the walk reads what it can and
    names the first entry it cannot open, where ``find`` would list the files below it."""
    inbox = tmp_path / "in"
    inbox.mkdir()
    shallow, too_long_file, deepest = _deep_tree(inbox)
    out = tmp_path / "out"
    result = run("ingest", inbox, "-o", out)
    assert result.exit_code == 1
    report = report_of(out)
    rel = lambda p: p.relative_to(inbox).as_posix()  # noqa: E731
    assert files(report) == [(rel(shallow), "ok")]
    entries = unreadable(report)
    assert entries[0] == (rel(too_long_file), "path-too-long")
    assert len(entries) == 2 and entries[1][1] == "path-too-long"
    assert rel(deepest).startswith(entries[1][0] + "/")  # the folder above the deepest file
    assert not any(rel(deepest) == e[0] for e in entries)
    assert "路径过长" in report["unreadable_entries"][1]["message"]
    assert "无法读取的文件夹或文件 2 项（其中的报表没有检查）：" in result.stdout


# -------------------------------------------------------------------- aggregate and --previous
def _ingested(tmp_path: Path, name: str, *returns: Path) -> Path:
    inbox = tmp_path / f"{name}-in"
    inbox.mkdir()
    for path in returns:
        shutil.copy(path, inbox / path.name)
    out = tmp_path / name
    assert run("ingest", inbox, "-o", out).exit_code == 0
    return out


def test_aggregate_does_not_sum_around_a_folder_it_cannot_open(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    county = tmp_path / "县"
    shutil.copytree(_ingested(tmp_path, "甲", GOOD), county / "甲乡")
    shutil.copytree(_ingested(tmp_path, "乙", OTHER), county / "乙乡")
    shutil.copy(GOOD, county / "快捷方式.lnk")
    monkeypatch.setattr(walk_module, "_scandir", refuse("乙乡"))
    output = tmp_path / "县_汇总.json"
    result = run("aggregate", county, "-o", output, "--name", "某县")
    assert result.exit_code == 1
    assert not output.exists()
    lines = result.output.splitlines()
    assert (
        "  错误 [folder-unreadable] 文件夹“乙乡”无法打开（没有打开该文件夹的权限），其中的文件都没有读取。"
        "请检查该文件夹的权限，或把其中的报表复制到可以打开的文件夹后重新运行。"
    ) in lines
    assert any("[file-shortcut] “快捷方式.lnk”是快捷方式" in line for line in lines)
    monkeypatch.undo()  # the folder readable again: the same county sums
    (county / "快捷方式.lnk").unlink()
    assert run("aggregate", county, "-o", output, "--name", "某县").exit_code == 0


def test_previous_names_what_it_could_not_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    last_year = _ingested(tmp_path, "2023结果", GOOD)
    (last_year / "补报").mkdir()
    monkeypatch.setattr(walk_module, "_scandir", refuse("补报"))
    inbox = tmp_path / "in"
    inbox.mkdir()
    shutil.copy(OTHER, inbox / "乙.xlsx")
    out = tmp_path / "out"
    result = run("ingest", inbox, "-o", out, "--previous", last_year)
    assert result.exit_code == 1
    report = report_of(out)
    where = f"{last_year.as_posix()}/补报"
    assert unreadable(report) == [(where, "folder-unreadable")]
    assert f"文件夹“{where}”无法打开（没有打开该文件夹的权限）" in result.stdout


def test_the_walk_answers_every_entry(tmp_path: Path) -> None:
    """What ``find`` lists under a folder, the walk answers: found, unreached or noted."""
    inbox = tmp_path / "in"
    (inbox / "a" / "b").mkdir(parents=True)
    (inbox / ".git").mkdir()
    for name in ("a/1.xlsx", "a/b/2.txt", ".git/x", "3.lnk", "~$4.xlsx", ".5.xlsx"):
        (inbox / name).write_bytes(b"x")
    (inbox / "a" / "up").symlink_to(inbox / "a", target_is_directory=True)
    walked = walk([inbox])
    answered = {
        *(f.display for f in walked.found),
        *(u.display for u in walked.unreached),
        *(p.display for p in walked.passed_over),
    }
    assert answered == {"a/1.xlsx", "a/b/2.txt", ".git", "3.lnk", "~$4.xlsx", ".5.xlsx", "a/up"}
