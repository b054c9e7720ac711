"""The parent stays flat with a roster (issue 16, item 5): writing report.json and
report.html with every roster agency's status, and the agencies with their returns, hold
no list that grows with the batch beyond the roster's own counts. Measured by the objects Python allocates
(tracemalloc) for 200 and for 2,000 returns, never by time; the margins are generous."""

from __future__ import annotations

import gc
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

from batch_data import synthetic_batch

from gongkai_xlsx.completeness import match_roster
from gongkai_xlsx.fsio import Records
from gongkai_xlsx.ingest.batch import submissions
from gongkai_xlsx.ingest.page import page_chunks
from gongkai_xlsx.ingest.report import BatchReport, batch_report, report_bytes
from gongkai_xlsx.previous import read_previous
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


def _grown(report: BatchReport, work: Callable[[BatchReport], Any]) -> int:
    """The bytes ``work`` allocates at its peak (what it keeps included)."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        kept = work(report)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    del kept
    return peak - before


def _per_return(work: Callable[[BatchReport], Any]) -> float:
    small, big = _report(200), _report(2000)
    return (_grown(big, work) - _grown(small, work)) / 1800


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
    read_previous(folder)
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        previous = read_previous(folder)
        gc.collect()
        kept = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert previous.documents == len(list(folder.glob("*.json")))
    return kept


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
