"""Benchmark: summing canonical documents (`gongkai-xlsx aggregate`).

    python benchmarks/bench_aggregate.py [--documents 5000] [--groups 50]

Writes N return documents (random counts and fees, half the cells blank), then prints the
time to aggregate them all at once, to aggregate them in groups (counties) and the group
summaries again (a city), and the size of the summaries: a summary carries every member's
numbers, so its size grows with its members.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from gongkai_xlsx.aggregate import aggregate_paths, write_summary
from gongkai_xlsx.canonical import Document, Meta, dumps
from gongkai_xlsx.definition import load_form
from gongkai_xlsx.definition.evaluate import with_totals


def make_documents(folder: Path, count: int, groups: int) -> None:
    form = load_form("gk2021")
    rng = random.Random(2024)
    for i in range(count):
        values: dict[str, int | Decimal] = {}
        for cell in form.input_cells():
            if rng.random() < 0.5:
                continue
            if cell.kind.type == "integer":
                values[cell.id] = rng.randint(0, 500)
            else:
                values[cell.id] = Decimal(rng.randint(0, 10**6)) / 100  # up to 1 万 万元
        agency = f"某县第{i:05d}局"
        digest = hashlib.sha256(agency.encode()).hexdigest()
        doc = Document.build(
            form,
            Meta(2024, agency, None, None, f"{agency}.xlsx", digest),
            with_totals(form, values),
        ).to_json()
        path = folder / f"g{i % groups:03d}" / f"{agency}_2024.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(dumps(doc))


def main() -> None:
    parser = argparse.ArgumentParser(description="汇总的性能基准")
    parser.add_argument("--documents", type=int, default=5000, help="文档份数（默认 5000）")
    parser.add_argument("--groups", type=int, default=50, help="分组（县）数（默认 50）")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        start = time.perf_counter()
        make_documents(work / "returns", args.documents, args.groups)
        print(f"made {args.documents} documents in {time.perf_counter() - start:.1f} s")

        start = time.perf_counter()
        whole = aggregate_paths([work / "returns"], "全部", output=work / "all.json")
        elapsed = time.perf_counter() - start
        assert whole.ok, whole.findings[:3]
        size = len(whole.to_bytes())
        print(
            f"aggregate {args.documents} returns at once: {elapsed:6.2f} s "
            f"({elapsed / args.documents * 1000:.2f} ms/document), summary {size / 1e6:.1f} MB"
        )

        start = time.perf_counter()
        for group in sorted((work / "returns").iterdir()):
            summary = aggregate_paths([group], group.name, output=work / "groups" / "g.json")
            write_summary(summary, work / "groups" / f"{group.name}.json")
        elapsed = time.perf_counter() - start
        print(f"aggregate {args.groups} groups and write them:  {elapsed:6.2f} s")

        start = time.perf_counter()
        city = aggregate_paths([work / "groups"], "全部", output=work / "all.json")
        elapsed = time.perf_counter() - start
        assert city.ok and city.to_bytes() == whole.to_bytes()
        print(f"aggregate the {args.groups} group summaries:     {elapsed:6.2f} s (same bytes)")


if __name__ == "__main__":
    main()
