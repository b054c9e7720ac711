"""``render``: print what :func:`gongkai_xlsx.api.render` wrote, and its notes."""

from pathlib import Path
from typing import Annotated

import typer

from gongkai_xlsx import api
from gongkai_xlsx.cli.app import app
from gongkai_xlsx.cli.options import output_option
from gongkai_xlsx.terminal import echo


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
            "默认按 -o 的扩展名，都没有时为 html。不生成 PDF：在 Word 或 WPS 中打开 .docx 另存为 PDF。",
        ),
    ] = None,
    output: Annotated[
        Path | None,
        output_option(
            "文件或文件夹",
            "输出文件；默认与 JSON 文件同名、同文件夹。给已有的文件夹时，以默认文件名保存在其中。",
        ),
    ] = None,
    text: Annotated[
        Path | None,
        typer.Option(
            "--text",
            metavar="正文文件",
            help="只用于 docx：报告正文，可以是 Word 文档（自动编号照录）或文本文件"
            "（UTF-8、UTF-16 或 GBK 编码，可用 Markdown），以“一、总体情况”“五、存在的主要问题及改进情况”"
            "“六、其他需要报告的事项”为标题分段，一行（一个段落）一段；不给时各部分留出待填写的占位文字。",
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
    rendered = api.render(api.RenderOptions(document, to, output, text, date, force))
    for note in rendered.notes:
        echo(f"提示：{note}", err=True)
    what = "年度报告" if rendered.format == "docx" else "表格"
    echo(f"已生成{what}：{rendered.path}（{rendered.title}）")
