"""Marked copies are not made again when nothing changed (issue 16): the desk re-runs
ingest after every drop, and a return whose bytes, findings and program are the same as
last time keeps the marked copy OUT holds (the same bytes, still listed by the same
commit), while a changed finding, another program or a copy changed in OUT makes it
again. Through the real ingest, with the marking tasks the workers are given counted in
the parent."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from counting_pool import count_tasks

from gongkai_xlsx import api
from gongkai_xlsx.annotate import Mark, marks_from_findings
from gongkai_xlsx.findings import Finding
from gongkai_xlsx.ingest import artifacts as artifacts_module
from gongkai_xlsx.ingest import cache as cache_module
from gongkai_xlsx.ingest.cache import MARKED_CACHE, marked_key
from gongkai_xlsx.ingest.report import without_run
from gongkai_xlsx.ingest.worker import MarkTask
from gongkai_xlsx.outputfolder import MANIFEST

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files of the marking tasks the workers are given."""
    return count_tasks(monkeypatch, MarkTask).names


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    """A work folder's 报表/ with the samples (one with errors: it is sent back)."""
    folder = tmp_path / "报表" / "2025-01-10"
    folder.mkdir(parents=True)
    for sample in SAMPLES.glob("*.xlsx"):
        shutil.copy(sample, folder / sample.name)
    return folder.parent


def ingest(inbox: Path, out: Path) -> api.Ingested:
    return api.ingest(api.IngestOptions([inbox], out, jobs=1, annotate=out / "退回"))


def copies(out: Path) -> dict[str, bytes]:
    """The marked copies in the send-back folder, by name, with their bytes."""
    return {p.name: p.read_bytes() for p in sorted((out / "退回").glob("*_退回修改_*.xlsx"))}


def report(out: Path) -> Any:
    return without_run(json.loads((out / "report.json").read_bytes()))


def test_a_second_run_makes_no_marked_copy_and_keeps_its_bytes(
    inbox: Path, tmp_path: Path, counted: list[str]
) -> None:
    out = tmp_path / "结果"
    first = ingest(inbox, out)
    made, reported = copies(out), report(out)
    assert made and first.marked_made == len(made) == len(counted)
    assert first.marked_reused == 0 and (out / MARKED_CACHE).is_file()
    counted.clear()
    second = ingest(inbox, out)
    assert counted == [] and second.marked_made == 0  # not one copy made again
    assert second.marked_reused == len(made)
    assert copies(out) == made and report(out) == reported
    assert [e.annotated for e in second.entries] == [e.annotated for e in first.entries]
    manifest = (out / MANIFEST).read_bytes()
    assert all(name.encode() in manifest for name in made)  # still outputs of the run
    # what was kept is what a run that makes every copy makes
    fresh = tmp_path / "另一结果"
    ingest(inbox, fresh)
    assert copies(fresh) == made


def test_a_changed_finding_or_program_makes_the_copy_again(
    inbox: Path, tmp_path: Path, counted: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "结果"
    ingest(inbox, out)
    made = copies(out)
    n = len(made)
    counted.clear()
    monkeypatch.setattr(cache_module, "stamp", lambda: "0" * 32)  # another program
    again = ingest(inbox, out)
    assert len(counted) == n and again.marked_made == n and again.marked_reused == 0
    assert copies(out) == made
    assert (out / MARKED_CACHE).read_bytes().startswith(b"gongkai-xlsx marked 1\n" + b"0" * 32)

    plain = marks_from_findings

    def one_more(findings: Iterable[Finding]) -> list[Mark]:
        return [*plain(findings), Mark("warning", None, None, "另一条提示", "extra")]

    monkeypatch.setattr(artifacts_module, "marks_from_findings", one_more)  # a new finding
    counted.clear()
    changed = ingest(inbox, out)
    assert len(counted) == n and changed.marked_made == n
    now = copies(out)
    assert now.keys() == made.keys() and all(now[k] != made[k] for k in made)


def test_a_copy_changed_in_out_is_made_again(
    inbox: Path, tmp_path: Path, counted: list[str]
) -> None:
    out = tmp_path / "结果"
    ingest(inbox, out)
    made = copies(out)
    name = next(iter(made))
    (out / "退回" / name).write_bytes(made[name] + b"changed")
    counted.clear()
    again = ingest(inbox, out)
    assert len(counted) == 1 and again.marked_made == 1
    assert again.marked_reused == len(made) - 1
    assert copies(out) == made


def test_the_key_is_the_return_its_form_and_every_mark() -> None:
    marks = [Mark("error", "主动公开", "D6", "错误一", "E1")]
    key = marked_key("ab" * 32, "gk2021", marks)
    assert key == marked_key("ab" * 32, "gk2021", list(marks))
    assert key != marked_key("cd" * 32, "gk2021", marks)
    assert key != marked_key("ab" * 32, "other", marks)
    assert key != marked_key("ab" * 32, "gk2021", [Mark("error", "主动公开", "D6", "错误二", "E1")])
    assert key != marked_key("ab" * 32, "gk2021", [*marks, *marks])
