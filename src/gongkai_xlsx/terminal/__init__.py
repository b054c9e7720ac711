"""The terminal: Chinese help and usage errors, and output that never fails on encoding.

- :class:`ChineseTyper` — the ``typer.Typer`` the CLI is built on; its commands' help and
  usage errors are rendered here in Chinese (:mod:`.help`, :mod:`.errors`);
- :func:`run` — the console script's entry point (no traceback ever, any encoding);
- :func:`echo` — human output; :func:`visible` — names with control and bidi characters
  escaped; :func:`write_utf8` — machine output as UTF-8 bytes;
- :func:`progress` — a Chinese progress bar on stderr, shown only on a terminal;
- :func:`year_value`, :func:`non_negative_int`, :class:`BadValue` — parsers for values
  that need more than a type, with Chinese advice.
"""

from gongkai_xlsx.terminal.commands import ChineseCommand, ChineseGroup, ChineseTyper
from gongkai_xlsx.terminal.entry import run
from gongkai_xlsx.terminal.output import echo, visible, write_utf8
from gongkai_xlsx.terminal.progress import progress
from gongkai_xlsx.terminal.values import (
    BadValue,
    non_negative_int,
    seconds_value,
    whole_number,
    year_value,
)
from gongkai_xlsx.terminal.words import PROG

__all__ = [
    "PROG",
    "BadValue",
    "ChineseCommand",
    "ChineseGroup",
    "ChineseTyper",
    "echo",
    "non_negative_int",
    "progress",
    "run",
    "seconds_value",
    "visible",
    "whole_number",
    "write_utf8",
    "year_value",
]
