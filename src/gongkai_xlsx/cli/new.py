"""``new``: print what :func:`gongkai_xlsx.api.new` did."""

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from gongkai_xlsx import api
from gongkai_xlsx.cli.app import app
from gongkai_xlsx.cli.messages import MAX_LISTED_AGENCIES, file_names, shown_names
from gongkai_xlsx.cli.options import Force, NewPrevious, Year, jobs_option, output_option
from gongkai_xlsx.terminal import echo, progress, visible

if TYPE_CHECKING:
    from gongkai_xlsx.api import NewOptions, RosterResult


@app.command(
    "new",
    examples=[
        "gongkai-xlsx new 2024",
        'gongkai-xlsx new 2024 --agency "某县交通运输局"',
        "gongkai-xlsx new 2024 --roster 名单.csv --out-dir 模板/",
        "gongkai-xlsx new 2024 --roster 名单.csv --out-dir 模板/ --previous 2023结果/",
    ],
)
def new_command(
    year: Year,
    output: Annotated[
        Path | None,
        output_option("文件", "输出文件路径；默认按年度（和单位名称）在当前文件夹命名。"),
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
        Path | None, typer.Option("--out-dir", metavar="文件夹", help="按名单生成时的输出文件夹。")
    ] = None,
    force: Force = False,
    previous: NewPrevious = None,
    jobs: Annotated[int, jobs_option("按名单生成时的并行进程数；0 表示按 CPU 核数。")] = 0,
) -> None:
    """生成填报模板（.xlsx）：只有浅黄色单元格可填写，合计自动计算，填错即时提示。"""
    options = api.NewOptions(
        year, output, agency, password, roster, out_dir, force, previous, jobs or None
    )
    result = api.new(options, progress=lambda total: progress(total, "正在生成模板"))
    if result.roster is not None:
        _print_roster(options, result.roster)
        raise typer.Exit(result.exit_code)
    made = result.made
    assert made is not None
    if made.removed:
        echo(
            f"提示：单位名称中的{'、'.join(made.removed)}已去掉，按“{made.agency}”生成。",
            err=True,
        )
    echo(f"已生成 {year} 年度填报模板：{made.path}")
    if previous is not None:
        echo(_prefilled_line(made.agency or "", made.prefilled_from, made.not_prefilled))


def _prefilled_line(agency: str, source: str | None, reason: str | None) -> str:
    """What ``new --agency X --previous DIR`` did with last year's numbers."""
    if source is not None:
        return f"已按上年报表“{visible(source)}”预填上年结转数（蓝色单元格，单位仍可修改）。"
    if reason is not None:
        return f"提示：未预填。{reason}"
    return f"提示：上年的结果中没有单位“{visible(agency)}”的报表（新单位或名称有变化），未预填。"


def _prefill_lines(result: "RosterResult") -> list[str]:
    """The closing lines of ``new --roster --previous``: how many templates were
    prefilled, which agencies last year has no document of, whose could not be used."""
    lines = [
        f"其中 {len(result.prefilled)} 份已按上年报表预填上年结转数（蓝色单元格，单位仍可修改）。"
    ]
    if result.without_previous:
        names = result.without_previous
        listed = shown_names(names, "个单位", limit=MAX_LISTED_AGENCIES)
        lines.append(f"上年的结果中没有报表、未预填的单位 {len(names)} 个：{listed}。")
    for name, reason in result.not_prefilled:
        lines.append(f"提示：单位“{visible(name)}”未预填。{reason}")
    return lines


def _print_roster(options: "NewOptions", result: "RosterResult") -> None:
    """What a roster run did: the names cleaned, the files that could not be written, the
    counts, and last year's prefill."""
    for entry in result.cleaned:
        echo(
            f"提示：名单第 {entry.row} 行的单位名称中的{'、'.join(entry.removed)}已去掉，"
            f"按“{entry.name}”生成。",
            err=True,
        )
    for path, reason in result.failed:
        echo(f"错误：{path}：无法写入（{reason}）。", err=True)
    assert options.out_dir is not None
    echo("\n".join(roster_summary(options.year, options.out_dir, result)))
    if options.previous is not None:
        echo("\n".join(_prefill_lines(result)))


def roster_summary(year: int, out_dir: Path, result: "RosterResult") -> list[str]:
    """The closing lines of a roster run: written, already present (kept), duplicates,
    failures, each counted, and what to do next where something is left to do."""
    lines: list[str] = []
    if result.written:
        lines.append(f"已生成 {len(result.written)} 份 {year} 年度填报模板，保存在 {out_dir}。")
    elif result.kept and not result.failed:
        lines.append(
            f"没有生成新的模板：名单中 {result.total} 个单位的模板都已存在于 {out_dir}，未覆盖"
            "（如需重新生成请加 --force）。"
        )
    if result.kept and (result.written or result.failed):
        lines.append(
            f"另有 {len(result.kept)} 份已存在，未覆盖（如需覆盖请加 --force）：{file_names(result.kept, '份')}。"
        )
    if result.duplicates:
        listed = shown_names((f"第 {row} 行“{name}”" for row, name in result.duplicates), "行")
        lines.append(
            f"名单中有 {len(result.duplicates)} 行与前面的单位名称重复，只生成一份：{listed}。"
        )
    if result.failed:
        lines.append(
            f"有 {len(result.failed)} 份模板无法写入（原因见上方错误），"
            "请处理后重新运行同一命令：已生成的不会重复生成。"
        )
    return lines
