"""The command line: a thin face over :mod:`gongkai_xlsx.api` and :mod:`gongkai_xlsx.batch`.

Options, messages and exit codes live here; everything else is the library's. Exit codes:
0 no return has errors (warnings allowed), 1 a return has errors or could not be read,
2 bad usage (including no return found).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from gongkai_xlsx import __version__
from gongkai_xlsx.api import (
    RosterResult,
    UsageError,
    check_file,
    new_template,
    os_reason,
    plan_roster,
    write_roster,
)
from gongkai_xlsx.batch import Batch, Item, collect, outcome_row, report, run_checks, write_outputs
from gongkai_xlsx.checks.run import Outcome
from gongkai_xlsx.definition.load import UnsupportedYearError, form_for_year
from gongkai_xlsx.schema import schema_text
from gongkai_xlsx.text import file_name_text, text_width

app = typer.Typer(
    help="政府信息公开工作年度报告数据填报工具：生成锁定的 Excel 填报模板，收集、校验报表并输出规范 JSON。",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
EXIT_INTERRUPTED = 130  # the shell's convention for Ctrl-C

# Options shared by several commands, declared once.
ExpectedYear = Annotated[
    int | None, typer.Option("--year", help="只接受该年度的报表，其他年度按错误处理。")
]
STATUS_TEXT = {
    "ok": "通过",
    "warnings": "通过（有提示）",
    "errors": "有错误",
    "unreadable": "无法读取",
}


def _fail(message: str, code: int = EXIT_USAGE) -> typer.Exit:
    typer.echo(f"错误：{message}", err=True)
    return typer.Exit(code)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"gongkai-xlsx {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="显示版本号后退出。")
    ] = False,
) -> None:
    """政府信息公开工作年度报告数据填报工具。"""


# ------------------------------------------------------------------------------- new
@app.command("new")
def new_command(
    year: Annotated[int, typer.Argument(help="报告年度，例如 2024（2021 年起使用 2021 年格式）。")],
    output: Annotated[
        Path | None,
        typer.Option(
            "-o", "--output", help="输出文件路径；默认按年度（和单位名称）在当前文件夹命名。"
        ),
    ] = None,
    agency: Annotated[
        str | None, typer.Option("--agency", help="填报单位名称；给出时写入模板并锁定。")
    ] = None,
    password: Annotated[
        str,
        typer.Option(
            "--password", help="工作表和工作簿结构的保护密码（可选，只能用英文字母、数字和符号）。"
        ),
    ] = "",
    roster: Annotated[
        Path | None,
        typer.Option(
            "--roster", help="单位名单（CSV 或 xlsx，“单位名称”列或第一列），每个单位生成一份模板。"
        ),
    ] = None,
    out_dir: Annotated[
        Path | None, typer.Option("--out-dir", help="按名单生成时的输出文件夹。")
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
            raise typer.Exit(_new_from_roster(year, roster, out_dir, password, force))
        if out_dir is not None:
            raise UsageError("--out-dir 只能与 --roster 一起使用；单个文件请用 -o。")
        made = new_template(year, output, agency=agency, password=password, force=force)
    except UsageError as exc:
        raise _fail(str(exc)) from None
    if made.removed:
        typer.echo(
            f"提示：单位名称中的{'、'.join(made.removed)}已去掉，按“{made.agency}”生成。",
            err=True,
        )
    typer.echo(f"已生成 {year} 年度填报模板：{made.path}")


def _new_from_roster(year: int, roster: Path, out_dir: Path, password: str, force: bool) -> int:
    """Run a roster with a progress bar (on a terminal), then say what happened. The exit
    code tells a script whether the folder now holds one template per roster name: 0 yes
    (written now or kept from an earlier run), 1 some could not be written, 2 none could
    (or the roster or an option is unusable: then nothing was written at all)."""
    plan = plan_roster(year, roster, out_dir, password=password, force=force)
    show_bar = len(plan.items) > 1 and sys.stderr.isatty()
    with typer.progressbar(
        length=len(plan.items), label="正在生成模板", file=sys.stderr, hidden=not show_bar
    ) as bar:
        try:
            result = write_roster(plan, progress=lambda: bar.update(1))
        except KeyboardInterrupt:
            typer.echo(
                "\n已中断：已生成的模板都是完整的；重新运行同一命令会跳过已存在的文件。", err=True
            )
            return EXIT_INTERRUPTED
    for entry in result.cleaned:
        typer.echo(
            f"提示：名单第 {entry.row} 行的单位名称中的{'、'.join(entry.removed)}已去掉，"
            f"按“{entry.name}”生成。",
            err=True,
        )
    for path, reason in result.failed:
        typer.echo(f"错误：{path}：无法写入（{reason}）。", err=True)
    typer.echo("\n".join(roster_summary(year, out_dir, result)))
    if not result.failed:
        return EXIT_OK
    return EXIT_FINDINGS if result.written else EXIT_USAGE


def _names(paths: list[Path], limit: int = 3) -> str:
    shown = "、".join(p.name for p in paths[:limit])
    return shown + (f"等 {len(paths)} 个文件" if len(paths) > limit else "")


def roster_summary(year: int, out_dir: Path, result: RosterResult) -> list[str]:
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
            f"另有 {len(result.kept)} 份已存在，未覆盖（如需覆盖请加 --force）：{_names(result.kept)}。"
        )
    if result.duplicates:
        shown = "、".join(f"第 {row} 行“{name}”" for row, name in result.duplicates[:5])
        more = f"等 {len(result.duplicates)} 行" if len(result.duplicates) > 5 else ""
        lines.append(
            f"名单中有 {len(result.duplicates)} 行与前面的单位名称重复，只生成一份：{shown}{more}。"
        )
    if result.failed:
        lines.append(
            f"有 {len(result.failed)} 份模板无法写入（原因见上方错误），"
            "请处理后重新运行同一命令：已生成的不会重复生成。"
        )
    return lines


# ------------------------------------------------------------------------------- schema
@app.command("schema")
def schema_command(
    year: Annotated[int, typer.Argument(help="报告年度，例如 2024。")],
) -> None:
    """输出该年度规范 JSON 的 JSON Schema（draft 2020-12）。"""
    try:
        form = form_for_year(year)
    except UnsupportedYearError as exc:
        raise _fail(str(exc)) from None
    sys.stdout.write(schema_text(form))


# ------------------------------------------------------------------------------- check
def _finding_lines(outcome: Outcome, warnings: bool = True) -> list[str]:
    return [
        f"  {f.severity.chinese} [{f.code.code}] {f.message}"
        for f in outcome.findings
        if warnings or f.is_error
    ]


@app.command("check")
def check_command(
    file: Annotated[Path, typer.Argument(help="要检查的报表文件（.xlsx）。")],
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
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        head = f"{file_name_text(str(file))}：{STATUS_TEXT[outcome.status]}"
        if outcome.agency:
            head += f"（{outcome.agency}，{outcome.year or '年度不明'}）"
        typer.echo(head)
        counts = f"错误 {len(outcome.errors)} 项，提示 {len(outcome.warnings)} 项"
        lines = _finding_lines(outcome)
        typer.echo("\n".join([*lines, counts]) if lines else "未发现问题。")
    raise typer.Exit(EXIT_FINDINGS if outcome.errors else EXIT_OK)


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
                item.display,
                o.agency or "-",
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


@app.command("ingest")
def ingest_command(
    paths: Annotated[list[Path], typer.Argument(help="报表文件或文件夹（递归查找），可给多个。")],
    out: Annotated[
        Path,
        typer.Option("-o", "--out", help="输出文件夹：每份通过的报表一个 JSON，另有 report.json。"),
    ],
    year: ExpectedYear = None,
    jobs: Annotated[int, typer.Option("-j", "--jobs", help="并行进程数；0 表示按 CPU 核数。")] = 0,
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
    show_bar = len(batch.items) > 1 and sys.stderr.isatty()
    with typer.progressbar(
        length=len(batch.items), label="正在检查", file=sys.stderr, hidden=not show_bar
    ) as bar:

        def advance(_item: Item) -> None:
            bar.update(1)

        try:
            run_checks(batch, year, jobs=workers, progress=advance)
        except KeyboardInterrupt:
            raise _fail("已中断：没有写入任何结果。", EXIT_INTERRUPTED) from None
    try:
        written = write_outputs(batch, out)
    except OSError as exc:
        raise _fail(f"{out}：无法写入结果（{os_reason(exc)}）。") from None
    data = written.report
    typer.echo(_table(batch))
    for item in batch.items:
        assert item.outcome is not None
        lines = _finding_lines(item.outcome, warnings=verbose)
        if lines and (item.outcome.errors or verbose):
            typer.echo(f"\n{item.display}：")
            typer.echo("\n".join(lines))
    s = data["summary"]
    typer.echo(
        f"\n共 {s['returns']} 份：通过 {s['ok']}，通过但有提示 {s['warnings']}，"
        f"有错误 {s['errors']}，无法读取 {s['unreadable']}。结果已写入 {out}（report.json）。"
    )
    if written.removed:
        shown = "、".join(written.removed[:5]) + ("等" if len(written.removed) > 5 else "")
        typer.echo(
            f"已删除输出文件夹中上次运行留下、本次没有的 {len(written.removed)} 个结果：{shown}。"
        )
    if batch.skipped:
        shown = "、".join(batch.skipped[:5]) + ("等" if len(batch.skipped) > 5 else "")
        typer.echo(
            f"另有 {len(batch.skipped)} 个文件不是电子表格，未读取：{shown}（见 report.json）。"
        )
    raise typer.Exit(EXIT_FINDINGS if batch.failed else EXIT_OK)


__all__ = ["app", "report"]


if __name__ == "__main__":  # python -m gongkai_xlsx.cli
    app()
