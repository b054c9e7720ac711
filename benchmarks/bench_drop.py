"""Benchmark: a drop of new returns into a work folder (issue 15) and the parent at 10,000 returns (issue 16).

    python benchmarks/bench_drop.py [--n 10000] [--base 1000] [--new 200] [--jobs 2]

Returns are made as ``bench_ingest.py`` makes them (the template's own sheet XML with
numbers and an agency written in, each return different). Every ingest runs in a fresh
process, so each figure is that process alone. Printed, from one run:

- **the desk**: ``--base`` returns already ingested into a work folder's 结果/, then
  ``--new`` more dropped into a new dated subfolder of 报表/ and ingest run again over
  报表/: the wall time to the updated report, the CPU time (parent and workers), and how
  many files were read (the rest were taken from the result cache, by SHA-256). The
  anchor: the same ingest of all of them into an empty folder, in the same run.
- **the parent at scale**: ingest of ``--base`` and of ``--n`` returns with ``-j``:
  wall, CPU (parent, workers), and the parent's own peak memory (``ru_maxrss`` of the
  ingest process itself, its workers not included) at each size, and the difference.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bench_ingest import FORM, xml_returns

from gongkai_xlsx import api
from gongkai_xlsx.writer import TemplateOptions, write_template


@dataclass(frozen=True)
class Ran:
    wall: float  # seconds
    cpu_parent: float  # seconds of CPU, the ingest process itself
    cpu_workers: float  # seconds of CPU, its workers
    returns: int
    read: int  # files read by a worker (the others came from the cache)
    peak_mib: float  # the ingest process's own peak RSS


def _child(folder: str, out: str, jobs: int, extra: dict[str, object], answer) -> None:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    done = api.ingest(api.IngestOptions([Path(folder)], Path(out), jobs=jobs, **extra))  # type: ignore[arg-type]
    wall = time.perf_counter() - start
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    reused = getattr(done, "reused", 0)  # before the cache: every file was read
    answer.put(
        (
            wall,
            me.ru_utime + me.ru_stime,
            kids.ru_utime + kids.ru_stime,
            len(done.entries),
            len(done.entries) - reused,
            me.ru_maxrss / 1024,
        )
    )


def ingest(folder: Path, out: Path, jobs: int, **extra: object) -> Ran:
    """One ingest of ``folder`` into ``out`` in a fresh process (``extra``: more of
    IngestOptions, e.g. ``roster=``)."""
    ctx = multiprocessing.get_context("spawn")
    answer = ctx.Queue()
    proc = ctx.Process(target=_child, args=(str(folder), str(out), jobs, extra, answer))
    proc.start()
    result = answer.get()
    proc.join()
    return Ran(*result)


def show(label: str, ran: Ran) -> None:
    print(
        f"  {label:<44} {ran.wall:7.2f} s wall, CPU {ran.cpu_parent:6.2f} s parent + "
        f"{ran.cpu_workers:6.2f} s workers; {ran.returns} returns, {ran.read} read; "
        f"parent peak {ran.peak_mib:6.1f} MiB",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="工作台场景与一万份报表的性能基准")
    parser.add_argument("--n", type=int, default=10000, help="大批量的份数（默认 10000）")
    parser.add_argument("--base", type=int, default=1000, help="已收集的份数（默认 1000）")
    parser.add_argument("--new", type=int, default=200, help="新收到的份数（默认 200）")
    parser.add_argument("--jobs", type=int, default=2, help="并行进程数（默认 2）")
    parser.add_argument("--skip-scale", action="store_true", help="只测工作台场景")
    parser.add_argument("--skip-desk", action="store_true", help="只测大批量时主进程的内存")
    parser.add_argument(
        "--made", type=Path, help="生成的报表放在这里，再次运行时沿用（默认用临时文件夹）"
    )
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}; -j {args.jobs}")
    with tempfile.TemporaryDirectory(prefix="gk-desk-") as tmp:
        work = Path(tmp)
        template = work / "template.xlsx"
        write_template(FORM, TemplateOptions(2024), template)
        start = time.perf_counter()
        total = max(args.n if not args.skip_scale else 0, args.base + args.new)
        kept = args.made or work / "made"
        made = sorted(kept.glob("r*.xlsx")) if kept.is_dir() else []
        if len(made) < total:
            made = xml_returns(template, kept, total)
            print(f"made {total} returns in {time.perf_counter() - start:.1f} s")
        made = made[:total]

        if not args.skip_desk:
            desk(work, made, args.base, args.new, args.jobs)
        if args.skip_scale:
            return
        scale(work, made, args.n, args.base, args.jobs)


def desk(work: Path, made: list[Path], base: int, new: int, jobs: int) -> None:
    """The desk: 报表/<date>/ per arrival, 结果/ the output folder."""
    inbox = work / "desk" / "报表"
    first, second = inbox / "2025-01-10", inbox / "2025-01-20"
    first.mkdir(parents=True)
    for p in made[:base]:
        shutil.copy(p, first / p.name)
    results = work / "desk" / "结果"
    print(f"the desk ({base} already ingested, {new} new in a new subfolder):")
    show(f"first ingest of {base}", ingest(inbox, results, jobs))
    second.mkdir()
    for p in made[base : base + new]:
        shutil.copy(p, second / p.name)
    again = ingest(inbox, results, jobs)
    show(f"re-run after {new} new arrived", again)
    same = ingest(inbox, results, jobs)
    show("re-run with nothing new", same)
    fresh = ingest(inbox, work / "desk" / "另一结果", jobs)
    show(f"anchor: all {base + new} into an empty folder", fresh)
    print(
        f"desk: updated report in {again.wall:.2f} s ({again.read} files read of "
        f"{again.returns}); {again.wall / fresh.wall:.2f}x the anchor's {fresh.wall:.2f} s"
    )


def scale(work: Path, made: list[Path], n: int, base: int, jobs: int) -> tuple[Ran, Ran]:
    """The parent at scale: its own peak at ``base`` and at ``n`` returns, and its growth
    per 1,000 returns (the goal: at ``n`` ≤ at ``base`` + 10 MB); the two runs."""
    small, big = work / "small", work / "big"
    small.mkdir()
    big.mkdir()
    for i, p in enumerate(made[:n]):
        os.link(p, big / p.name)
        if i < base:
            os.link(p, small / p.name)
    print(f"the parent at scale (-j {jobs}, each into an empty folder):")
    at_small = ingest(small, work / "o-small", jobs)
    show(f"{base} returns", at_small)
    at_big = ingest(big, work / "o-big", jobs)
    show(f"{n} returns", at_big)
    grown = at_big.peak_mib - at_small.peak_mib
    per_1000 = grown * 1000 / max(1, n - base)  # MiB per 1,000 returns more
    print(
        f"scale: {n} returns in {at_big.wall:.1f} s wall with -j {jobs}; parent "
        f"peak {at_small.peak_mib:.1f} MiB at {base}, {at_big.peak_mib:.1f} MiB at "
        f"{n} (+{grown:.1f} MiB, {per_1000:.2f} MiB per 1,000 returns more; goal +10 MB)"
    )
    return at_small, at_big


if __name__ == "__main__":
    main()
