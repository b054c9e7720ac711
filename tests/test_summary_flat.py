"""``ingest --summary`` keeps the parent flat (issue 16, item 5): the 汇总 of a batch is
summed a document at a time, its members spooled to the run's scratch and its JSON written
from there, never held whole; and it is still, byte for byte and finding for finding,
what the aggregator makes of the same documents (its rules of one member per agency, one
file per summary, one format and year). Memory is measured by the objects Python
allocates (tracemalloc) for two sizes of batch, never by time; the margins are generous."""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path

import traced
from batch_data import FORM, synthetic_batch

from gongkai_xlsx.aggregate import Summary, aggregate_documents
from gongkai_xlsx.checks.run import Outcome
from gongkai_xlsx.documents import parse_json
from gongkai_xlsx.ingest.batch import Entry
from gongkai_xlsx.ingest.summary import BatchSummary, summarise, unique_name
from gongkai_xlsx.naming import dedupe
from gongkai_xlsx.reader.model import Source

Passing = list[tuple[Entry, Path]]


def _batch(count: int, folder: Path) -> Passing:
    """The passing returns of a synthetic batch of ``count``, each with its canonical JSON."""
    folder.mkdir()
    _entries, clean = synthetic_batch(count, folder)
    paths = sorted(folder.glob("*.json"), key=lambda p: int(p.stem))
    assert len(paths) == len(clean)
    return [(c.entry, path) for c, path in zip(clean, paths, strict=True)]


def _summarised(passing: Passing, scratch: Path) -> tuple[BatchSummary, bytes | None]:
    scratch.mkdir(exist_ok=True)
    batch, written = summarise("某县", passing, [e for e, _p in passing], scratch)
    data = written.read_bytes() if written is not None else None
    if written is not None:
        written.unlink()
    assert not list(scratch.iterdir())  # the members' spool is gone
    return batch, data


def _aggregated(passing: Passing, file_name: str | None) -> Summary:
    sources = [(e.display, parse_json(p.read_bytes())) for e, p in passing]
    return aggregate_documents(sources, "某县", file_name=file_name)


def _same(passing: Passing, scratch: Path) -> BatchSummary:
    """The batch's summary, proved equal to the aggregator's of the same documents."""
    batch, data = _summarised(passing, scratch)
    summary = _aggregated(passing, batch.file_name)
    assert [(f.code, f.message) for f in batch.findings] == [
        (f.code, f.message) for f in summary.findings
    ]
    assert batch.written == summary.ok
    assert (batch.documents, batch.members) == (len(summary.documents), len(summary.members))
    if summary.ok:
        assert data == summary.to_bytes()
    return batch


def _entry(display: str, agency: str, year: int = 2024) -> Entry:
    outcome = Outcome(
        source=Source(display, "0" * 64, 1000), form_id=FORM.id, agency=agency, year=year
    )
    return Entry(display, outcome, has_document=True, output=display.replace(".xlsx", ".json"))


def _county(passing: Passing, name: str, folder: Path) -> tuple[Entry, Path]:
    """The summary of ``passing`` as a county sends it up, as one more document."""
    path = folder / f"{name}_2024_汇总.json"
    path.write_bytes(_aggregated(passing, path.name).to_bytes())
    return _entry(f"{name}_2024_汇总.xlsx", name), path


def test_the_summary_is_the_aggregators_byte_for_byte(tmp_path: Path) -> None:
    """Hundreds of agencies given out of their order: the same members, the same order,
    the same bytes and digest as ``aggregate`` writes."""
    passing = _batch(300, tmp_path / "returns")
    random.Random(7).shuffle(passing)
    batch = _same(passing, tmp_path / "scratch")
    assert batch.written and batch.members == len(passing) > 200
    assert batch.file_name == "某县_2024_汇总.json" and batch.findings == ()


def test_summaries_and_returns_together_count_each_member_once(tmp_path: Path) -> None:
    """A county's summary given twice, and some of its members' own returns beside it:
    each counted once, with the aggregator's warnings, in its order."""
    passing = _batch(60, tmp_path / "returns")
    county = _county(passing[:40], "甲县", tmp_path)
    again = (replace(county[0], display="甲县_2024_汇总(1).xlsx"), county[1])
    batch = _same([*passing[30:], county, again], tmp_path / "scratch")
    assert batch.written and batch.members == len(passing)
    codes = [f.code.code for f in batch.findings]
    assert codes == ["aggregate-same-file"] * 11  # the summary once, ten members once


def test_what_stops_the_aggregator_stops_the_summary(tmp_path: Path) -> None:
    """Two different returns of one member (one inside a county's summary), and a
    document of another year: the aggregator's errors, and nothing written."""
    passing = _batch(30, tmp_path / "returns")
    county = _county(passing[:10], "甲县", tmp_path)
    entry, path = passing[3]
    other = tmp_path / "other.json"
    data = parse_json(path.read_bytes())
    data["source"]["sha256"] = "1" * 64
    from gongkai_xlsx.canonical import dumps

    other.write_bytes(dumps(data))
    conflict = _same(
        [*passing[10:], county, (replace(entry, display="又一份.xlsx"), other)], tmp_path / "s1"
    )
    assert not conflict.written
    assert [f.code.code for f in conflict.errors] == ["aggregate-conflict"]
    data["year"] = 2023
    data["source"]["file"] = "上年.xlsx"
    other.write_bytes(dumps(data))
    mixed = _same([*passing[10:], (_entry("上年.xlsx", "某局", 2023), other)], tmp_path / "s2")
    assert not mixed.written and [f.code.code for f in mixed.errors] == ["aggregate-mixed"]


def test_the_summarys_name_is_made_unique_as_the_outputs_are() -> None:
    """An output already named as the summary would be (any case): the summary takes the
    next free name, as the outputs' own :func:`dedupe` gives it, beside every output."""
    taken = ["某县_2024.json", "某县_2024_汇总.JSON", "某县_2024_汇总_2.json", "乙.json"]
    wanted = "某县_2024_汇总.json"
    assert unique_name(wanted, iter(taken)) == dedupe([*taken, wanted])[-1]
    assert unique_name(wanted, iter(taken)) == "某县_2024_汇总_3.json"
    assert unique_name(wanted, iter(taken[:1])) == wanted


def _grown(passing: Passing, scratch: Path) -> int:
    """The bytes the summary allocates at its peak (what it keeps included)."""
    _summarised(passing[:5], scratch)  # caches warmed: the form, the schema
    entries = [e for e, _p in passing]

    def written(made: tuple[BatchSummary, Path | None]) -> None:
        assert made[0].written and made[1] is not None
        made[1].unlink()

    return traced.peak(lambda: lambda: summarise("某县", passing, entries, scratch), written)


def test_the_summary_is_summed_a_document_at_a_time(tmp_path: Path) -> None:
    """The summary of 1,200 returns takes little more than that of 120: a few hundred
    bytes a member (its place, its hash, its agency key; about 340 measured), not its
    document and its member (some 40 KB a return when every document was kept until the
    end and the summary's bytes made whole)."""
    small = _batch(120, tmp_path / "small")
    big = _batch(1200, tmp_path / "big")
    per_return = (_grown(big, tmp_path / "s") - _grown(small, tmp_path / "s")) / (
        len(big) - len(small)
    )
    assert per_return < 600
