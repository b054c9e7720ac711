"""Benchmark: how long the terminal takes to answer (`-h`, a usage error, `--version`).

    python benchmarks/bench_startup.py [--runs 10] [--only new] [--only=--help] [--against OTHER/src]

Each command line runs in a fresh process, as a clerk's does. Prints the best and median
wall time of N runs beside the anchor (``python -c pass`` in the same run), the median CPU
time of those processes (user + system: what a busy machine inflates least), the time spent
importing modules while the program ran (from ``python -X importtime``), whether pydantic
was imported (typer 0.29 would convert every parameter through a pydantic TypeAdapter,
~100 ms of import and English messages; the terminal layer converts values itself), and
which of the modules a start must not pay for were imported: a schema validator
(jsonschema, jsonschema_rs), python-docx, openpyxl, the reader. The answer should be "no"
and "none" on every line. Goals (issue 16): the import ≤ 0.1 s; ``new 2024`` < 0.2 s.

The program runs from this checkout's ``src`` as an installed one does: with its bytecode
compiled once and kept (pip compiles a package as it installs it). A shell with
``PYTHONDONTWRITEBYTECODE`` (or a source tree that cannot be written) would otherwise
compile every module of ours again in every run (some 25 ms of CPU for ``new 2024`` and
``--help``), which no installed program pays. The bytecode is kept in a folder of the
benchmark's own, never in the source tree, and each command line runs once untimed
first. ``--against OTHER/src`` runs another tree (the before of a change) too,
interleaved run by run, for a before/after from one run.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src"
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

# The compiled bytecode of every run of this benchmark (see the module's docstring).
_BYTECODE = tempfile.TemporaryDirectory(prefix="gongkai-bytecode-")


def program_env(src: Path = SRC) -> dict[str, str]:
    """The environment of the program as a clerk runs it: the package from ``src``, its
    bytecode compiled once and kept (outside the source tree)."""
    env = {**os.environ, "PYTHONPATH": str(src), "PYTHONPYCACHEPREFIX": _BYTECODE.name}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def imports(
    args: list[str], cwd: str, env: dict[str, str] | None = None
) -> tuple[float, bool, list[str]]:
    """(milliseconds of imports during the run, whether pydantic was among them, which of
    :data:`HEAVY` were)."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", *PROGRAM, *args],
        cwd=cwd,
        env=env or program_env(),
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


def timed(
    command: list[str], cwd: str | None = None, env: dict[str, str] | None = None
) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one process running ``command``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=env or program_env(), capture_output=True, check=False)
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
    parser.add_argument(
        "--against", type=Path, help="另一份源码的 src 文件夹（如改动之前的），逐次交替运行以便对比"
    )
    options = parser.parse_args()
    lines = [
        args
        for args in COMMAND_LINES
        if not options.only or any(" ".join(args).startswith(o) for o in options.only)
    ]
    trees = {"": program_env()}
    if options.against:
        trees[f" [{options.against}]"] = program_env(options.against.resolve())
    with tempfile.TemporaryDirectory() as cwd:
        for env in trees.values():  # compile the bytecode: untimed
            timed([sys.executable, "-c", "pass"], cwd, env)
            for args in lines:
                timed([sys.executable, *PROGRAM, *args], cwd, env)
        anchor = [timed([sys.executable, "-c", "pass"], cwd) for _ in range(options.runs)]
        bare = statistics.median(wall for wall, _ in anchor)
        bare_cpu = statistics.median(cpu for _, cpu in anchor)
        print(
            f"anchor: python -c pass: best {min(w for w, _ in anchor) * 1000:.0f} ms, "
            f"median {bare * 1000:.0f} ms, CPU {bare_cpu * 1000:.0f} ms"
        )
        for args in lines:
            runs: dict[str, list[tuple[float, float]]] = {label: [] for label in trees}
            imported: dict[str, list[tuple[float, bool, list[str]]]] = {t: [] for t in trees}
            for _ in range(options.runs):  # the trees interleaved, run by run
                for label, env in trees.items():
                    runs[label].append(timed([sys.executable, *PROGRAM, *args], cwd, env))
                    imported[label].append(imports(args, cwd, env))
            for label in trees:
                times = [wall for wall, _ in runs[label]]
                cpu = statistics.median(c for _, c in runs[label])
                imported_ms = statistics.median(ms for ms, _, _ in imported[label])
                pydantic = any(p for _, p, _ in imported[label])
                heavy = sorted({h for _, _, hs in imported[label] for h in hs})
                median = statistics.median(times)
                print(
                    f"gongkai-xlsx {' '.join(args)}{label}: best {min(times) * 1000:.0f} ms, "
                    f"median {median * 1000:.0f} ms ({median / bare:.1f}× the anchor), "
                    f"CPU {cpu * 1000:.0f} ms ({cpu / bare_cpu:.1f}× the anchor's), "
                    f"imports {imported_ms:.0f} ms (median), "
                    f"pydantic imported: {'yes' if pydantic else 'no'}, "
                    f"validator/docx/openpyxl/reader imported: {', '.join(heavy) or 'none'}"
                )


if __name__ == "__main__":
    main()
