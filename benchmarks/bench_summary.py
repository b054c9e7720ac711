"""Benchmark: summary workbooks (`aggregate -o X.xlsx`) of many members, read back.

    python benchmarks/bench_summary.py [--members 100 1000 5000]

For each size: the time to write the workbook, its size and the cells of 汇总明细, then
reading it in a child process as ingest does (read and check one file), with its time and
peak memory (ru_maxrss). Goals: a county (100) and a city (1,000) well inside ingest's
per-file limits (10 s, 512 MB), and the largest workbook the writer allows (some 3,000
half-filled members) inside them too.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from gongkai_xlsx.aggregate import aggregate_documents, write_summary_xlsx
from gongkai_xlsx.canonical import Document, Meta
from gongkai_xlsx.definition import Form, load_form
from gongkai_xlsx.definition.evaluate import with_totals
from gongkai_xlsx.definition.summary_columns import MAX_MEMBER_CELLS, member_cells

CHILD = """
import json, resource, sys, time
from pathlib import Path
from gongkai_xlsx.api import check_file
start = time.perf_counter()
outcome = check_file(Path(sys.argv[1]))
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
members = len(outcome.document["members"]) if outcome.document else 0
codes = sorted({f.code.code for f in outcome.findings})
print(json.dumps({"seconds": seconds, "peak_mb": peak, "members": members, "codes": codes}))
"""


def balanced(form: Form, values: dict[str, Any]) -> dict[str, Any]:
    """B1 made to hold in every column (as every return ingest passes)."""
    columns = [".".join(c.key_path()) for c in form.table("b").blocks[0].column_leaves()]
    for col in (c for c in columns if f"b.received.{c}" in {x.id for x in form.input_cells()}):
        totals = with_totals(form, values)
        left = (totals[f"b.received.{col}"] or 0) + (totals[f"b.carried_over.{col}"] or 0)
        results = totals[f"b.results_total.{col}"] or 0
        if left >= results:
            values[f"b.carried_forward.{col}"] = left - results
        else:
            values[f"b.carried_over.{col}"] = (values.get(f"b.carried_over.{col}") or 0) + (
                results - left
            )
            values[f"b.carried_forward.{col}"] = 0
    return values


def documents(form: Form, count: int) -> list[tuple[str, dict[str, Any]]]:
    rng = random.Random(count)
    docs = []
    for number in range(count):
        values: dict[str, Any] = {}
        for cell in form.input_cells():
            if rng.random() < 0.5:
                continue
            if cell.kind.type == "integer":
                values[cell.id] = rng.randint(0, 50)
            else:
                values[cell.id] = Decimal(rng.randint(0, 10**6)) / 10**4
        values = balanced(form, values)
        meta = Meta(2024, f"某省第{number:05d}局", None, None, f"{number}.xlsx", f"{number:064x}")
        docs.append(
            (f"{number}.json", Document.build(form, meta, with_totals(form, values)).to_json())
        )
    return docs


def main() -> None:
    parser = argparse.ArgumentParser(description="汇总表（.xlsx）的性能基准")
    parser.add_argument("--members", type=int, nargs="+", default=[100, 1000, 3000])
    args = parser.parse_args()
    form = load_form("gk2021")
    print(f"members sheet bound: {MAX_MEMBER_CELLS:,} cells")
    with tempfile.TemporaryDirectory() as tmp:
        for count in args.members:
            summary = aggregate_documents(documents(form, count), "某省", file_name="s.xlsx")
            path = Path(tmp) / f"s{count}.xlsx"
            start = time.perf_counter()
            write_summary_xlsx(summary, path)
            written = time.perf_counter() - start
            cells = member_cells(form, [len(m.values) for m in summary.members])
            child = subprocess.run(
                [sys.executable, "-c", CHILD, str(path)], capture_output=True, text=True
            )
            if child.returncode != 0:
                print(f"{count} members: reading failed: {child.stderr[-500:]}")
                continue
            read = json.loads(child.stdout)
            print(
                f"{count:>5} members: write {written:.2f} s, {path.stat().st_size / 1024:.0f} KiB, "
                f"~{cells:,} cells in 汇总明细; read and check {read['seconds']:.2f} s, "
                f"peak {read['peak_mb']:.0f} MB, {read['members']} members read back"
                + (f", findings {read['codes']}" if read["codes"] else "")
            )


if __name__ == "__main__":
    main()
