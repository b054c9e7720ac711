"""The parent stays flat with a roster (issue 16, item 5): writing report.json and
report.html with every roster agency's status, and the agencies with their returns, hold
no list that grows with the batch beyond the roster's own counts. Measured by the objects Python allocates
(tracemalloc) for 200 and for 2,000 returns, never by time; the margins are generous."""

from __future__ import annotations

import hashlib
import os
import secrets
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any
from unittest.mock import patch

import traced
from batch_data import synthetic_batch

from gongkai_xlsx.completeness import match_roster
from gongkai_xlsx.fsio import Records
from gongkai_xlsx.ingest.batch import submissions
from gongkai_xlsx.ingest.cache import Key, ResultCache
from gongkai_xlsx.ingest.page import page_chunks
from gongkai_xlsx.ingest.report import BatchReport, batch_report, report_bytes
from gongkai_xlsx.ingest.worker import Checked
from gongkai_xlsx.outputfolder import MANIFEST
from gongkai_xlsx.outputs import OutputDir
from gongkai_xlsx.outputs.manifest import Arrivals, Manifest, Recorded
from gongkai_xlsx.previous import Previous, read_previous
from gongkai_xlsx.roster import Entry, Roster


def _report(count: int) -> BatchReport:
    """A run's report of ``count`` returns (entries on disk, as a run keeps them) against a
    roster of every agency."""
    entries, _clean = synthetic_batch(count)
    roster = Roster([Entry(i + 2, f"某县第{i:05d}局") for i in range(count)])
    on_disk = Records(values=entries)
    received = submissions(on_disk)
    matched = match_roster(roster, "名单.csv", received)
    return batch_report(on_disk, roster=matched, received=received)


def _grown(count: int, work: Callable[[BatchReport], Any]) -> int:
    """The bytes ``work`` allocates at its peak (what it keeps included) on a report of
    ``count`` returns: a new report for each run, so that nothing the first run keeps on
    the report is left out of the second."""

    def make() -> Callable[[], Any]:
        report = _report(count)
        return lambda: work(report)

    return traced.peak(make)


def _per_return(work: Callable[[BatchReport], Any]) -> float:
    return (_grown(2000, work) - _grown(200, work)) / 1800


def test_report_json_with_a_roster_is_written_an_agency_at_a_time() -> None:
    """report.json's ``roster.agencies`` (an item per roster agency) is written a piece at
    a time, as its returns are: not dumped whole (about 1.1 KB a return when it was)."""

    def write(report: BatchReport) -> None:
        for _chunk in report.json_chunks():
            pass

    assert _per_return(write) < 500
    small = _report(30)  # the pieces are the very bytes of the one dump
    assert small.completeness is not None and small.completeness.agencies
    assert b"".join(small.json_chunks()) == report_bytes(small.to_json())


def test_report_html_with_a_roster_is_written_an_agency_at_a_time() -> None:
    """report.html's table of every roster agency is written a piece at a time, as its
    list of returns is: not built as one string (about 1 KB a return when it was)."""

    def write(report: BatchReport) -> None:
        for _chunk in page_chunks(report):
            pass

    assert _per_return(write) < 500


def test_the_roster_agencies_keep_the_places_of_their_rows_not_the_rows() -> None:
    """Every roster agency with its returns (the page's and the desk's table) holds the
    places of its rows, read when asked: not every row of the batch at once."""
    assert _per_return(lambda report: report.agencies) < 1000  # about 1.8 KB with the rows
    report = _report(30)
    agency = report.agencies[0]
    assert [row.file for row in agency.rows] == list(agency.listed.matched)
    assert agency.rows[0] == report.returns[0]


def _kept_by_previous(folder: Path) -> int:
    """The bytes last year's documents in ``folder`` keep once read (caches warmed)."""
    files = len(list(folder.glob("*.json")))

    def read(previous: Previous) -> None:
        assert previous.documents == files

    return traced.kept(lambda: lambda: read_previous(folder), read)


def test_last_years_documents_are_kept_packed(tmp_path: Path) -> None:
    """``--previous`` keeps each of last year's documents' numbers packed (a few hundred
    bytes, unpacked for the one return compared with them), not as a tuple of numbers."""
    small, big = tmp_path / "small", tmp_path / "big"
    small.mkdir()
    big.mkdir()
    synthetic_batch(120, small)
    synthetic_batch(1200, big)
    count = len(list(big.glob("*.json"))) - len(list(small.glob("*.json")))
    per_document = (_kept_by_previous(big) - _kept_by_previous(small)) / count
    assert per_document < 1500  # about 3.2 KB as a tuple of numbers
    previous = read_previous(small)
    [document] = next(iter(previous.by_agency.values()))
    assert document.numbers is not None and document.values()  # read back when compared


def _kept_per_item(prepare: Callable[[int], Callable[[], Any]]) -> float:
    """The bytes a step keeps (what it returns, once done) for each item more, between 200
    and 2,000 items; ``prepare(n)`` makes its inputs (not counted) and gives the step."""

    def kept(n: int) -> int:
        return traced.kept(lambda: prepare(n))

    small = kept(200)
    return (kept(2000) - small) / 1800


def _digest(i: int) -> str:
    return hashlib.sha256(f"返回{i}".encode()).hexdigest()


def test_a_batchs_first_arrivals_are_kept_packed() -> None:
    """The first arrival of each file of a batch (10,000 of them until the commit) is kept
    as its digest's 32 bytes and a time's place (about 150 bytes as a dict of hex keys),
    and the manifest records them as it did: the same bytes as with a dict."""
    times = [f"2025-01-{d:02d}T09:00:00.000000+08:00" for d in range(10, 13)]

    def prepare(n: int) -> Callable[[], Arrivals]:
        # each digest made as it is read (a run reads them from its entries on disk)
        numbers = [*range(n), 0]
        return lambda: Arrivals({}, ((_digest(i), times[i % 3]) for i in numbers))

    assert _kept_per_item(prepare) < 60
    earlier = {_digest(i): "2024-12-01T08:00:00+08:00" for i in range(0, 400, 7)}
    pairs = [(_digest(i), times[i % 3]) for i in range(300)] + [(_digest(5), times[1])]
    plain = dict(earlier)
    for sha, when in pairs:
        plain.setdefault(sha, when)
    packed = Arrivals(earlier, pairs)
    assert dict(packed) == plain and list(packed) == sorted(plain)
    assert packed[_digest(5)] == times[5 % 3] and _digest(999) not in packed
    outputs = {"a.json": Recorded(3, _digest(1))}
    with patch.object(secrets, "token_hex", lambda _n: "0" * 32):
        same = Manifest(outputs, "report.json", {}, plain).to_bytes()
        assert Manifest(outputs, "report.json", {}, packed).to_bytes() == same
    assert Manifest.parse(same) == Manifest(outputs, "report.json", {}, plain)


def test_the_outputs_staged_are_kept_small(tmp_path: Path) -> None:
    """An output folder keeps, for each output staged until the commit, its name and one
    small record (size and digest): no second dict, no object around the record; the
    commit lists each in the manifest."""
    folders: list[OutputDir] = []
    digest = hashlib.sha256(b"{}").hexdigest()

    def prepare(n: int) -> Callable[[], OutputDir]:
        place = Path(tempfile.mkdtemp(dir=tmp_path)) / f"out{n}"  # one for each run
        folder = OutputDir(place, report="report.json").__enter__()
        folders.append(folder)
        names = [f"某县第{i:05d}局_2024.json" for i in range(n)]  # the caller's: not counted
        files = [os.path.join(folder.scratch(), f"{i}.json") for i in range(n)]
        for file in files:
            Path(file).write_bytes(b"{}")

        def stage() -> OutputDir:
            for name, file in zip(names, files, strict=True):
                folder.stage_file(name, file, True, (2, digest))
            return folder

        return stage

    try:
        assert _kept_per_item(prepare) < 150  # about 210 with a dict of flags beside
        report = folders[0].scratch() / "report.json"
        report.write_bytes(b"{}")
        folders[0].commit(report, [f"某县第{i:05d}局_2024.json" for i in range(200)])
    finally:
        for folder in folders:
            folder.__exit__(None, None, None)
    manifest = Manifest.parse((folders[0].path / MANIFEST).read_bytes())
    assert manifest is not None and len(manifest.outputs) == 201  # and the report
    assert manifest.outputs["某县第00007局_2024.json"] == Recorded(2, digest)
    assert (folders[0].path / "某县第00007局_2024.json").read_bytes() == b"{}"


def test_the_result_cache_keeps_8_bytes_a_key_written(tmp_path: Path) -> None:
    """The new result cache is written as the results arrive, each key once: the keys
    already written are kept 8 bytes each (about 100 as a set of numbers), and a key that
    comes twice is written once."""

    def prepare(n: int) -> Callable[[], ResultCache[Checked]]:
        folder = Path(tempfile.mkdtemp(dir=tmp_path))  # one for each run
        cache = ResultCache(folder, Checked)
        cache.open(folder)
        keys = [Key(_digest(i), f"r{i:05d}.xlsx", 2024) for i in range(n)]

        def keep() -> ResultCache[Checked]:
            for key in keys:
                cache.keep(key, b"entry")
            return cache

        return keep

    assert _kept_per_item(prepare) < 60  # 8 in the array; the last few in a small set
    cache = ResultCache(tmp_path / "twice", Checked)
    (tmp_path / "twice").mkdir()
    cache.open(tmp_path / "twice")
    keys = [Key(_digest(i), f"r{i:05d}.xlsx", 2024) for i in range(3000)]
    for key in [*keys, *keys[::-7]]:
        cache.keep(key, key.header())
    written = cache.write()
    assert written is not None
    data = written.read_bytes()
    assert all(data.count(key.header()) == 1 for key in keys)
