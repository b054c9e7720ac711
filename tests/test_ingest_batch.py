"""A batch at provincial scale: hostile entries beside good returns, faults while writing,
two runs into one folder, the spawn start method, and the marked copies to send back."""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
from child_env import child_env
from conftest import SEED_AGENCY, Filler, as_nobody, run
from oracle import variants as v

from gongkai_xlsx import api, fsio
from gongkai_xlsx.ingest.page import PAGE_NAME
from gongkai_xlsx.ingest.page import without_run as page_without_run
from gongkai_xlsx.ingest.report import without_run
from gongkai_xlsx.outputfolder import is_bookkeeping

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
GOOD = SAMPLES / "互助县城市管理综合行政执法局_2024.xlsx"
BROKEN = SAMPLES / "某县交通运输局_2024_B1不平衡.xlsx"


def report_of(out: Path) -> dict:
    return json.loads((out / "report.json").read_text(encoding="utf-8"))


def rows(report: dict) -> dict[str, tuple[str, list[str]]]:
    return {r["file"]: (r["status"], [f["code"] for f in r["findings"]]) for r in report["returns"]}


def outputs_present(out: Path) -> set[str]:
    return {
        p.name
        for p in out.iterdir()
        if p.is_file() and p.name != "report.json" and not is_bookkeeping(p.name)
    }


def whole(out: Path) -> bool:
    """report.json lists exactly the output files beside it."""
    return set(report_of(out)["outputs"]) == outputs_present(out)


def tag_file(folder: Path) -> Path:
    """A return whose sheet holds one <c start tag padded by 190 MB of spaces (a small zip)."""
    sheet = v.sheet_xml().encode()
    huge = sheet.replace(b"<sheetData>", b'<sheetData><row r="1"><c' + b" " * (190 << 20), 1)
    pkg = v.base_package()
    with zipfile.ZipFile(io.BytesIO(pkg.to_bytes())) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    parts[pkg.sheet_part(v.SHEET)] = huge
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    path = folder / "巨大标记.xlsx"
    path.write_bytes(out.getvalue())
    return path


@pytest.fixture
def open_folder() -> Iterator[Path]:
    """A folder everyone may enter (pytest's own are root's alone): the batch with an
    unreadable file runs as ``nobody``."""
    folder = Path(tempfile.mkdtemp(prefix="gk-batch-", dir="/tmp"))
    folder.chmod(0o777)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_hostile_entries_beside_good_returns(open_folder: Path) -> None:
    tmp_path = open_folder
    inbox = tmp_path / "in"
    inbox.mkdir()
    shutil.copy(GOOD, inbox / "good.xlsx")
    os.mkfifo(inbox / "pipe.xlsx")
    (inbox / "gone.xlsx").symlink_to(tmp_path / "nowhere.xlsx")
    (inbox / "loop.xlsx").symlink_to(inbox / "loop.xlsx")
    (inbox / "huge.xlsx").write_bytes(v.with_cell(f'<c r="{v.D6}" s="{{s}}"><v>1E+30</v></c>'))
    tag_file(inbox)
    secret = inbox / "secret.xlsx"
    shutil.copy(GOOD, secret)
    secret.chmod(0o000)
    vanishing = inbox / "vanishing.xlsx"
    shutil.copy(GOOD, vanishing)
    if os.geteuid() == 0:  # root reads any file: the unreadable one is read as nobody
        inbox.chmod(0o777)
    code = _as_nobody(lambda: _ingest_code(inbox, tmp_path / "out", vanishing))
    assert code == 1
    report = report_of(tmp_path / "out")
    found_rows = rows(report)
    status, codes = found_rows.pop("huge.xlsx")
    assert status == "errors" and "too-large" in codes  # 1E+30 is a finding, not a crash
    assert found_rows == {
        "good.xlsx": ("ok", []),
        "gone.xlsx": ("unreadable", ["file-link-broken"]),
        "loop.xlsx": ("unreadable", ["file-link-loop"]),
        "pipe.xlsx": ("unreadable", ["file-not-regular"]),
        "secret.xlsx": ("unreadable", ["file-unreadable"]),
        "vanishing.xlsx": ("unreadable", ["file-missing"]),
        "巨大标记.xlsx": ("unreadable", ["file-too-large"]),
    }
    assert report["outputs"] == ["report.html", f"{SEED_AGENCY}_2024.json"]
    assert whole(tmp_path / "out")


def _ingest_code(inbox: Path, out: Path, vanishing: Path) -> int:
    """Ingest ``inbox``; ``vanishing`` is removed once the folder was listed (the progress
    hook is given the count of the files found), before it is read."""

    def listed(total: int) -> AbstractContextManager[api.Advance]:
        vanishing.unlink()
        return api.no_progress(total)

    done = api.ingest(api.IngestOptions([inbox], out, jobs=2), progress=listed)
    return 1 if done.failed else 0


def _as_nobody(func: Callable[[], int]) -> int:
    answer = as_nobody(func)
    assert answer.isdigit(), answer
    return int(answer)


def test_spawn_gives_what_a_serial_run_gives(tmp_path: Path, fill: Filler) -> None:
    """The pool under ``spawn`` (Windows, macOS), forced here: the same bytes as -j 1."""
    inbox = tmp_path / "in"
    inbox.mkdir()
    for name in (GOOD, BROKEN, SAMPLES / "某县教育局_2024_文本数字.xlsx"):
        shutil.copy(name, inbox / name.name)
    serial = api.ingest(api.IngestOptions([inbox], tmp_path / "serial", jobs=1))
    env = child_env(GONGKAI_START_METHOD="spawn")
    code = (
        "from pathlib import Path; from gongkai_xlsx import api; import sys\n"
        "api.ingest(api.IngestOptions([Path(sys.argv[1])], Path(sys.argv[2]), jobs=2))\n"
    )
    subprocess.run(
        [sys.executable, "-c", code, str(inbox), str(tmp_path / "spawn")], env=env, check=True
    )
    assert without_run(report_of(tmp_path / "spawn")) == without_run(serial.report.to_json())
    for name in outputs_present(tmp_path / "serial"):
        spawned, serial_bytes = (
            (tmp_path / "spawn" / name).read_bytes(),
            (tmp_path / "serial" / name).read_bytes(),
        )
        if name == PAGE_NAME:  # the page records the run (its time, its jobs)
            assert page_without_run(spawned) == page_without_run(serial_bytes)
        else:
            assert spawned == serial_bytes


def test_a_full_disk_leaves_the_previous_run(tmp_path: Path, monkeypatch) -> None:
    inbox, out = tmp_path / "in", tmp_path / "out"
    inbox.mkdir()
    shutil.copy(GOOD, inbox / "a.xlsx")
    api.ingest(api.IngestOptions([inbox], out, jobs=1))
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    shutil.copy(SAMPLES / "某县民政局_2024_LibreOffice保存.xlsx", inbox / "b.xlsx")
    real = fsio._fill
    calls = {"n": 0}

    def full(fh, data):
        calls["n"] += 1
        if calls["n"] >= 2:
            raise OSError(28, "No space left on device")
        return real(fh, data)

    monkeypatch.setattr(fsio, "_fill", full)
    with pytest.raises(api.UsageError, match="磁盘空间不足"):
        api.ingest(api.IngestOptions([inbox], out, jobs=1))
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert whole(out)


SLOW = """
import sys, time
from pathlib import Path
from gongkai_xlsx import outputs
from gongkai_xlsx.cli import main
def hook(phase):
    if phase == "stage":
        print("staging", flush=True)
        time.sleep(30)
outputs._checkpoint_hook = hook
sys.argv = ["gongkai-xlsx", *sys.argv[1:]]
main()
"""


def test_a_second_run_into_the_same_folder_is_refused(tmp_path: Path) -> None:
    inbox, out = tmp_path / "in", tmp_path / "out"
    inbox.mkdir()
    shutil.copy(GOOD, inbox / "a.xlsx")
    first = subprocess.Popen(
        [sys.executable, "-c", SLOW, "ingest", str(inbox), "-o", str(out), "-j", "1"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert first.stdout is not None and first.stdout.readline().strip() == "staging"
        second = run("ingest", inbox, "-o", out, "-j", "1")
        assert second.exit_code == 2
        assert f"正被另一次运行使用（进程 {first.pid}，开始于" in second.stderr
    finally:
        first.send_signal(signal.SIGINT)
        first.wait(timeout=60)
        if first.stdout is not None:
            first.stdout.close()
    assert first.returncode == 130
    assert not (out / "report.json").exists()  # interrupted before its commit: nothing
    assert list(out.iterdir()) == []


def test_ctrl_c_while_checking_leaves_the_folder_as_it_was(tmp_path: Path) -> None:
    inbox, out = tmp_path / "in", tmp_path / "out"
    inbox.mkdir()
    shutil.copy(GOOD, inbox / "a.xlsx")
    api.ingest(api.IngestOptions([inbox], out, jobs=1))
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    for i in range(400):  # many seconds of checking, however fast the machine
        shutil.copy(BROKEN, inbox / f"b{i:03d}.xlsx")
    proc = subprocess.Popen(
        [sys.executable, "-m", "gongkai_xlsx.cli", "ingest", str(inbox), "-o", str(out), "-j", "1"],
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    while len(list(out.iterdir())) == len(before) and time.monotonic() < deadline:
        time.sleep(0.02)  # until the run has taken OUT (its lock and staging area)
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert "Traceback" not in err and "已中断" in err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


# ------------------------------------------------------------------ marked copies
def test_marked_copies_for_the_returns_to_send_back(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1737331200")  # the files arrive on 2025-01-20
    inbox, out, back = tmp_path / "in", tmp_path / "out", tmp_path / "退回"
    (inbox / "乡镇").mkdir(parents=True)
    shutil.copy(GOOD, inbox / "good.xlsx")
    shutil.copy(BROKEN, inbox / "乡镇" / "broken.xlsx")
    shutil.copy(SAMPLES / "某县教育局_2024_文本数字.xlsx", inbox / "hints.xlsx")
    (inbox / "note.xlsx").write_text("not a workbook", encoding="utf-8")
    done = api.ingest(api.IngestOptions([inbox], out, jobs=2, annotate=back))
    marked_name = "某县交通运输局_退回修改_20250120.xlsx"  # named for sending (issue 14)
    assert sorted(p.relative_to(back).as_posix() for p in back.rglob("*.xlsx")) == [
        marked_name,  # the unreadable file and the hints get none
        "退回清单.xlsx",  # whom to send what (test_send_back.py)
    ]
    report = report_of(out)
    assert report["mounts"] == {"annotated": "../退回"}
    assert f"@annotated/{marked_name}" in report["outputs"]
    row = next(r for r in report["returns"] if r["file"] == "乡镇/broken.xlsx")
    assert row["annotated"] == marked_name
    # the marked copy reads back with exactly the findings that produced it
    marked = api.check_file(back / marked_name)
    sent = next(e for e in done.entries if e.display == "乡镇/broken.xlsx").outcome
    assert [(f.code, f.cell) for f in marked.findings] == [(f.code, f.cell) for f in sent.findings]
    # --all adds warning-only returns; a re-run on another day keeps the names: the date
    # is the day the files arrived
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1737936000")
    api.ingest(api.IngestOptions([inbox], out, jobs=1, annotate=back, annotate_all=True))
    assert sorted(p.name for p in back.rglob("*.xlsx")) == [
        marked_name,
        "某县教育局_退回修改_20250120.xlsx",
        "退回清单.xlsx",
    ]
    # once fixed and sent again, its marked copy goes with the run that no longer makes it
    shutil.copy(GOOD, inbox / "乡镇" / "broken.xlsx")
    again = api.ingest(api.IngestOptions([inbox], out, jobs=1, annotate=back))
    # no marked copy is left; note.xlsx could not be read, so it is still to ask for
    assert [p.name for p in back.rglob("*.xlsx")] == ["退回清单.xlsx"]
    assert f"@annotated/{marked_name}" in again.removed


def test_the_marked_copies_folder_is_checked(tmp_path: Path) -> None:
    inbox, out = tmp_path / "in", tmp_path / "out"
    inbox.mkdir()
    shutil.copy(BROKEN, inbox / "a.xlsx")
    result = run("ingest", inbox, "-o", out, "--annotate", out)
    assert result.exit_code == 2
    assert "标注副本要放在另一个文件夹，不能与输出文件夹相同" in result.stderr
    result = run("ingest", inbox, "-o", out, "--annotate", inbox / "退回")
    assert result.exit_code == 2
    assert "不能放在要收集的" in result.stderr and "当成报表读入" in result.stderr
    result = run("ingest", inbox, "-o", out, "--annotate", out / "退回")  # inside OUT: fine
    assert result.exit_code == 1
    assert len(list((out / "退回").glob("某县交通运输局_退回修改_*.xlsx"))) == 1
    assert "已在" in result.stdout and "生成 1 份标注副本" in result.stdout
