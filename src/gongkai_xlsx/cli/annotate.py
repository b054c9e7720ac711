"""``annotate``: print where the marked copy went, or why there is none."""

from pathlib import Path
from typing import Annotated

import typer

from gongkai_xlsx import api
from gongkai_xlsx.cli.app import app
from gongkai_xlsx.cli.messages import finding_line, status_text
from gongkai_xlsx.cli.options import ExpectedYear, Force, MemoryLimit, TimeLimit, output_option
from gongkai_xlsx.terminal import echo, visible
from gongkai_xlsx.text import file_name_text


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
        output_option(
            "输出文件或文件夹",
            "标注副本的文件路径（.xlsx）；给已有的文件夹时，以原文件名（.xlsx）保存在其中。",
        ),
    ],
    year: ExpectedYear = None,
    force: Force = False,
    time_limit: TimeLimit = None,
    memory_limit: MemoryLimit = None,
) -> None:
    """生成标注副本：问题单元格标红并加批注，首页“校验结果”列出全部问题和修改方法，退回单位修改。"""
    options = api.AnnotateOptions(file, output, year, force, time_limit, memory_limit)
    result = api.annotate(options)
    name = visible(file_name_text(str(file)))
    if not result.outcome.readable:
        echo(f"{name}：{status_text()['unreadable']}，未生成标注副本。", err=True)
        for finding in result.findings:
            echo(finding_line(finding), err=True)
    elif result.problem is not None:
        echo(f"{name}：未生成标注副本。", err=True)
        echo(finding_line(result.problem), err=True)
    elif result.written is None:
        echo(f"{name}：没有需要标注的问题，未生成标注副本。")
    else:
        errors = sum(1 for f in result.findings if f.is_error)
        echo(
            f"已生成标注副本：{result.written}（错误 {errors} 项，"
            f"提示 {len(result.findings) - errors} 项）。"
        )
    raise typer.Exit(result.exit_code)
