"""Benchmark: the worker's CPU per return against python-calamine's read (issue 16's first
"done when" line), and the parsers a worksheet part could be read with.

    python benchmarks/bench_read.py [--n 300] [--rounds 3] [--against OTHER/src]

1. A return as a clerk makes it in LibreOffice: the template filled through Calc (UNO),
   recalculated and saved (``tests/libreoffice/harness.py``; without soffice the committed
   LibreOffice-saved sample stands in, and the script says so), copied ``--n`` times.
2. For each copy in turn, the worker's whole task (``ingest.worker.check_task``: read,
   checks, canonical bytes), then python-calamine reading every cell of every sheet of
   the same file: interleaved file by file, in one process (one core), CPU time beside
   wall time, so that a shared machine slows both alike. Printed: each per return, and
   the ratio (the goal is at most 2x).
3. The same ratio on the files in ``samples/``, and on ``--n`` distinct returns (other
   numbers and another agency in each, written into the template's XML as
   ``bench_ingest.py`` makes them): the copies of step 2 repeat every number, so the
   worker's caches (a cell's content, a number's reading, remembered by their bytes)
   meet everything again; distinct returns repeat only the template's labels and formulas
   and the numbers that happen to recur, as a real batch does.
   With ``--against``, the worker task of another source tree (a checkout before a
   change: its ``src``) takes its turn too, file by file, in a process of its own that
   measures its own CPU: before and after from one run.
4. The worksheet parts of that return through each parser measured for the reader
   (interleaved, CPU per return): expat with no handlers (the floor of a well-formedness
   check), expat with empty Python handlers (the floor of any expat-driven reader), lxml's
   tree and lxml's SAX with no callbacks (libxml2's floors), and the reader's two
   tokenizers (``scan_sheet``: expat's check, then regular expressions; ``force_exact``:
   expat with handlers).
"""

from __future__ import annotations

import argparse
import os
import pyexpat
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_ingest import FORM, LAYOUT, values_for, xml_returns  # noqa: E402

from gongkai_xlsx.cellref import to_a1  # noqa: E402
from gongkai_xlsx.ingest.worker import Task, check_task  # noqa: E402
from gongkai_xlsx.reader.sheetxml import scan_sheet  # noqa: E402
from gongkai_xlsx.writer import TemplateOptions, write_template  # noqa: E402

SAMPLES = ROOT / "samples"
LIBREOFFICE_SAMPLE = SAMPLES / "某县民政局_2024_LibreOffice保存.xlsx"


def libreoffice_return(folder: Path) -> tuple[Path, str]:
    """The template filled, recalculated and saved by LibreOffice Calc."""
    import random

    from libreoffice import harness  # type: ignore[import-not-found]

    if not harness.available():
        return LIBREOFFICE_SAMPLE, "soffice 不可用：以 samples/ 中 LibreOffice 保存的样例代替"
    template = folder / "template.xlsx"
    write_template(FORM, TemplateOptions(2024), template)
    triples: list[tuple[str, str, object]] = []
    for cell_id, value in values_for(random.Random(2024)).items():
        sheet, r, c = LAYOUT.cell_positions[cell_id]
        triples.append((sheet, to_a1(r, c), value))
    sheet, r, c = LAYOUT.field_positions["agency"]
    triples.append((sheet, to_a1(r, c), "某县第00001局"))
    out = folder / "filled-by-libreoffice.xlsx"
    harness.fill(template, out, triples)
    return out, "模板经 LibreOffice Calc 填写、重算并保存"


def calamine_read(path: Path) -> None:
    import python_calamine

    wb = python_calamine.CalamineWorkbook.from_path(str(path))
    for name in wb.sheet_names:
        wb.get_sheet_by_name(name).to_python(skip_empty_area=False)


def worker(path: Path) -> None:
    check_task(Task(str(path)))


_CHILD = """
import sys, time
from gongkai_xlsx.ingest.worker import Task, check_task
for line in sys.stdin:
    c0, w0 = time.process_time(), time.perf_counter()
    check_task(Task(line.rstrip("\\n")))
    print(time.process_time() - c0, time.perf_counter() - w0, flush=True)
"""


def worker_of(src: Path) -> Callable[[Path], tuple[float, float]]:
    """The worker task of another source tree (``--against``), in a process of its own that
    measures its own CPU: its CPU and wall seconds for each file it is given."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdin is not None and child.stdout is not None
    stdin, stdout = child.stdin, child.stdout

    def run(path: Path) -> tuple[float, float]:
        stdin.write(f"{path}\n")
        stdin.flush()
        cpu, wall = stdout.readline().split()
        return float(cpu), float(wall)

    return run


def interleaved(
    paths: list[Path],
    methods: Mapping[str, Callable[[Path], tuple[float, float] | None]],
    rounds: int,
) -> dict[str, tuple[float, float]]:
    """CPU and wall seconds per file of each method, the methods taking turns file by file
    (a method that measures itself, in another process, returns its own figures)."""
    for method in methods.values():  # warm: imports, the template's definition
        method(paths[0])
    cpu = dict.fromkeys(methods, 0.0)
    wall = dict.fromkeys(methods, 0.0)
    for _ in range(rounds):
        for path in paths:
            for name, method in methods.items():
                c0, w0 = time.process_time(), time.perf_counter()
                own = method(path)
                if own is None:
                    cpu[name] += time.process_time() - c0
                    wall[name] += time.perf_counter() - w0
                else:
                    cpu[name] += own[0]
                    wall[name] += own[1]
    count = rounds * len(paths)
    return {name: (cpu[name] / count, wall[name] / count) for name in methods}


def report(label: str, figures: dict[str, tuple[float, float]]) -> float:
    ours, theirs = figures["worker"], figures["calamine"]
    print(f"{label}:")
    print(
        f"  worker task (read, checks, canonical bytes)  CPU {ours[0] * 1e3:6.2f} ms   wall {ours[1] * 1e3:6.2f} ms"
    )
    print(
        f"  python-calamine, every sheet                 CPU {theirs[0] * 1e3:6.2f} ms   wall {theirs[1] * 1e3:6.2f} ms"
    )
    ratio = ours[0] / theirs[0]
    print(
        f"  ratio (CPU, per core): {ratio:.2f}x calamine   (wall: {ours[1] / theirs[1]:.2f}x)   goal ≤ 2x"
    )
    before = figures.get("before")
    if before is not None:
        print(
            f"  worker task of --against (before)            CPU {before[0] * 1e3:6.2f} ms   wall {before[1] * 1e3:6.2f} ms"
        )
        print(
            f"  ratio before: {before[0] / theirs[0]:.2f}x calamine; this tree's CPU is "
            f"{ours[0] / before[0]:.2f}x the other's"
        )
    return ratio


def parsers(path: Path, rounds: int) -> None:
    """CPU per return of reading its worksheet parts with each parser (section 4)."""
    from lxml import etree  # type: ignore[import-untyped]

    with zipfile.ZipFile(path) as zf:
        parts = [zf.read(n) for n in zf.namelist() if n.startswith("xl/worksheets/sheet")]

    def expat_plain() -> None:
        for data in parts:
            pyexpat.ParserCreate(namespace_separator=" ").Parse(data, True)

    def expat_handlers() -> None:
        for data in parts:
            parser = pyexpat.ParserCreate(namespace_separator=" ")
            parser.buffer_text = True
            parser.StartElementHandler = lambda name, attrs: None
            parser.EndElementHandler = lambda name: None
            parser.CharacterDataHandler = lambda text: None
            parser.Parse(data, True)

    def lxml_tree() -> None:
        parser = etree.XMLParser(resolve_entities=False, no_network=True, collect_ids=False)
        for data in parts:
            etree.fromstring(data, parser)

    class _NoCallbacks:
        def close(self) -> None:
            return None

    def lxml_sax() -> None:
        for data in parts:
            parser = etree.XMLParser(
                target=_NoCallbacks(), resolve_entities=False, no_network=True, collect_ids=False
            )
            etree.fromstring(data, parser)

    def fast() -> None:
        for data in parts:
            scan_sheet(data, "x")

    def exact() -> None:
        for data in parts:
            scan_sheet(data, "x", force_exact=True)

    methods = {
        "expat, no handlers (a well-formedness check)": expat_plain,
        "expat, empty Python handlers": expat_handlers,
        "lxml tree (libxml2), no walk": lxml_tree,
        "lxml SAX (libxml2), no callbacks": lxml_sax,
        "reader: scan_sheet (expat check + regex)": fast,
        "reader: scan_sheet(force_exact) (expat)": exact,
    }
    times = dict.fromkeys(methods, 0.0)
    count = max(50, rounds * 50)
    for _ in range(count):
        for name, method in methods.items():
            c0 = time.process_time()
            method()
            times[name] += time.process_time() - c0
    anchor = times["expat, no handlers (a well-formedness check)"]
    size = sum(len(p) for p in parts)
    print(
        f"worksheet parts of that return ({len(parts)} parts, {size / 1024:.0f} KB of XML), CPU per return:"
    )
    for name, spent in times.items():
        print(f"  {name:<46} {spent / count * 1e3:6.3f} ms   {spent / anchor:4.2f}x expat's check")


@dataclass(frozen=True)
class Ratios:
    """The figures of steps 1-3 (what ``bench_done.py`` tabulates)."""

    made: Path  # the LibreOffice-saved return
    how: str  # how it was made
    worker_ms: float  # the worker's CPU per LibreOffice-saved return
    calamine_ms: float  # python-calamine's CPU per return, the anchor
    ratio: float  # worker ÷ calamine on the LibreOffice-saved returns
    sample_ratio: float  # on samples/
    distinct_ratio: float  # on distinct returns


def ratios(
    work: Path, n: int, rounds: int, against: Path | None = None, made: Path | None = None
) -> Ratios:
    """Steps 1-3 in ``work``, printed as they go; ``made`` is a LibreOffice-saved return to
    copy instead of filling the template through LibreOffice."""
    if made is None:
        made, how = libreoffice_return(work)
    else:
        how = f"{made.name}（LibreOffice 保存）"
    print(f"return: {how} ({made.stat().st_size / 1024:.0f} KB)")
    copies = work / "copies"
    copies.mkdir()
    paths = []
    for i in range(n):
        path = copies / f"r{i:05d}.xlsx"
        shutil.copy(made, path)
        paths.append(path)
    methods: dict[str, Callable[[Path], tuple[float, float] | None]] = {
        "worker": worker,
        "calamine": calamine_read,
    }
    if against is not None:
        methods["before"] = worker_of(against.resolve())
    figures = interleaved(paths, methods, rounds)
    ratio = report(f"{n} LibreOffice-saved returns, interleaved file by file", figures)
    samples = sorted(SAMPLES.glob("*.xlsx"))
    sample_ratio = report(
        f"samples/ ({len(samples)} files, each {max(20, n // 10)} times)",
        interleaved(samples * max(20, n // 10), methods, 1),
    )
    template = work / "template.xlsx"
    if not template.exists():
        write_template(FORM, TemplateOptions(2024), template)
    distinct = xml_returns(template, work / "distinct", n)
    distinct_ratio = report(
        f"{n} distinct returns (other numbers and agency each), interleaved",
        interleaved(distinct, methods, rounds),
    )
    print(
        f"ratio: {ratio:.2f}x on LibreOffice-saved returns, {sample_ratio:.2f}x on samples/, "
        f"{distinct_ratio:.2f}x on distinct returns"
    )
    return Ratios(
        made,
        how,
        figures["worker"][0] * 1e3,
        figures["calamine"][0] * 1e3,
        ratio,
        sample_ratio,
        distinct_ratio,
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description="读取一份报表的性能基准（与 python-calamine 对比）"
    )
    parser.add_argument("--n", type=int, default=300, help="LibreOffice 保存的报表复制份数")
    parser.add_argument("--rounds", type=int, default=1, help="每份文件轮流测量的轮数")
    parser.add_argument(
        "--against",
        type=Path,
        default=None,
        help="另一份源代码的 src 目录（如改动前的检出），在同一次运行中轮流测量以作对比",
    )
    args = parser.parse_args()
    print(
        f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}; load {os.getloadavg()[0]:.2f}"
    )
    with tempfile.TemporaryDirectory(prefix="gk-bench-read-") as tmp:
        found = ratios(Path(tmp), args.n, args.rounds, args.against)
        parsers(found.made, args.rounds)


if __name__ == "__main__":
    main()
