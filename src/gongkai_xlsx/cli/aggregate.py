"""``aggregate``: print the summary's findings and roster completeness, and where it went."""

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from gongkai_xlsx import api
from gongkai_xlsx.cli.app import app
from gongkai_xlsx.cli.messages import completeness_lines, finding_line, shown_names
from gongkai_xlsx.cli.options import output_option
from gongkai_xlsx.errors import ERROR_PREFIX
from gongkai_xlsx.terminal import echo

if TYPE_CHECKING:
    from gongkai_xlsx.api import Summary


def _aggregate_report(summary: "Summary") -> list[str]:
    lines = [finding_line(f) for f in summary.findings]
    for doc, completeness in summary.inputs_completeness:
        lines.append(
            f"  {doc.display}（{doc.agency}）：{completeness.text}；未报送 "
            f"{len(completeness.missing)} 个（名单：{completeness.roster}）"
        )
    c = summary.completeness
    if c is not None:
        lines += completeness_lines(c, api.known_from(summary))
    if summary.skipped:
        listed = shown_names([f"{s.display}（{s.reason}）" for s in summary.skipped], "个文件")
        lines.append(f"另有 {len(summary.skipped)} 个文件未读取：{listed}。")
    return lines


@app.command(
    "aggregate",
    examples=[
        "gongkai-xlsx aggregate 结果/ -o 某县_2024_汇总.json --name 某县",
        "gongkai-xlsx aggregate 结果/ -o 某县_2024_汇总.json --name 某县 --roster 名单.csv",
        "gongkai-xlsx aggregate 结果/ -o 某县_2024_汇总.xlsx --name 某县",
        "gongkai-xlsx aggregate 结果/ -o 某县_2024_汇总.xlsx --name 某县 --force",
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
    output: Annotated[
        Path | None,
        output_option(
            "汇总文件",
            "汇总结果文件：.json 为规范 JSON，可再次汇总；.xlsx 为填好汇总数、锁定的汇总表，"
            "另有“汇总明细”工作表列出各单位，可报送上级，由上级用 ingest 读取。",
        ),
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
    force: Annotated[
        bool,
        typer.Option("--force", help="覆盖已存在的汇总结果（不会覆盖不是汇总结果的文件）。"),
    ] = False,
) -> None:
    """汇总多份规范 JSON（各单位的报表或下级的汇总）：精确求和、合计重新计算，结果可再次汇总。"""
    result = api.aggregate(api.AggregateOptions(paths, output, name, roster, force))
    summary = result.summary
    lines = _aggregate_report(summary)
    if result.refused is not None:
        if lines:  # nothing found: what was passed over explains it, beside the error
            echo("\n".join(lines), err=result.nothing_found)
        echo(ERROR_PREFIX + result.refused, err=True)
        raise typer.Exit(result.exit_code)
    summaries = sum(1 for d in summary.documents if d.kind == "summary")
    read = f"读取 {len(summary.documents)} 份文档" + (
        f"，其中汇总 {summaries} 份" if summaries else ""
    )
    echo(
        f"{summary.name}：已汇总 {len(summary.members)} 个单位的 {summary.year} 年度报表（{read}）。"
    )
    if lines:
        echo("\n".join(lines))
    echo(f"结果已写入 {result.output}。")
    warning = api.incomplete_warning(summary)
    if warning is not None:
        echo(warning)
