"""The one atomic-write helper: a file is replaced whole or not at all, with the
permissions of any new file, and a failed write leaves neither half a file nor a
temporary."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import Any

import pytest

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


def test_the_temporary_beside_the_target_is_recognisable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    during: list[str] = []
    monkeypatch.setattr(fsio, "_fill", lambda fh, data: during.extend(os.listdir(tmp_path)))
    fsio.write_atomic(tmp_path / "x.json", b"")
    assert len(during) == 1  # what a killed writer leaves is what OutputDir removes
    assert fsio.TEMP_PATTERN.fullmatch(during[0])
    assert os.listdir(tmp_path) == ["x.json"]
