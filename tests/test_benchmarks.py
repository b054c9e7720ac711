"""``benchmarks/bench_done.py`` prints every Done-when line of issue 16 from one run.

The closing note and the README quote its table, so a benchmark that stops running, or
a line that drops out of the table, is a defect. Run as a process at ``--quick`` sizes
(a smoke run): every goal has a row with a figure, an anchor from the same run and a
yes/no, and each part printed its owning benchmark's own lines. No time is asserted: the
figures of a smoke run on a shared machine mean nothing.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from child_env import child_env

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "benchmarks" / "bench_done.py"

# Each goal of the Done-when lines: (line, what the row measures, at --quick's sizes).
GOALS = [
    (1, "工作进程 CPU ÷ python-calamine，10 份 LibreOffice 保存的报表"),
    (2, "100 份报表，-j 2，墙钟"),
    (2, "主进程峰值内存：100 份对 30 份"),
    (3, "`gongkai-xlsx --help`（进程）：导入"),
    (3, "`new 2024`（进程）：导入"),
    (3, "`new 2024`（进程）：墙钟"),
    (4, "`new --roster`，20 个单位"),
    (4, "`new --roster`，50 个单位"),
    (5, "标注副本 ÷ 一次完整读取：samples/ 中最差的一份"),
    (5, "标注副本 ÷ 一次完整读取：一份报表 200 处问题"),
    (5, "同上，检查之后标注（ingest --annotate、annotate 的做法）"),
    (5, "`render` 200 个单位的汇总"),
    (6, "`aggregate -o x.xlsx`，20 个单位：写出"),
    (6, "`ingest` 读回这份 20 个单位的 .xlsx"),
]
# A line each owning benchmark prints as it measures (its own output, not bench_done's).
OWN_LINES = [
    "ratio: ",  # bench_read.ratios
    "scale: 100 returns",  # bench_drop.scale
    "gongkai-xlsx new 2024 (process)",  # bench_new.startup
    "new --roster, 50 agencies",  # bench_new.roster
    "samples: marked copy / one read",  # bench_annotate.figures
    "render of a 200-agency summary",  # bench_summary.bench_render
    "ingest of that .xlsx",  # bench_summary.bench_workbook
]


@pytest.fixture(scope="module")
def quick(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """One ``bench_done.py --quick --markdown`` run: its stdout and the Markdown file."""
    out = tmp_path_factory.mktemp("bench") / "done.md"
    env = child_env()
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--markdown", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=900,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout, out.read_text(encoding="utf-8")


def rows(markdown: str) -> list[list[str]]:
    """The table's body rows, split into cells."""
    body = [line for line in markdown.splitlines() if re.match(r"\| \d \|", line)]
    return [[cell.strip() for cell in re.split(r"(?<!\\)\|", line)[1:-1]] for line in body]


def test_every_done_when_goal_has_a_figure_an_anchor_and_a_yes_or_no(
    quick: tuple[str, str],
) -> None:
    _stdout, markdown = quick
    table = rows(markdown)
    assert len(table) == len(GOALS), markdown
    for (line, what), (number, measured, figure, anchor, goal, met) in zip(
        GOALS, table, strict=True
    ):
        assert number == str(line) and what in measured, (line, what, measured)
        assert re.search(r"\d", figure), (measured, figure)
        assert re.search(r"\d", anchor), (measured, anchor)
        assert re.search(r"\d", goal), (measured, goal)
        assert re.fullmatch(r"(yes|no)\*", met), (measured, met)  # * : a smoke run's sizes


def test_the_quick_run_says_it_is_not_the_goals_size_and_names_the_machine(
    quick: tuple[str, str],
) -> None:
    stdout, markdown = quick
    assert "快速模式（--quick）" in markdown
    assert re.search(r"机器：\d+ 核；Python 3\.\d+\.\d+；负载.*开始 [\d.]+ .*结束 [\d.]+", markdown)
    assert markdown in stdout  # the file is the table printed at the end


def test_each_part_ran_its_owning_benchmark(quick: tuple[str, str]) -> None:
    stdout, _markdown = quick
    for own in OWN_LINES:
        assert own in stdout, own


def test_the_summary_workbook_comes_back_as_the_same_document(quick: tuple[str, str]) -> None:
    """The one behaviour in the table: ingest reads aggregate's .xlsx back, checked, to the
    document aggregate wrote as .json."""
    _stdout, markdown = quick
    (ingest,) = [row for row in rows(markdown) if row[1].startswith("`ingest` 读回")]
    assert "通过检查：是" in ingest[2] and "与 .json 是同一文档：是" in ingest[2], ingest
