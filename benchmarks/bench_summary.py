"""Benchmark: a province's 汇总 — `render` of a large summary, `aggregate -o X.xlsx` of
many agencies and `ingest` of that workbook, each beside its anchor from the same run.

    python benchmarks/bench_summary.py [--render 4500] [--members 1000 10000]

Each command runs as a process (as a clerk runs it), wall time with the child's CPU time.

- render: a summary of N agencies (JSON) to HTML. Anchors: reading the file with orjson;
  the compiled schema validator (jsonschema-rs) and the pure-Python one (jsonschema) on the
  same document, so the share validation would take without the compiled one shows.
- aggregate -o X.xlsx: N balanced returns (canonical JSON files) summed into the workbook.
  Anchor: `aggregate -o X.json` of the same files. The workbook's size and where its
  members travel (汇总明细 with their numbers, or 成员数据 one cell per member).
- ingest X.xlsx: the workbook read back, checked and written as canonical JSON. Anchor:
  `documents.read` of X.json. "same document" says whether ingest's JSON equals the
  aggregate's JSON of the same members (but for ``source.file``, the name of the file).

Goals (issue 16): render of 4,500 agencies < 1 s; 10,000 agencies written as .xlsx and
ingested back to the same document, < 60 s each way.
"""

from __future__ import annotations

import argparse
import random
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

import orjson

from gongkai_xlsx.aggregate import aggregate_documents, write_summary
from gongkai_xlsx.api import RenderOptions, render
from gongkai_xlsx.canonical import Document, Meta, dumps, is_valid, validator
from gongkai_xlsx.definition import Form, load_form, names
from gongkai_xlsx.definition.evaluate import with_totals
from gongkai_xlsx.documents import parse_json
from gongkai_xlsx.documents import read as read_document


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
    """``count`` balanced returns of half-filled cells (counts to 50, amounts to 100 万元)."""
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


def command(*args: object) -> tuple[float, float, float, int]:
    """``gongkai-xlsx args`` as a process: wall seconds, its CPU seconds, the peak MB of
    the children so far (each run here is larger than the one before), its exit code."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "gongkai_xlsx", *map(str, args)], capture_output=True, text=True
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):
        raise SystemExit(f"gongkai-xlsx {args[0]} failed:\n{done.stdout}\n{done.stderr}")
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return wall, cpu, after.ru_maxrss / 1024, done.returncode


class Rendered(NamedTuple):
    """``render`` of a summary as a process, and its anchors (seconds)."""

    agencies: int
    wall: float
    cpu: float
    pure: float  # pure-Python jsonschema on the same document
    compiled: float  # jsonschema-rs
    load: float  # orjson.loads of the file


class Written(NamedTuple):
    """``aggregate -o .xlsx`` and ``ingest`` of it, as processes, and their anchors (seconds)."""

    agencies: int
    x_wall: float  # aggregate -o .xlsx
    x_cpu: float
    j_wall: float  # aggregate -o .json, its anchor
    i_wall: float  # ingest of the .xlsx
    i_cpu: float
    read: float  # documents.read of the .json, its anchor
    passed: bool  # ingest exited 0
    same: bool  # to the same document as aggregate's .json


def bench_render(form: Form, count: int, work: Path) -> Rendered:
    path = work / f"render{count}.json"
    summary = aggregate_documents(documents(form, count), "某省", file_name=path.name)
    write_summary(summary, path)
    raw = path.read_bytes()
    start = time.perf_counter()
    orjson.loads(raw)
    load = time.perf_counter() - start
    data = parse_json(raw)
    start = time.perf_counter()
    assert is_valid(form, data)
    compiled = time.perf_counter() - start
    start = time.perf_counter()
    assert validator(form).is_valid(data)
    pure = time.perf_counter() - start
    start, cpu_start = time.perf_counter(), time.process_time()
    render(RenderOptions(path, output=work / "r0.html"))
    inside = time.perf_counter() - start, time.process_time() - cpu_start
    wall, cpu, _peak, _code = command("render", path, "-o", work / "r.html", "--force")
    print(
        f"render of a {count:,}-agency summary ({len(raw) / 1e6:.1f} MB): {wall:.2f} s wall, "
        f"{cpu:.2f} s CPU (goal < 1 s), of which rendering (api.render, no start-up) "
        f"{inside[0]:.2f} s wall, {inside[1]:.2f} s CPU | anchors: orjson load {load * 1000:.0f} ms, "
        f"jsonschema-rs {compiled * 1000:.0f} ms, pure-Python jsonschema {pure:.2f} s "
        f"(render = {wall / pure:.2f}× the pure-Python validation alone)"
    )
    return Rendered(count, wall, cpu, pure, compiled, load)


def bench_workbook(form: Form, count: int, work: Path) -> Written:
    folder = work / f"returns{count}"
    folder.mkdir()
    for name, doc in documents(form, count):
        (folder / name).write_bytes(dumps(doc))
    xlsx, js = work / f"某省{count}.xlsx", work / f"某省{count}.json"
    j_wall, j_cpu, _peak, _code = command("aggregate", folder, "--name", "某省", "-o", js)
    x_wall, x_cpu, x_peak, _code = command("aggregate", folder, "--name", "某省", "-o", xlsx)
    with zipfile.ZipFile(xlsx) as z:
        data = names.MEMBERS_DATA_SHEET.encode() in z.read("xl/workbook.xml")
    where = "成员数据 (one cell per member)" if data else "汇总明细 (with their numbers)"
    print(
        f"aggregate -o .xlsx of {count:,}: {x_wall:.1f} s wall, {x_cpu:.1f} s CPU, "
        f"peak {x_peak:.0f} MB, {xlsx.stat().st_size / 1e6:.1f} MB, members in {where} "
        f"| anchor: aggregate -o .json {j_wall:.1f} s wall, {j_cpu:.1f} s CPU "
        f"(ratio {x_wall / j_wall:.2f})"
    )
    out = work / f"ingested{count}"
    i_wall, i_cpu, i_peak, code = command("ingest", xlsx, "-o", out)
    outputs = [p for p in out.iterdir() if p.suffix == ".json" and p.name != "report.json"]
    start = time.perf_counter()
    read_document(js)
    anchor = time.perf_counter() - start
    same = False
    if len(outputs) == 1:  # the same but for source.file, the name each was written as
        got, want = orjson.loads(outputs[0].read_bytes()), orjson.loads(js.read_bytes())
        want["source"]["file"] = xlsx.name
        same = got == want
    print(
        f"ingest of that .xlsx: {i_wall:.1f} s wall, {i_cpu:.1f} s CPU, peak {i_peak:.0f} MB, "
        f"{'passed' if code == 0 else 'NOT passed'}, same document as aggregate's .json: {'yes' if same else 'NO'} "
        f"| anchor: documents.read of the .json {anchor:.2f} s (ratio {i_wall / anchor:.1f})"
    )
    return Written(count, x_wall, x_cpu, j_wall, i_wall, i_cpu, anchor, code == 0, same)


def main() -> None:
    parser = argparse.ArgumentParser(description="省级汇总的性能基准")
    parser.add_argument("--render", type=int, default=4500, help="render 的单位数（0：不测）")
    parser.add_argument("--members", type=int, nargs="*", default=[1000, 10000])
    args = parser.parse_args()
    form = load_form("gk2021")
    with tempfile.TemporaryDirectory() as tmp:
        if args.render:
            bench_render(form, args.render, Path(tmp))
        for count in args.members:
            bench_workbook(form, count, Path(tmp))


if __name__ == "__main__":
    main()
