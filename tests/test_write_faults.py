"""Every command that writes a file goes through the one atomic writer (``fsio``): on a
full disk each says 磁盘空间不足 in Chinese, with no traceback and no “内部出错”, and
leaves neither half a file nor a temporary; what a killed run leaves is removed by the
next run into the same folder; and every written file gets the umask's permissions.

The full disk is made twice: by failing the write in the real command line
(``write_fault_driver.py``), and, where the tests run as root, with a real full tmpfs."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from child_env import child_env
from conftest import run

from gongkai_xlsx import fsio

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
EXPECTED = SAMPLES / "expected"
B1_SAMPLE = SAMPLES / "某县交通运输局_2024_B1不平衡.xlsx"
SEED_JSON = EXPECTED / "某县民政局_2024.json"
DRIVER = Path(__file__).resolve().parent / "write_fault_driver.py"
ROSTER_NAMES = ("某县民政局", "某县教育局")


def _roster(folder: Path) -> Path:
    roster = folder / "名单.csv"
    roster.write_text("\n".join(ROSTER_NAMES) + "\n", encoding="utf-8")
    return roster


# Each command with its output at D (a folder on the disk that fills up): argv, outputs.
Command = Callable[[Path, Path], tuple[list[str], list[str]]]
COMMANDS: dict[str, Command] = {
    "new": lambda d, w: (["new", "2024", "-o", f"{d}/t.xlsx"], ["t.xlsx"]),
    "new --roster": lambda d, w: (
        ["new", "2024", "--roster", f"{_roster(w)}", "--out-dir", f"{d}"],
        [f"2024年度政府信息公开工作年度报告填报表_{n}.xlsx" for n in ROSTER_NAMES],
    ),
    "aggregate -o x.xlsx": lambda d, w: (
        ["aggregate", f"{EXPECTED}", "-o", f"{d}/x.xlsx", "--name", "某县"],
        ["x.xlsx"],
    ),
    "aggregate -o x.json": lambda d, w: (
        ["aggregate", f"{EXPECTED}", "-o", f"{d}/x.json", "--name", "某县"],
        ["x.json"],
    ),
    "annotate": lambda d, w: (["annotate", f"{B1_SAMPLE}", "-o", f"{d}/退回.xlsx"], ["退回.xlsx"]),
    "render": lambda d, w: (["render", f"{SEED_JSON}", "-o", f"{d}/报告.docx"], ["报告.docx"]),
    "ingest": lambda d, w: (["ingest", f"{SAMPLES}", "-o", f"{d}/结果"], ["结果"]),
    "ingest --annotate": lambda d, w: (
        ["ingest", f"{SAMPLES}", "-o", f"{d}/结果", "--annotate", f"{d}/退回"],
        ["结果", "退回"],
    ),
}


def _cli(*args: str, fault: str | None = None) -> subprocess.CompletedProcess[str]:
    """The real command line in its own process (with ``fault`` at every write)."""
    program = [os.fspath(DRIVER), fault] if fault else ["-m", "gongkai_xlsx.cli"]
    env = child_env()
    env.pop("GONGKAI_TRACEBACK", None)
    return subprocess.run(
        [sys.executable, *program, *args], capture_output=True, text=True, env=env, timeout=300
    )


def _leftovers(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.name.startswith(".gk-")]


def _assert_full_disk_said(result: subprocess.CompletedProcess[str], folder: Path) -> None:
    assert result.returncode == 2, result.stderr
    assert "磁盘空间不足" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert "内部出错" not in result.stderr + result.stdout
    assert _leftovers(folder) == []


@pytest.mark.parametrize("command", COMMANDS)
def test_a_failed_write_says_the_disk_is_full(command: str, tmp_path: Path) -> None:
    out = tmp_path / "D"
    out.mkdir()
    args, outputs = COMMANDS[command](out, tmp_path)
    result = _cli(*args, fault="enospc")
    _assert_full_disk_said(result, out)
    for name in outputs:  # an output folder may exist, and holds no output
        assert not (out / name).is_file()
        assert not any(p.suffix in (".json", ".xlsx", ".html") for p in (out / name).rglob("*"))


@pytest.fixture
def full_disk(tmp_path: Path) -> Iterator[Path]:
    """A real file system with no space left: a small tmpfs, filled up (root only)."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root")
    mount = tmp_path / "disk"
    mount.mkdir()
    made = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", os.fspath(mount)],
        capture_output=True,
    )
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs: {made.stderr!r}")
    try:
        (mount / "D").mkdir()
        fd = os.open(mount / "filler", os.O_WRONLY | os.O_CREAT)
        try:
            with pytest.raises(OSError) as caught:
                while True:
                    os.write(fd, b"\0" * 4096)
        finally:
            os.close(fd)
        assert caught.value.errno == 28
        yield mount / "D"
    finally:
        subprocess.run(["umount", os.fspath(mount)], check=True)


@pytest.mark.parametrize("command", COMMANDS)
def test_a_real_full_disk_is_said_in_chinese(command: str, full_disk: Path, tmp_path: Path) -> None:
    args, _ = COMMANDS[command](full_disk, tmp_path)
    _assert_full_disk_said(_cli(*args), full_disk)


KILLED = ["new", "new --roster", "aggregate -o x.xlsx", "annotate", "render"]


@pytest.mark.skipif(fsio.fcntl is None, reason="SIGKILL, and Windows waits 15 minutes")
@pytest.mark.parametrize("command", KILLED)
def test_what_a_killed_run_left_is_removed_by_the_next_run(command: str, tmp_path: Path) -> None:
    out = tmp_path / "D"
    out.mkdir()
    args, outputs = COMMANDS[command](out, tmp_path)
    killed = _cli(*args, fault="kill")
    assert killed.returncode == -9
    left = [p.name for p in _leftovers(out)]
    assert len(left) == 1 and fsio.TEMP_PATTERN.fullmatch(left[0]), left
    (out / ".gk-k2j4n5b6.xlsx").write_bytes(b"PK half")  # what the template writer left before
    again = _cli(*args)  # nothing was written: no --force needed
    assert again.returncode == 0, again.stderr
    assert _leftovers(out) == []
    assert sorted(p.name for p in out.iterdir()) == sorted(outputs)


def test_every_written_file_gets_the_umasks_permissions(tmp_path: Path) -> None:
    """``annotate`` wrote -rw------- while ``ingest --annotate`` wrote -rw-r--r--: with one
    write path both, and every other output, have what the umask gives a new file."""
    (tmp_path / "单个").mkdir()
    old = os.umask(0o027)
    try:
        assert run("annotate", B1_SAMPLE, "-o", tmp_path / "单个" / "退回.xlsx").exit_code == 0
        ingested = run("ingest", SAMPLES, "-o", tmp_path / "结果", "--annotate", tmp_path / "退回")
        assert ingested.exit_code == 1
        assert run("new", "2024", "-o", tmp_path / "t.xlsx").exit_code == 0
        assert (
            run("aggregate", EXPECTED, "-o", tmp_path / "s.xlsx", "--name", "某县").exit_code == 0
        )
        assert run("render", SEED_JSON, "-o", tmp_path / "r.docx").exit_code == 0
    finally:
        os.umask(old)
    files = [p for p in tmp_path.rglob("*") if p.is_file() and not p.name.startswith(".")]
    marked = [p for p in files if p.parent.name in ("单个", "退回") and p.name != "退回清单.xlsx"]
    assert len(marked) == 2, marked  # one marked copy by each command (and ingest's 退回清单)
    assert (tmp_path / "退回" / "退回清单.xlsx") in files
    assert {p.suffix for p in files} >= {".xlsx", ".json", ".html", ".docx"}
    modes = {p.relative_to(tmp_path).as_posix(): stat.S_IMODE(p.stat().st_mode) for p in files}
    assert set(modes.values()) == {0o640}, modes
