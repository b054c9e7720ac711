"""Benchmark: marking returns (`gongkai-xlsx annotate`, the engine without the check).

    python benchmarks/bench_annotate.py [--marks 200] [--rounds 30]

Anchors, measured in the same run, interleaved with the marking file by file (the
machine is shared: CPU time beside wall time, medians): the full read of the same return
(the worker's task, ``check_task``: read, checks, canonical bytes; issue 16 measured
"marked copies cost 17–21 ms each, twice a full read" against that task's 9.1 ms), and,
stricter, the reader alone (``read_return`` of its bytes). Prints for each sample with
findings the marked copy's time, the reads', and the ratios; then the same for one return
with N findings spread over every input cell. Goal (issue 16): a marked copy costs at
most one full read (ratio ≤ 1).
The marking keeps what it read of a template's styles.xml and workbook.xml (every return
of one template has the same); each line also gives the figure with nothing kept.
Then the same return marked as ``ingest --annotate`` and ``annotate`` mark it, after the
check: told which sheets the reader accepted (``Outcome.well_formed``), the marking does
not check those again (UTF-8, the closing tags of their root and sheetData).
Last, ``ingest --annotate`` of the samples run twice into one folder: the second run
makes no marked copy ("nothing new: marked copies made: 0").
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from gongkai_xlsx import cellref, text
from gongkai_xlsx.annotate import (
    Mark,
    annotate_workbook,
    comments,
    engine,
    marks_from_findings,
    results,
    sheet,
    styles,
    workbook,
)
from gongkai_xlsx.api import IngestOptions, check_file, ingest
from gongkai_xlsx.cellref import to_a1
from gongkai_xlsx.definition import load_form
from gongkai_xlsx.definition.layout import layout_of
from gongkai_xlsx.definition.model import Form
from gongkai_xlsx.ingest.worker import Task, check_task
from gongkai_xlsx.ooxml import archive
from gongkai_xlsx.reader import read_return

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def _once(work: Callable[[], object]) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    work()
    return (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000


def _forget_templates() -> None:
    """Empty what the marking keeps per template text (styles.xml read, workbook.xml
    edited), per message and per cell of the form: a return whose parts were re-saved by Excel or WPS, or the
    first return of a template, finds nothing kept."""
    styles._parse.cache_clear()
    archive._deflated.cache_clear()
    workbook._inserted.cache_clear()
    workbook._sheet_entries.cache_clear()
    workbook._named.cache_clear()
    comments._line_rows.cache_clear()
    results._height.cache_clear()
    sheet._declaring_rel_ns.cache_clear()
    # and what it keeps per cell of a form (the first return of a process finds none)
    comments._comment_start.cache_clear()
    comments._line_start.cache_clear()
    comments._shape_end.cache_clear()
    comments._shape_middle.cache_clear()
    results._row_height.cache_clear()
    sheet._cell_needles.cache_clear()
    engine._cell_link.cache_clear()
    cellref.from_a1.cache_clear()
    cellref._compressed.cache_clear()
    text.kept_width.cache_clear()


class Compared(NamedTuple):
    """Medians of CPU milliseconds: a marked copy, one read of the same return (the reader
    alone), and its full read (the worker's task: read, checks, canonical bytes; issue 16's
    "twice a full read" was 17–21 ms against that task's 9.1 ms)."""

    mark: float
    read: float
    full: float

    @property
    def ratio(self) -> float:
        return self.mark / self.read

    @property
    def full_ratio(self) -> float:
        return self.mark / self.full


def compare(
    name: str, path: Path, marks: list[Mark], form: Form, rounds: int, after_check: bool = False
) -> Compared:
    """Mark and read the return at ``path`` alternately ``rounds`` times; print medians and
    the ratios (the marking as for every return of one template, and with nothing kept).
    ``after_check``: the marking is told what the reader of those bytes accepted, as the
    worker of ``ingest --annotate`` marks the bytes its check read."""
    data = path.read_bytes()
    accepted = read_return(data, name).well_formed if after_check else ()
    label = name + (
        ", marked after its check (the sheets the reader accepted not checked again)"
        if after_check
        else ""
    )
    mark_wall, mark_cpu, cold_cpu, read_wall, read_cpu, full_cpu = [], [], [], [], [], []
    for _ in range(rounds):
        full_cpu.append(_once(lambda: check_task(Task(str(path))))[1])
        _forget_templates()
        cold_cpu.append(
            _once(lambda: annotate_workbook(data, marks, form, well_formed=accepted))[1]
        )
        w, c = _once(lambda: annotate_workbook(data, marks, form, well_formed=accepted))
        mark_wall.append(w)
        mark_cpu.append(c)
        w, c = _once(lambda: read_return(data, name))
        read_wall.append(w)
        read_cpu.append(c)
    mark, read = statistics.median(mark_cpu), statistics.median(read_cpu)
    cold, full = statistics.median(cold_cpu), statistics.median(full_cpu)
    print(
        f"{label}: {len(marks)} marks: marked copy {mark:.1f} ms CPU "
        f"({statistics.median(mark_wall):.1f} ms wall; {cold:.1f} ms CPU with nothing kept), "
        f"one read {read:.1f} ms CPU ({statistics.median(read_wall):.1f} ms wall); "
        f"marked copy / one read = {mark / read:.2f} ({cold / read:.2f} with nothing kept); "
        f"full read (worker task) {full:.1f} ms CPU, marked copy / full read = {mark / full:.2f}"
    )
    return Compared(mark, read, full)


class Figures(NamedTuple):
    """What ``bench_done.py`` tabulates: each sample with findings, and the many-marks case."""

    samples: dict[str, Compared]  # by file name
    many: Compared
    marks: int
    after_check: Compared  # ``many`` as ingest --annotate and annotate mark it


def figures(marks: int, rounds: int) -> Figures:
    """Every sample with findings, then one return with ``marks`` marks; printed as they go."""
    form = load_form("gk2021")
    found: dict[str, Compared] = {}
    for path in sorted(SAMPLES.glob("*.xlsx")):
        marked = marks_from_findings(check_file(path).findings)
        if marked:
            found[path.name] = compare(path.name, path, marked, form, rounds)
    layout = layout_of(form)
    places = [(s, to_a1(r, c)) for s, r, c in layout.cell_positions.values()]
    many = [
        Mark("error" if i % 2 else "warning", *places[i % len(places)], f"问题 {i}", "bench")
        for i in range(marks)
    ]
    path = SAMPLES / "某县民政局_2024_LibreOffice保存.xlsx"
    many_name = f"{marks} marks on {len(places)} cells"
    many_compared = compare(many_name, path, many, form, rounds)
    after_check = compare(many_name, path, many, form, rounds, after_check=True)
    ratios = [c.ratio for c in found.values()]
    print(
        f"samples: marked copy / one read, worst {max(ratios):.2f}, median {statistics.median(ratios):.2f}"
    )
    return Figures(found, many_compared, marks, after_check)


def main() -> None:
    parser = argparse.ArgumentParser(description="生成标注副本的性能基准")
    parser.add_argument("--marks", type=int, default=200, help="一份报表中的问题数（默认 200）")
    parser.add_argument("--rounds", type=int, default=30, help="每份报表测量的次数（默认 30）")
    args = parser.parse_args()
    figures(args.marks, args.rounds)
    nothing_new()


def nothing_new() -> None:
    """``ingest --annotate`` of the samples twice into one folder (the desk re-runs it on
    every drop): the second run makes no marked copy, it keeps the ones OUT holds."""
    with tempfile.TemporaryDirectory() as tmp:
        inbox, out = Path(tmp) / "报表", Path(tmp) / "结果"
        inbox.mkdir()
        for sample in SAMPLES.glob("*.xlsx"):
            shutil.copy(sample, inbox / sample.name)
        options = IngestOptions([inbox], out, jobs=1, annotate=out / "退回")
        first = ingest(options)
        wall = time.perf_counter()
        again = ingest(options)
        wall = (time.perf_counter() - wall) * 1000
    print(
        f"nothing new: marked copies made: {again.marked_made} "
        f"(kept {again.marked_reused}; the first run made {first.marked_made}); "
        f"the second run {wall:.0f} ms wall"
    )


if __name__ == "__main__":
    main()
