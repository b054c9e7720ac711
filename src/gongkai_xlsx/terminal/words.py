"""The Chinese words of the terminal: headings, marks and the names of kinds of values.

Kept in one place so that help, errors and tests speak alike (a test reads these
constants to assert the help). The framework's own English words (``Usage:``,
``[required]``, ``INTEGER``…) never reach a user: help and errors are rendered from these.
"""

from __future__ import annotations

from pathlib import Path

from gongkai_xlsx.errors import ERROR_PREFIX as _ERROR_PREFIX
from gongkai_xlsx.interrupt import INTERRUPTED as _INTERRUPTED

PROG = "gongkai-xlsx"
"""The command people type; shown in every usage line and example, however the program
was started (console script, ``python -m gongkai_xlsx.cli``, a test runner)."""

USAGE = "用法"
ARGUMENTS = "参数"
OPTIONS = "选项"
COMMANDS = "命令"
EXAMPLES = "示例"
OPTIONS_PLACEHOLDER = "[选项]"
COMMAND_PLACEHOLDER = "命令"
HELP_OPTION_TEXT = "显示本帮助后退出。"
REQUIRED_MARK = "（必填）"
# A value to show after an option in an example the command does not list (by metavar):
# “--time-limit 10” reads as a command to copy, “--time-limit 秒” as a form to fill in.
EXAMPLE_VALUES = {"秒": "10", "MB": "512", "年度": "2024", "进程数": "4"}
OPTIONAL_MARK = "（可省略）"
DEFAULT_MARK = "（默认：{default}）"
ERROR_PREFIX = _ERROR_PREFIX  # one spelling, also for the library's errors
HIDDEN_OPTION_NAMES = frozenset({"--out"})
"""Old spellings that still work, so that scripts already written keep working, but are
not shown in help or offered as suggestions (``--out`` is ``-o``/``--output`` now)."""
HELP_HINT = "查看说明：{command} -h"
COMMAND_HELP_HINT = "查看某个命令的说明：{prog} 命令 -h，例如 {prog} {example} -h"
ABORTED = "已取消。"
INTERRUPTED = _INTERRUPTED  # one wording, also for a Ctrl-C while the program loads

# What a value is called when its parameter declares no metavar.
_TYPE_METAVARS: dict[type, str] = {
    bool: "是或否",  # before int: bool is an int
    int: "整数",
    float: "数字",
    str: "文字",
    Path: "路径",
}
DEFAULT_METAVAR = "值"


def type_metavar(annotation: object) -> str:
    """The Chinese name of a kind of value (``int`` → 整数), for parameters without a
    metavar of their own; a list is named by its items."""
    items = getattr(annotation, "__args__", None)
    if items and getattr(annotation, "__origin__", None) is list:
        annotation = items[0]
    if isinstance(annotation, type):
        for kind, word in _TYPE_METAVARS.items():
            if issubclass(annotation, kind):
                return word
    return DEFAULT_METAVAR
