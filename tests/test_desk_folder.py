"""The work folder of a year and the one server that runs on it (issue 15, part 1).

The folder: plain subfolders made on first use; an upload never overwrites an earlier
arrival, whatever its name, from however many threads at once; a download resolves only
to a file inside. The server: a second ``ui`` on the same folder opens the running one;
退出 from the page, Ctrl-C and a closed terminal (SIGHUP) stop it, state and lock removed.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest
from desk_helpers import real_server, state_of, ui_process

from gongkai_xlsx.desk.workfolder import (
    FOLDERS,
    MAX_PATH,
    UnsafeName,
    WorkFolder,
    archive_message,
    is_archive,
)
from gongkai_xlsx.errors import UsageError
from gongkai_xlsx.naming import safe_file_name


def test_the_work_folder_is_plain_folders_made_on_first_use(tmp_path: Path) -> None:
    folder = WorkFolder.open(tmp_path / "2025年报")
    assert sorted(p.name for p in folder.root.iterdir()) == sorted(FOLDERS)
    assert folder.roster() is None
    (folder.root / "名单").mkdir()
    (folder.root / "名单" / "县直单位.csv").write_text("单位名称\n甲局\n", encoding="utf-8")
    assert folder.roster() == folder.root / "名单" / "县直单位.csv"
    (folder.root / "名单.xlsx").write_bytes(b"")
    assert folder.roster() == folder.root / "名单.xlsx"  # the one at the top first
    assert folder.arrival_folder().parent == folder.returns
    assert not folder.has_returns()
    file = tmp_path / "a-file"
    file.write_text("x", encoding="utf-8")
    with pytest.raises(UsageError, match="不是文件夹"):
        WorkFolder.open(file)


@pytest.mark.parametrize(
    ("sent", "saved"),
    [
        ("../../甲局.xlsx", "甲局.xlsx"),
        ("..\\..\\甲局.xlsx", "甲局.xlsx"),
        ("C:\\Users\\x\\甲局.xlsx", "甲局.xlsx"),
        ("C:甲局.xlsx", "甲局.xlsx"),
        ("/etc/passwd", "passwd"),
        ("甲局.xlsx:流", "甲局.xlsx"),
        ("甲局.xlsx::$DATA", "甲局.xlsx"),
        ("CON", "_CON"),
        ("con.xlsx", "_con.xlsx"),
        ("Com9.tar.gz", "_Com9.tar.gz"),
        ("lpt1", "_lpt1"),
        ("甲局.xlsx. .", "甲局.xlsx"),
        ("甲局 .xlsx", "甲局.xlsx"),
        (".hidden.xlsx", "hidden.xlsx"),
        ("..", "未命名"),
        ("", "未命名"),
        ("a<b>|c?.xlsx", "a_b__c_.xlsx"),
    ],
)
def test_a_sent_name_is_made_one_safe_name(sent: str, saved: str) -> None:
    assert safe_file_name(sent) == saved


def test_an_upload_never_overwrites_an_earlier_arrival(tmp_path: Path) -> None:
    folder = WorkFolder.open(tmp_path / "w")
    day = folder.arrival_folder()
    first = folder.save(day, "甲局.xlsx", b"first")
    second = folder.save(day, "甲局.xlsx", b"second")
    third = folder.save(day, "甲局.XLSX", b"third")  # case aside, the same name on Windows
    fourth = folder.save(day, "../甲局.xlsx", b"fourth")
    assert [p.name for p in (first, second, third, fourth)] == [
        "甲局.xlsx",
        "甲局（2）.xlsx",
        "甲局（3）.XLSX",
        "甲局（4）.xlsx",
    ]
    assert [p.read_bytes() for p in (first, second, third, fourth)] == [
        b"first",
        b"second",
        b"third",
        b"fourth",
    ]
    with pytest.raises(UnsafeName):
        folder.save(tmp_path, "x.xlsx", b"outside")  # a folder outside the work folder


def test_a_long_name_in_a_deep_folder_stays_within_260_characters(tmp_path: Path) -> None:
    deep = tmp_path / ("很长的路径" * 6) / ("二〇二五年度" * 4)
    folder = WorkFolder.open(deep)
    day = folder.arrival_folder()
    saved = [folder.save(day, "某县" + "局" * 300 + ".xlsx", b"x") for _ in range(3)]
    assert len({p.name for p in saved}) == 3
    for path in saved:
        assert len(str(path)) <= MAX_PATH
        assert path.suffix == ".xlsx"
    depth = MAX_PATH - len(str(tmp_path))
    too_deep = WorkFolder.open(tmp_path.joinpath(*["深" * 50] * (depth // 51 + 1)))
    with pytest.raises(UsageError, match="路径太长"):
        too_deep.save(too_deep.arrival_folder(), "甲局.xlsx", b"x")


def test_many_threads_saving_one_name_keep_every_file(tmp_path: Path) -> None:
    folder = WorkFolder.open(tmp_path / "w")
    day = folder.arrival_folder()

    def drop(n: int) -> None:
        for i in range(15):
            folder.save(day, "甲局.xlsx", f"{n}-{i}".encode())

    threads = [threading.Thread(target=drop, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    contents = sorted(p.read_bytes() for p in day.iterdir())
    assert contents == sorted(f"{n}-{i}".encode() for n in range(8) for i in range(15))


def test_only_files_inside_are_given_back(tmp_path: Path) -> None:
    folder = WorkFolder.open(tmp_path / "w")
    report = folder.results / "report.json"
    report.write_text("{}", encoding="utf-8")
    assert folder.inside("结果/report.json") == report.resolve()
    assert folder.relative(report) == "结果/report.json"
    outside = tmp_path / "secret.txt"
    outside.write_text("x", encoding="utf-8")
    (folder.results / "escape").symlink_to(outside)
    for name in (
        "",
        "/etc/passwd",
        "../secret.txt",
        "结果/../../secret.txt",
        "结果\\..\\..\\secret.txt",
        "结果/./report.json",
        "结果//report.json",
        "结果/report.json:x",
        "结果/report.json ",
        "结果/nul",
        "结果/COM1.json",
        ".gongkai-xlsx-ui.json",
        "结果",
        "结果/escape",
        "结果/none.json",
        "结果/report.json\x00",
    ):
        with pytest.raises(UnsafeName):
            folder.inside(name)


def test_archives_are_recognised_by_name() -> None:
    for name in ("报表.zip", "报表.RAR", "a.7z", "a.tar.gz"):
        assert is_archive(name)
    for name in ("报表.xlsx", "报表.et", "zip.xls"):
        assert not is_archive(name)
    assert "请先解压" in archive_message("甲局.zip")


# ------------------------------------------------------------------ one server per folder
def _wait_gone(process: subprocess.Popen[str], timeout: float = 30) -> int:
    try:
        return process.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        raise


def _stopped_cleanly(folder: Path) -> None:
    assert not (folder / ".gongkai-xlsx-ui.json").exists()
    assert not (folder / ".gongkai-xlsx.lock").exists()


@pytest.mark.skipif(os.name == "nt", reason="POSIX signals and process groups")
def test_a_second_ui_on_the_folder_opens_the_running_one(tmp_path: Path) -> None:
    folder = tmp_path / "w"
    with real_server(folder) as server:
        again = ui_process(folder)
        out, err = again.communicate(timeout=60)
        assert again.returncode == 0, err
        assert "已经在运行" in out
        assert f"http://127.0.0.1:{server.port}/?token={server.token}" in out
        assert server.process.poll() is None  # the first one goes on
        assert state_of(folder)["pid"] == server.process.pid


@pytest.mark.skipif(os.name == "nt", reason="POSIX signals and process groups")
@pytest.mark.parametrize("how", ["SIGHUP", "SIGINT", "SIGTERM"])
def test_a_closed_terminal_or_ctrl_c_stops_the_server(tmp_path: Path, how: str) -> None:
    folder = tmp_path / "w"
    with real_server(folder) as server:
        os.killpg(server.process.pid, getattr(signal, how))
        assert _wait_gone(server.process) == 0
        assert "工作台已退出" in server.process.stdout.read()  # type: ignore[union-attr]
        _stopped_cleanly(folder)
    # and the folder is free for the next start
    with real_server(folder) as server:
        assert server.process.poll() is None


@pytest.mark.skipif(os.name == "nt", reason="POSIX signals and process groups")
def test_quit_on_the_page_stops_the_server(tmp_path: Path) -> None:
    folder = tmp_path / "w"
    with real_server(folder) as server:
        cookie, csrf = server.sign_in()
        body = f"csrf_token={csrf}".encode()
        status, _, page = server.request(
            "POST",
            "/quit",
            body,
            {
                "Cookie": cookie,
                "Origin": f"http://127.0.0.1:{server.port}",
                "Content-Type": "application/x-www-form-urlencoded",
            },
        )
        assert status == 200 and "工作台已退出".encode() in page
        assert _wait_gone(server.process) == 0
        _stopped_cleanly(folder)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:  # the port is closed
            try:
                server.request("GET", "/")
            except OSError:
                break
            time.sleep(0.1)
        else:
            raise AssertionError("the server still answers after 退出")


def test_a_port_in_use_is_said_in_chinese(tmp_path: Path) -> None:
    from conftest import run

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run("ui", tmp_path / "w", "--port", str(port), "--no-browser")
    assert result.exit_code == 2
    assert result.output == (
        f"错误：无法启动工作台：端口 {port} 已被其他程序占用。"
        "请换一个端口，或不写 --port，由工具自动选择空闲端口。\n"
    )
    assert not (tmp_path / "w" / ".gongkai-xlsx.lock").exists()  # the lock released


@pytest.mark.skipif(os.name == "nt", reason="POSIX signals and process groups")
def test_two_uis_started_at_once_make_one_server(tmp_path: Path) -> None:
    folder = tmp_path / "w"
    first, second = ui_process(folder), ui_process(folder)
    try:
        state = state_of(folder)
        deadline = time.monotonic() + 60
        while first.poll() is None and second.poll() is None:  # the other one hands over
            assert time.monotonic() < deadline
            time.sleep(0.1)
        done, running = (first, second) if first.poll() is not None else (second, first)
        assert done.returncode == 0
        assert f"?token={state['token']}" in done.stdout.read()  # type: ignore[union-attr]
        assert running.poll() is None and state["pid"] == running.pid
    finally:
        for process in (first, second):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGINT)
                _wait_gone(process)
            for stream in (process.stdout, process.stderr):
                if stream:
                    stream.close()
    _stopped_cleanly(folder)
