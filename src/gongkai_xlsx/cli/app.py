"""The program every command registers on, and its own options (``--version``)."""

from typing import Annotated

import typer

from gongkai_xlsx import __version__
from gongkai_xlsx.terminal import ChineseTyper, echo

app = ChineseTyper(
    help="政府信息公开工作年度报告数据填报工具：生成锁定的 Excel 填报模板，收集、校验报表并输出规范 JSON。",
    examples=["gongkai-xlsx new 2024", "gongkai-xlsx ingest 报表/ -o 结果/"],
)


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
