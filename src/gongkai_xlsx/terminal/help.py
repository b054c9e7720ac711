"""``-h``/``--help`` in Chinese, rendered from the command's own parameters.

The framework's help has English headings (``Usage:``, ``Options:``), type names
(``<int>``, ``<list[Path]>``) and marks (``[required]``, ``[default: 0]``); this renders
the same facts with the words of :mod:`gongkai_xlsx.terminal.words`, wrapped by display
width. Layout: the usage line, the command's description, then 命令 (for the program),
参数, 选项 and 示例.
"""

from __future__ import annotations

import inspect
import shutil

from typer._click.core import Command, Context, Parameter
from typer.core import TyperGroup

from gongkai_xlsx.terminal import describe
from gongkai_xlsx.terminal.words import (
    ARGUMENTS,
    COMMAND_HELP_HINT,
    COMMANDS,
    DEFAULT_MARK,
    EXAMPLES,
    OPTIONAL_MARK,
    OPTIONS,
    PROG,
    REQUIRED_MARK,
    USAGE,
)
from gongkai_xlsx.terminal.wrap import wrap
from gongkai_xlsx.text import text_width

INDENT = "  "
GAP = "  "
MAX_TERM_WIDTH = 28  # a longer term (an option with its metavar) gets its own line
MIN_TEXT_WIDTH = 24


def help_width() -> int:
    """The terminal's width, kept between 40 and 100 columns for readable lines."""
    return max(40, min(100, shutil.get_terminal_size((80, 24)).columns - 1))


def _description(command: Command) -> str:
    return inspect.cleandoc(command.help or "").partition("\f")[0].strip()


def short_description(command: Command) -> str:
    """A command's line in the program's list: its short help, else its first paragraph."""
    if command.short_help:
        return command.short_help.strip()
    return _description(command).split("\n\n")[0].replace("\n", "")


def _default_text(param: Parameter) -> str | None:
    """The default worth showing: not for flags, nothing, or an empty text."""
    if describe.is_flag(param) or param.required or param.default in (None, "", (), []):
        return None
    if not getattr(param, "show_default", True) or callable(param.default):
        return None
    return str(param.default)


def param_help(param: Parameter) -> str:
    """A parameter's help text with its Chinese marks: 必填, 可省略 or its default."""
    text = (getattr(param, "help", None) or "").strip()
    marks = []
    if describe.is_option(param) and param.required:
        marks.append(REQUIRED_MARK)
    if describe.is_argument(param) and not param.required:
        marks.append(OPTIONAL_MARK)
    default = _default_text(param)
    if default is not None:
        marks.append(DEFAULT_MARK.format(default=default))
    return text + "".join(marks)


def param_term(param: Parameter) -> str:
    """The left column: ``-o, --out 输出文件夹``, ``--force``, ``文件或文件夹...``."""
    if describe.is_argument(param):
        return describe.metavar(param) + ("..." if describe.is_many(param) else "")
    names = ", ".join(describe.shown_names(param))
    return names if describe.is_flag(param) else f"{names} {describe.metavar(param)}"


def definition_list(rows: list[tuple[str, str]], width: int) -> list[str]:
    """Terms and their descriptions in two columns, descriptions wrapped beside the terms."""
    if not rows:
        return []
    term_width = min(MAX_TERM_WIDTH, max(text_width(term) for term, _ in rows))
    text_column = len(INDENT) + term_width + len(GAP)
    if width - text_column < MIN_TEXT_WIDTH:  # a narrow terminal: descriptions under terms
        term_width, text_column = 0, len(INDENT) * 3
    lines = []
    for term, text in rows:
        wrapped = wrap(text, width - text_column) if text else [""]
        if text_width(term) > term_width:
            lines.append(INDENT + term)
            lines += [" " * text_column + line for line in wrapped]
            continue
        pad = " " * (term_width - text_width(term))
        lines.append((INDENT + term + pad + GAP + wrapped[0]).rstrip())
        lines += [" " * text_column + line for line in wrapped[1:]]
    return lines


def _section(title: str, body: list[str]) -> list[str]:
    return ["", f"{title}：", *body] if body else []


def render_help(ctx: Context) -> str:
    """The whole help of ``ctx.command`` (the program, or one command) as text."""
    command = ctx.command
    width = help_width()
    lines = wrap(f"{USAGE}：{describe.usage_line(ctx)}", width)
    description = _description(command)
    if description:
        lines.append("")
        lines += [INDENT + line for line in wrap(description, width - len(INDENT))]
    params = describe.visible_params(command, ctx)
    if isinstance(command, TyperGroup):
        rows = []
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is not None and not sub.hidden:
                rows.append((name, short_description(sub)))
        lines += _section(COMMANDS, definition_list(rows, width))
    arguments = [(param_term(p), param_help(p)) for p in params if describe.is_argument(p)]
    options = [(param_term(p), param_help(p)) for p in params if describe.is_option(p)]
    lines += _section(ARGUMENTS, definition_list(arguments, width))
    lines += _section(OPTIONS, definition_list(options, width))
    lines += _section(EXAMPLES, [INDENT + line for line in describe.examples(command)])
    if isinstance(command, TyperGroup):
        names = command.list_commands(ctx)
        if names:
            hint = COMMAND_HELP_HINT.format(prog=PROG, example=names[0])
            lines += ["", *wrap(hint, width)]
    return "\n".join(lines)
