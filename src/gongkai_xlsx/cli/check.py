"""``check``: print one return's status and findings (or, with ``--json``, its row)."""

from pathlib import Path
from typing import Annotated

import typer

from gongkai_xlsx import api
from gongkai_xlsx.cli.app import app
from gongkai_xlsx.cli.messages import finding_lines, status_text
from gongkai_xlsx.cli.options import ExpectedYear, MemoryLimit, TimeLimit
from gongkai_xlsx.terminal import echo, visible, write_utf8


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
    result = api.check(api.CheckOptions(file, year, time_limit, memory_limit))
    outcome = result.outcome
    if as_json:
        import json  # only here: --help and the other commands do without

        write_utf8(json.dumps(result.data(), ensure_ascii=False, indent=2) + "\n")
    else:
        head = f"{visible(result.name)}：{status_text()[outcome.status]}"
        if outcome.agency:
            head += f"（{visible(outcome.agency)}，{outcome.year or '年度不明'}）"
        echo(head)
        counts = f"错误 {len(outcome.errors)} 项，提示 {len(outcome.warnings)} 项"
        lines = finding_lines(outcome)
        echo("\n".join([*lines, counts]) if lines else "未发现问题。")
    raise typer.Exit(result.exit_code)
