"""Benchmark: every "Done when" line of issue 16 from one run, each beside its anchor.

    python benchmarks/bench_done.py [--quick] [--only NAME ...] [--made DIR] [--markdown FILE]

One command for the figures the README quotes. It measures nothing itself: each part
calls the function of the benchmark that owns the measurement, in a fresh process of its
own (spawned: no cache, import or memory of one part reaches the next), and that script
prints its own lines as it goes. At the end, one table: a row per goal of each Done-when
line, with the figure, its anchor measured in the same run, the goal, and whether it was
met; and the machine (cores, load average at the start and the end, python).

Parts (``--only``, repeatable):

- ``read``: ``bench_read.ratios`` — the worker's CPU per LibreOffice-saved return ÷
  python-calamine's, interleaved file by file; the ratio on ``samples/`` and on distinct
  returns beside it;
- ``scale``: ``bench_drop.scale`` — 10,000 returns with ``-j 2`` (wall, CPU), and the
  parent's own peak memory at 1,000 and at 10,000;
- ``startup``: ``bench_new.startup`` — ``new 2024`` as a process beside ``python -c
  pass``, and the imports of it and of ``--help`` (``--help``'s wall by
  ``bench_new.process_times``);
- ``roster``: ``bench_new.roster`` — ``new --roster`` of 500 and 10,000 agencies beside
  one template from scratch;
- ``annotate``: ``bench_annotate.figures`` — a marked copy ÷ one full read of the same
  return (the worker's task, as issue 16 measured it; the reader alone beside it), for the
  worst sample and one return with 200 marks;
- ``render``: ``bench_summary.bench_render`` — ``render`` of a 4,500-agency summary beside
  the schema validation alone;
- ``aggregate``: ``bench_summary.bench_workbook`` — ``aggregate -o x.xlsx`` of 10,000
  agencies and ``ingest`` of it back to the same document, beside the ``.json`` ways.

``--quick`` runs every part at a small size (100 returns, 20 and 50 agencies, a
200-agency summary; the committed LibreOffice-saved sample instead of filling one through
soffice): a smoke run, labelled so in the table, whose "met" says nothing about the goals.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import queue
import statistics
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

MB = 1e6 / 2**20  # MiB in a megabyte: the "10 MB" against ru_maxrss's MiB


class Row(NamedTuple):
    """One goal of one Done-when line."""

    line: int  # which Done-when line of issue 16 (1-6)
    what: str
    figure: str
    anchor: str  # measured in the same run
    goal: str
    met: bool


@dataclass(frozen=True)
class Sizes:
    """How large each part is: the goal's sizes, or ``--quick``'s."""

    quick: bool
    read: int  # LibreOffice-saved copies (and distinct returns)
    rounds: int
    base: int  # returns of the parent's first peak
    returns: int  # returns of the large ingest
    runs: int  # runs of each process timed
    rosters: tuple[int, int]
    marks: int
    mark_rounds: int
    render: int  # agencies in the rendered summary
    members: int  # agencies in the summary workbook


FULL = Sizes(False, 300, 1, 1000, 10000, 10, (500, 10000), 200, 30, 4500, 10000)
QUICK = Sizes(True, 10, 1, 30, 100, 2, (20, 50), 200, 2, 200, 20)


def read(sizes: Sizes, work: Path, made: Path | None) -> list[Row]:
    import bench_read

    sample = bench_read.LIBREOFFICE_SAMPLE if sizes.quick else None
    r = bench_read.ratios(work, sizes.read, sizes.rounds, made=sample)
    return [
        Row(
            1,
            f"工作进程 CPU ÷ python-calamine，{sizes.read} 份 LibreOffice 保存的报表（每核）",
            f"{r.ratio:.2f}×（每份 {r.worker_ms:.2f} ms CPU）；samples/ 上 {r.sample_ratio:.2f}×，"
            f"各不相同的报表上 {r.distinct_ratio:.2f}×",
            f"python-calamine 读同一份 {r.calamine_ms:.2f} ms CPU",
            "≤ 2×",
            r.ratio <= 2,
        )
    ]


def scale(sizes: Sizes, work: Path, made: Path | None) -> list[Row]:
    import bench_drop
    from bench_ingest import FORM, xml_returns

    from gongkai_xlsx.writer import TemplateOptions, write_template

    kept = made or work / "made"
    paths = sorted(kept.glob("r*.xlsx")) if kept.is_dir() else []
    if len(paths) < sizes.returns:
        template = work / "template.xlsx"
        write_template(FORM, TemplateOptions(2024), template)
        start = time.perf_counter()
        paths = xml_returns(template, kept, sizes.returns)
        print(f"made {sizes.returns} returns in {time.perf_counter() - start:.1f} s")
    small, big = bench_drop.scale(work, paths[: sizes.returns], sizes.returns, sizes.base, 2)
    grown = big.peak_mib - small.peak_mib
    cpu = big.cpu_parent + big.cpu_workers
    return [
        Row(
            2,
            f"{sizes.returns:,} 份报表，-j 2，墙钟",
            f"{big.wall:.1f} s",
            f"{sizes.base:,} 份 {small.wall:.1f} s；CPU 主进程 {big.cpu_parent:.1f} s + "
            f"子进程 {big.cpu_workers:.1f} s（÷ 2 核 = {cpu / 2:.1f} s）",
            "< 30 s（空闲的 2 核机器）",
            big.wall < 30,
        ),
        Row(
            2,
            f"主进程峰值内存：{sizes.returns:,} 份对 {sizes.base:,} 份",
            f"{big.peak_mib:.1f} MiB（+{grown:.1f} MiB = {grown / MB:.1f} MB）",
            f"{sizes.base:,} 份 {small.peak_mib:.1f} MiB",
            f"≤ {sizes.base:,} 份时 + 10 MB",
            grown <= 10 * MB,
        ),
    ]


def startup(sizes: Sizes, work: Path, made: Path | None) -> list[Row]:
    import bench_new

    cwd = work / "cwd"
    cwd.mkdir()
    started = bench_new.startup(cwd, sizes.runs)
    helped = bench_new.process_times(["-m", "gongkai_xlsx", "--help"], cwd, sizes.runs)
    print(bench_new.line("gongkai-xlsx --help (process)", helped))
    bare = f"python -c pass 中位数 {statistics.median(started.bare) * 1000:.0f} ms"
    new = statistics.median(started.command)
    return [
        Row(
            3,
            "`gongkai-xlsx --help`（进程）：导入",
            f"{started.help_imports:.0f} ms（墙钟中位数 {statistics.median(helped) * 1000:.0f} ms）",
            bare,
            "导入 ≤ 100 ms",
            started.help_imports <= 100,
        ),
        Row(
            3,
            "`new 2024`（进程）：导入",
            f"{started.new_imports:.0f} ms",
            bare,
            "导入 ≤ 100 ms",
            started.new_imports <= 100,
        ),
        Row(
            3,
            "`new 2024`（进程）：墙钟",
            f"中位数 {new * 1000:.0f} ms（最快 {min(started.command) * 1000:.0f} ms）",
            bare,
            "< 200 ms",
            new < 0.2,
        ),
    ]


def roster(sizes: Sizes, work: Path, made: Path | None) -> list[Row]:
    import bench_new

    from gongkai_xlsx.definition import load_form

    one = bench_new.one_template(load_form("gk2021"), work)
    rows = []
    for count, goal, said in zip(sizes.rosters, (5, 120), ("< 5 s", "< 2 分钟"), strict=True):
        done = bench_new.roster(work, count, one)
        rows.append(
            Row(
                4,
                f"`new --roster`，{count:,} 个单位",
                f"{done.wall:.1f} s 墙钟，{done.cpu:.1f} s CPU"
                f"（每份 {done.wall / done.agencies * 1000:.1f} ms）",
                f"从头生成一份模板 {one * 1000:.1f} ms（× {count:,} = {one * count:.1f} s）",
                said,
                done.wall < goal,
            )
        )
    return rows


def annotate(sizes: Sizes, work: Path, made: Path | None) -> list[Row]:
    import bench_annotate

    found = bench_annotate.figures(sizes.marks, sizes.mark_rounds)
    name, worst = max(found.samples.items(), key=lambda item: item[1].full_ratio)
    median = statistics.median(c.full_ratio for c in found.samples.values())
    many, after = found.many, found.after_check
    # Issue 16's "full read" is the worker's task (read, checks, canonical bytes: "marked
    # copies cost 17–21 ms each, twice a full read" against its 9.1 ms); the reader alone,
    # a stricter anchor, is printed beside it.
    full = "完整读取一次（工作进程的任务：读取、检查、规范 JSON）"
    return [
        Row(
            5,
            "标注副本 ÷ 一次完整读取：samples/ 中最差的一份",
            f"{worst.full_ratio:.2f}（{name}，{worst.mark:.1f} ms CPU）；"
            f"{len(found.samples)} 份的中位数 {median:.2f}；只与读取模块比 {worst.ratio:.2f}",
            f"同一份{full} {worst.full:.1f} ms CPU；只读取 {worst.read:.1f} ms CPU",
            "≤ 1",
            worst.full_ratio <= 1,
        ),
        Row(
            5,
            f"标注副本 ÷ 一次完整读取：一份报表 {found.marks} 处问题",
            f"{many.full_ratio:.2f}（{many.mark:.1f} ms CPU）；只与读取模块比 {many.ratio:.2f}",
            f"同一份{full} {many.full:.1f} ms CPU；只读取 {many.read:.1f} ms CPU",
            "≤ 1",
            many.full_ratio <= 1,
        ),
        Row(
            5,
            "同上，检查之后标注（ingest --annotate、annotate 的做法）",
            f"{after.full_ratio:.2f}（{after.mark:.1f} ms CPU）；只与读取模块比 {after.ratio:.2f}",
            f"同一份{full} {after.full:.1f} ms CPU；只读取 {after.read:.1f} ms CPU",
            "≤ 1",
            after.full_ratio <= 1,
        ),
    ]


def render(sizes: Sizes, work: Path, made: Path | None) -> list[Row]:
    import bench_summary

    from gongkai_xlsx.definition import load_form

    r = bench_summary.bench_render(load_form("gk2021"), sizes.render, work)
    return [
        Row(
            5,
            f"`render` {r.agencies:,} 个单位的汇总（进程）",
            f"{r.wall:.2f} s 墙钟，{r.cpu:.2f} s CPU",
            f"纯 Python jsonschema 校验 {r.pure:.2f} s；jsonschema-rs {r.compiled * 1000:.0f} ms；"
            f"orjson 读入 {r.load * 1000:.0f} ms",
            "< 1 s",
            r.wall < 1,
        )
    ]


def aggregate(sizes: Sizes, work: Path, made: Path | None) -> list[Row]:
    import bench_summary

    from gongkai_xlsx.definition import load_form

    w = bench_summary.bench_workbook(load_form("gk2021"), sizes.members, work)
    yes = {True: "是", False: "否"}
    return [
        Row(
            6,
            f"`aggregate -o x.xlsx`，{w.agencies:,} 个单位：写出（进程）",
            f"{w.x_wall:.1f} s 墙钟，{w.x_cpu:.1f} s CPU",
            f"`aggregate -o x.json` {w.j_wall:.1f} s",
            "< 60 s",
            w.x_wall < 60,
        ),
        Row(
            6,
            f"`ingest` 读回这份 {w.agencies:,} 个单位的 .xlsx（进程）",
            f"{w.i_wall:.1f} s 墙钟，{w.i_cpu:.1f} s CPU；通过检查：{yes[w.passed]}；"
            f"与 .json 是同一文档：{yes[w.same]}",
            f"documents.read 读 .json {w.read:.2f} s",
            "< 60 s，同一文档",
            w.i_wall < 60 and w.passed and w.same,
        ),
    ]


Part = Callable[[Sizes, Path, Path | None], list[Row]]
PARTS: dict[str, Part] = {
    "read": read,
    "scale": scale,
    "startup": startup,
    "roster": roster,
    "annotate": annotate,
    "render": render,
    "aggregate": aggregate,
}


def _child(name: str, sizes: Sizes, work: str, made: str | None, answer: Any) -> None:
    try:
        rows = PARTS[name](sizes, Path(work), Path(made) if made else None)
        answer.put(("ok", [tuple(r) for r in rows]))  # plain tuples: __mp_main__ is not ours
    except BaseException:
        answer.put(("error", traceback.format_exc()))
    finally:
        sys.stdout.flush()


def fresh(name: str, sizes: Sizes, work: Path, made: Path | None) -> list[Row] | str:
    """One part in a fresh (spawned) process: its rows, or the error it met."""
    sys.stdout.flush()
    ctx = multiprocessing.get_context("spawn")
    answer = ctx.Queue()
    proc = ctx.Process(target=_child, args=(name, sizes, str(work), made and str(made), answer))
    proc.start()
    while True:
        try:
            status, value = answer.get(timeout=1)
            break
        except queue.Empty:
            if not proc.is_alive():
                try:
                    status, value = answer.get(timeout=1)
                except queue.Empty:
                    status, value = "error", f"进程意外退出（退出码 {proc.exitcode}）"
                break
    proc.join()
    return [Row(*row) for row in value] if status == "ok" else str(value)


def table(rows: list[Row], sizes: Sizes, machine: str) -> str:
    """The rows as Markdown, under the machine and (with ``--quick``) the warning."""
    star = "*" if sizes.quick else ""
    lines = [machine, ""]
    if sizes.quick:
        lines += [
            "**快速模式（--quick）：规模远小于目标的规模，只用来确认基准能跑通；"
            "“达到”一栏（带 *）不说明是否达到目标。**",
            "",
        ]
    lines += [
        "| 完成条件 | 测量 | 数值 | 参照（同一次运行） | 目标 | 达到 |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        cells = [str(r.line), r.what, r.figure, r.anchor, r.goal, ("yes" if r.met else "no") + star]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(
        description="一次运行打印议题 16 “完成条件”的每一项及其参照，最后汇成一张表"
    )
    parser.add_argument(
        "--quick", action="store_true", help="小规模的冒烟运行（不是目标的规模，不据此判断达标）"
    )
    parser.add_argument(
        "--only",
        action="append",
        choices=list(PARTS),
        metavar="名称",
        help=f"只测这一项（可重复）：{'、'.join(PARTS)}",
    )
    parser.add_argument(
        "--made", type=Path, help="生成的报表放在这里，再次运行时沿用（默认用临时文件夹）"
    )
    parser.add_argument("--markdown", type=Path, help="把最后的表格另存为这个 Markdown 文件")
    args = parser.parse_args()
    sizes = QUICK if args.quick else FULL
    names = args.only or list(PARTS)
    load_start = os.getloadavg()
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    rows: list[Row] = []
    failed: list[str] = []
    with tempfile.TemporaryDirectory(prefix="gk-bench-done-") as tmp:
        for name in names:
            work = Path(tmp) / name
            work.mkdir()
            print(f"\n== {name} (load {os.getloadavg()[0]:.2f}) ==", flush=True)
            start = time.perf_counter()
            got = fresh(name, sizes, work, args.made)
            print(f"== {name}: {time.perf_counter() - start:.1f} s ==", flush=True)
            if isinstance(got, str):
                print(got, file=sys.stderr)
                failed.append(name)
            else:
                rows += got
    load_end = os.getloadavg()
    machine = (
        f"机器：{os.cpu_count()} 核；Python {sys.version.split()[0]}；"
        f"负载（1、5、15 分钟平均）开始 {' '.join(f'{x:.2f}' for x in load_start)}，"
        f"结束 {' '.join(f'{x:.2f}' for x in load_end)}；{started}"
    )
    text = table(sorted(rows, key=lambda r: r.line), sizes, machine)
    print("\n" + text, end="")
    if args.markdown:
        args.markdown.write_text(text, encoding="utf-8")
    if failed:
        raise SystemExit(f"出错的项：{'、'.join(failed)}（见上）")


if __name__ == "__main__":
    main()
