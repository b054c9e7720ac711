"""Benchmark: committing a run's outputs (``gongkai_xlsx.outputs``).

    python benchmarks/bench_outputs.py [--outputs 10000] [--size 2000] [--dir /dev/shm]

Prints, for N outputs of SIZE bytes in a fresh temporary folder (under --dir: the file
system decides most of it, creating a file costs from microseconds to a millisecond): ms per output to stage and
commit a first run, a re-run with identical outputs (nothing rewritten) and a re-run where
every output changed; and how long the rename window lasted in the last (Ctrl-C is held
back for that long, and only a SIGKILL inside it needs the next run's recovery).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from gongkai_xlsx import outputs
from gongkai_xlsx.outputs import OutputDir

marks: dict[str, float] = {}


def _mark(phase: str) -> None:
    marks.setdefault(phase, time.perf_counter())


def run(out: Path, count: int, size: int, tag: str) -> float:
    """Seconds to stage and commit ``count`` outputs whose content depends on ``tag``."""
    marks.clear()
    t0 = time.perf_counter()
    with OutputDir(out) as folder:
        names = [f"单位{i:05d}-2024.json" for i in range(count)]
        for name in names:
            folder.stage(name, (f"{tag}:{name}".encode() * size)[:size])
        folder.commit(json.dumps({"tag": tag, "outputs": names}).encode(), names)
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outputs", type=int, default=10_000)
    parser.add_argument("--size", type=int, default=2000)
    parser.add_argument("--dir", default=None, help="where to make the temporary folder")
    args = parser.parse_args()
    outputs._checkpoint_hook = _mark
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        out = Path(tmp) / "out"
        for label, tag in (("first run", "a"), ("identical re-run", "a"), ("all changed", "b")):
            seconds = run(out, args.outputs, args.size, tag)
            print(f"{label:17}: {seconds / args.outputs * 1000:6.3f} ms per output")
        window = marks.get("cleanup", 0.0) - marks.get("journal", 0.0)
        print(f"rename window (all changed): {window * 1000:.0f} ms for {args.outputs} outputs")


if __name__ == "__main__":
    main()
