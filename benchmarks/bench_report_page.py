"""Benchmark: report.html of a provincial batch, built in Python and opened in Chromium.

    python benchmarks/bench_report_page.py [--returns 5000] [--many 2000] [--every 0] [--repeat 3]

Makes a batch of N returns (tests/batch_data.py: most pass, some with hints, some with
errors, a few unreadable; one return with ``--many`` findings; with ``--every K`` each
readable return K hints more), writes the clean returns' canonical documents, then prints:

- the totals of the clean returns summed from disk (time; peak Python memory at N/5 and N,
  which should be about the same: one document at a time), and the page built (time, size);
- in a real headless Chromium (tests/chromium.py), opening the page from disk as a
  double-click does: the navigation's own timings (DOMContentLoaded: HTML parsed, JSON read,
  first page of rows built; load), the DOM size, the JS heap; then what a coordinator does
  next: filter by text, show only errors, expand a whole page, go to the next page, expand
  the return with very many findings. Each action's time includes the layout it causes.

Figures only; nothing here fails on a time.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import chromium  # noqa: E402
from batch_data import synthetic_batch  # noqa: E402

from gongkai_xlsx.ingest.page import PAGE_NAME, page_bytes  # noqa: E402
from gongkai_xlsx.ingest.report import Outputs, batch_report  # noqa: E402
from gongkai_xlsx.ingest.totals import clean_totals  # noqa: E402

NAVIGATION = """
var n = performance.getEntriesByType('navigation')[0];
return {dcl: n.domContentLoadedEventEnd, load: n.loadEventEnd,
        nodes: document.getElementsByTagName('*').length,
        rows: document.querySelectorAll('tr.gk-return').length,
        heap: performance.memory ? performance.memory.usedJSHeapSize : null};
"""

# Each action: the JS that does it; timed in the page, with the layout it causes.
TIMED = """
var t = performance.now();
(function () { %s })();
document.body.offsetHeight;
return performance.now() - t;
"""
ACTIONS = [
    (
        "filter by text (one keystroke)",
        "var q = document.getElementById('gk-query'); q.value = '第0012';"
        "q.dispatchEvent(new Event('input'));",
    ),
    (
        "show every return again",
        "document.getElementById('gk-all').click();",
    ),
    (
        "only the status errors",
        "var b = document.querySelectorAll('#gk-statuses input');"
        "for (var k = 0; k < b.length; k++) { if (b[k].value !== 'errors') b[k].click(); }",
    ),
    (
        "expand the whole page (100 returns)",
        "document.getElementById('gk-expand').click();",
    ),
    (
        "next page",
        "document.getElementById('gk-next').click();",
    ),
    (
        "back to all, first page",
        "document.getElementById('gk-all').click();",
    ),
]


def ms(value: float) -> str:
    return f"{value:8.1f} ms"


def summed(clean: list) -> tuple[float, float]:
    """(seconds, peak MB of Python allocations) to sum ``clean``: timed on its own, then
    traced (tracemalloc slows Python down several times)."""
    start = time.perf_counter()
    clean_totals(clean)
    seconds = time.perf_counter() - start
    tracemalloc.start()
    clean_totals(clean)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return seconds, peak / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description="report.html 的性能基准")
    parser.add_argument("--returns", type=int, default=5000, help="报表份数（默认 5000）")
    parser.add_argument("--many", type=int, default=2000, help="一份报表的问题数（默认 2000）")
    parser.add_argument(
        "--every", type=int, default=0, help="每份可读报表另加的提示数（默认 0；最坏情况可用 10）"
    )
    parser.add_argument("--repeat", type=int, default=3, help="打开页面的次数（默认 3）")
    args = parser.parse_args()
    if not chromium.available():
        sys.exit("需要 chromium、chromium-driver 和 selenium（scripts/test.sh 会安装）。")

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        small = max(1, args.returns // 5)
        (work / "small").mkdir()
        (work / "docs").mkdir()
        s_small, peak_small = summed(synthetic_batch(small, work / "small")[1])
        entries, clean = synthetic_batch(
            args.returns, work / "docs", many=args.many, every=args.every
        )
        findings = sum(len(e.outcome.findings) for e in entries)
        print(f"batch: {len(entries)} returns, {len(clean)} clean, {findings} findings")
        s_totals, peak = summed(clean)
        totals = clean_totals(clean)
        print(
            f"totals of the clean returns: {s_totals:.2f} s for {len(clean)} documents "
            f"({s_totals / len(clean) * 1000:.2f} ms each), peak Python memory {peak:.1f} MB; "
            f"at {small} returns: {s_small:.2f} s, {peak_small:.1f} MB"
        )
        start = time.perf_counter()
        data = batch_report(entries, outputs=Outputs.of([PAGE_NAME]))
        s_report = time.perf_counter() - start
        start = time.perf_counter()
        page = page_bytes(data, totals)
        s_page = time.perf_counter() - start
        path = work / PAGE_NAME
        path.write_bytes(page)
        print(
            f"page built: {s_page:.2f} s, {len(page) / 2**20:.1f} MB "
            f"(the batch report before it: {s_report:.2f} s)"
        )

        loads = []
        with chromium.browser() as driver:
            for _ in range(args.repeat):
                start = time.perf_counter()
                driver.get(chromium.file_url(path))  # returns after the load event
                wall = (time.perf_counter() - start) * 1000
                nav = driver.execute_script(NAVIGATION)
                loads.append((wall, nav))
            dcl = statistics.median(n["dcl"] for _w, n in loads)
            load = statistics.median(n["load"] for _w, n in loads)
            wall = statistics.median(w for w, _n in loads)
            nav = loads[-1][1]
            print(
                f"Chromium {driver.capabilities.get('browserVersion', '?')}, {args.repeat} loads:"
            )
            print(f"  DOMContentLoaded (parsed, JSON read, rows built) {ms(dcl)}")
            print(f"  load event                                        {ms(load)}")
            print(f"  driver.get, wall clock                            {ms(wall)}")
            heap = f"{nav['heap'] / 2**20:.1f} MB" if nav["heap"] else "n/a"
            print(f"  DOM: {nav['nodes']} elements, {nav['rows']} return rows; JS heap {heap}")
            for name, script in ACTIONS:
                print(f"  {name:<40} {ms(driver.execute_script(TIMED % script))}")
            big = max(range(len(entries)), key=lambda i: len(entries[i].outcome.findings))
            many = len(entries[big].outcome.findings)
            script = (
                "document.getElementById('gk-collapse').click();"
                "var q = document.getElementById('gk-query');"
                f"q.value = '{entries[big].outcome.agency}'; q.dispatchEvent(new Event('input'));"
                "document.querySelector('button.gk-toggle').click();"
            )
            label = f"expand one return ({min(many, 500)} of {many} findings)"
            print(f"  {label:<40} {ms(driver.execute_script(TIMED % script))}")
            more = "document.querySelector('button.gk-more').click();"
            print(f"  {'show 500 more findings':<40} {ms(driver.execute_script(TIMED % more))}")


if __name__ == "__main__":
    main()
