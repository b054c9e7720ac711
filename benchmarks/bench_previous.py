"""Benchmark: last year's numbers at provincial scale (`--previous`).

    python benchmarks/bench_previous.py [--n 5000]

Writes N of last year's canonical documents (different agencies and numbers, as
`ingest` writes them) into a folder, then prints:

- the time to read that folder into the compact map (`read_previous`: every file parsed,
  checked against the schema and its totals, once), per document and in all;
- the memory the map keeps, per document (tracemalloc: what stays allocated after the
  read; the files' text is not kept);
- the parent's cost per return of the comparison in `ingest --previous` (canonical bytes
  parsed, matched, every cross-year rule checked, findings placed), which is added to the
  pipeline's parent loop while the workers read the next files.
"""

from __future__ import annotations

import argparse
import gc
import random
import tempfile
import time
import tracemalloc
from decimal import Decimal
from pathlib import Path

from gongkai_xlsx.canonical import Document, Meta, dumps
from gongkai_xlsx.definition import load_form
from gongkai_xlsx.definition.evaluate import with_totals
from gongkai_xlsx.ingest.previous import compare
from gongkai_xlsx.previous import read_previous

FORM = load_form("gk2021")


def values(rng: random.Random) -> dict[str, int | Decimal | None]:
    """A return's inputs: most cells filled with small counts, the fee a decimal."""
    out: dict[str, int | Decimal | None] = {}
    for cell in FORM.input_cells():
        if rng.random() < 0.3:
            continue
        if cell.kind.type == "decimal":
            out[cell.id] = Decimal(rng.randint(0, 100000)) / 100
        else:
            out[cell.id] = rng.randint(0, 60)
    return out


def document(agency: str, year: int, inputs: dict[str, int | Decimal | None]) -> bytes:
    meta = Meta(year, agency, None, None, f"{agency}.xlsx", f"{hash(agency) & (2**256 - 1):064x}")
    return dumps(Document.build(FORM, meta, with_totals(FORM, inputs)).to_json())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=5000)
    n = parser.parse_args().n
    rng = random.Random(2024)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "2023结果"
        folder.mkdir()
        agencies = [f"某省某市第{i}局" for i in range(n)]
        for agency in agencies:
            (folder / f"{agency}_2023.json").write_bytes(document(agency, 2023, values(rng)))
        this_year = [document(a, 2024, values(rng)) for a in agencies[: min(n, 1000)]]

        start = time.perf_counter()
        previous = read_previous(folder)
        seconds = time.perf_counter() - start
        del previous
        gc.collect()
        tracemalloc.start()  # a second read, traced (tracing slows it: not timed)
        previous = read_previous(folder)
        kept, _peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert previous.documents == n
        print(f"read_previous: {n} documents in {seconds:.2f} s ({seconds / n * 1000:.2f} ms each)")
        print(f"compact map kept: {kept / n / 1024:.1f} KiB per document ({kept / 2**20:.1f} MiB)")

        start = time.perf_counter()
        warnings = 0
        for canonical in this_year:
            warnings += len(compare(previous, canonical, {}).findings)
        seconds = time.perf_counter() - start
        print(
            f"compare in the parent: {seconds / len(this_year) * 1000:.2f} ms per return "
            f"({len(this_year)} returns, {warnings / len(this_year):.1f} warnings each)"
        )


if __name__ == "__main__":
    main()
