"""The command line: a thin face over :mod:`gongkai_xlsx.api`, the only module it imports.

Options, messages and exit codes live here; everything else is the library's. Exit codes:
0 no return has errors (warnings allowed), 1 a return has errors or could not be read,
2 bad usage (including no return found). ``annotate`` exits 0 when it wrote the marked
copy or found nothing to mark, 1 when the return could not be read or marked.
"""

from __future__ import annotations

# First, before typer and the library load: a Ctrl-C while they do ends quietly.
from gongkai_xlsx.interrupt import quiet_while_loading

quiet_while_loading(__name__)

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from gongkai_xlsx import __version__, api
from gongkai_xlsx.api import (
    DEFAULT_MEMORY_LIMIT,
    DEFAULT_TIME_LIMIT,
    AnnotateError,
    Entry,
    Finding,
    Ingested,
    InterruptedAfterCommit,
    Outcome,
    RenderError,
    RosterError,
    RosterResult,
    Summary,
    UsageError,
    aggregate_paths,
    annotate_return,
    check_bounded,
    collect_returns,
    file_name_text,
    ingest,
    is_summary_file,
    limits,
    new_template,
    os_reason,
    outcome_row,
    plan_roster,
    render_file,
    save_summary,
    squash_spaces,
    text_width,
    write_atomic,
    write_roster,
)
from gongkai_xlsx.terminal import (
    ChineseTyper,
    echo,
    non_negative_int,
    progress,
    run,
    seconds_value,
    visible,
    whole_number,
    write_utf8,
    year_value,
)

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
TimeLimit = Annotated[
    float | None,
    typer.Option(
        "--time-limit",
        metavar="秒",
        parser=seconds_value,
        help=f"每份文件的读取时间上限（秒，默认 {DEFAULT_TIME_LIMIT:g}）；超过即记为无法读取，其他文件照常检查。",
    ),
]
MemoryLimit = Annotated[
    int | None,
    typer.Option(
        "--memory-limit",
        metavar="MB",
        parser=whole_number,
        help=f"每份文件的读取内存上限（MB，默认 {DEFAULT_MEMORY_LIMIT}；只在 Linux 上生效）。",
    ),
]


PREVIOUS_HELP = "上年的结果文件夹（上年 gongkai-xlsx ingest 的输出，或其中的 JSON 文件）"
Previous = Annotated[
    Path | None,
    typer.Option(
        "--previous",
        metavar="上年结果文件夹",
        help=PREVIOUS_HELP
        + "：按单位名称找到各单位上年的报表，与本年比对（上年结转、现行有效件数、同比突变），只给提示。",
    ),
]
NewPrevious = Annotated[
    Path | None,
    typer.Option(
        "--previous",
        metavar="上年结果文件夹",
        help=PREVIOUS_HELP
        + "：按单位名称把上年的“结转下年度继续办理”预填为本年的“上年结转”（蓝色，单位仍可修改）。"
        "需与 --agency 或 --roster 一起使用。",
    ),
]
MAX_LISTED_AGENCIES = 30

STATUS_TEXT = api.STATUS_LABELS


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
        "gongkai-xlsx new 2024 --roster 名单.csv --out-dir 模板/ --previous 2023结果/",
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
        Path | None, typer.Option("--out-dir", metavar="文件夹", help="按名单生成时的输出文件夹。")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="覆盖已存在的文件。")] = False,
    previous: NewPrevious = None,
) -> None:
    """生成填报模板（.xlsx）：只有浅黄色单元格可填写，合计自动计算，填错即时提示。"""
    try:
        if roster is not None:
            if out_dir is None:
                raise UsageError("按名单生成时请用 --out-dir 指定输出文件夹。")
            if output is not None or agency is not None:
                raise UsageError("--roster 不能与 -o 或 --agency 同时使用。")
            raise typer.Exit(_new_from_roster(year, roster, out_dir, password, force, previous))
        if out_dir is not None:
            raise UsageError("--out-dir 只能与 --roster 一起使用；单个文件请用 -o。")
        made = new_template(
            year, output, agency=agency, password=password, force=force, previous=previous
        )
    except UsageError as exc:
        raise _fail(str(exc)) from None
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


def _prefill_lines(result: RosterResult) -> list[str]:
    """The closing lines of ``new --roster --previous``: how many templates were
    prefilled, which agencies last year has no document of, whose could not be used."""
    lines = [
        f"其中 {len(result.prefilled)} 份已按上年报表预填上年结转数（蓝色单元格，单位仍可修改）。"
    ]
    if result.without_previous:
        names = result.without_previous
        shown = "、".join(visible(n) for n in names[:MAX_LISTED_AGENCIES])
        more = f" 等 {len(names)} 个" if len(names) > MAX_LISTED_AGENCIES else ""
        lines.append(f"上年的结果中没有报表、未预填的单位 {len(names)} 个：{shown}{more}。")
    for name, reason in result.not_prefilled:
        lines.append(f"提示：单位“{visible(name)}”未预填。{reason}")
    return lines


def _new_from_roster(
    year: int, roster: Path, out_dir: Path, password: str, force: bool, previous: Path | None
) -> int:
    """Run a roster with a progress bar (on a terminal), then say what happened. The exit
    code tells a script whether the folder now holds one template per roster name: 0 yes
    (written now or kept from an earlier run), 1 some could not be written, 2 none could
    (or the roster or an option is unusable: then nothing was written at all)."""
    plan = plan_roster(year, roster, out_dir, password=password, force=force, previous=previous)
    with progress(len(plan.items), "正在生成模板") as advance:
        try:
            result = write_roster(plan, progress=advance)
        except KeyboardInterrupt:
            echo("\n已中断：已生成的模板都是完整的；重新运行同一命令会跳过已存在的文件。", err=True)
            return EXIT_INTERRUPTED
    for entry in result.cleaned:
        echo(
            f"提示：名单第 {entry.row} 行的单位名称中的{'、'.join(entry.removed)}已去掉，"
            f"按“{entry.name}”生成。",
            err=True,
        )
    for path, reason in result.failed:
        echo(f"错误：{path}：无法写入（{reason}）。", err=True)
    echo("\n".join(roster_summary(year, out_dir, result)))
    if previous is not None:
        echo("\n".join(_prefill_lines(result)))
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
@app.command("schema", examples=["gongkai-xlsx schema 2024 > schema.json"])
def schema_command(
    year: Annotated[
        int, typer.Argument(metavar="年度", parser=year_value, help="报告年度，例如 2024。")
    ],
) -> None:
    """输出该年度规范 JSON 的 JSON Schema（draft 2020-12）。"""
    try:
        text = api.schema_for_year(year)
    except UsageError as exc:
        raise _fail(str(exc)) from None
    write_utf8(text)


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
    time_limit: TimeLimit = None,
    memory_limit: MemoryLimit = None,
) -> None:
    """检查一份报表，列出每个问题所在的工作表、单元格和规则。"""
    if file.is_dir():
        raise _fail(f"{file}：这是文件夹，不是文件。检查整个文件夹请用 gongkai-xlsx ingest。")
    if not (file.exists() or file.is_symlink()):
        raise _fail(f"{file}：文件不存在。")
    try:
        outcome = check_bounded(file, year, limits(time_limit, memory_limit))
    except UsageError as exc:
        raise _fail(str(exc)) from None
    if as_json:
        document = outcome.document and json.loads(outcome.document.to_json_bytes())
        data = {**outcome_row(file_name_text(str(file)), outcome), "document": document}
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
    time_limit: TimeLimit = None,
    memory_limit: MemoryLimit = None,
) -> None:
    """生成标注副本：问题单元格标红并加批注，首页“校验结果”列出全部问题和修改方法，退回单位修改。"""
    if file.is_dir():
        raise _fail(f"{file}：这是文件夹，不是文件。")
    if not file.is_file():
        raise _fail(f"{file}：文件不存在。")
    try:
        result = annotate_return(
            file, output, year, force=force, bounds=limits(time_limit, memory_limit)
        )
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
    if result.problem is not None:
        echo(f"{name}：未生成标注副本。", err=True)
        echo(_finding_line(result.problem), err=True)
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


def _table(entries: list[Entry]) -> str:
    header = ["文件", "单位", "状态", "错误", "提示"]
    rows = []
    for entry in entries:
        o = entry.outcome
        rows.append(
            [
                visible(entry.display),
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


MAX_LISTED_HINTS = 30  # a batch with more hints says where to find them instead


def _shown_names(names: list[str], limit: int = 5) -> str:
    shown = "、".join(visible(n) for n in names[:limit])
    return shown + (f" 等 {len(names)} 份" if len(names) > limit else "")


def _ingest_details(
    done: Ingested, out: Path, verbose: bool, annotate: Path | None = None
) -> list[str]:
    """Each return's errors (and hints, when they are few or asked for), the counts, and
    what to do next: which returns go back, where the full report is."""
    hints = sum(len(e.outcome.warnings) for e in done.entries)
    show_hints = verbose or hints <= MAX_LISTED_HINTS
    lines: list[str] = []
    for entry in done.entries:
        listed = _finding_lines(entry.outcome, warnings=show_hints)
        if listed:
            lines += ["", f"{visible(entry.display)}：", *listed]
    if done.unreached:
        lines += ["", f"无法读取的文件夹或文件 {len(done.unreached)} 项（其中的报表没有检查）："]
        lines += [visible(_finding_line(u.finding())) for u in done.unreached]
    if done.passed_over:
        notes = [f"{p.display}（{p.reason}）" for p in done.passed_over]
        lines += [
            "",
            f"按规则未查看 {len(notes)} 项：{_shown_names(notes, limit=3)}（见 report.json）。",
        ]
    s = done.report["summary"]
    label = api.STATUS_LABELS
    lines += [
        "",
        f"共 {s['returns']} 份：{label['ok']} {s['returns_ok']}，{label['warnings']} "
        f"{s['returns_warnings']}，{label['errors']} {s['returns_errors']}，"
        f"{label['unreadable']} {s['returns_unreadable']}。",
    ]
    roster = done.report.get("roster")
    if roster is not None:
        line = f"名单 {visible(roster['roster'])}：已报送 {roster['submitted']}/{roster['expected']} 个单位"
        if roster["missing"]:
            line += f"；未报送 {len(roster['missing'])} 个：{_shown_names(roster['missing'])}"
        if roster["extra"]:
            line += f"；不在名单中 {len(roster['extra'])} 个：{_shown_names(roster['extra'])}"
        lines.append(line + "。")
    if hints and not show_hints:
        lines.append(
            f"提示共 {hints} 项，未逐条列出：见 {out / 'report.json'}，或加 -v 在这里列出。"
        )
    back = [e.display for e in done.entries if e.failed]
    marked = [e for e in done.entries if e.annotated]
    if back:
        lines.append(f"需要退回单位修改的报表 {len(back)} 份：{_shown_names(back)}。")
        if annotate is None:
            lines.append(
                "加 --annotate 文件夹 可为每份生成标出问题的副本，发回单位修改，"
                f"例如 gongkai-xlsx ingest 报表/ -o {out.as_posix()} --annotate 退回/。"
            )
    elif done.unreached:
        lines.append(
            f"读到的报表都没有错误，但有 {len(done.unreached)} 个文件夹或文件无法读取（见上），"
            "本批结果不完整。"
        )
    else:
        lines.append("全部报表都没有错误。")
    if annotate is not None:
        lines.append(f"已在 {annotate} 生成 {len(marked)} 份标注副本，可直接发回单位修改。")
    lines.append(f"规范 JSON 和完整的检查报告已写入 {out}（report.json）。")
    lines.append(f"用浏览器打开 {out / 'report.html'} 可查看、筛选本批结果和合计。")
    if done.removed:
        lines.append(
            f"已删除输出文件夹中上次运行留下、本次没有的 {len(done.removed)} 个结果："
            f"{_shown_names(done.removed)}。"
        )
    if done.skipped:
        lines.append(
            f"另有 {len(done.skipped)} 个文件不是电子表格，未读取：{_shown_names(done.skipped)}"
            "（见 report.json）。"
        )
    return lines


@app.command(
    "ingest",
    examples=[
        "gongkai-xlsx ingest 报表/ -o 结果/",
        "gongkai-xlsx ingest 报表/ -o 结果/ --year 2024",
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
    time_limit: TimeLimit = None,
    memory_limit: MemoryLimit = None,
    annotate: Annotated[
        Path | None,
        typer.Option(
            "--annotate",
            metavar="文件夹",
            help="把有错误的报表各生成一份标注副本（问题单元格标红、加批注，首页列出全部问题）"
            "放在这个文件夹，保持原来的文件名和子文件夹，可直接发回单位修改。",
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
    try:
        bounds = limits(time_limit, memory_limit)
        if name is not None and not summary:
            raise UsageError("--name 是汇总的名称，只能与 --summary 一起使用。")
        summary_name = (name or api.default_summary_name(out)) if summary else None
    except UsageError as exc:
        raise _fail(str(exc)) from None
    try:
        found = collect_returns(paths, out)
    except UsageError as exc:
        raise _fail(str(exc)) from None
    with progress(len(found.items), "正在检查") as advance:
        try:
            done = ingest(
                paths,
                out,
                year=year,
                jobs=jobs or None,
                bounds=bounds,
                progress=advance,
                collected=found,
                annotate=annotate,
                annotate_all=annotate_all,
                previous=previous,
                roster=roster,
                summary=summary_name,
            )
        except UsageError as exc:
            raise _fail(str(exc)) from None
        except InterruptedAfterCommit:
            raise _fail(
                f"已中断：本次结果已完整写入 {out}（report.json），未在终端列出。", EXIT_INTERRUPTED
            ) from None
        except KeyboardInterrupt:
            raise _fail(
                "已中断：输出文件夹保持上次的结果，没有写入任何新结果。", EXIT_INTERRUPTED
            ) from None
    echo(_table(done.entries))
    echo("\n".join(_ingest_details(done, out, verbose, annotate)))
    if previous is not None:
        echo("\n".join(_previous_lines(previous, done.report["previous"])))
    if done.summary is not None:
        echo("\n".join(_summary_lines(done, out)))
    unwritten = done.summary is not None and not done.summary.written
    raise typer.Exit(EXIT_FINDINGS if done.failed or unwritten else EXIT_OK)


def _summary_lines(done: Ingested, out: Path) -> list[str]:
    """What ``--summary`` did: the summary written, or why there is none."""
    batch = done.summary
    assert batch is not None
    if batch.conflicts:
        listed = "；".join(
            f"{visible(c.agency)}（{_shown_names(list(c.files), limit=len(c.files))}）"
            for c in batch.conflicts[:MAX_LISTED_HINTS]
        )
        more = (
            f" 等 {len(batch.conflicts)} 个单位" if len(batch.conflicts) > MAX_LISTED_HINTS else ""
        )
        return [
            f"未生成汇总：{len(batch.conflicts)} 个单位报了多份不同的报表：{listed}{more}。"
            "请确认以哪一份为准，移走其余的后重新运行。"
        ]
    result = batch.summary
    if result is None or (not result.documents and not result.errors):
        return ["未生成汇总：没有通过检查的报表。"]
    lines = [_finding_line(f) for f in result.findings]
    if not result.ok:
        return [*lines, f"未生成汇总（错误 {len(result.errors)} 项）。"]
    return [
        *lines,
        f"{visible(result.name)}：已汇总 {len(result.members)} 个单位的 {result.year} 年度报表，"
        f"写入 {out / result.file_name}。",
    ]


def _previous_lines(folder: Path, section: dict[str, Any]) -> list[str]:
    """How the batch compared with last year (report.json's ``previous``)."""
    line = f"已与上年的结果（{visible(file_name_text(str(folder)))}）比对：{section['returns_matched']} 份找到上年的报表并已比对"
    if section["returns_not_compared"]:
        line += f"，{section['returns_not_compared']} 份的上年报表不能比对（原因见各自的提示）"
    names = section["unmatched"]
    if names:
        shown = "、".join(visible(n) for n in names[:MAX_LISTED_AGENCIES])
        more = f" 等 {len(names)} 个" if len(names) > MAX_LISTED_AGENCIES else ""
        line += f"，{len(names)} 份没有上年的报表（新单位或名称有变化）：{shown}{more}"
    lines = [line + "。"]
    skipped = [s["file"] for s in section["skipped_files"]]
    if skipped:
        lines.append(
            f"上年的结果中另有 {len(skipped)} 个 JSON 文件不是单位的报表，未使用：{_shown_names(skipped)}"
            "（原因见 report.json 的 previous）。"
        )
    return lines


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
    if out.suffix.lower() not in (".json", ".xlsx"):
        raise UsageError(
            f"{out}：汇总结果文件名应以 .json（规范 JSON）或 .xlsx（可报送上级的汇总表）结尾。"
        )
    if out.is_dir():
        raise UsageError(f"{out}：这是文件夹，请给出汇总结果的文件名（.json 或 .xlsx）。")
    if out.exists() and not is_summary_file(out):
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
        "gongkai-xlsx aggregate 结果/ -o 某县_2024_汇总.xlsx --name 某县",
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
        typer.Option(
            "-o",
            "--out",
            metavar="汇总文件",
            help="汇总结果文件：.json 为规范 JSON，可再次汇总；.xlsx 为填好汇总数、锁定的汇总表，"
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
        save_summary(summary, output)
    except UsageError as exc:
        raise _fail(str(exc)) from None
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


__all__ = ["app", "main"]


if __name__ == "__main__":  # python -m gongkai_xlsx.cli
    main()
