"""``ui``: the coordinator's desk (:mod:`gongkai_xlsx.desk`) in the default browser."""

from pathlib import Path
from typing import Annotated

import typer

from gongkai_xlsx.cli.app import app
from gongkai_xlsx.terminal import echo
from gongkai_xlsx.terminal.values import port_value


@app.command(
    "ui",
    examples=["gongkai-xlsx ui", "gongkai-xlsx ui D:/2025年报/"],
)
def ui_command(
    folder: Annotated[
        Path,
        typer.Argument(
            metavar="工作文件夹",
            help="本年度的工作文件夹（没有时自动建立），其中有 名单、模板/、报表/、结果/、退回/、汇总/；默认为当前文件夹。",
        ),
    ] = Path("."),
    port: Annotated[
        int | None,
        typer.Option(
            "--port",
            metavar="端口",
            parser=port_value,
            help="在本机的哪个端口上运行；默认自动选择空闲端口。",
        ),
    ] = None,
    no_browser: Annotated[
        bool,
        typer.Option("--no-browser", help="不自动打开浏览器，只在终端显示地址。"),
    ] = False,
) -> None:
    """打开工作台：在浏览器中完成一月的全部工作（名单、模板、收集报表、退回、汇总、公开）。

    工作台只在本机（127.0.0.1）运行，不连接外网。同一个工作文件夹只运行一个工作台：再次运行本命令会打开已在运行的那个。
    在页面上点“退出”或关闭本窗口即停止。"""
    from gongkai_xlsx.desk.server import serve

    raise typer.Exit(serve(folder, port=port or 0, open_browser=not no_browser, say=echo))
