"""The options several commands share, declared once: the year, the per-file bounds,
last year's results, a roster, ``--force``, and ``-o/--output``, which means the same for
every command that writes (the file, or the folder, to write to). ``--out``, its old
spelling for ``ingest`` and ``aggregate``, still works and is not shown."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from gongkai_xlsx.api import DEFAULT_MEMORY_LIMIT, DEFAULT_TIME_LIMIT
from gongkai_xlsx.terminal import non_negative_int, seconds_value, whole_number, year_value

OUTPUT_NAMES = ("-o", "--output", "--out")


def output_option(metavar: str, help: str) -> Any:
    """``-o/--output`` (and the hidden ``--out``) with the command's own words."""
    return typer.Option(*OUTPUT_NAMES, metavar=metavar, help=help)


def jobs_option(help: str) -> Any:
    """``-j/--jobs``, the number of worker processes (0: one a core), with the command's
    own words."""
    return typer.Option("-j", "--jobs", metavar="进程数", parser=non_negative_int, help=help)


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
        help=f"每份文件的读取内存上限（MB，默认 {DEFAULT_MEMORY_LIMIT}；在 Linux 和 Windows 上生效）。",
    ),
]
Force = Annotated[bool, typer.Option("--force", help="覆盖已存在的文件。")]

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
