"""Benchmark: how long the terminal takes to answer (`-h`, a usage error, `--version`).

    python benchmarks/bench_startup.py [--runs 10] [--only new] [--only=--help]

Each command line runs in a fresh process, as a clerk's does. Prints the best and median
wall time of N runs beside the anchor (``python -c pass`` in the same run), the median CPU
time of those processes (user + system: what a busy machine inflates least), the time spent
importing modules while the program ran (from ``python -X importtime``), whether pydantic
was imported (typer 0.29 would convert every parameter through a pydantic TypeAdapter,
~100 ms of import and English messages; the terminal layer converts values itself), and
which of the modules a start must not pay for were imported: a schema validator
(jsonschema, jsonschema_rs), python-docx, openpyxl, the reader. The answer should be "no"
and "none" on every line. Goals (issue 16): the import ≤ 0.1 s; ``new 2024`` < 0.2 s.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time

# As the console script runs: ``python -m`` is the program too (``python -c`` would be a
# library user importing the command line, which keeps the interpreter's own defaults).
PROGRAM = ["-m", "gongkai_xlsx"]
COMMAND_LINES = [
    ["--version"],
    ["--help"],
    ["new", "2024", "--force"],
    ["-h"],
    ["ingest", "-h"],
    ["new", "abc"],
    ["ingest", "报表", "-j", "-1", "-o", "结果"],
    ["nwe", "2024"],
]


HEAVY = ("jsonschema", "jsonschema_rs", "docx", "openpyxl", "gongkai_xlsx.reader")


def imports(args: list[str], cwd: str) -> tuple[float, bool, list[str]]:
    """(milliseconds of imports during the run, whether pydantic was among them, which of
    :data:`HEAVY` were)."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", *PROGRAM, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )
    total_us, pydantic, heavy = 0, False, []
    for line in proc.stderr.splitlines():
        parts = line.removeprefix("import time:").split("|")
        if not line.startswith("import time:") or len(parts) != 3 or not parts[1].strip().isdigit():
            continue
        name = parts[2]
        if not name[1:2].isspace():  # a top-level import: its cumulative time counts once
            total_us += int(parts[1])
        pydantic = pydantic or name.strip() == "pydantic"
        if name.strip() in HEAVY:
            heavy.append(name.strip())
    return total_us / 1000, pydantic, heavy


def timed(command: list[str], cwd: str | None = None) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one process running ``command``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, capture_output=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description="命令行响应时间基准")
    parser.add_argument("--runs", type=int, default=10, help="每条命令运行的次数（默认 10）")
    parser.add_argument(
        "--only", action="append", default=[], help="只测以此开头的命令行（可重复，如 new、--help）"
    )
    options = parser.parse_args()
    lines = [
        args
        for args in COMMAND_LINES
        if not options.only or any(" ".join(args).startswith(o) for o in options.only)
    ]
    with tempfile.TemporaryDirectory() as cwd:
        anchor = [timed([sys.executable, "-c", "pass"]) for _ in range(options.runs)]
        bare = statistics.median(wall for wall, _ in anchor)
        bare_cpu = statistics.median(cpu for _, cpu in anchor)
        print(
            f"anchor: python -c pass: best {min(w for w, _ in anchor) * 1000:.0f} ms, "
            f"median {bare * 1000:.0f} ms, CPU {bare_cpu * 1000:.0f} ms"
        )
        for args in lines:
            runs = [timed([sys.executable, *PROGRAM, *args], cwd) for _ in range(options.runs)]
            times = [wall for wall, _ in runs]
            cpu = statistics.median(c for _, c in runs)
            imported_ms, pydantic, heavy = imports(args, cwd)
            median = statistics.median(times)
            print(
                f"gongkai-xlsx {' '.join(args)}: best {min(times) * 1000:.0f} ms, "
                f"median {median * 1000:.0f} ms ({median / bare:.1f}× the anchor), "
                f"CPU {cpu * 1000:.0f} ms ({cpu / bare_cpu:.1f}× the anchor's), "
                f"imports {imported_ms:.0f} ms, pydantic imported: {'yes' if pydantic else 'no'}, "
                f"validator/docx/openpyxl/reader imported: {', '.join(heavy) or 'none'}"
            )


if __name__ == "__main__":
    main()
