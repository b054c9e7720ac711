"""``ingest``: print the batch's table, each return's findings, what to do next, and
what ``--previous``, ``--roster`` and ``--summary`` found: all from the run's one
:class:`~gongkai_xlsx.api.BatchReport` (its counts are the report's, never counted here)."""

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from gongkai_xlsx import api
from gongkai_xlsx.cli.app import app
from gongkai_xlsx.cli.messages import (
    MAX_LISTED_AGENCIES,
    MAX_LISTED_HINTS,
    completeness_lines,
    finding_line,
    finding_lines,
    shown_names,
    status_text,
)
from gongkai_xlsx.cli.options import (
    ExpectedYear,
    MemoryLimit,
    Previous,
    TimeLimit,
    jobs_option,
    output_option,
)
from gongkai_xlsx.terminal import echo, progress, visible
from gongkai_xlsx.text import file_name_text, text_width

if TYPE_CHECKING:
    from gongkai_xlsx.api import BatchReport, Ingested, YearComparison


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - text_width(text))


def batch_table(report: "BatchReport") -> str:
    """One line per return: its file, agency, status and the numbers of its findings."""
    header = ["文件", "单位", "状态", "错误", "提示"]
    rows = []
    for row in report.returns:
        older = row.status == "superseded"  # its findings count no more: not shown
        rows.append(
            [
                visible(row.file),
                visible(report.agency_shown(row)),
                status_text()[row.status],
                "-" if older else str(len(row.errors)),
                "-" if older else str(len(row.warnings)),
            ]
        )
    widths = [max(text_width(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(_pad(c, w) for c, w in zip(r, widths, strict=True)).rstrip()
        for r in [header, *rows]
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def batch_lines(
    report: "BatchReport",
    out: Path,
    verbose: bool = False,
    annotate: Path | None = None,
    removed: Sequence[str] = (),
) -> list[str]:
    """Each return's errors (and hints, when they are few or asked for), the counts, and
    what to do next: which returns go back, where the full report is. ``removed``: the
    outputs of the last run the commit deleted (:attr:`Ingested.removed`: results, and
    marked copies as ``@annotated/…``; not part of the report)."""
    counts = report.counts
    hints = counts.findings_warnings
    show_hints = verbose or hints <= MAX_LISTED_HINTS
    lines: list[str] = []
    for row in report.current:
        listed = finding_lines(row, warnings=show_hints)
        if listed:
            lines += ["", f"{visible(row.file)}：", *listed]
    older = [row for row in report.returns if row.superseded_by is not None]
    if older:
        lines += ["", f"已被新版本取代的旧版本 {len(older)} 份（不计入，不退回，不输出）："]
        lines += [f"  {visible(row.file)} → {visible(row.superseded_by or '')}" for row in older]
    for undecided in report.undecided:
        lines += ["", f"错误：{visible(undecided.message)}"]
    if report.unreadable:
        lines += [
            "",
            f"无法读取的文件夹或文件 {counts.unreadable_entries} 项（其中的报表没有检查）：",
        ]
        lines += [visible(finding_line(u.finding)) for u in report.unreadable]
    if report.passed_over:
        notes = [f"{p.display}（{p.reason}）" for p in report.passed_over]
        lines += [
            "",
            f"按规则未查看 {counts.passed_over} 项：{shown_names(notes, '项', limit=3)}（见 report.json）。",
        ]
    label = status_text()
    lines += [
        "",
        f"共 {counts.returns} 份：{label['ok']} {counts.ok}，{label['warnings']} "
        f"{counts.warnings}，{label['errors']} {counts.errors}，"
        f"{label['unreadable']} {counts.unreadable}。"
        + (
            f"另有旧版本 {counts.superseded} 份已被新版本取代，不计入。"
            if counts.superseded
            else ""
        ),
    ]
    if report.completeness is not None:
        lines += completeness_lines(report.completeness)
        unplaced = report.roster.unplaced if report.roster is not None else ()
        if unplaced:
            lines.append(
                f"  未填写单位、文件名也不含名单中单位的报表 {len(unplaced)} 份："
                f"{shown_names(unplaced, '份')}"
            )
    if hints and not show_hints:
        lines.append(
            f"提示共 {hints} 项，未逐条列出：见 {out / 'report.json'}，或加 -v 在这里列出。"
        )
    back = [row.file for row in report.send_back]
    if back:
        lines.append(f"需要退回单位修改的报表 {len(back)} 份：{shown_names(back, '份')}。")
        if annotate is None:
            lines.append(
                "加 --annotate 文件夹 可为每份生成标出问题的副本，发回单位修改，"
                f"例如 gongkai-xlsx ingest 报表/ -o {out.as_posix()} --annotate 退回/。"
            )
    elif counts.undecided:
        lines.append(
            f"有 {counts.undecided} 个单位的几份报表无法判断哪份最新（见上），请选定后重新运行。"
        )
    elif counts.unreadable_entries:
        lines.append(
            f"读到的报表都没有错误，但有 {counts.unreadable_entries} 个文件夹或文件无法读取（见上），"
            "本批结果不完整。"
        )
    else:
        lines.append("全部报表都没有错误。")
    if annotate is not None and counts.annotated:
        lines.append(f"已在 {annotate} 生成 {counts.annotated} 份标注副本，可直接发回单位修改。")
    elif annotate is not None and back:
        lines.append("没有生成标注副本：需要退回的报表无法读取或无法标注（原因见上）。")
    lines.append(f"规范 JSON 和完整的检查报告已写入 {out}（report.json）。")
    lines.append(f"用浏览器打开 {out / 'report.html'} 可查看、筛选本批结果和合计。")
    results, copies, lists = api.removed_outputs(removed)
    if results:
        lines.append(
            f"已删除输出文件夹中上次运行留下、本次没有的 {len(results)} 个结果："
            f"{shown_names(results, '个结果')}。"
        )
    if copies:
        lines.append(
            f"已删除 {annotate} 中上次生成、本次不再需要的 {len(copies)} 份标注副本："
            f"{shown_names(copies, '份')}。"
        )
    if lists:
        lines.append(
            f"已删除 {annotate} 中上次生成、本次不再需要的退回清单：{shown_names(lists, '份')}。"
        )
    if report.skipped:
        lines.append(
            f"另有 {counts.skipped_files} 个文件不是电子表格，未读取："
            f"{shown_names(report.skipped, '个文件')}（见 report.json）。"
        )
    return lines


@app.command(
    "ingest",
    examples=[
        "gongkai-xlsx ingest 报表/ -o 结果/",
        "gongkai-xlsx ingest 报表/ -o 结果/ --year 2024",
        "gongkai-xlsx ingest 报表/ -o 结果/ --annotate 退回/",
        "gongkai-xlsx ingest 第一批/ 第二批/ -o 结果/ -j 4",
        "gongkai-xlsx ingest 报表/ -o 2024结果/ --previous 2023结果/",
        "gongkai-xlsx ingest 报表/ -o 结果/ --roster 名单.csv",
        "gongkai-xlsx ingest 报表/ -o 某县/ --summary --name 某县",
    ],
)
def ingest_command(
    paths: Annotated[
        list[Path],
        typer.Argument(metavar="文件或文件夹", help="报表文件或文件夹（递归查找），可给多个。"),
    ],
    out: Annotated[
        Path,
        output_option("输出文件夹", "输出文件夹：每份通过的报表一个 JSON，另有 report.json。"),
    ],
    year: ExpectedYear = None,
    jobs: Annotated[int, jobs_option("并行进程数；0 表示按 CPU 核数。")] = 0,
    time_limit: TimeLimit = None,
    memory_limit: MemoryLimit = None,
    annotate: Annotated[
        Path | None,
        typer.Option(
            "--annotate",
            metavar="文件夹",
            help="把有错误的报表各生成一份标注副本（问题单元格标红、加批注，首页列出全部问题）"
            "放在这个文件夹，文件名为“单位_退回修改_收到日期.xlsx”，可直接发回单位修改。",
        ),
    ] = None,
    annotate_all: Annotated[
        bool,
        typer.Option("--all", help="与 --annotate 一起用：只有提示的报表也生成标注副本。"),
    ] = False,
    verbose: Annotated[
        bool, typer.Option("-v", "--verbose", help="同时列出每份报表的提示项。")
    ] = False,
    previous: Previous = None,
    roster: Annotated[
        Path | None,
        typer.Option(
            "--roster",
            metavar="名单文件",
            help="单位名单（CSV 或 xlsx，与 new --roster 相同）：列出名单中未报送的单位和不在名单中的单位。",
        ),
    ] = None,
    summary: Annotated[
        bool,
        typer.Option(
            "--summary",
            help="同时把没有错误的报表汇总成规范 JSON（名称_年度_汇总.json），与 report.json 一起写入；"
            "有单位报了多份不同的报表时不汇总。",
        ),
    ] = False,
    name: Annotated[
        str | None,
        typer.Option(
            "--name",
            metavar="名称",
            help="汇总的名称（写入汇总的填报单位，如“某县”）；默认为输出文件夹的名称。与 --summary 一起使用。",
        ),
    ] = None,
) -> None:
    """收集一批报表：逐份检查，输出规范 JSON 和汇总报告 report.json。"""
    options = api.IngestOptions(
        paths,
        out,
        year=year,
        jobs=jobs or None,
        time_limit=time_limit,
        memory_limit=memory_limit,
        annotate=annotate,
        annotate_all=annotate_all,
        previous=previous,
        roster=roster,
        summary=summary,
        name=name,
    )
    done = api.ingest(options, progress=lambda total: progress(total, "正在检查"))
    report = done.report
    echo(batch_table(report))
    echo("\n".join(batch_lines(report, out, verbose, annotate, done.removed)))
    if previous is not None and report.previous is not None:
        echo("\n".join(previous_lines(previous, report.previous)))
    if done.summary is not None:
        echo("\n".join(_summary_lines(done, out)))
    raise typer.Exit(done.exit_code)


def _summary_lines(done: "Ingested", out: Path) -> list[str]:
    """What ``--summary`` did: the summary written, or why there is none."""
    batch = done.summary
    assert batch is not None
    if batch.conflicts:
        listed = shown_names(
            (
                f"{c.agency}（{shown_names(c.files, '份', limit=len(c.files))}）"
                for c in batch.conflicts
            ),
            "个单位",
            limit=MAX_LISTED_HINTS,
            sep="；",
        )
        return [
            f"未生成汇总：{len(batch.conflicts)} 个单位报了多份不同的报表：{listed}。"
            "请确认以哪一份为准，移走其余的后重新运行。"
        ]
    if not batch.documents and not batch.errors:
        return ["未生成汇总：没有通过检查的报表。"]
    lines = [finding_line(f) for f in batch.findings]
    if batch.file_name is None:
        return [*lines, f"未生成汇总（错误 {len(batch.errors)} 项）。"]
    return [
        *lines,
        f"{visible(batch.name)}：已汇总 {batch.members} 个单位的 {batch.year} 年度报表，"
        f"写入 {out / batch.file_name}。",
    ]


def previous_lines(folder: Path, section: "YearComparison") -> list[str]:
    """How the batch compared with last year (the report's ``previous``)."""
    line = f"已与上年的结果（{visible(file_name_text(str(folder)))}）比对：{section.matched} 份找到上年的报表并已比对"
    if section.not_compared:
        line += f"，{section.not_compared} 份的上年报表不能比对（原因见各自的提示）"
    names = section.unmatched
    if names:
        shown = shown_names(names, "份", limit=MAX_LISTED_AGENCIES)
        line += f"，{len(names)} 份没有上年的报表（新单位或名称有变化）：{shown}"
    lines = [line + "。"]
    skipped = [s.file for s in section.not_used]
    if skipped:
        lines.append(
            f"上年的结果中另有 {len(skipped)} 个 JSON 文件不是单位的报表，未使用：{shown_names(skipped, '个 JSON 文件')}"
            "（原因见 report.json 的 previous）。"
        )
    return lines
