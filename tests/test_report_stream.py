"""report.json and report.html are written a row at a time (issue 16, "the parent stays
flat"): never all of either in the parent's memory, and byte for byte what one dump of the
whole report gives, for a batch with every kind of row and section (roster, last year's,
superseded versions, unreadable entries, duplicates) and for an empty one."""

from __future__ import annotations

import errno
import json
import os
import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from batch_data import synthetic_batch
from test_batch_report import make_batch

from gongkai_xlsx import api, fsio
from gongkai_xlsx.fsio import Records
from gongkai_xlsx.ingest.page import page_chunks, page_data, script_json
from gongkai_xlsx.ingest.report import (
    BatchReport,
    Rows,
    RunInfo,
    batch_report,
    item_text,
    report_bytes,
)
from gongkai_xlsx.outputfolder import TOOL
from gongkai_xlsx.outputs.manifest import Manifest, Recorded

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> BatchReport:
    root = tmp_path_factory.mktemp("stream")
    inbox, roster = make_batch(root)
    done = api.ingest(
        api.IngestOptions([inbox], root / "结果", roster=roster, previous=SAMPLES / "expected")
    )
    return done.report


def test_the_streamed_report_json_is_the_one_dump(report: BatchReport) -> None:
    assert report.roster is not None and report.previous is not None
    assert {r.status for r in report.returns} >= {"warnings", "errors", "unreadable", "superseded"}
    chunks = list(report.json_chunks())
    # the lists with an item per return or output are cut out of the one dump
    cut = [c.rstrip().rsplit(b"\n", 1)[-1].strip() for c in chunks if c.rstrip().endswith(b":")]
    assert cut == [b'"outputs":', b'"returns":', b'"agencies":', b'"received":']
    assert b"".join(chunks) == report_bytes(report.to_json()) == report.to_json_bytes()


def test_the_report_json_of_a_run_is_the_one_dump(tmp_path: Path) -> None:
    inbox, roster = make_batch(tmp_path)
    done = api.ingest(api.IngestOptions([inbox], tmp_path / "结果", roster=roster))
    written = (tmp_path / "结果" / "report.json").read_bytes()
    assert written == report_bytes(done.report.to_json())


def test_an_item_is_written_as_json_dumps_writes_it_whatever_its_text() -> None:
    """report.json's rows are made by orjson: the very text json.dumps makes, for every
    character a name or a cell can hold (controls, quotes, backslashes, line separators,
    any plane), and json's own where orjson refuses (a lone surrogate, a huge integer)."""
    every = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000)
    texts = [every[k : k + 997] for k in range(0, len(every), 997)]
    texts += ['"\\/\b\f\n\r\t\x00\x1f\x7f\u2028\u2029', "\ud800名", ""]
    for text in texts:
        row = {"file": text, "n": [1, -2, None, True, False], "findings": [{"m": text}], "e": []}
        assert item_text(row) == json.dumps(row, ensure_ascii=False, indent=2)
    for odd in ({"actual": 2**70}, {"x": {}}, [["a", 1]], "\udcff"):
        assert item_text(odd) == json.dumps(odd, ensure_ascii=False, indent=2)


def test_an_empty_report_streams_as_it_dumps() -> None:
    empty = BatchReport(RunInfo(), ())
    assert b"".join(empty.json_chunks()) == report_bytes(empty.to_json())
    assert '"returns": []' in report_bytes(empty.to_json()).decode()


def test_the_page_s_data_is_written_a_row_at_a_time(report: BatchReport) -> None:
    chunks = list(page_chunks(report))
    assert len(chunks) > len(report.returns)
    page = "".join(chunks)
    block = re.search(r'<script type="application/json" id="gk-data">(.*?)</script>', page)
    assert block is not None and block.group(1) == script_json(page_data(report))
    empty = BatchReport(RunInfo(), ())
    text = "".join(page_chunks(empty))
    assert script_json(page_data(empty)) in text


def test_chunks_are_written_whole_or_not_at_all(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    pieces = [b"", b"a" * 3, "页".encode(), b"z" * (3 << 20)]
    fsio.write_atomic_chunks(target, iter(pieces))
    assert target.read_bytes() == b"".join(pieces)

    def failing() -> Iterator[bytes]:
        yield b"half"
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    with pytest.raises(OSError):
        fsio.write_atomic_chunks(target, failing())
    assert target.read_bytes() == b"".join(pieces)  # the old file, whole
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]  # no temporary


def test_a_long_report_is_written_in_pieces_and_is_the_one_dump(report: BatchReport) -> None:
    """Hundreds of kilobytes of rows: several pieces, each list cut where the dump has it."""
    rows = tuple(
        replace(row, source=replace(row.source, name=f"第{i:05d}份/{row.file}"))
        for i in range(400)
        for row in report.returns
    )
    received = tuple(
        replace(r, display=f"第{i:05d}份/{r.display}") for i in range(50) for r in report.received
    )
    long = replace(report, returns=rows, received=received)
    chunks = list(long.json_chunks())
    assert len(chunks) > 10
    assert b"".join(chunks) == report_bytes(long.to_json())


def test_the_manifest_is_written_an_entry_at_a_time_as_one_dump() -> None:
    outputs = {f"单位{i:05d}_2024.json": Recorded(i, f"{i:064x}") for i in range(3000)}
    outputs["《年报》“汇总”.json"] = Recorded(1, "f" * 64)
    arrivals = {f"{i:064x}": f"2025-01-{i % 28 + 1:02d}T09:00:00+08:00" for i in range(2000)}
    for manifest in (
        Manifest({}, "report.json"),
        Manifest(outputs, "report.json", {"annotated": "../退回"}, arrivals),
    ):
        data: dict[str, object] = {
            "tool": TOOL,
            "manifest": 1,
            "report": manifest.report,
            "mounts": dict(sorted(manifest.mounts.items())),
            "outputs": {
                n: {"size": r.size, "sha256": r.sha256} for n, r in sorted(manifest.outputs.items())
            },
        }
        if manifest.arrivals:
            data["arrivals"] = dict(sorted(manifest.arrivals.items()))
        one_dump = (json.dumps(data, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
        assert b"".join(manifest.chunks()) == one_dump == manifest.to_bytes()
        assert Manifest.parse(one_dump) == manifest
    assert len(list(Manifest(outputs, "report.json", {}, arrivals).chunks())) > 5


def test_a_hand_edited_manifest_is_written_again_as_one_dump() -> None:
    """The manifest's outputs and arrivals are written without json's encoder for the
    usual shapes: a value a person edited (not a SHA-256, text json must escape) still
    comes out as the one dump writes it."""
    outputs = {
        "甲.json": Recorded(3, 'not "hex"\\\n\t\x01 é “引号”'),
        "乙\u2028.json": Recorded(0, "A" * 64),  # upper case: not packed
        "丙.json": Recorded(2**70, "0" * 64),  # beyond 8 bytes: not packed
        "丁.json": Recorded(7, f"{7:064x}"),
    }
    arrivals = {'"x"\n': "时间\x7f", f"{1:064x}": "2025-01-01T09:00:00+08:00"}
    manifest = Manifest(outputs, "report.json", {}, arrivals)
    data = {
        "tool": TOOL,
        "manifest": 1,
        "report": "report.json",
        "mounts": {},
        "outputs": {n: {"size": r.size, "sha256": r.sha256} for n, r in sorted(outputs.items())},
        "arrivals": dict(sorted(arrivals.items())),
    }
    one_dump = (json.dumps(data, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
    assert b"".join(manifest.chunks()) == one_dump


def test_a_report_of_entries_on_disk_counts_in_its_one_pass_as_from_memory() -> None:
    """A run's entries are on disk: the duplicates, the undecided versions and the counts
    are found in one pass over them; the report is the one made from the same entries in
    memory (counted from its rows), to the byte."""
    entries, _clean = synthetic_batch(300)
    entries[7] = replace(entries[7], superseded_by=entries[8].display)
    entries[20] = replace(entries[20], undecided=(entries[21].display,))
    entries[21] = replace(entries[21], undecided=(entries[20].display,))
    entries[30] = replace(entries[30], annotated="某县第00030局_退回修改_20250110.xlsx")
    twin = entries[40]  # the same agency again, in another file: a duplicate
    entries.append(replace(twin, display="副本.xlsx"))
    in_memory = batch_report(entries)
    on_disk = batch_report(Records(values=entries))
    assert isinstance(on_disk.returns, Rows) and on_disk.returns.tally is not None
    assert on_disk.counts == in_memory.counts
    assert on_disk.duplicates and on_disk.undecided and on_disk.counts.superseded == 1
    assert (on_disk.duplicates, on_disk.undecided) == (in_memory.duplicates, in_memory.undecided)
    assert b"".join(on_disk.json_chunks()) == b"".join(in_memory.json_chunks())
