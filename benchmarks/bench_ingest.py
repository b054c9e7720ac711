"""Benchmark: ingesting returns (`gongkai-xlsx ingest`).

    python benchmarks/bench_ingest.py [--returns 400] [--jobs 2]

Makes N filled returns (different numbers, B1 holding), then prints: the raw read speed of
openpyxl (read-only, values) and, when installed, python-calamine on the same files — the
floor a reader can approach — and gongkai-xlsx's full check (read, locate, parse, rules,
schema, canonical bytes) in one process and in parallel, per file and per batch.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import openpyxl

from gongkai_xlsx.api import check_file
from gongkai_xlsx.batch import collect, run_checks
from gongkai_xlsx.cellref import to_a1
from gongkai_xlsx.definition import load_form
from gongkai_xlsx.definition.evaluate import with_totals
from gongkai_xlsx.definition.layout import layout_of
from gongkai_xlsx.writer import TemplateOptions, write_template


def make_returns(work: Path, count: int) -> list[Path]:
    form = load_form("gk2021")
    layout = layout_of(form)
    template = work / "template.xlsx"
    write_template(form, TemplateOptions(2024), template)
    rng = random.Random(2024)
    paths = []
    columns = [
        ".".join(c.key_path()) for c in form.table("b").blocks[0].column_leaves() if not c.total
    ]
    for i in range(count):
        wb = openpyxl.load_workbook(template)
        values = {
            c.id: rng.randint(0, 50)
            for c in form.input_cells()
            if c.kind.type == "integer" and not c.id.startswith("b.carried_forward")
        }
        totals = with_totals(form, values)
        for col in columns:
            left = totals[f"b.received.{col}"] + totals[f"b.carried_over.{col}"]
            values[f"b.carried_forward.{col}"] = left - totals[f"b.results_total.{col}"]
            if values[f"b.carried_forward.{col}"] < 0:
                values[f"b.received.{col}"] -= values[f"b.carried_forward.{col}"]
                values[f"b.carried_forward.{col}"] = 0
        values["a.fees.amount"] = round(rng.random() * 1000, 2)
        values["cover.agency"] = f"某县第{i}局"
        for cell_id, value in values.items():
            if cell_id == "cover.agency":
                sheet, r, c = layout.field_positions["agency"]
            else:
                sheet, r, c = layout.cell_positions[cell_id]
            wb[sheet][to_a1(r, c)] = value
        path = work / "returns" / f"r{i:05d}.xlsx"
        path.parent.mkdir(exist_ok=True)
        wb.save(path)
        paths.append(path)
    return paths


def timed(label: str, count: int, func: Callable[[], object]) -> float:
    start = time.perf_counter()
    func()
    elapsed = time.perf_counter() - start
    print(
        f"{label:<44} {elapsed:7.2f} s  {elapsed / count * 1000:7.2f} ms/file  "
        f"{count / elapsed:7.0f} files/s"
    )
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description="收集报表的性能基准")
    parser.add_argument("--returns", type=int, default=400, help="报表份数（默认 400）")
    parser.add_argument("--jobs", type=int, default=2, help="并行进程数（默认 2）")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        start = time.perf_counter()
        paths = make_returns(work, args.returns)
        print(f"made {len(paths)} returns in {time.perf_counter() - start:.1f} s")

        def openpyxl_raw() -> None:
            for p in paths:
                wb = openpyxl.load_workbook(p, read_only=True, data_only=True)
                for ws in wb.worksheets:
                    for _ in ws.iter_rows(values_only=True):
                        pass
                wb.close()

        timed("raw read, openpyxl read-only", len(paths), openpyxl_raw)
        try:
            import python_calamine
        except ImportError:
            print("raw read, python-calamine: not installed (pip install python-calamine)")
        else:

            def calamine_raw() -> None:
                for p in paths:
                    wb = python_calamine.CalamineWorkbook.from_path(str(p))
                    for name in wb.sheet_names:
                        wb.get_sheet_by_name(name).to_python(skip_empty_area=False)

            timed("raw read, python-calamine", len(paths), calamine_raw)

        outcomes = []
        timed(
            "check, one process", len(paths), lambda: outcomes.extend(check_file(p) for p in paths)
        )
        assert all(not o.errors for o in outcomes), [o.errors[:1] for o in outcomes if o.errors]
        batch = collect([work / "returns"])
        timed(
            f"ingest batch, {args.jobs} processes",
            len(paths),
            lambda: run_checks(batch, None, jobs=args.jobs),
        )
        tracemalloc.start()
        check_file(paths[0])
        _, peak = tracemalloc.get_traced_memory()
        print(f"peak Python memory checking one return: {peak / 1024 / 1024:.1f} MiB")


if __name__ == "__main__":
    main()
