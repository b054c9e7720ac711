"""The Chinese words for an operating-system error (src/gongkai_xlsx/oserrors.py), and that
they reach the person running the commands.

- the table: each errno worded by what was being done (a read lacks 读取权限, a write
  写入权限), never the system's English ``strerror``;
- Windows' sharing and lock violations (winerror 32/33: a file open in Excel or WPS) say
  请关闭 Excel 或 WPS 后重试, injected at the read and write points of real commands
  (CI does not run on Windows: the primitive is replaced by one that fails as Windows does);
- a file that cannot be *read* is a read error in aggregate, render, ``--previous`` and the
  roster (it used to be worded 没有写入权限, the write wording reused for reading);
- one owner: ``.strerror`` and the old table appear nowhere else in src/.
"""

from __future__ import annotations

import errno
import io
import json
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import run

from gongkai_xlsx import oserrors
from gongkai_xlsx.oserrors import ACCESS, LIST, MAKE_FOLDER, READ, WRITE, Action, reason

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src" / "gongkai_xlsx"
SAMPLES = ROOT / "samples"
EXPECTED = SAMPLES / "expected"
GOOD = SAMPLES / "互助县城市管理综合行政执法局_2024.xlsx"  # 通过, no findings
OTHER = SAMPLES / "某县民政局_2024_LibreOffice保存.xlsx"  # 通过 too
B1_SAMPLE = SAMPLES / "某县交通运输局_2024_B1不平衡.xlsx"  # has errors: a marked copy is made
DOCUMENTS = sorted(EXPECTED.glob("*_2024.json"))  # one agency each
CLOSE_EXCEL = "请关闭 Excel 或 WPS 后重试"
IN_USE = "文件正被 Excel、WPS 或其他程序打开，请关闭 Excel 或 WPS 后重试"


def os_error(number: int, winerror: int | None = None) -> OSError:
    """An ``OSError`` as the system raises it, English ``strerror`` included; with
    ``winerror`` as Windows raises it (an attribute POSIX Python does not set)."""
    exc = OSError(number, os.strerror(number), "某文件.xlsx")
    if winerror is not None:
        exc.winerror = winerror  # type: ignore[attr-defined]
    return exc


# ------------------------------------------------------------------------------- the table
TABLE = [
    (errno.ENOENT, READ, "文件不存在"),
    (errno.ENOENT, WRITE, "路径不存在或无法在其中创建文件"),
    (errno.ENOENT, LIST, "在读取过程中被移走或删除"),
    (errno.ENOENT, MAKE_FOLDER, "路径不存在或无法在其中创建文件夹"),
    (errno.ENOENT, ACCESS, "文件或文件夹不存在"),
    (errno.EACCES, READ, "没有读取权限"),
    (errno.EACCES, WRITE, "没有写入权限"),
    (errno.EACCES, LIST, "没有打开该文件夹的权限"),
    (errno.EACCES, MAKE_FOLDER, "没有写入权限"),
    (errno.EACCES, ACCESS, "没有读写权限"),
    (errno.EPERM, READ, "没有读取权限"),
    (errno.EPERM, WRITE, "没有写入权限"),
    (errno.EPERM, LIST, "没有打开该文件夹的权限"),
    (errno.ENOSPC, WRITE, "磁盘空间不足"),
    (errno.ENOSPC, MAKE_FOLDER, "磁盘空间不足"),
    (errno.ENOSPC, ACCESS, "磁盘空间不足"),
    (errno.EROFS, WRITE, "磁盘是只读的"),
    (errno.EROFS, MAKE_FOLDER, "磁盘是只读的"),
    (errno.EISDIR, READ, "这是文件夹，不是文件"),
    (errno.EISDIR, WRITE, "这是一个文件夹"),
    (errno.EISDIR, MAKE_FOLDER, "已有同名的文件夹"),
    (errno.ENOTDIR, READ, "路径中有一部分是文件而不是文件夹"),
    (errno.ENOTDIR, WRITE, "路径中有一部分是文件而不是文件夹"),
    (errno.ENOTDIR, LIST, "在读取过程中被移走或删除"),
    (errno.ENAMETOOLONG, READ, "文件名或路径过长"),
    (errno.ENAMETOOLONG, WRITE, "文件名或路径过长"),
    (errno.ELOOP, READ, "链接循环指向自身"),
    (errno.ELOOP, LIST, "链接循环指向自身"),
    (errno.EBUSY, WRITE, "文件或设备正忙，请稍后重试"),
    (errno.EEXIST, WRITE, "路径中有同名文件"),
    (errno.EEXIST, MAKE_FOLDER, "已有同名的文件，不能创建文件夹"),
    (errno.EMFILE, READ, "同时打开的文件过多，请关闭一些程序后重试"),
    (errno.ENFILE, WRITE, "同时打开的文件过多，请关闭一些程序后重试"),
    (errno.EIO, READ, "磁盘读写出错，可能是磁盘损坏或网络连接中断"),
    (errno.EINVAL, WRITE, '文件名或路径无效，可能含有 : * ? " < > | 等系统不允许的字符'),
    (errno.EDQUOT, WRITE, "磁盘配额已用完"),
]


@pytest.mark.parametrize(("number", "action", "words"), TABLE)
def test_each_error_is_worded_by_what_was_being_done(
    number: int, action: Action, words: str
) -> None:
    assert reason(os_error(number), action, windows=False) == words


def test_reading_and_writing_are_worded_apart() -> None:
    """The defect: one table, written for writing, also worded every read."""
    for number in (errno.EACCES, errno.EPERM):
        read = reason(os_error(number), READ, windows=False)
        written = reason(os_error(number), WRITE, windows=False)
        assert (read, written) == ("没有读取权限", "没有写入权限")


@pytest.mark.parametrize("action", list(Action))
def test_no_error_is_shown_in_the_systems_english(action: Action) -> None:
    """Every errno this system knows: Chinese words, or 系统错误 N; never ``strerror``."""
    for number in sorted(errno.errorcode):
        words = reason(os_error(number), action, windows=False)
        assert os.strerror(number) not in words
        assert re.search(r"[\u4e00-\u9fff]", words), (number, words)
        assert not re.search(r"[A-Za-z]{3,}", words.replace("Excel", "").replace("WPS", ""))


def test_an_unknown_error_gives_its_number() -> None:
    assert reason(os_error(9999), READ, windows=False) == "系统错误 9999"
    assert reason(OSError("something"), WRITE, windows=False) == "系统错误"
    assert reason(OSError(errno.EXDEV, "Invalid cross-device link"), WRITE) == (
        f"系统错误 {errno.EXDEV}"
    )


# ------------------------------------------------------------------------------- Windows
@pytest.mark.parametrize("code", [32, 33])  # ERROR_SHARING_VIOLATION, ERROR_LOCK_VIOLATION
@pytest.mark.parametrize("action", [READ, WRITE, ACCESS])
def test_a_file_open_in_excel_says_to_close_it(code: int, action: Action) -> None:
    """As Windows raises it: PermissionError, errno EACCES, winerror 32 or 33."""
    exc = PermissionError(errno.EACCES, "The process cannot access the file", "x.xlsx")
    exc.winerror = code  # type: ignore[attr-defined]
    for windows in (True, False):  # what Windows said decides, not where this runs
        assert reason(exc, action, windows=windows) == IN_USE
    assert oserrors.in_use(exc)


@pytest.mark.parametrize("action", [LIST, MAKE_FOLDER])
def test_a_folder_in_use_names_no_spreadsheet(action: Action) -> None:
    words = reason(os_error(errno.EACCES, 32), action)
    assert words == "文件夹正被其他程序使用，请关闭该程序后重试"


def test_a_bare_permission_error_on_windows_also_names_excel() -> None:
    """``open``/``os.open`` on Windows report a sharing violation as a bare EACCES (the C
    library's errno, no winerror), and replacing a file Excel holds open is “access
    denied” (winerror 5): on Windows a file's permission error names the likely cause."""
    bare = os_error(errno.EACCES)
    denied = os_error(errno.EACCES, 5)
    maybe = f"；如果文件正在 Excel 或 WPS 中打开，{CLOSE_EXCEL}"
    assert reason(bare, READ, windows=True) == "没有读取权限" + maybe
    assert reason(denied, WRITE, windows=True) == "没有写入权限" + maybe
    assert reason(bare, LIST, windows=True) == "没有打开该文件夹的权限"  # a folder: no Excel
    assert reason(bare, READ, windows=False) == "没有读取权限"


def test_windows_invalid_names_and_unmapped_codes() -> None:
    """Windows gives EINVAL for every code it has no errno for: only an invalid name
    (winerror 123, or the C library's EINVAL) is worded as one."""
    assert reason(os_error(errno.EINVAL, 123), WRITE).startswith("文件名或路径无效")
    assert reason(os_error(errno.EINVAL), WRITE).startswith("文件名或路径无效")
    assert reason(os_error(errno.EINVAL, 1920), READ) == "系统错误 1920"


# ------------------------------------------------- injected at the commands' read/write points
def sharing_violation(path: object) -> PermissionError:
    exc = PermissionError(
        errno.EACCES,
        "The process cannot access the file because it is being used by another process",
        os.fspath(path),  # type: ignore[call-overload]
    )
    exc.winerror = 32  # type: ignore[attr-defined]
    return exc


def permission_denied(path: object) -> PermissionError:
    where = os.fspath(path)  # type: ignore[call-overload]
    return PermissionError(errno.EACCES, os.strerror(errno.EACCES), where)


def failing(
    original: Callable[..., Any],
    name: str,
    error: Callable[[object], OSError],
    arg: int = 0,
) -> Callable[..., Any]:
    """``original``, except that it raises ``error`` for a path whose file name is ``name``
    (the path is positional argument ``arg``)."""

    def call(*args: Any, **kwargs: Any) -> Any:
        path = args[arg]
        if isinstance(path, str | os.PathLike) and os.path.basename(os.fspath(path)) == name:
            raise error(path)
        return original(*args, **kwargs)

    return call


def fail_path_read(monkeypatch: pytest.MonkeyPatch, name: str, error: Callable[..., Any]) -> None:
    """``Path.read_bytes`` (how a document, a roster CSV and a --text file are read)."""
    monkeypatch.setattr(Path, "read_bytes", failing(Path.read_bytes, name, error))


def fail_replace(monkeypatch: pytest.MonkeyPatch, name: str, error: Callable[..., Any]) -> None:
    """``os.replace`` onto ``name`` (the last step of every atomic write)."""
    monkeypatch.setattr(os, "replace", failing(os.replace, name, error, arg=1))


def test_ingest_names_a_return_open_in_excel(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reader's file-unreadable finding, from a worker (forked: it inherits the patch)."""
    monkeypatch.setenv("GONGKAI_START_METHOD", "fork")
    monkeypatch.setattr(os, "open", failing(os.open, "甲.xlsx", sharing_violation))
    inbox = tmp_path / "报表"
    inbox.mkdir()
    shutil.copy(GOOD, inbox / "甲.xlsx")
    shutil.copy(OTHER, inbox / "乙.xlsx")
    out = tmp_path / "out"
    result = run("ingest", inbox, "-o", out, "-j", "1")
    assert result.exit_code == 1
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    rows = {r["file"]: r for r in report["returns"]}
    assert rows["乙.xlsx"]["status"] == "ok"
    assert rows["甲.xlsx"]["status"] == "unreadable"
    [finding] = rows["甲.xlsx"]["findings"]
    assert finding["code"] == "file-unreadable"
    assert finding["message"] == (
        f"文件无法读取（{IN_USE}）。请检查文件权限，或把文件复制到本机后重新运行。"
    )
    assert CLOSE_EXCEL in result.stdout


def test_check_names_a_return_open_in_excel(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "open", failing(os.open, GOOD.name, sharing_violation))
    result = run("check", GOOD)
    assert result.exit_code == 1
    assert f"[file-unreadable] 文件无法读取（{IN_USE}）" in result.output


def test_aggregate_names_a_document_open_in_excel(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "结果"
    folder.mkdir()
    for doc in DOCUMENTS:
        shutil.copy(doc, folder / doc.name)
    held = DOCUMENTS[0].name
    fail_path_read(monkeypatch, held, sharing_violation)
    result = run("aggregate", folder, "-o", tmp_path / "汇总.json", "--name", "某县")
    assert result.exit_code == 1
    assert f"[aggregate-unreadable] {held}：无法读取为 JSON（无法读取：{IN_USE}）" in result.output
    assert not (tmp_path / "汇总.json").exists()


def test_render_names_an_output_open_in_excel(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "年度报告.docx"
    fail_replace(monkeypatch, out.name, sharing_violation)
    result = run("render", DOCUMENTS[0], "-o", out)
    assert result.exit_code == 2
    assert result.output == f"错误：{out}：无法写入（{IN_USE}）。\n"
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == []  # no temporary left behind


def test_annotate_names_an_output_open_in_excel(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "退回.xlsx"
    fail_replace(monkeypatch, out.name, sharing_violation)
    result = run("annotate", B1_SAMPLE, "-o", out)
    assert result.exit_code == 2
    assert f"{out}：无法写入（{IN_USE}）。" in result.output
    assert not out.exists()


def test_a_roster_workbook_open_in_wps_is_not_called_damaged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """openpyxl's open failing was worded “文件已损坏或不是 xlsx 格式”."""
    roster = tmp_path / "名单.xlsx"
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.append(["单位名称"])  # type: ignore[union-attr]
    wb.active.append(["某县教育局"])  # type: ignore[union-attr]
    wb.save(roster)
    monkeypatch.setattr(io, "open", failing(io.open, roster.name, sharing_violation))
    result = run("new", "2024", "--roster", roster, "--out-dir", tmp_path / "模板")
    assert result.exit_code == 2
    assert result.output == f"错误：{roster}：无法打开名单文件（{IN_USE}）。\n"


# ----------------------------------------------- a file that cannot be read: a read error
def test_aggregate_words_an_unreadable_document_as_unreadable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "结果"
    folder.mkdir()
    for doc in DOCUMENTS:
        shutil.copy(doc, folder / doc.name)
    held = DOCUMENTS[1].name
    fail_path_read(monkeypatch, held, permission_denied)
    result = run("aggregate", folder, "-o", tmp_path / "汇总.json", "--name", "某县")
    assert result.exit_code == 1
    assert f"{held}：无法读取为 JSON（无法读取：没有读取权限）" in result.output
    assert "没有写入权限" not in result.output


def test_render_words_an_unreadable_document_as_unreadable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fail_path_read(monkeypatch, DOCUMENTS[0].name, permission_denied)
    result = run("render", DOCUMENTS[0], "-o", tmp_path / "表.html")
    assert result.exit_code == 2
    assert result.output == f"错误：{DOCUMENTS[0]}：无法读取：没有读取权限。\n"


def test_render_words_an_unreadable_text_file_in_chinese(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """It showed the system's English (“Permission denied”)."""
    text = tmp_path / "正文.txt"
    text.write_text("一、总体情况\n", encoding="utf-8")
    fail_path_read(monkeypatch, text.name, permission_denied)
    out = tmp_path / "报告.docx"
    result = run("render", DOCUMENTS[0], "-o", out, "--text", text)
    assert result.exit_code == 2
    assert result.output == f"错误：{text}：无法读取（没有读取权限）。\n"


def test_previous_words_an_unreadable_document_as_unreadable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    last_year = tmp_path / "上年"
    last_year.mkdir()
    doc = DOCUMENTS[0]
    shutil.copy(doc, last_year / doc.name)
    fail_path_read(monkeypatch, doc.name, permission_denied)
    agency = doc.name.rsplit("_", 1)[0]
    out = tmp_path / "a.xlsx"
    result = run("new", "2025", "--agency", agency, "-o", out, "--previous", last_year)
    assert result.exit_code == 2
    assert f"{doc.name}：无法读取：没有读取权限" in result.output
    assert "没有写入权限" not in result.output


def test_a_roster_that_cannot_be_read_is_worded_in_chinese(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """It showed the system's English strerror (“Permission denied”)."""
    roster = tmp_path / "名单.csv"
    roster.write_text("单位名称\n某县教育局\n", encoding="utf-8")
    fail_path_read(monkeypatch, roster.name, permission_denied)
    result = run("new", "2024", "--roster", roster, "--out-dir", tmp_path / "模板")
    assert result.exit_code == 2
    assert result.output == f"错误：{roster}：无法打开名单文件（没有读取权限）。\n"


# ------------------------------------------------------------------------------ one owner
OWNERS = {
    # path under src/gongkai_xlsx → why it may word an OSError itself
    "oserrors.py": "the owner: the one table of Chinese words for an OSError",
}
FORBIDDEN = (".strerror", "_OS_REASONS", "os_reason")


def test_only_the_owner_words_an_os_error() -> None:
    """Anywhere else, ``exc.strerror`` puts the system's English into a Chinese message,
    and a second table disagrees with the first (as the write table worded reads)."""
    found = []
    for path in sorted(SRC.rglob("*.py")):
        name = path.relative_to(SRC).as_posix()
        if name in OWNERS:
            continue
        text = path.read_text(encoding="utf-8")
        found += [f"{name}: {word}" for word in FORBIDDEN if word in text]
    assert found == []
    assert all((SRC / name).is_file() for name in OWNERS)


def test_the_api_no_longer_offers_its_own_table() -> None:
    from gongkai_xlsx import api

    assert not hasattr(api, "os_reason") and "os_reason" not in api.__all__
    assert not hasattr(api, "_OS_REASONS")
