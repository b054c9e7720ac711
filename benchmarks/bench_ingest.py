"""Benchmark: ingesting returns at provincial scale (`gongkai-xlsx ingest`).

    python benchmarks/bench_ingest.py [--n 1000] [--jobs 0] [--openpyxl-saved 100]

Makes N filled returns (different numbers, B1 holding) by writing values into the
template's sheet XML, as another application would save them, plus a few returns saved by
openpyxl. Then prints, from one run on the same files:

- the raw read of python-calamine (all cells of every sheet) and openpyxl's full load:
  the floor a reader can approach, and the library the reader replaced;
- ingest's marginal cost per return (the whole pipeline: read, locate, check, canonical
  bytes, JSON and report written, output committed), with ``-j 1`` and with the default
  (the cores): (time for N - time for N/10) / (N - N/10), which leaves out start-up;
- the ratio of that marginal cost to calamine's raw read;
- the time of the whole N-return ingest (with --n 10000: the 10,000-return figure,
  measured);
- peak memory of the ingest process (and of its largest worker) at N/10 and at N.
"""

from __future__ import annotations

import argparse
import io
import multiprocessing
import os
import random
import re
import resource
import shutil
import statistics
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import openpyxl

from gongkai_xlsx import api
from gongkai_xlsx.cellref import to_a1
from gongkai_xlsx.definition import load_form
from gongkai_xlsx.definition.evaluate import with_totals
from gongkai_xlsx.definition.layout import layout_of
from gongkai_xlsx.writer import TemplateOptions, write_template

FORM = load_form("gk2021")
LAYOUT = layout_of(FORM)
COLUMNS = [".".join(c.key_path()) for c in FORM.table("b").blocks[0].column_leaves() if not c.total]


def values_for(rng: random.Random) -> dict[str, object]:
    """Numbers for every count input, with B1 holding in every column."""
    values: dict[str, object] = {
        c.id: rng.randint(0, 50)
        for c in FORM.input_cells()
        if c.kind.type == "integer" and not c.id.startswith("b.carried_forward")
    }
    totals = with_totals(FORM, values)  # type: ignore[arg-type]
    for col in COLUMNS:
        left = totals[f"b.received.{col}"] + totals[f"b.carried_over.{col}"]  # type: ignore[operator]
        forward = left - totals[f"b.results_total.{col}"]  # type: ignore[operator]
        if forward < 0:
            values[f"b.received.{col}"] -= forward  # type: ignore[operator]
            forward = 0
        values[f"b.carried_forward.{col}"] = forward
    values["a.fees.amount"] = round(rng.random() * 1000, 2)
    return values


def xml_returns(template: Path, folder: Path, count: int, seed: int = 2024) -> list[Path]:
    """Returns written by putting ``<v>`` into the template's own empty cells (fast: a
    province's worth in seconds), each with its agency on the cover."""
    folder.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(template) as zf:
        parts = {i.filename: zf.read(i) for i in zf.infolist()}
        infos = zf.infolist()
    wb = parts["xl/workbook.xml"].decode()
    rels = parts["xl/_rels/workbook.xml.rels"].decode()
    targets = {}
    for tag in re.findall(r"<Relationship\b[^>]*>", rels):
        rid, target = re.search(r'Id="([^"]+)"', tag), re.search(r'Target="([^"]+)"', tag)
        assert rid is not None and target is not None
        targets[rid.group(1)] = "xl/" + target.group(1).lstrip("/").removeprefix("xl/")
    by_sheet = {
        name: targets[rid]
        for name, rid in re.findall(r'<sheet name="([^"]+)" sheetId="\d+" r:id="(rId\d+)"', wb)
    }
    rng = random.Random(seed)
    paths = []
    agency_sheet, ar, ac = LAYOUT.field_positions["agency"]
    for i in range(count):
        edits: dict[str, dict[str, str]] = {}
        for cell_id, value in values_for(rng).items():
            sheet, r, c = LAYOUT.cell_positions[cell_id]
            edits.setdefault(sheet, {})[to_a1(r, c)] = f"<v>{value}</v>"
        edits.setdefault(agency_sheet, {})[to_a1(ar, ac)] = f"<is><t>某县第{i:05d}局</t></is>"
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
            for info in infos:
                data = parts[info.filename]
                sheet = next((s for s, p in by_sheet.items() if p == info.filename), None)
                if sheet in edits:
                    xml = data.decode()
                    for ref, inner in edits[sheet].items():
                        kind = ' t="inlineStr"' if inner.startswith("<is>") else ""
                        xml = re.sub(
                            rf'<c r="{ref}"( s="\d+")?/>',
                            lambda m, ref=ref, inner=inner, kind=kind: (
                                f'<c r="{ref}"{m.group(1) or ""}{kind}>{inner}</c>'
                            ),
                            xml,
                            count=1,
                        )
                    data = xml.encode()
                zout.writestr(info, data)
        path = folder / f"r{i:05d}.xlsx"
        path.write_bytes(out.getvalue())
        paths.append(path)
    return paths


def openpyxl_returns(template: Path, folder: Path, count: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(7)
    paths = []
    for i in range(count):
        wb = openpyxl.load_workbook(template)
        for cell_id, value in values_for(rng).items():
            sheet, r, c = LAYOUT.cell_positions[cell_id]
            wb[sheet][to_a1(r, c)] = value
        sheet, r, c = LAYOUT.field_positions["agency"]
        wb[sheet][to_a1(r, c)] = f"某市第{i:04d}局"
        path = folder / f"o{i:04d}.xlsx"
        wb.save(path)
        paths.append(path)
    return paths


def per_file(label: str, paths: list[Path], func) -> float:
    """Best of three passes over ``paths``, in ms per file."""
    times = []
    for _ in range(3):
        start = time.perf_counter()
        for p in paths:
            func(p)
        times.append((time.perf_counter() - start) / len(paths) * 1000)
    best = min(times)
    print(f"  {label:<46} {best:8.3f} ms/file  (median {statistics.median(times):.3f})")
    return best


def calamine_read(path: Path) -> None:
    import python_calamine

    wb = python_calamine.CalamineWorkbook.from_path(str(path))
    for name in wb.sheet_names:
        wb.get_sheet_by_name(name).to_python(skip_empty_area=False)


def openpyxl_full(path: Path) -> None:
    openpyxl.load_workbook(path).close()


def _ingest_child(folder: str, out: str, jobs: int, answer) -> None:
    start = time.perf_counter()
    done = api.ingest(api.IngestOptions([Path(folder)], Path(out), jobs=jobs))
    elapsed = time.perf_counter() - start
    self_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    child_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    answer.put((elapsed, len(done.entries), self_kb, child_kb))


def timed_ingest(folder: Path, out: Path, jobs: int) -> tuple[float, int, float, float]:
    """One ingest in a fresh process: seconds, returns, peak MiB of the process and of its
    largest worker."""
    shutil.rmtree(out, ignore_errors=True)
    ctx = multiprocessing.get_context("spawn")
    answer = ctx.Queue()
    proc = ctx.Process(target=_ingest_child, args=(str(folder), str(out), jobs, answer))
    proc.start()
    result = answer.get()
    proc.join()
    elapsed, count, self_kb, child_kb = result
    return elapsed, count, self_kb / 1024, child_kb / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description="收集报表的性能基准")
    parser.add_argument("--n", type=int, default=1000, help="报表份数（默认 1000）")
    parser.add_argument("--jobs", type=int, default=0, help="默认并行进程数，0 为 CPU 核数")
    parser.add_argument(
        "--openpyxl-saved", type=int, default=100, help="另由 openpyxl 保存的报表份数"
    )
    args = parser.parse_args()
    n, small = args.n, max(args.n // 10, 10)
    default_jobs = args.jobs or api.default_jobs()
    print(f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory(prefix="gk-bench-") as tmp:
        work = Path(tmp)
        template = work / "template.xlsx"
        write_template(FORM, TemplateOptions(2024), template)
        start = time.perf_counter()
        paths = xml_returns(template, work / "big", n)
        small_dir = work / "small"
        small_dir.mkdir()
        for p in paths[:small]:
            shutil.copy(p, small_dir / p.name)
        saved = openpyxl_returns(template, work / "openpyxl", args.openpyxl_saved)
        print(
            f"made {n} returns (+{len(saved)} openpyxl-saved) in {time.perf_counter() - start:.1f} s"
        )

        sample = paths[: min(200, n)]
        print("raw reads of the same files (one process):")
        calamine = per_file("python-calamine, every cell of every sheet", sample, calamine_read)
        per_file("openpyxl, full load", sample, openpyxl_full)
        per_file("gongkai-xlsx read + check, in process", sample, api.check_file)
        per_file("gongkai-xlsx read + check, openpyxl-saved", saved, api.check_file)

        print(f"ingest (the whole pipeline, {n} and {small} returns, each in a fresh process):")
        figures = {}
        for jobs in dict.fromkeys((1, default_jobs)):
            t_small, _, mem_small, worker_small = timed_ingest(small_dir, work / "o1", jobs)
            t_big, count, mem_big, worker_big = timed_ingest(work / "big", work / "o2", jobs)
            assert count == n
            marginal = (t_big - t_small) / (n - small) * 1000
            figures[jobs] = marginal
            print(
                f"  -j {jobs}: {n} returns in {t_big:6.2f} s, {small} in {t_small:5.2f} s; "
                f"marginal {marginal:6.3f} ms/return, {marginal / calamine:4.2f}x calamine's raw read"
            )
            print(
                f"        peak memory: ingest process {mem_small:6.1f} MiB at {small}, "
                f"{mem_big:6.1f} MiB at {n}; largest worker {worker_small:5.1f} / {worker_big:5.1f} MiB"
            )
        best = min(figures.values())
        print(
            f"best marginal cost: {best:.3f} ms/return = {best / calamine:.2f}x calamine ({calamine:.3f} ms)"
        )
        if n >= 10000:
            t10k, *_ = timed_ingest(work / "big", work / "o3", default_jobs)
            print(f"{n} returns with -j {default_jobs}: {t10k:.1f} s (measured)")


if __name__ == "__main__":
    main()
