"""The one atomic-write helper: a file is replaced whole or not at all, with the
permissions of any new file, and a failed write leaves neither half a file nor a
temporary."""

from __future__ import annotations

import errno
import os
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from child_env import child_env

from gongkai_xlsx import fsio


def test_a_new_file_gets_the_permissions_the_umask_gives(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        fsio.write_atomic(tmp_path / "a.json", b"1")
        fsio.copy_atomic(tmp_path / "b.json", tmp_path / "a.json")
    finally:
        os.umask(old)
    for name in ("a.json", "b.json"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o640
    assert (tmp_path / "b.json").read_bytes() == b"1"


def test_a_failed_write_keeps_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "report.json"
    target.write_bytes(b"old")

    def full_disk(fh: Any, data: Any) -> None:
        fh.write(data[:3])
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(fsio, "_fill", full_disk)
    with pytest.raises(OSError, match="No space"):
        fsio.write_atomic(target, b"new content")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]


def test_a_new_file_in_a_private_folder_is_written_once_or_not_at_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``write_new`` (a run's spool: a fresh name in its own scratch) makes the file with
    the umask's permissions and no temporary, never over an existing file, and a failed
    write leaves nothing of it."""
    old = os.umask(0o027)
    try:
        fsio.write_new(tmp_path / "0.json", b"{}")
    finally:
        os.umask(old)
    assert (tmp_path / "0.json").read_bytes() == b"{}"
    assert stat.S_IMODE((tmp_path / "0.json").stat().st_mode) == 0o640
    with pytest.raises(FileExistsError):
        fsio.write_new(tmp_path / "0.json", b"other")
    assert (tmp_path / "0.json").read_bytes() == b"{}"

    def full_disk(fh: Any, data: Any) -> None:
        fh.write(data[:3])
        fh.flush()
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(fsio, "_fill", full_disk)
    with pytest.raises(OSError, match="No space"):
        fsio.write_new(tmp_path / "1.json", b"new content")
    assert [p.name for p in tmp_path.iterdir()] == ["0.json"]


def test_a_new_file_made_a_piece_at_a_time_is_removed_when_a_piece_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``NewFile`` (a run's new result cache, an entry appended as each worker answers):
    every piece in order once finished; a piece that fails leaves no file behind."""
    made = fsio.NewFile(tmp_path / "cache.new")
    for piece in (b"head\n", b"one", b"two"):
        made.write(piece)
    made.finish()
    assert (tmp_path / "cache.new").read_bytes() == b"head\nonetwo"
    with pytest.raises(FileExistsError):
        fsio.NewFile(tmp_path / "cache.new")
    calls = []

    def second_fails(fh: Any, data: Any) -> None:
        calls.append(data)
        fh.write(data[:2])
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(fsio, "_fill", second_fails)
    broken = fsio.NewFile(tmp_path / "other.new")
    broken.write(b"head\n")
    with pytest.raises(OSError, match="No space"):
        broken.write(b"entry")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache.new"]


def test_the_temporary_beside_the_target_is_recognisable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    during: list[str] = []
    monkeypatch.setattr(fsio, "_fill", lambda fh, data: during.extend(os.listdir(tmp_path)))
    fsio.write_atomic(tmp_path / "x.json", b"")
    assert len(during) == 1  # what a killed writer leaves is what OutputDir removes
    assert fsio.TEMP_PATTERN.fullmatch(during[0])
    assert os.listdir(tmp_path) == ["x.json"]


# ------------------------------------------------------------------ leftovers of killed runs
_WRITER = """
import sys, time
from gongkai_xlsx import fsio
def slow(fh, data):
    fh.write(data[:3]); fh.flush()
    print("writing", flush=True)
    sys.stdin.readline()  # until the test says go on (or kills us)
    fh.write(data[3:])
fsio._fill = slow
fsio.write_atomic(sys.argv[1], b"whole content")
print("done", flush=True)
"""


def _writer(target: Path) -> subprocess.Popen[str]:
    """A real process in the middle of an atomic write of ``target``, paused half-way."""
    proc = subprocess.Popen(
        [sys.executable, "-c", _WRITER, os.fspath(target)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=child_env(),
    )
    assert proc.stdout is not None
    assert proc.stdout.readline() == "writing\n"
    return proc


def _temporaries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if fsio.is_leftover_name(p.name))


@pytest.mark.skipif(fsio.fcntl is None, reason="POSIX file locks (Windows goes by age)")
def test_a_killed_writers_temporary_is_removed_by_the_next_write_into_its_folder(
    tmp_path: Path,
) -> None:
    proc = _writer(tmp_path / "a.json")
    proc.kill()
    proc.wait()
    left = _temporaries(tmp_path)
    assert len(left) == 1 and fsio.TEMP_PATTERN.fullmatch(left[0])
    # what earlier versions left (template writer, marked copies), and a user's files
    legacy = [".gk-abcd_123.xlsx", ".gk-abcd_123-locked.xlsx", ".gk-k2j4n5b6.xlsx.tmp"]
    for name in legacy:
        (tmp_path / name).write_bytes(b"half")
    users = [".gk-notes.txt", ".gk-ABCD1234.tmp", "gk-abcd1234.tmp", ".gk-abcd1234.tmp.bak"]
    for name in users:
        (tmp_path / name).write_bytes(b"user's")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / ".gk-abcd1234.tmp").write_bytes(b"not this folder")
    fsio.write_atomic(tmp_path / "b.json", b"2")
    assert _temporaries(tmp_path) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*users, "b.json", "sub"])
    assert (tmp_path / "sub" / ".gk-abcd1234.tmp").read_bytes() == b"not this folder"
    assert not (tmp_path / "a.json").exists()


def test_a_live_writers_temporary_is_kept_by_a_concurrent_clean_up(tmp_path: Path) -> None:
    """Two runs writing into one folder: the clean-up of one must not delete the other's
    file in flight (it is locked while written)."""
    proc = _writer(tmp_path / "a.json")
    try:
        live = _temporaries(tmp_path)
        assert len(live) == 1
        assert fsio.remove_leftovers(tmp_path) == []
        fsio.write_atomic(tmp_path / "b.json", b"2")  # another run's first write here
        assert _temporaries(tmp_path) == live
    finally:
        out, _ = proc.communicate("go on\n", timeout=60)
    assert proc.returncode == 0 and out == "done\n"
    assert (tmp_path / "a.json").read_bytes() == b"whole content"
    assert _temporaries(tmp_path) == []


@pytest.mark.skipif(fsio.fcntl is None, reason="POSIX file locks")
def test_a_temporary_removed_before_its_writer_locked_it_is_made_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The window between creating the temporary and locking it: a clean-up that got
    there first removed the name, so the writer starts again with a new one."""
    real, removed, first = fsio.fcntl.flock, [], [True]

    def flock(fd: int, op: int) -> None:
        if first.pop() if first else False:  # the writer's first lock: a clean-up first
            removed.extend(fsio.remove_leftovers(tmp_path))
        real(fd, op)

    monkeypatch.setattr(fsio.fcntl, "flock", flock)
    fsio.write_atomic(tmp_path / "x.json", b"whole")
    assert len(removed) == 1
    assert (tmp_path / "x.json").read_bytes() == b"whole"
    assert os.listdir(tmp_path) == ["x.json"]


@pytest.mark.skipif(fsio.fcntl is None, reason="POSIX file locks")
def test_without_file_locks_only_an_old_temporary_is_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file system that refuses locks: a temporary is taken for dead only after
    STALE_SECONDS untouched, as a live writer's is touched by every write."""

    def no_locks(fd: int, op: int) -> None:
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(fsio.fcntl, "flock", no_locks)
    fresh, old = tmp_path / ".gk-aaaa1111.tmp", tmp_path / ".gk-bbbb2222.tmp"
    fresh.write_bytes(b"in flight")
    old.write_bytes(b"dead")
    past = time.time() - fsio.STALE_SECONDS - 60
    os.utime(old, (past, past))
    fsio.write_atomic(tmp_path / "x.json", b"whole")  # writes without a lock, too
    assert sorted(os.listdir(tmp_path)) == [fresh.name, "x.json"]
    assert (tmp_path / "x.json").read_bytes() == b"whole"


def test_records_keep_values_on_disk_by_their_place() -> None:
    """A run's entries arrive in the order the workers finish and are read back by their
    place in the batch; each read is a copy (changing it changes nothing kept)."""
    kept: fsio.Records[dict[str, object]] = fsio.Records(3)
    kept.put(2, {"file": "丙.xlsx", "n": 3})
    kept.put(0, {"file": "甲.xlsx", "n": 1})
    with pytest.raises(LookupError):
        kept[1]  # not arrived yet
    kept.put(1, {"file": "乙.xlsx", "n": 2})
    kept.put(1, {"file": "乙.xlsx", "n": 22})  # put again: the later value counts
    assert len(kept) == 3
    assert [v["n"] for v in kept] == [1, 22, 3]
    assert kept[-1] == {"file": "丙.xlsx", "n": 3}
    assert [v["file"] for v in kept[1:]] == ["乙.xlsx", "丙.xlsx"]
    kept[0]["n"] = 99
    assert kept[0]["n"] == 1
    appended = fsio.Records(values=(i * i for i in range(5)))
    appended.append(100)
    assert list(appended) == [0, 1, 4, 9, 16, 100]
    appended.close()


def test_records_read_and_written_in_any_order_give_back_what_was_put() -> None:
    """Records skip the seek when the file is already where a value is (a stage reads
    one in order while it writes another): any mix of puts, appends and reads, of values
    of any size, reads back what a list holds."""
    import random

    rng = random.Random(16)
    kept: fsio.Records[bytes] = fsio.Records(50)
    model: list[bytes | None] = [None] * 50
    for step in range(3000):
        index = rng.randrange(len(model))
        action = rng.random()
        if action < 0.35:
            value = bytes([step % 256]) * rng.choice([0, 1, 100, 5000, 70_000])
            kept.put(index, value)
            model[index] = value
        elif action < 0.45:
            value = str(step).encode() * rng.randrange(1, 3000)
            kept.append(value)
            model.append(value)
        elif model[index] is None:
            with pytest.raises(LookupError):
                kept[index]
        else:
            assert kept[index] == model[index]
        if step % 500 == 0:
            assert [v for v in model if v is not None] == [
                kept[i] for i, v in enumerate(model) if v is not None
            ]
    kept.close()
