"""Output folders that are always whole: after Ctrl-C, SIGKILL or a full disk in any phase
of a run, report.json lists exactly the output files beside it (at once, or after the next
run's recovery where outputs.py says so); a second run is refused while one runs; the
user's own files in OUT are never touched.

Each faulty run is tests/outputs_driver.py in a process of its own, stopped at a named
checkpoint; run A (r0-r3) is committed first, then run B (r1-r4) is the one faulted: it
changes three outputs, adds one and removes one, in OUT and in a subfolder."""

from __future__ import annotations

import errno
import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import outputs_driver as driver
import pytest
from child_env import child_env

from gongkai_xlsx import fsio
from gongkai_xlsx.outputs import (
    JOURNAL,
    LOCK,
    STAGING,
    OutputConflict,
    OutputDir,
    OutputLocked,
    _manifest_outputs,
)
from gongkai_xlsx.outputs.journal import Plan

DRIVER = Path(driver.__file__)
USER_FILES = {"a.xlsx": b"PK user return", "sub/b.xlsx": b"PK another", "user.json": b"{}"}
# r1-r3, marked/r2 and report.json replaced (2 renames each), r4 and marked/r4 added, 2 removed
B_RENAMES = 14


def drive(out: Path, *args: object, fault: str | None = None, enospc: int | None = None):
    env = {k: v for k, v in child_env().items() if not k.startswith("GK_")}
    if fault:
        env["GK_FAULT"] = fault
    if enospc:
        env["GK_ENOSPC"] = str(enospc)
    return subprocess.run(
        [sys.executable, str(DRIVER), str(out), *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def described(out: Path) -> str | None:
    """The run report.json describes, after checking that it lists exactly the output files
    present and that each holds that run's content."""
    report = out / "report.json"
    manifest = json.loads(report.read_text()) if report.exists() else {"run": None, "outputs": []}
    present = (
        {
            p.relative_to(out).as_posix()
            for p in out.rglob("*")
            if p.is_file() and not any(part.startswith(".") for part in p.relative_to(out).parts)
        }
        - set(USER_FILES)
        - {"report.json"}
    )
    assert present == set(manifest["outputs"])
    for name in present:
        assert (out / name).read_bytes() == driver.content(manifest["run"], name)
    return manifest["run"]


def leftovers(out: Path) -> list[str]:
    return sorted(
        p.relative_to(out).as_posix()
        for p in out.rglob("*")
        if p.name in (STAGING, JOURNAL) or fsio.TEMP_PATTERN.fullmatch(p.name)
    )


@pytest.fixture
def out(tmp_path: Path) -> Path:
    """OUT holding the user's own returns (it is the folder being read) and run A."""
    folder = tmp_path / "returns"
    for name, data in USER_FILES.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    driver.commit_run(str(folder), "A", 0, 4)
    assert described(folder) == "A"
    return folder


def user_files_untouched(out: Path) -> bool:
    return all((out / n).read_bytes() == d for n, d in USER_FILES.items())


@pytest.mark.parametrize(
    ("phase", "after"),
    [("stage:3", "A"), ("journal", "B"), ("rename:5", "B"), ("manifest", "B"), ("cleanup", "B")],
)
def test_ctrl_c_in_any_phase_leaves_a_whole_folder_at_once(
    out: Path, phase: str, after: str
) -> None:
    done = drive(out, "B", 1, 4, fault=f"{phase}=int")
    assert done.returncode == 130, done.stderr
    assert described(out) == after  # inside the window Ctrl-C waits for the commit point
    assert leftovers(out) == []
    assert user_files_untouched(out)


@pytest.mark.parametrize(
    ("phase", "at_once"),
    [("stage:1", "A"), ("stage:5", "A"), ("journal", "A"), ("cleanup", "B")]
    + [(f"rename:{n}", None) for n in range(1, B_RENAMES + 1)]
    + [("manifest", None)],
)
def test_sigkill_in_any_phase_is_whole_after_the_next_run(
    out: Path, phase: str, at_once: str | None
) -> None:
    killed = drive(out, "B", 1, 4, fault=f"{phase}=kill")
    assert killed.returncode == -signal.SIGKILL
    if at_once is not None:  # outside the rename window: whole even before recovery
        assert described(out) == at_once
    recovered = drive(out, "--recover")
    assert recovered.returncode == 0, recovered.stderr
    rolled = json.loads(recovered.stdout)["recovered"]
    assert rolled == (None if phase.startswith(("stage", "cleanup")) else "forward")
    assert described(out) == ("A" if phase.startswith("stage") else "B")
    assert leftovers(out) == []
    assert user_files_untouched(out)


def test_a_recovery_killed_in_turn_is_finished_by_the_next(out: Path) -> None:
    assert drive(out, "B", 1, 4, fault="rename:4=kill").returncode == -signal.SIGKILL
    assert drive(out, "--recover", fault="recover:2=kill").returncode == -signal.SIGKILL
    assert drive(out, "--recover").returncode == 0
    assert described(out) == "B"
    assert leftovers(out) == []


@pytest.mark.parametrize("phase", ["rename:1", "rename:7", "manifest"])
def test_a_rename_that_fails_is_rolled_back_at_once(out: Path, phase: str) -> None:
    done = drive(out, "B", 1, 4, fault=f"{phase}=fail")
    assert done.returncode == 1
    assert "held open by another program" in done.stderr
    assert described(out) == "A"
    assert leftovers(out) == []


@pytest.mark.parametrize(
    ("phase", "sig", "status", "after"),
    [
        ("rename:6", signal.SIGINT, 130, "B"),
        ("rename:6", signal.SIGTERM, -signal.SIGTERM, "B"),  # deferred, then it ends the run
        ("stage:2", signal.SIGTERM, -signal.SIGTERM, "A"),
    ],
)
def test_signals_from_outside(out: Path, phase: str, sig: int, status: int, after: str) -> None:
    env = child_env(GK_FAULT=f"{phase}=pause")
    proc = subprocess.Popen(
        [sys.executable, str(DRIVER), str(out), "B", "1", "4"],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == f"paused {phase.split(':')[0]}"
    proc.send_signal(sig)
    assert proc.wait(timeout=30) == status
    proc.stdout.close()
    assert described(out) == after
    assert drive(out, "--recover").returncode == 0
    assert leftovers(out) == []


def test_a_full_disk_at_any_write_keeps_the_previous_run(out: Path) -> None:
    for k in range(1, 50):
        done = drive(out, "B", 1, 4, enospc=k)
        if done.returncode == 0:
            break
        assert done.returncode == 1
        assert "No space left on device" in done.stderr
        assert described(out) == "A"
        assert leftovers(out) == []  # not even the half-written temporary
    # six staged outputs, the report, the manifest and the journal failed in turn
    assert k == 6 + 3 + 1
    assert described(out) == "B"


def test_a_real_full_disk(tmp_path: Path) -> None:
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=160k", "tmpfs", str(disk)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        out = disk / "out"
        assert drive(out, "A", 0, 4).returncode == 0
        too_big = drive(out, "B", 1, 4, 40_000)  # 6 outputs of 40 KB on a 160 KB disk
        assert too_big.returncode == 1
        assert "No space left on device" in too_big.stderr
        described_run = json.loads((out / "report.json").read_text())["run"]
        assert described_run == "A"
        assert leftovers(out) == []
        assert drive(out, "B", 1, 4).returncode == 0
        assert json.loads((out / "report.json").read_text())["run"] == "B"
        assert leftovers(out) == []
    finally:
        subprocess.run(["umount", str(disk)], check=True)


LOCKED = re.compile(
    r"输出文件夹 .+ 正被另一次运行使用（进程 (\d+)，开始于 \d{4}-\d\d-\d\d \d\d:\d\d:\d\d）。"
    r"请等它结束后再运行，或换一个输出文件夹。"
)


def test_a_second_run_is_refused_while_the_first_runs(out: Path) -> None:
    env = child_env(GK_FAULT="stage:2=pause")
    first = subprocess.Popen(
        [sys.executable, str(DRIVER), str(out), "B", "1", "4"],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert first.stdout is not None
    assert first.stdout.readline().strip() == "paused stage"
    second = drive(out, "C", 0, 2)
    assert second.returncode == 3
    assert LOCKED.fullmatch(second.stderr.strip())
    assert LOCKED.fullmatch(second.stderr.strip()).group(1) == str(first.pid)
    with pytest.raises(OutputLocked) as refused, OutputDir(out):
        pass
    assert refused.value.pid == first.pid
    first.kill()  # a dead run's lock is free at once: the next run takes it
    first.wait()
    first.stdout.close()
    with OutputDir(out) as folder:
        assert folder.previous == frozenset(driver.names(0, 4))
    assert described(out) == "A"
    assert leftovers(out) == []


def test_a_stale_lock_file_is_taken_over(out: Path) -> None:
    stale = {"pid": 2**22 + 1, "host": "gone", "started": "2026-01-01T00:00:00+08:00"}
    (out / LOCK).write_text(json.dumps(stale))
    with OutputDir(out):
        held = json.loads((out / LOCK).read_text())
        assert held["pid"] == os.getpid()
        with pytest.raises(OutputLocked, match=f"进程 {os.getpid()}"), OutputDir(out):
            pass
    assert not (out / LOCK).exists()  # the holder removes it: OUT keeps nothing of ours


def test_leftovers_of_a_killed_run_are_removed_and_nothing_else(out: Path) -> None:
    (out / STAGING / "new").mkdir(parents=True)
    (out / STAGING / "new" / "r9.json").write_bytes(b"half")
    (out / ".gk-abcd1234.tmp").write_bytes(b"half")
    (out / ".gk-notes.txt").write_bytes(b"user's")
    (out / ".gk-ABCD1234.tmp").write_bytes(b"user's")
    with OutputDir(out):
        pass
    assert leftovers(out) == []
    assert (out / ".gk-notes.txt").exists() and (out / ".gk-ABCD1234.tmp").exists()
    assert described(out) == "A"


def test_outputs_never_replace_the_users_files(out: Path) -> None:
    before = {n: (out / n).stat().st_mtime_ns for n in USER_FILES}
    with OutputDir(out) as folder:
        assert folder.conflicts(["user.json", "sub", "a.xlsx/x.json", "r0.json", "new.json"]) == [
            "user.json",
            "sub",
            "a.xlsx/x.json",
        ]
        for name in ("user.json", "sub", "a.xlsx/x.json"):
            with pytest.raises(OutputConflict, match=re.escape(name)):
                folder.stage(name, b"ours")
        folder.stage("user.json", USER_FILES["user.json"])  # the same bytes: nothing is lost
        folder.commit(driver.manifest("C", ["user.json"]), ["user.json"])
    assert {n: (out / n).stat().st_mtime_ns for n in USER_FILES} == before
    assert user_files_untouched(out)
    assert not (out / "r0.json").exists()  # run A's outputs went; the user's stayed


def test_a_foreign_report_json_is_not_replaced(tmp_path: Path) -> None:
    (tmp_path / "report.json").write_text("my own notes")
    with OutputDir(tmp_path) as folder:
        assert folder.conflicts([]) == ["report.json"]
        folder.stage("r.json", b"1")
        with pytest.raises(OutputConflict, match=r"report\.json"):
            folder.commit(b"{}", ["r.json"])
    assert (tmp_path / "report.json").read_text() == "my own notes"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]


def test_an_identical_run_rewrites_nothing(out: Path) -> None:
    def stats() -> dict[str, tuple[int, int]]:
        return {
            p.relative_to(out).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns)
            for p in out.rglob("*")
            if p.is_file() and p.name != LOCK
        }

    before = stats()
    assert driver.commit_run(str(out), "A", 0, 4) == {"removed": [], "written": []}
    assert stats() == before
    assert driver.commit_run(str(out), "B", 1, 4) == {
        "removed": ["marked/r0.txt", "r0.json"],
        "written": ["marked/r2.txt", "marked/r4.txt", "r1.json", "r2.json", "r3.json", "r4.json"],
    }


def test_a_hostile_manifest_cannot_reach_outside(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (tmp_path / "victim.json").write_text("keep")
    (out / "ok.json").write_text("ours")
    listed = ["../victim.json", str(tmp_path / "victim.json"), LOCK, "a/../ok.json", "ok.json"]
    (out / "report.json").write_text(json.dumps({"outputs": listed}))
    with OutputDir(out) as folder:
        assert folder.previous == {"ok.json"}
        assert folder.commit(b'{"outputs": []}', []).removed == ["ok.json"]
        assert (out / LOCK).exists()  # listed by the manifest, yet not removed by it
    assert (tmp_path / "victim.json").read_text() == "keep"


def test_a_report_of_the_earlier_version_names_its_outputs(tmp_path: Path) -> None:
    old = {"tool": "gongkai-xlsx 0.1.0", "returns": [{"output": "a.json"}, {"output": None}]}
    (tmp_path / "report.json").write_text(json.dumps(old))
    (tmp_path / "a.json").write_text("old output")
    (tmp_path / "b.json").write_text("the user's")
    with OutputDir(tmp_path) as folder:
        assert folder.previous == {"a.json"}
        assert folder.commit(b'{"outputs": []}', []).removed == ["a.json"]
    assert (tmp_path / "b.json").read_text() == "the user's"


def test_the_output_list_is_read_without_parsing_the_rest_of_the_report() -> None:
    head = '{\n  "tool": "gongkai-xlsx", "outputs": ["a.json", "m/b.txt"],\n  "returns": ['
    assert _manifest_outputs(head + "not even JSON") == (["a.json", "m/b.txt"], {})
    assert _manifest_outputs('{"returns": [{"output": "x.json"}], "tool": 1}') == (["x.json"], {})
    assert _manifest_outputs("[1, 2]") is None
    mounted = '{"mounts": {"annotated": "../back"}, "outputs": ["@annotated/a.xlsx"], "x": ['
    assert _manifest_outputs(mounted) == (["@annotated/a.xlsx"], {"annotated": "../back"})


# ------------------------------------------------------------------ mounted folders
def _manifest(outputs: list[str], mounts: dict[str, str]) -> bytes:
    return json.dumps({"tool": "gongkai-xlsx", "mounts": mounts, "outputs": outputs}).encode()


def test_a_mounted_folder_joins_the_commit(tmp_path: Path) -> None:
    """Marked copies go to a folder of their own but are one commit with report.json: the
    manifest lists them, a later run removes the ones it no longer makes, and a run that
    does not mount the folder leaves it alone."""
    out, back = tmp_path / "out", tmp_path / "back"
    mounts = {"annotated": str(back)}
    with OutputDir(out, mounts=mounts) as folder:
        folder.stage("a.json", b"A")
        folder.stage("@annotated/x.xlsx", b"X")
        folder.stage("@annotated/sub/y.xlsx", b"Y")
        names = ["a.json", "@annotated/x.xlsx", "@annotated/sub/y.xlsx"]
        folder.commit(_manifest(names, {"annotated": "../back"}), names)  # relative to OUT
    assert (back / "x.xlsx").read_bytes() == b"X" and (back / "sub" / "y.xlsx").read_bytes() == b"Y"
    assert sorted(p.name for p in back.iterdir()) == ["sub", "x.xlsx"]  # no lock, no staging
    with OutputDir(out, mounts=mounts) as folder:
        assert folder.previous == {"a.json", "@annotated/x.xlsx", "@annotated/sub/y.xlsx"}
        folder.stage("a.json", b"A")
        folder.stage("@annotated/x.xlsx", b"X2")
        names = ["a.json", "@annotated/x.xlsx"]
        result = folder.commit(_manifest(names, {"annotated": str(back.absolute())}), names)
    assert result.removed == ["@annotated/sub/y.xlsx"]
    assert (back / "x.xlsx").read_bytes() == b"X2" and not (back / "sub").exists()
    with OutputDir(out) as folder:  # not mounted this time: its files are not ours to touch
        assert folder.previous == {"a.json"}
        folder.stage("a.json", b"A")
        folder.commit(_manifest(["a.json"], {}), ["a.json"])
    assert (back / "x.xlsx").read_bytes() == b"X2"


KILLER = """
import os, sys
from gongkai_xlsx import outputs
count = 0
def hook(phase):
    global count
    if phase == "rename":
        count += 1
        if count == int(sys.argv[3]):
            os._exit(9)
outputs._checkpoint_hook = hook
mounts = {"annotated": sys.argv[2]}
names = ["a.json", "@annotated/x.xlsx"]
with outputs.OutputDir(sys.argv[1], mounts=mounts) as folder:
    folder.stage("a.json", b"A2")
    folder.stage("@annotated/x.xlsx", b"X2")
    manifest = ('{"tool": "gongkai-xlsx", "mounts": {"annotated": "%s"}, "outputs": %s}'
                % (sys.argv[2], str(names).replace("'", '"'))).encode()
    folder.commit(manifest, names)
"""


@pytest.mark.parametrize("kill_at", [1, 2, 3, 4])
def test_a_commit_killed_in_a_mounted_folder_is_rolled_forward(
    tmp_path: Path, kill_at: int
) -> None:
    out, back = tmp_path / "out", tmp_path / "back"
    mounts = {"annotated": str(back)}
    names = ["a.json", "@annotated/x.xlsx"]
    with OutputDir(out, mounts=mounts) as folder:
        folder.stage("a.json", b"A1")
        folder.stage("@annotated/x.xlsx", b"X1")
        folder.commit(_manifest(names, {"annotated": str(back)}), names)
    proc = subprocess.run(
        [sys.executable, "-c", KILLER, str(out), str(back), str(kill_at)], check=False
    )
    assert proc.returncode == 9
    with OutputDir(out, mounts=mounts) as folder:  # the next run finishes the commit first
        assert folder.recovered == "forward"
    assert (out / "a.json").read_bytes() == b"A2"
    assert (back / "x.xlsx").read_bytes() == b"X2"
    assert not (back / ".gongkai-xlsx.staging").exists()


def test_a_scratch_file_moved_into_place_is_committed_and_gone(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with OutputDir(out) as folder:
        spool = folder.scratch() / "0.json"
        spool.write_bytes(b"{}")
        folder.stage_file("a.json", spool, move=True)
        assert not spool.exists()  # renamed, not copied
        folder.commit(b'{"outputs": ["a.json"]}', ["a.json"])
    assert (out / "a.json").read_bytes() == b"{}"


def test_a_move_across_file_systems_is_a_copy(tmp_path: Path, monkeypatch) -> None:
    real_replace = os.replace

    def cross_device(src, dst, *args, **kwargs):
        if str(src).endswith("0.json"):
            raise OSError(errno.EXDEV, "Invalid cross-device link")
        return real_replace(src, dst, *args, **kwargs)

    out = tmp_path / "out"
    with OutputDir(out) as folder:
        spool = folder.scratch() / "0.json"
        spool.write_bytes(b"[1]")
        monkeypatch.setattr(os, "replace", cross_device)
        folder.stage_file("a.json", spool, move=True)
        monkeypatch.setattr(os, "replace", real_replace)
        folder.commit(b'{"outputs": ["a.json"]}', ["a.json"])
    assert (out / "a.json").read_bytes() == b"[1]"


def test_the_journal_written_in_pieces_is_one_json_dump_and_reads_back() -> None:
    """A commit of 10,000 outputs writes its journal a few names at a time: the same bytes
    as one dump, read back to the same plan (a killed commit is finished from it)."""
    put = [f"某县第{i}局_2024.json" for i in range(1234)]
    for names, gone in (([], []), (put[:1], []), (put, ['旧"名.json', "@annotated/退回.xlsx"])):
        plan = Plan(names, gone, ".gongkai-xlsx.manifest")
        mounts = {"annotated": "/tmp/退回"}
        whole = {
            "version": 2,
            "manifest": plan.point,
            "mounts": mounts,
            "put": names,
            "delete": gone,
        }
        assert b"".join(plan.chunks(mounts)) == json.dumps(whole, ensure_ascii=False).encode()
        again, mounted = Plan.load(plan.dump(mounts), plan.point)
        assert (again.put, again.delete, mounted) == (names, gone, mounts)
