"""Benchmark: generating templates (`gongkai-xlsx new`), one and a roster's.

    python benchmarks/bench_new.py [--rosters 500,10000] [--runs 10]

Prints, from one run, each figure beside its anchor (the machine is shared: read ratios):

- ``new 2024`` as a process (best and median of N) beside ``python -c pass``, and the
  time spent importing modules in it (``-X importtime``). Goals: import ≤ 0.1 s, the
  whole command < 0.2 s;
- one template built from scratch in a warm process (the anchor of the rosters);
- ``new --roster`` of N agencies (in process: plan and write), wall and CPU time, per
  template and as a ratio to one template from scratch. Goals: 500 in < 5 s, 10,000 in
  < 2 min;
- with ``--previous-n N``: a roster of N agencies whose last year left numbers of their
  own (each built from scratch), with ``-j 1`` and ``-j 2``.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple

from bench_startup import program_env

from gongkai_xlsx.api import new_from_roster, plan_roster, write_roster
from gongkai_xlsx.canonical import Document, Meta, dumps
from gongkai_xlsx.definition import Form, load_form
from gongkai_xlsx.definition.evaluate import with_totals
from gongkai_xlsx.writer import TemplateOptions, write_template

SRC = Path(__file__).resolve().parent.parent / "src"


def process_times(args: list[str], cwd: Path, runs: int) -> list[float]:
    """Wall seconds of ``runs`` processes running ``args``, after one untimed run that
    compiles the bytecode (the program runs as installed: bench_startup.program_env)."""
    env = program_env(SRC)
    times = []
    subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True, check=True)
    for i in range(runs):
        for stale in cwd.glob("*.xlsx"):
            stale.unlink()
        start = time.perf_counter()
        subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True, check=True)
        times.append(time.perf_counter() - start)
        del i
    return times


def import_ms(args: list[str], cwd: Path, runs: int = 7) -> float:
    """Milliseconds spent importing modules during a run (top-level imports summed; the
    median of ``runs`` runs, as bench_startup takes it: one run alone moves by ±30 ms on a
    shared machine), the bytecode compiled (bench_startup.program_env; :func:`process_times`
    ran before)."""
    env = program_env(SRC)
    totals = []
    for _ in range(runs):
        for stale in cwd.glob("*.xlsx"):
            stale.unlink()
        proc = subprocess.run(
            [sys.executable, "-X", "importtime", *args],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        total = 0
        for line in proc.stderr.splitlines():
            parts = line.removeprefix("import time:").split("|")
            timed = (
                line.startswith("import time:") and len(parts) == 3 and parts[1].strip().isdigit()
            )
            if timed and not parts[2][1:2].isspace():  # top level: its cumulative time counts once
                total += int(parts[1])
        totals.append(total / 1000)
    return statistics.median(totals)


def line(label: str, times: list[float]) -> str:
    return (
        f"{label}: best {min(times) * 1000:.0f} ms, median {statistics.median(times) * 1000:.0f} ms"
    )


class Started(NamedTuple):
    """``new 2024`` and ``--help`` as processes (seconds), beside ``python -c pass``."""

    bare: list[float]  # python -c pass, each run: the anchor
    command: list[float]  # new 2024, each run
    new_imports: float  # milliseconds importing, new 2024
    help_imports: float  # milliseconds importing, --help


def startup(cwd: Path, runs: int) -> Started:
    """``new 2024`` as a process ``runs`` times beside the anchor, and the imports of it and
    of ``--help``; printed."""
    new = ["-m", "gongkai_xlsx", "new", "2024"]
    bare = process_times(["-c", "pass"], cwd, runs)
    command = process_times(new, cwd, runs)
    new_imports = import_ms(new, cwd)
    print(line("anchor: python -c pass", bare))
    print(
        line("gongkai-xlsx new 2024 (process)", command)
        + f"; imports {new_imports:.0f} ms (median); "
        f"median {statistics.median(command) / statistics.median(bare):.1f}× the anchor"
    )
    help_imports = import_ms(["-m", "gongkai_xlsx", "--help"], cwd)
    print(f"gongkai-xlsx --help: imports {help_imports:.0f} ms (median)")
    return Started(bare, command, new_imports, help_imports)


def one_template(form: Form, work: Path) -> float:
    """Seconds (median of 20) to build one template from scratch in a warm process: the
    rosters' anchor; printed."""
    times = []
    for i in range(20):
        start = time.perf_counter()
        write_template(form, TemplateOptions(2024, agency=f"单位{i}"), work / f"t{i}.xlsx")
        times.append(time.perf_counter() - start)
    size = (work / "t0.xlsx").stat().st_size
    print(line("anchor: one template from scratch (warm)", times) + f", {size / 1024:.1f} KiB")
    return statistics.median(times)


class Rostered(NamedTuple):
    """``new --roster`` of ``count`` agencies, in process (seconds)."""

    agencies: int
    wall: float
    cpu: float


def roster(work: Path, count: int, one: float) -> Rostered:
    """``new --roster`` of ``count`` agencies (plan and write); printed beside ``one``."""
    path = work / f"名单{count}.csv"
    names = [f"某县第{i}局" for i in range(count)]
    path.write_text("单位名称\n" + "\n".join(names) + "\n", encoding="gbk")
    start, cpu = time.perf_counter(), time.process_time()
    result = new_from_roster(2024, path, work / f"out{count}")
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    per = elapsed / len(result.written)
    print(
        f"new --roster, {len(result.written)} agencies: {elapsed:.2f} s wall, "
        f"{cpu:.2f} s CPU ({per * 1000:.2f} ms a template, "
        f"{per / one:.3f}× one from scratch)"
    )
    return Rostered(len(result.written), elapsed, cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description="生成模板的性能基准")
    parser.add_argument("--rosters", default="500,10000", help="名单的单位数，逗号分隔")
    parser.add_argument("--runs", type=int, default=10, help="进程计时的运行次数（默认 10）")
    parser.add_argument(
        "--previous-n", type=int, default=200, help="上年结转数各不相同的名单的单位数（默认 200）"
    )
    args = parser.parse_args()
    form = load_form("gk2021")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        cwd = work / "cwd"
        cwd.mkdir()
        startup(cwd, args.runs)
        one = one_template(form, work)
        for count in (int(n) for n in args.rosters.split(",") if n):
            roster(work, count, one)

        if args.previous_n:
            previous_run(form, work, args.previous_n, one)


def previous_run(form: Form, work: Path, count: int, one: float) -> None:
    """A roster whose agencies each have numbers of their own last year: built, -j 1 and 2."""
    folder = work / "2023结果"
    folder.mkdir()
    names = [f"某县第{i}局" for i in range(count)]
    for i, agency in enumerate(names):
        meta = Meta(2023, agency, None, None, f"{agency}.xlsx", "0" * 64)
        own: dict[str, int | Decimal | None] = {"b.carried_forward.natural_person": Decimal(i + 1)}
        (folder / f"{i}.json").write_bytes(
            dumps(Document.build(form, meta, with_totals(form, own)).to_json())
        )
    roster = work / "名单-上年.csv"
    roster.write_text("单位名称\n" + "\n".join(names) + "\n", encoding="utf-8")
    for jobs in (1, 2):
        out = work / f"上年-{jobs}"
        plan = plan_roster(2024, roster, out, previous=folder)
        start, cpu = time.perf_counter(), time.process_time()
        result = write_roster(plan, jobs=jobs)
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
        print(
            f"new --roster --previous -j {jobs}, {len(result.prefilled)} agencies each with "
            f"numbers of its own: {elapsed:.2f} s wall, {cpu:.2f} s CPU in the parent "
            f"({elapsed / count / one:.2f}× one from scratch a template)"
        )


if __name__ == "__main__":
    main()
