"""The command line: a thin face over :mod:`gongkai_xlsx.api` and :mod:`gongkai_xlsx.batch`.

Options, messages and exit codes live here; everything else is the library's. Exit codes:
0 no return has errors (warnings allowed), 1 a return has errors or could not be read,
2 bad usage (including no return found). ``annotate`` exits 0 when it wrote the marked
copy or found nothing to mark, 1 when the return could not be read or marked.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

import typer

from gongkai_xlsx import __version__
from gongkai_xlsx.aggregate import Summary, aggregate_paths, write_summary
from gongkai_xlsx.api import (
    AnnotateError,
    UsageError,
    annotate_return,
    check_file,
    new_from_roster,
    new_template,
    os_reason,
)
from gongkai_xlsx.batch import (
    Batch,
    collect,
    outcome_row,
    report,
    run_checks,
    write_atomic,
    write_outputs,
)
from gongkai_xlsx.checks.run import Outcome
from gongkai_xlsx.definition.load import UnsupportedYearError, form_for_year
from gongkai_xlsx.findings import Finding
from gongkai_xlsx.render.request import RenderError, render_file
from gongkai_xlsx.roster import RosterError
from gongkai_xlsx.schema import schema_text
from gongkai_xlsx.terminal import (
    ChineseTyper,
    echo,
    non_negative_int,
    progress,
    run,
    visible,
    write_utf8,
    year_value,
)
from gongkai_xlsx.text import file_name_text, squash_spaces, text_width

app = ChineseTyper(
    help="政府信息公开工作年度报告数据填报工具：生成锁定的 Excel 填报模板，收集、校验报表并输出规范 JSON。",
    examples=["gongkai-xlsx new 2024", "gongkai-xlsx ingest 报表/ -o 结果/"],
)

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
EXIT_INTERRUPTED = 130  # the shell's convention for Ctrl-C

# Options shared by several commands, declared once.
ExpectedYear = Annotated[
    int | None,
    typer.Option(
        "--year", metavar="年度", parser=year_value, help="只接受该年度的报表，其他年度按错误处理。"
    ),
]
Year = Annotated[
    int,
    typer.Argument(
        metavar="年度", parser=year_value, help="报告年度，例如 2024（2021 年起使用 2021 年格式）。"
    ),
]
STATUS_TEXT = {
    "ok": "通过",
    "warnings": "通过（有提示）",
    "errors": "有错误",
    "unreadable": "无法读取",
}


def _fail(message: str, code: int = EXIT_USAGE) -> typer.Exit:
    echo(f"错误：{message}", err=True)
    return typer.Exit(code)


def _version(value: bool) -> None:
    if value:
        echo(f"gongkai-xlsx {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="显示版本号后退出。")
    ] = False,
) -> None:
    """政府信息公开工作年度报告数据填报工具。"""


# ------------------------------------------------------------------------------- new
@app.command(
    "new",
    examples=[
        "gongkai-xlsx new 2024",
        'gongkai-xlsx new 2024 --agency "某县交通运输局"',
        "gongkai-xlsx new 2024 --roster 名单.csv --out-dir 模板/",
    ],
)
def new_command(
    year: Year,
    output: Annotated[
        Path | None,
        typer.Option(
            "-o",
            "--output",
            metavar="文件",
            help="输出文件路径；默认按年度（和单位名称）在当前文件夹命名。",
        ),
    ] = None,
    agency: Annotated[
        str | None,
        typer.Option("--agency", metavar="单位名称", help="填报单位名称；给出时写入模板并锁定。"),
    ] = None,
    password: Annotated[
        str,
        typer.Option(
            "--password",
            metavar="密码",
            help="工作表和工作簿结构的保护密码（可选，只能用英文字母、数字和符号）。",
        ),
    ] = "",
    roster: Annotated[
        Path | None,
        typer.Option(
            "--roster",
            metavar="名单文件",
            help="单位名单（CSV 或 xlsx，“单位名称”列或第一列），每个单位生成一份模板。",
        ),
    ] = None,
    out_dir: Annotated[
        Path | None,
        typer.Option("--out-dir", metavar="文件夹", help="按名单生成时的输出文件夹。"),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="覆盖已存在的文件。")] = False,
) -> None:
    """生成填报模板（.xlsx）：只有浅黄色单元格可填写，合计自动计算，填错即时提示。"""
    try:
        if roster is not None:
            if out_dir is None:
                raise UsageError("按名单生成时请用 --out-dir 指定输出文件夹。")
            if output is not None or agency is not None:
                raise UsageError("--roster 不能与 -o 或 --agency 同时使用。")
            result = new_from_roster(year, roster, out_dir, password=password, force=force)
            for number, name in result.duplicates:
                echo(f"提示：名单第 {number} 行“{name}”重复出现，只生成一份模板。", err=True)
            for path in result.skipped_existing:
                echo(f"提示：{path} 已存在，未覆盖（如需覆盖请加 --force）。", err=True)
            echo(f"已生成 {len(result.written)} 份 {year} 年度填报模板，保存在 {out_dir}。")
            return
        if out_dir is not None:
            raise UsageError("--out-dir 只能与 --roster 一起使用；单个文件请用 -o。")
        path = new_template(year, output, agency=agency, password=password, force=force)
    except UsageError as exc:
        raise _fail(str(exc)) from None
    echo(f"已生成 {year} 年度填报模板：{path}")


# ------------------------------------------------------------------------------- schema
@app.command("schema", examples=["gongkai-xlsx schema 2024 > schema.json"])
def schema_command(
    year: Annotated[
        int, typer.Argument(metavar="年度", parser=year_value, help="报告年度，例如 2024。")
    ],
) -> None:
    """输出该年度规范 JSON 的 JSON Schema（draft 2020-12）。"""
    try:
        form = form_for_year(year)
    except UnsupportedYearError as exc:
        raise _fail(str(exc)) from None
    write_utf8(schema_text(form))


# ------------------------------------------------------------------------------- check
def _finding_line(f: Finding) -> str:
    return f"  {f.severity.chinese} [{f.code.code}] {f.message}"


def _finding_lines(outcome: Outcome, warnings: bool = True) -> list[str]:
    return [_finding_line(f) for f in outcome.findings if warnings or f.is_error]


@app.command(
    "check",
    examples=[
        "gongkai-xlsx check 某县交通运输局.xlsx",
        "gongkai-xlsx check 某县交通运输局.xlsx --json",
    ],
)
def check_command(
    file: Annotated[Path, typer.Argument(metavar="报表文件", help="要检查的报表文件（.xlsx）。")],
    year: ExpectedYear = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="以 JSON 输出检查结果（供程序读取）。")
    ] = False,
) -> None:
    """检查一份报表，列出每个问题所在的工作表、单元格和规则。"""
    if file.is_dir():
        raise _fail(f"{file}：这是文件夹，不是文件。检查整个文件夹请用 gongkai-xlsx ingest。")
    if not file.is_file():
        raise _fail(f"{file}：文件不存在。")
    outcome = check_file(file, year)
    if as_json:
        data = {**outcome_row(file_name_text(str(file)), outcome), "document": outcome.document}
        write_utf8(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    else:
        head = f"{visible(file_name_text(str(file)))}：{STATUS_TEXT[outcome.status]}"
        if outcome.agency:
            head += f"（{visible(outcome.agency)}，{outcome.year or '年度不明'}）"
        echo(head)
        counts = f"错误 {len(outcome.errors)} 项，提示 {len(outcome.warnings)} 项"
        lines = _finding_lines(outcome)
        echo("\n".join([*lines, counts]) if lines else "未发现问题。")
    raise typer.Exit(EXIT_FINDINGS if outcome.errors else EXIT_OK)


# ------------------------------------------------------------------------------- annotate
@app.command(
    "annotate",
    examples=[
        "gongkai-xlsx annotate 报表/某县交通运输局.xlsx -o 退回/",
        "gongkai-xlsx annotate 某县交通运输局.xlsx -o 某县交通运输局_退回修改.xlsx --force",
    ],
)
def annotate_command(
    file: Annotated[Path, typer.Argument(metavar="报表文件", help="报回的报表文件（.xlsx）。")],
    output: Annotated[
        Path,
        typer.Option(
            "-o",
            "--output",
            metavar="输出文件或文件夹",
            help="标注副本的文件路径（.xlsx）；给文件夹时用原文件名保存在其中。",
        ),
    ],
    year: ExpectedYear = None,
    force: Annotated[bool, typer.Option("--force", help="覆盖已存在的文件。")] = False,
) -> None:
    """生成标注副本：问题单元格标红并加批注，首页“校验结果”列出全部问题和修改方法，退回单位修改。"""
    if file.is_dir():
        raise _fail(f"{file}：这是文件夹，不是文件。")
    if not file.is_file():
        raise _fail(f"{file}：文件不存在。")
    try:
        result = annotate_return(file, output, year, force=force)
    except UsageError as exc:
        raise _fail(str(exc)) from None
    except AnnotateError as exc:
        raise _fail(f"{file_name_text(str(file))}：{exc}", EXIT_FINDINGS) from None
    name = visible(file_name_text(str(file)))
    if not result.outcome.readable:
        echo(f"{name}：{STATUS_TEXT['unreadable']}，未生成标注副本。", err=True)
        for finding in result.findings:
            echo(f"  {finding.severity.chinese} [{finding.code.code}] {finding.message}", err=True)
        raise typer.Exit(EXIT_FINDINGS)
    if result.written is None:
        echo(f"{name}：没有需要标注的问题，未生成标注副本。")
        return
    errors = sum(1 for f in result.findings if f.is_error)
    echo(
        f"已生成标注副本：{result.written}（错误 {errors} 项，"
        f"提示 {len(result.findings) - errors} 项）。"
    )


# ------------------------------------------------------------------------------- ingest
def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - text_width(text))


def _table(batch: Batch) -> str:
    header = ["文件", "单位", "状态", "错误", "提示"]
    rows = []
    for item in batch.items:
        o = item.outcome
        assert o is not None
        rows.append(
            [
                visible(item.display),
                visible(o.agency) if o.agency else "-",
                STATUS_TEXT[o.status],
                str(len(o.errors)),
                str(len(o.warnings)),
            ]
        )
    widths = [max(text_width(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(_pad(c, w) for c, w in zip(r, widths, strict=True)).rstrip()
        for r in [header, *rows]
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


@app.command(
    "ingest",
    examples=[
        "gongkai-xlsx ingest 报表/ -o 结果/",
        "gongkai-xlsx ingest 报表/ -o 结果/ --year 2024",
        "gongkai-xlsx ingest 第一批/ 第二批/ -o 结果/ -j 4",
    ],
)
def ingest_command(
    paths: Annotated[
        list[Path],
        typer.Argument(metavar="文件或文件夹", help="报表文件或文件夹（递归查找），可给多个。"),
    ],
    out: Annotated[
        Path,
        typer.Option(
            "-o",
            "--out",
            metavar="输出文件夹",
            help="输出文件夹：每份通过的报表一个 JSON，另有 report.json。",
        ),
    ],
    year: ExpectedYear = None,
    jobs: Annotated[
        int,
        typer.Option(
            "-j",
            "--jobs",
            metavar="进程数",
            parser=non_negative_int,
            help="并行进程数；0 表示按 CPU 核数。",
        ),
    ] = 0,
    verbose: Annotated[
        bool, typer.Option("-v", "--verbose", help="同时列出每份报表的提示项。")
    ] = False,
) -> None:
    """收集一批报表：逐份检查，输出规范 JSON 和汇总报告 report.json。"""
    for path in paths:
        if not path.exists():
            raise _fail(f"{path}：文件或文件夹不存在。")
    if out.exists() and not out.is_dir():
        raise _fail(f"{out}：输出位置已存在且不是文件夹。")
    batch = collect(paths, out)
    if not batch.items:
        raise _fail("没有找到任何报表文件（.xlsx 等电子表格）。")
    workers = jobs if jobs > 0 else (os.cpu_count() or 1)
    with progress(len(batch.items), "正在检查") as advance:
        try:
            run_checks(batch, year, jobs=workers, progress=advance)
        except KeyboardInterrupt:
            raise _fail("已中断：没有写入任何结果。", EXIT_INTERRUPTED) from None
    try:
        written = write_outputs(batch, out)
    except OSError as exc:
        raise _fail(f"{out}：无法写入结果（{os_reason(exc)}）。") from None
    data = written.report
    echo(_table(batch))
    for item in batch.items:
        assert item.outcome is not None
        lines = _finding_lines(item.outcome, warnings=verbose)
        if lines and (item.outcome.errors or verbose):
            echo(f"\n{visible(item.display)}：")
            echo("\n".join(lines))
    s = data["summary"]
    echo(
        f"\n共 {s['returns']} 份：通过 {s['ok']}，通过但有提示 {s['warnings']}，"
        f"有错误 {s['errors']}，无法读取 {s['unreadable']}。结果已写入 {out}（report.json）。"
    )
    if written.removed:
        shown = "、".join(written.removed[:5]) + ("等" if len(written.removed) > 5 else "")
        echo(f"已删除输出文件夹中上次运行留下、本次没有的 {len(written.removed)} 个结果：{shown}。")
    if batch.skipped:
        shown = "、".join(batch.skipped[:5]) + ("等" if len(batch.skipped) > 5 else "")
        echo(f"另有 {len(batch.skipped)} 个文件不是电子表格，未读取：{shown}（见 report.json）。")
    raise typer.Exit(EXIT_FINDINGS if batch.failed else EXIT_OK)


# ------------------------------------------------------------------------------- aggregate
def _shown(items: list[str], limit: int = 5) -> str:
    return "、".join(items[:limit]) + ("等" if len(items) > limit else "")


def _check_aggregate_usage(
    paths: list[Path], out: Path | None, name: str | None
) -> tuple[Path, str]:
    """(output, name) once the command line makes sense; UsageError otherwise."""
    if out is None:
        raise UsageError("请用 -o 指定汇总结果文件，例如 -o 某县_2024_汇总.json。")
    if not squash_spaces(name or ""):
        raise UsageError('请用 --name 给出汇总的名称（写入汇总的填报单位），例如 --name "某县"。')
    if out.suffix.lower() == ".xlsx":
        raise UsageError("汇总输出为 .xlsx 的功能尚未提供，目前请输出 .json 文件。")
    if out.suffix.lower() != ".json":
        raise UsageError(f"{out}：汇总结果文件名应以 .json 结尾。")
    if out.is_dir():
        raise UsageError(f"{out}：这是文件夹，请给出汇总结果的文件名（.json）。")
    if out.exists() and not _is_summary_file(out):
        raise UsageError(f"{out}：文件已存在且不是汇总结果，为免覆盖其他数据，请换一个文件名。")
    for path in paths:
        if not path.exists():
            raise UsageError(f"{path}：文件或文件夹不存在。")
        if path.is_file() and path.suffix.lower() != ".json":
            raise UsageError(
                f"{path}：aggregate 只读取规范 JSON（.json）。填报的报表请先用 gongkai-xlsx ingest "
                "检查，再汇总它输出的 JSON。"
            )
    return out, squash_spaces(name or "")


def _is_summary_file(path: Path) -> bool:
    """An earlier summary may be overwritten; any other file is someone's data."""
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and data.get("kind") == "summary"


def _aggregate_report(summary: Summary) -> list[str]:
    lines = [_finding_line(f) for f in summary.findings]
    for doc, completeness in summary.inputs_completeness:
        lines.append(
            f"  {doc.display}（{doc.agency}）：{completeness.text}（名单：{completeness.roster}）"
        )
    c = summary.completeness
    if c is not None:
        line = f"{c.text}（名单：{c.roster}）"
        if c.missing:
            line += f"；未报送 {len(c.missing)} 个：{_shown(list(c.missing))}"
        if c.extra:
            line += f"；不在名单中 {len(c.extra)} 个：{_shown(list(c.extra))}"
        lines.append(line + "。")
    if summary.skipped:
        shown = _shown([f"{s.display}（{s.reason}）" for s in summary.skipped])
        lines.append(f"另有 {len(summary.skipped)} 个文件未读取：{shown}。")
    return lines


@app.command(
    "aggregate",
    examples=[
        "gongkai-xlsx aggregate 结果/ -o 某县_2024_汇总.json --name 某县",
        "gongkai-xlsx aggregate 结果/ -o 某县_2024_汇总.json --name 某县 --roster 名单.csv",
    ],
)
def aggregate_command(
    paths: Annotated[
        list[Path],
        typer.Argument(
            metavar="文件或文件夹",
            help="规范 JSON 文件或文件夹（ingest 的输出、下级的汇总结果），可给多个。",
        ),
    ],
    out: Annotated[
        Path | None,
        typer.Option("-o", "--out", metavar="汇总文件", help="汇总结果文件（.json），可再次汇总。"),
    ] = None,
    name: Annotated[
        str | None,
        typer.Option("--name", metavar="名称", help="汇总的名称（如“某县”），写入汇总的填报单位。"),
    ] = None,
    roster: Annotated[
        Path | None,
        typer.Option(
            "--roster",
            metavar="名单文件",
            help="单位名单（CSV 或 xlsx，与 new --roster 相同），列出未报送和不在名单中的单位。",
        ),
    ] = None,
) -> None:
    """汇总多份规范 JSON（各单位的报表或下级的汇总）：精确求和、合计重新计算，结果可再次汇总。"""
    try:
        output, title = _check_aggregate_usage(paths, out, name)
        summary = aggregate_paths(paths, title, output=output, roster=roster)
    except (UsageError, RosterError) as exc:
        raise _fail(str(exc)) from None
    lines = _aggregate_report(summary)
    if not summary.documents and not summary.errors:
        if lines:
            echo("\n".join(lines), err=True)
        raise _fail("没有找到任何规范 JSON（ingest 输出的 .json 文件或汇总结果）。")
    if not summary.ok:
        echo("\n".join(lines))
        raise _fail(
            f"汇总未完成（错误 {len(summary.errors)} 项），没有写入 {output}。", EXIT_FINDINGS
        )
    try:
        write_summary(summary, output)
    except OSError as exc:
        raise _fail(f"{output}：无法写入汇总结果（{os_reason(exc)}）。") from None
    summaries = sum(1 for d in summary.documents if d.kind == "summary")
    read = f"读取 {len(summary.documents)} 份文档" + (
        f"，其中汇总 {summaries} 份" if summaries else ""
    )
    echo(
        f"{summary.name}：已汇总 {len(summary.members)} 个单位的 {summary.year} 年度报表（{read}）。"
    )
    if lines:
        echo("\n".join(lines))
    echo(f"结果已写入 {output}。")


# ------------------------------------------------------------------------------- render
@app.command(
    "render",
    examples=[
        "gongkai-xlsx render 结果/某县民政局_2024.json",
        "gongkai-xlsx render 结果/某县民政局_2024.json --to docx",
        "gongkai-xlsx render 结果/某县民政局_2024.json -o 年报.docx --text 正文.md --date 2025-01-06",
    ],
)
def render_command(
    document: Annotated[
        Path,
        typer.Argument(
            metavar="JSON文件",
            help="一个单位（或汇总）的规范 JSON 文件，即 gongkai-xlsx ingest 的输出。",
        ),
    ],
    to: Annotated[
        str | None,
        typer.Option(
            "--to",
            metavar="格式",
            help="输出格式：html（按发布版式排列的三张表格）或 docx（完整的年度报告 Word 文档）；"
            "默认按 -o 的扩展名，都没有时为 html。",
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "-o", "--output", metavar="文件", help="输出文件；默认与 JSON 文件同名、同文件夹。"
        ),
    ] = None,
    text: Annotated[
        Path | None,
        typer.Option(
            "--text",
            metavar="正文文件",
            help="只用于 docx：报告正文（UTF-8 文本或 Markdown，以“一、总体情况”“五、存在的主要问题及改进情况”"
            "“六、其他需要报告的事项”为标题分段，一行一段）；不给时各部分留出待填写的占位文字。",
        ),
    ] = None,
    date: Annotated[
        str | None,
        typer.Option(
            "--date", metavar="日期", help="只用于 docx：落款日期，如 2025-01-06；默认今天。"
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="覆盖已存在的输出文件。")] = False,
) -> None:
    """把规范 JSON 生成按发布版式排列的表格（HTML）或完整的年度报告（Word）。"""
    try:
        rendered = render_file(document, to, output, text, date, force=force)
    except RenderError as exc:
        raise _fail(str(exc)) from None
    for note in rendered.notes:
        echo(f"提示：{note}", err=True)
    try:
        write_atomic(rendered.path, rendered.data)
    except OSError as exc:
        raise _fail(f"{rendered.path}：无法写入（{os_reason(exc)}）。") from None
    what = "年度报告" if rendered.format == "docx" else "表格"
    echo(f"已生成{what}：{rendered.path}（{rendered.title}）")


def main() -> None:
    """The ``gongkai-xlsx`` console script: Chinese usage errors, no traceback, any encoding."""
    run(app)


__all__ = ["app", "main", "report"]


if __name__ == "__main__":  # python -m gongkai_xlsx.cli
    main()
