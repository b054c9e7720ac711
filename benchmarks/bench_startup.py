"""Benchmark: how long the terminal takes to answer (`-h`, a usage error, `--version`).

    python benchmarks/bench_startup.py [--runs 10]

Each command line runs in a fresh process, as a clerk's does. Prints the best and median
wall time of N runs, the time spent importing modules while the program ran (from
``python -X importtime``), and whether pydantic was imported: typer 0.29 would convert
every parameter through a pydantic TypeAdapter (~100 ms of import and English messages);
the terminal layer converts values itself, so the answer should be "no" on every line.
Goal: help and usage errors answer within the import time of the CLI itself.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time

SCRIPT = "from gongkai_xlsx.cli import main\nmain()\n"
COMMAND_LINES = [
    ["--version"],
    ["-h"],
    ["ingest", "-h"],
    ["new", "abc"],
    ["ingest", "报表", "-j", "-1", "-o", "结果"],
    ["nwe", "2024"],
]


def imports(args: list[str], cwd: str) -> tuple[float, bool]:
    """(milliseconds of imports during the run, whether pydantic was among them)."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", SCRIPT, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )
    total_us, pydantic = 0, False
    for line in proc.stderr.splitlines():
        parts = line.removeprefix("import time:").split("|")
        if not line.startswith("import time:") or len(parts) != 3 or not parts[1].strip().isdigit():
            continue
        name = parts[2]
        if not name[1:2].isspace():  # a top-level import: its cumulative time counts once
            total_us += int(parts[1])
        pydantic = pydantic or name.strip() == "pydantic"
    return total_us / 1000, pydantic


def main() -> None:
    parser = argparse.ArgumentParser(description="命令行响应时间基准")
    parser.add_argument("--runs", type=int, default=10, help="每条命令运行的次数（默认 10）")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as cwd:
        for args in COMMAND_LINES:
            times = []
            for _ in range(options.runs):
                start = time.perf_counter()
                subprocess.run(
                    [sys.executable, "-c", SCRIPT, *args], cwd=cwd, capture_output=True, check=False
                )
                times.append(time.perf_counter() - start)
            imported_ms, pydantic = imports(args, cwd)
            print(
                f"gongkai-xlsx {' '.join(args)}: best {min(times) * 1000:.0f} ms, "
                f"median {statistics.median(times) * 1000:.0f} ms, "
                f"imports {imported_ms:.0f} ms, pydantic imported: {'yes' if pydantic else 'no'}"
            )


if __name__ == "__main__":
    main()
