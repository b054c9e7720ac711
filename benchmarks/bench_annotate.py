"""Benchmark: marking returns (`gongkai-xlsx annotate`, the engine without the check).

    python benchmarks/bench_annotate.py [--marks 200]

Prints the time to mark each sample (best and median of 20), and to mark one return with
N findings spread over every input cell. Goal: a marked copy well under the time it takes
to check the return, so ``ingest --annotate`` adds little to a batch.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from gongkai_xlsx.annotate import Mark, annotate_workbook, marks_from_findings
from gongkai_xlsx.api import check_file
from gongkai_xlsx.cellref import to_a1
from gongkai_xlsx.definition import load_form
from gongkai_xlsx.definition.layout import layout_of

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def timed(data: bytes, marks: list[Mark], form) -> tuple[float, float]:
    times = []
    for _ in range(20):
        start = time.perf_counter()
        annotate_workbook(data, marks, form)
        times.append(time.perf_counter() - start)
    return min(times) * 1000, statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description="生成标注副本的性能基准")
    parser.add_argument("--marks", type=int, default=200, help="一份报表中的问题数（默认 200）")
    args = parser.parse_args()
    form = load_form("gk2021")
    for path in sorted(SAMPLES.glob("*.xlsx")):
        marks = marks_from_findings(check_file(path).findings)
        if not marks:
            continue
        best, median = timed(path.read_bytes(), marks, form)
        print(f"{path.name}: {len(marks)} marks, best {best:.1f} ms, median {median:.1f} ms")
    layout = layout_of(form)
    places = [(s, to_a1(r, c)) for s, r, c in layout.cell_positions.values()]
    many = [
        Mark("error" if i % 2 else "warning", *places[i % len(places)], f"问题 {i}", "bench")
        for i in range(args.marks)
    ]
    data = (SAMPLES / "某县民政局_2024_LibreOffice保存.xlsx").read_bytes()
    best, median = timed(data, many, form)
    print(f"{args.marks} marks on {len(places)} cells: best {best:.1f} ms, median {median:.1f} ms")


if __name__ == "__main__":
    main()
