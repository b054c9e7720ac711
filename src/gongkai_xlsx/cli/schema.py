"""``schema``: write the year's JSON Schema to standard output as UTF-8."""

from typing import Annotated

import typer

from gongkai_xlsx import api
from gongkai_xlsx.cli.app import app
from gongkai_xlsx.terminal import write_utf8, year_value


@app.command("schema", examples=["gongkai-xlsx schema 2024 > schema.json"])
def schema_command(
    year: Annotated[
        int, typer.Argument(metavar="年度", parser=year_value, help="报告年度，例如 2024。")
    ],
) -> None:
    """输出该年度规范 JSON 的 JSON Schema（draft 2020-12）。"""
    write_utf8(api.schema(api.SchemaOptions(year)).text)
