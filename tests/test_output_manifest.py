"""The output folder's own manifest: written at every commit, hidden on Windows, survived
when a user deletes it, and folders of the earlier layout (report.json as the manifest)
adopted by the next run, never refused. Real returns through the real ingest."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from gongkai_xlsx import api
from gongkai_xlsx.outputfolder import MANIFEST, is_output_folder, is_report
from gongkai_xlsx.outputs import OutputDir, hidden

SAMPLES = Path(__file__).parents[1] / "samples"
GOOD = SAMPLES / "互助县城市管理综合行政执法局_2024.xlsx"
OTHER = SAMPLES / "某县教育局_2024_文本数字.xlsx"


def _ingest(inbox: Path, out: Path) -> api.Ingested:
    return api.ingest(api.IngestOptions([inbox], out, jobs=1))


def _manifest(out: Path) -> dict:
    return json.loads((out / MANIFEST).read_text(encoding="utf-8"))


@pytest.fixture
def batch(tmp_path: Path) -> tuple[Path, Path]:
    inbox, out = tmp_path / "in", tmp_path / "out"
    inbox.mkdir()
    shutil.copy(GOOD, inbox / GOOD.name)
    shutil.copy(OTHER, inbox / OTHER.name)
    _ingest(inbox, out)
    return inbox, out


def test_the_manifest_lists_every_output_with_its_digest(batch: tuple[Path, Path]) -> None:
    _, out = batch
    listed = _manifest(out)["outputs"]
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["schema_version"] == 3
    assert sorted(listed) == sorted([*report["outputs"], "report.json"])
    import hashlib

    for name, entry in listed.items():
        data = (out / name).read_bytes()
        assert entry == {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    assert is_output_folder(out) and is_report(report)


def test_a_deleted_manifest_falls_back_to_the_report(batch: tuple[Path, Path]) -> None:
    inbox, out = batch
    (out / MANIFEST).unlink()
    (inbox / OTHER.name).unlink()
    done = _ingest(inbox, out)
    assert done.removed == ["某县教育局_2024.json"]  # still known as ours, so removed
    assert not (out / "某县教育局_2024.json").exists()
    assert sorted(_manifest(out)["outputs"]) == [
        "report.html",
        "report.json",
        "互助县城市管理综合行政执法局_2024.json",
    ]


def test_manifest_and_report_both_deleted_is_not_refused_for_ever(
    batch: tuple[Path, Path],
) -> None:
    inbox, out = batch
    (out / MANIFEST).unlink()
    (out / "report.json").unlink()
    (out / "report.html").unlink()  # it records the run's time: never the same bytes
    _ingest(inbox, out)  # the same returns: files with the same bytes are taken back
    assert (out / MANIFEST).exists() and (out / "report.json").exists()
    (inbox / OTHER.name).unlink()
    assert _ingest(inbox, out).removed == ["某县教育局_2024.json"]


def test_nothing_of_ours_left_means_a_changed_file_is_the_users(
    batch: tuple[Path, Path],
) -> None:
    inbox, out = batch
    (out / MANIFEST).unlink()
    (out / "report.json").unlink()
    (out / "互助县城市管理综合行政执法局_2024.json").write_text("我的笔记", encoding="utf-8")
    with pytest.raises(api.UsageError, match="不是本工具上次写入的结果"):
        _ingest(inbox, out)
    assert (out / "互助县城市管理综合行政执法局_2024.json").read_text(
        encoding="utf-8"
    ) == "我的笔记"


def test_an_output_changed_by_the_user_is_not_deleted(tmp_path: Path) -> None:
    with OutputDir(tmp_path) as folder:
        folder.stage("a.json", b"A")
        folder.stage("b.json", b"B")
        folder.commit(b'{"outputs": ["a.json", "b.json"]}', ["a.json", "b.json"])
    (tmp_path / "b.json").write_bytes(b"edited by hand")
    with OutputDir(tmp_path) as folder:
        assert folder.commit(b'{"outputs": []}', []).removed == ["a.json"]
    assert (tmp_path / "b.json").read_bytes() == b"edited by hand"
    assert json.loads((tmp_path / MANIFEST).read_text())["outputs"].keys() == {"report.json"}


def _old_layout(out: Path) -> None:
    """The folder as the earlier version wrote it: no manifest, report.json its manifest
    and without ``schema_version`` (its bytes as that version wrote them)."""
    (out / MANIFEST).unlink()
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    del data["schema_version"]
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    (out / "report.json").write_text(text, encoding="utf-8")


def test_a_folder_of_the_earlier_layout_is_adopted(batch: tuple[Path, Path]) -> None:
    inbox, out = batch
    _old_layout(out)
    assert is_output_folder(out)
    (inbox / OTHER.name).unlink()
    done = _ingest(inbox, out)
    assert done.removed == ["某县教育局_2024.json"]
    assert json.loads((out / "report.json").read_text(encoding="utf-8"))["schema_version"] == 3
    assert "report.json" in _manifest(out)["outputs"]


def test_a_journal_of_the_earlier_version_is_rolled_forward(tmp_path: Path) -> None:
    """A run of the earlier version killed in its rename window: its journal names
    report.json as the commit point; the next run finishes that commit."""
    out = tmp_path
    new = out / ".gongkai-xlsx.staging" / "new"
    new.mkdir(parents=True)
    (new / "a.json").write_bytes(b"A2")
    (new / "report.json").write_text('{"tool": "gongkai-xlsx 0.1.0", "outputs": ["a.json"]}')
    (out / "a.json").write_bytes(b"A1")
    old = out / ".gongkai-xlsx.staging" / "old"
    old.mkdir()
    journal = {"version": 1, "manifest": "report.json", "mounts": {}, "put": ["a.json"]}
    (out / ".gongkai-xlsx.commit").write_text(json.dumps({**journal, "delete": []}))
    with OutputDir(out) as folder:
        assert folder.recovered == "forward"
        assert folder.previous == {"a.json"}
    assert (out / "a.json").read_bytes() == b"A2"
    assert "outputs" in json.loads((out / "report.json").read_text())


class FakeKernel32:
    """kernel32 as the hidden-attribute code calls it, recording the calls."""

    def __init__(self, fail: bool = False) -> None:
        self.calls: list[tuple[str, int]] = []
        self.fail = fail

    def GetFileAttributesW(self, path: str) -> int:
        if self.fail:
            raise OSError("access denied")
        return 0x20  # FILE_ATTRIBUTE_ARCHIVE

    def SetFileAttributesW(self, path: str, attributes: int) -> int:
        self.calls.append((path, attributes))
        return 1


def test_the_manifest_is_hidden_on_windows(tmp_path: Path, monkeypatch) -> None:
    kernel = FakeKernel32()
    monkeypatch.setattr(hidden, "_WINDOWS", True)
    monkeypatch.setattr(hidden, "_kernel32", kernel)
    with OutputDir(tmp_path) as folder:
        folder.stage("a.json", b"A")
        folder.commit(b"{}", ["a.json"])
    hidden_paths = {Path(p).name for p, attributes in kernel.calls if attributes & 0x2}
    assert {MANIFEST, ".gongkai-xlsx.lock", ".gongkai-xlsx.staging"} <= hidden_paths
    assert all(attributes == 0x22 for _p, attributes in kernel.calls)  # archive kept


def test_a_failing_hidden_attribute_changes_nothing_else(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(hidden, "_WINDOWS", True)
    monkeypatch.setattr(hidden, "_kernel32", FakeKernel32(fail=True))
    with OutputDir(tmp_path) as folder:
        folder.stage("a.json", b"A")
        folder.commit(b"{}", ["a.json"])
    assert (tmp_path / MANIFEST).exists() and (tmp_path / "a.json").read_bytes() == b"A"


def test_hiding_is_a_no_op_off_windows(tmp_path: Path, monkeypatch) -> None:
    kernel = FakeKernel32()
    monkeypatch.setattr(hidden, "_WINDOWS", False)
    monkeypatch.setattr(hidden, "_kernel32", kernel)
    (tmp_path / "x").write_bytes(b"")
    assert hidden.hide(tmp_path / "x") is False
    assert kernel.calls == []


def test_bookkeeping_is_never_an_input_or_a_note(batch: tuple[Path, Path]) -> None:
    """OUT read as the input (the folder holds the returns and the outputs): the manifest
    is neither a file not read nor a note passed over."""
    _, out = batch
    shutil.copy(GOOD, out / GOOD.name)
    done = _ingest(out, out)
    shown = [*done.skipped, *(p.display for p in done.passed_over)]
    assert not any(".gongkai-xlsx" in name for name in shown)
    summary = api.aggregate(api.AggregateOptions([out], tmp := out.parent / "s.json", "某县"))
    assert not any(".gongkai-xlsx" in s.display for s in summary.summary.skipped)
    assert tmp.exists() or not summary.written
