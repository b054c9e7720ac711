"""Benchmark: generating templates (`gongkai-xlsx new`).

    python benchmarks/bench_new.py [--roster 500]

Prints the time to write one template (best and median of 20) and to write one template
per agency of a roster of N agencies. Goals: one workbook well under a second; a roster
of 500 well under a minute.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from gongkai_xlsx.api import new_from_roster
from gongkai_xlsx.definition import load_form
from gongkai_xlsx.writer import TemplateOptions, write_template


def main() -> None:
    parser = argparse.ArgumentParser(description="生成模板的性能基准")
    parser.add_argument("--roster", type=int, default=500, help="名单中的单位数（默认 500）")
    args = parser.parse_args()
    form = load_form("gk2021")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        times = []
        for i in range(20):
            start = time.perf_counter()
            write_template(form, TemplateOptions(2024, agency=f"单位{i}"), work / f"t{i}.xlsx")
            times.append(time.perf_counter() - start)
        size = (work / "t0.xlsx").stat().st_size
        print(
            f"one template: best {min(times) * 1000:.1f} ms, "
            f"median {statistics.median(times) * 1000:.1f} ms, {size / 1024:.1f} KiB"
        )
        roster = work / "名单.csv"
        names = [f"某县第{i}局" for i in range(args.roster)]
        roster.write_text("单位名称\n" + "\n".join(names) + "\n", encoding="gbk")
        start = time.perf_counter()
        result = new_from_roster(2024, roster, work / "out")
        elapsed = time.perf_counter() - start
        print(
            f"roster of {len(result.written)} agencies: {elapsed:.2f} s "
            f"({elapsed / len(result.written) * 1000:.1f} ms per workbook)"
        )


if __name__ == "__main__":
    main()
