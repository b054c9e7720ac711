"""The result cache (issue 15: "a file already checked is not read again: results are kept
by SHA-256"): ingest run again into the same output folder reads only the files whose
bytes it has not checked, with the same program and definitions, and reports exactly what
a run that read every file reports. Through the real ingest, with the tasks the workers
are given counted in the parent."""

from __future__ import annotations

import json
import pickle
import shutil
import zlib
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from conftest import fill_with_openpyxl
from counting_pool import Counted, count_tasks

from gongkai_xlsx import api
from gongkai_xlsx.definition.layout import Layout
from gongkai_xlsx.ingest import cache as cache_module
from gongkai_xlsx.ingest.cache import CACHE, Key, entry_bytes, parse_entry, stamp
from gongkai_xlsx.ingest.page import without_run as page_without_run
from gongkai_xlsx.ingest.report import without_run
from gongkai_xlsx.ingest.worker import Checked, Task, check_task

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
BALANCED = {"b.received.natural_person": 5, "b.carried_forward.natural_person": 5}


@pytest.fixture
def pool_counts(monkeypatch: pytest.MonkeyPatch) -> Counted:
    return count_tasks(monkeypatch, Task)


@pytest.fixture
def counted(pool_counts: Counted) -> list[str]:
    """The files of the check tasks the workers are given."""
    return pool_counts.names


def ingest(folder: Path, out: Path, year: int | None = None) -> api.Ingested:
    return api.ingest(api.IngestOptions([folder], out, year=year, jobs=2))


def outputs(out: Path) -> dict[str, Any]:
    """What a person sees in OUT: report.json and report.html but their run's record, and
    every other output's bytes."""
    seen: dict[str, Any] = {
        "report.json": without_run(json.loads((out / "report.json").read_bytes())),
        "report.html": page_without_run((out / "report.html").read_bytes()),
    }
    for path in sorted(out.iterdir()):
        if path.suffix == ".json" and path.name != "report.json":
            seen[path.name] = path.read_bytes()
    return seen


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    """A work folder's 报表/ with the samples (passing, with errors, LibreOffice-saved)
    arrived in one dated subfolder."""
    folder = tmp_path / "报表" / "2025-01-10"
    folder.mkdir(parents=True)
    for sample in SAMPLES.glob("*.xlsx"):
        shutil.copy(sample, folder / sample.name)
    return folder.parent


def unpack(out: Path) -> tuple[bytes, list[bytes]]:
    """The cache file's head (magic and stamp) and its entries, as it is laid out."""
    data = (out / CACHE).read_bytes()
    first = data.index(b"\n") + 1
    at = data.index(b"\n", first) + 1
    head, found = data[:at], []
    while at < len(data):
        length = int.from_bytes(data[at : at + 4], "big")
        found.append(data[at + 4 : at + 4 + length])
        at += 4 + length
    return head, found


def pack(out: Path, head: bytes, found: list[bytes]) -> None:
    (out / CACHE).write_bytes(head + b"".join(len(e).to_bytes(4, "big") + e for e in found))


def entries(out: Path) -> list[bytes]:
    return unpack(out)[1]


def test_a_second_run_reads_no_file_and_reports_the_same(
    inbox: Path, tmp_path: Path, counted: list[str], pool_counts: Counted
) -> None:
    out = tmp_path / "结果"
    first = ingest(inbox, out)
    n = len(first.entries)
    assert n == 4 and sorted(counted) == sorted(p.name for p in inbox.rglob("*.xlsx"))
    assert first.reused == 0
    before = outputs(out)
    assert len(pool_counts.started) == 2  # -j 2
    counted.clear()
    pool_counts.started.clear()
    second = ingest(inbox, out)
    assert counted == [] and second.reused == n  # not one file read again
    assert pool_counts.started == []  # not even a worker started
    assert outputs(out) == before
    assert [e.outcome for e in second.entries] == [e.outcome for e in first.entries]
    # and a run that reads every file (an empty folder) says the same
    fresh = tmp_path / "另一结果"
    ingest(inbox, fresh)
    assert outputs(fresh) == before


def test_a_drop_of_new_returns_reads_only_them(
    inbox: Path, tmp_path: Path, counted: list[str], layout: Layout, template_2024: Path
) -> None:
    out = tmp_path / "结果"
    ingest(inbox, out)
    later = inbox / "2025-01-20"
    later.mkdir()
    for agency in ("某县财政局", "某县水利局"):
        fill_with_openpyxl(
            layout, template_2024, later / f"{agency}.xlsx", BALANCED, {"agency": agency}
        )
    counted.clear()
    again = ingest(inbox, out)
    assert sorted(counted) == ["某县水利局.xlsx", "某县财政局.xlsx"]
    assert again.reused == 4 and len(again.entries) == 6
    assert (out / "某县财政局_2024.json").is_file()
    fresh = tmp_path / "另一结果"
    ingest(inbox, fresh)
    assert outputs(fresh) == outputs(out)
    assert len(entries(out)) == 6


def test_the_same_bytes_under_another_name_or_year_are_read_again(
    inbox: Path, tmp_path: Path, counted: list[str]
) -> None:
    """Findings name the file, and --year changes the checks: both are in the key."""
    out = tmp_path / "结果"
    ingest(inbox, out)
    sample = next(inbox.rglob("*B1不平衡.xlsx"))
    sample.rename(sample.with_name("改名.xlsx"))
    counted.clear()
    renamed = ingest(inbox, out)
    assert counted == ["改名.xlsx"] and renamed.reused == 3
    names = {e.outcome.source.name for e in renamed.entries}
    assert "改名.xlsx" in names and not any("B1不平衡" in n for n in names)
    counted.clear()
    ingest(inbox, out, year=2024)
    assert len(counted) == 4


def test_another_program_or_definition_reads_everything_again(
    inbox: Path, tmp_path: Path, counted: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "结果"
    ingest(inbox, out)
    assert stamp().encode() in unpack(out)[0]
    monkeypatch.setattr(cache_module, "stamp", lambda: "0" * 32)
    counted.clear()
    again = ingest(inbox, out)
    assert len(counted) == 4 and again.reused == 0
    head, found = unpack(out)
    assert head.endswith(b"\n" + b"0" * 32 + b"\n") and len(found) == 4  # the old ones gone


def test_the_stamp_is_the_version_the_definitions_and_the_program(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    made = stamp.__wrapped__  # type: ignore[attr-defined]
    base = made()
    assert stamp() == base
    with monkeypatch.context() as m:
        m.setattr(cache_module, "__version__", "9.9.9")
        assert made() != base
    real = cache_module.load_form
    with monkeypatch.context() as m:
        m.setattr(cache_module, "load_form", lambda f: replace(real(f), source_sha256="x"))
        assert made() != base
    package = tmp_path / "gongkai_xlsx"
    shutil.copytree(cache_module._PACKAGE, package, ignore=shutil.ignore_patterns("__pycache__"))
    with monkeypatch.context() as m:
        m.setattr(cache_module, "_PACKAGE", package)
        assert made() == base
        reader = package / "reader" / "read.py"
        reader.write_text(reader.read_text("utf-8") + "\n# changed\n", "utf-8")
        assert made() != base


@pytest.mark.parametrize(
    ("damage", "reads"),
    [
        ("garbage", 1),
        ("flipped", 1),
        ("truncated", 1),
        ("foreign", 1),
        ("bomb", 1),
        ("earlier shape", 1),
        ("too long", 4),
        ("empty", 4),
        ("stamp", 4),
        ("not ours", 4),
    ],
)
def test_a_damaged_cache_is_ignored_and_the_files_read_again(
    inbox: Path, tmp_path: Path, counted: list[str], damage: str, reads: int
) -> None:
    out = tmp_path / "结果"
    ingest(inbox, out)
    before = outputs(out)
    head, found = unpack(out)
    assert len(found) == 4
    entry = found[1]
    if damage == "garbage":
        found[1] = b"\x00" * len(entry)
    elif damage == "flipped":
        found[1] = entry[:-10] + bytes([entry[-10] ^ 1]) + entry[-9:]
    elif damage == "foreign":  # a well-formed entry whose payload is not a result
        magic, header, _digest, _payload = entry.split(b"\n", 3)
        evil = zlib.compress(pickle.dumps(print))
        digest = cache_module.hashlib.sha256(evil).hexdigest().encode()
        found[1] = b"\n".join([magic, header, digest, evil])
    elif damage == "bomb":  # a valid digest over a payload that inflates without end
        magic, header, _digest, _payload = entry.split(b"\n", 3)
        bomb = zlib.compress(b"\0" * (cache_module._MAX_RESULT + 1), 9)
        digest = cache_module.hashlib.sha256(bomb).hexdigest().encode()
        found[1] = b"\n".join([magic, header, digest, bomb])
    elif damage == "earlier shape":  # an entry of a result without its bytes' digest
        magic, header, _digest, payload = entry.split(b"\n", 3)
        earlier = pickle.loads(zlib.decompress(payload))
        del earlier.__dict__["digest"]  # the shape a result had before it carried one
        assert earlier.digest is None  # the class default: it would be read as "none"
        old = zlib.compress(pickle.dumps(earlier))
        digest = cache_module.hashlib.sha256(old).hexdigest().encode()
        found[1] = b"\n".join([b"gongkai-xlsx checked 1", header, digest, old])
    if damage == "stamp":
        head = head.replace(stamp().encode(), b"f" * 32)
    pack(out, head, found)
    if damage == "truncated":
        data = (out / CACHE).read_bytes()
        (out / CACHE).write_bytes(data[: len(data) - len(found[-1]) // 2])
    elif damage == "too long":  # the first entry's length is absurd: nothing after is framed
        data = (out / CACHE).read_bytes()
        (out / CACHE).write_bytes(data[: len(head)] + b"\xff\xff\xff\xff" + data[len(head) + 4 :])
    elif damage == "empty":
        (out / CACHE).write_bytes(b"")
    elif damage == "not ours":
        (out / CACHE).write_bytes(b"PK\x03\x04 someone's zip")
    counted.clear()
    again = ingest(inbox, out)
    assert len(counted) == reads and again.reused == 4 - reads
    assert outputs(out) == before
    assert len(entries(out)) == 4  # the cache is whole again


def test_a_run_that_does_not_commit_leaves_the_cache_as_it_was(
    inbox: Path, tmp_path: Path, layout: Layout, template_2024: Path
) -> None:
    out = tmp_path / "结果"
    ingest(inbox, out)
    kept = (out / CACHE).read_bytes()
    fill_with_openpyxl(
        layout, template_2024, inbox / "2025-01-10" / "丙局.xlsx", BALANCED, {"agency": "丙局"}
    )
    (out / "丙局_2024.json").write_text("我自己的文件", encoding="utf-8")  # not ours: refused
    with pytest.raises(api.UsageError):
        ingest(inbox, out)
    assert (out / CACHE).read_bytes() == kept


def test_a_result_carries_the_digest_of_its_own_bytes(tmp_path: Path) -> None:
    """The parent records each output's SHA-256 as the worker sent it, never hashing the
    bytes again: the digest is the bytes', and the manifest records the file's."""
    passing = [check_task(Task(str(p))) for p in sorted(SAMPLES.glob("*.xlsx"))]
    made = [c for c in passing if c.canonical is not None]
    assert made and all(c.digest is None for c in passing if c.canonical is None)
    for checked in made:
        assert checked.canonical is not None
        assert checked.digest == cache_module.hashlib.sha256(checked.canonical).hexdigest()
    out = tmp_path / "结果"
    ingest(SAMPLES, out)
    recorded = json.loads((out / ".gongkai-xlsx.manifest").read_bytes())["outputs"]
    written = [p for p in out.glob("*.json") if p.name != "report.json"]
    assert len(written) == len(made)
    for path in written:
        data = path.read_bytes()
        digest = cache_module.hashlib.sha256(data).hexdigest()
        assert recorded[path.name] == {"size": len(data), "sha256": digest}


def test_an_entry_answers_only_its_own_key() -> None:
    sample = next(SAMPLES.glob("*.xlsx"))
    checked = check_task(Task(str(sample)))
    sha = checked.outcome.sha256
    assert isinstance(checked, Checked) and sha
    key = Key(sha, checked.outcome.source.name, None)
    data = entry_bytes(key, checked)
    assert parse_entry(key, data, Checked) == checked
    assert parse_entry(Key(sha, "另一个.xlsx", None), data, Checked) is None
    assert parse_entry(Key(sha, key.name, 2024), data, Checked) is None
    assert parse_entry(Key("0" * 64, key.name, None), data, Checked) is None
    # an entry whose own key is another's (written for other bytes): refused too
    other = replace(
        checked,
        outcome=replace(checked.outcome, source=replace(checked.outcome.source, sha256="0" * 64)),
    )
    assert parse_entry(key, entry_bytes(key, other), Checked) is None


@pytest.mark.parametrize("year", [None, 2024, 0, 10**20])
def test_a_keys_header_is_its_json(year: int | None) -> None:
    """An entry's key is written as the JSON list of its parts (made without json's
    encoder, one a result): the very text json writes, for any name a file may have."""
    for name in ["甲局.xlsx", 'a"b\\c\n\t\x01.xlsx', "\u2028é😀.xlsx", ""]:
        key = Key("ab" * 32, name, year)
        assert key.header() == json.dumps([key.sha256, name, year], ensure_ascii=True).encode()
        assert json.loads(key.header()) == [key.sha256, name, year]
