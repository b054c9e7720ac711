"""Usage errors in Chinese: what is wrong with the command line and what to type instead.

The framework raises its usage errors as exceptions carrying structured facts (the
parameter, the option name, the close matches) and formats them in English when shown.
:func:`usage_error_text` formats the same facts in Chinese; the two errors the framework
raises with a bare English sentence (extra arguments, an unknown command) are raised by
our command classes as :class:`ExtraArguments` and :class:`NoSuchCommand` instead.
A usage error the framework might add later falls back to a Chinese sentence and the
usage line, never to its English text.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence

from typer._click.core import Command, Context, Parameter
from typer._click.exceptions import (
    BadOptionUsage,
    BadParameter,
    ClickException,
    MissingParameter,
    NoSuchOption,
    UsageError,
)
from typer.core import TyperGroup

from gongkai_xlsx.terminal import describe
from gongkai_xlsx.terminal.output import visible
from gongkai_xlsx.terminal.values import BadValue, quoted
from gongkai_xlsx.terminal.words import ERROR_PREFIX, HELP_HINT, PROG


class ExtraArguments(UsageError):
    """More words on the command line than the command takes (often a file name with a
    space in it, not quoted)."""

    def __init__(self, extra: Sequence[str], ctx: Context) -> None:
        super().__init__(" ".join(extra), ctx)
        self.extra = list(extra)


class NoSuchCommand(UsageError):
    """A command name the program does not have (``nwe`` for ``new``)."""

    def __init__(self, name: str, ctx: Context) -> None:
        super().__init__(name, ctx)
        self.name = name


def _join(items: Sequence[str]) -> str:
    return "、".join(items)


def _close_match(word: str, candidates: Sequence[str]) -> str | None:
    matches = difflib.get_close_matches(word, candidates, n=1, cutoff=0.6)
    return matches[0] if matches else None


def _param_named(command: Command, ctx: Context, name: str) -> Parameter | None:
    for param in command.get_params(ctx):
        if describe.is_option(param) and name in describe.option_names(param):
            return param
    return None


def _root_group(ctx: Context) -> tuple[TyperGroup, Context] | None:
    root = ctx.find_root()
    return (root.command, root) if isinstance(root.command, TyperGroup) else None


def _commands_with_option(ctx: Context, name: str) -> list[str]:
    found = _root_group(ctx)
    if found is None:
        return []
    group, root = found
    names = []
    for command_name in group.list_commands(root):
        command = group.get_command(root, command_name)
        if command is None or command is ctx.command:
            continue
        if any(name in describe.option_names(p) for p in command.params):
            names.append(command_name)
    return names


def _with_example(text: str, example: str | None) -> str:
    return f"{text}，例如 {example}" if example else f"{text}。"


def _missing(exc: MissingParameter, ctx: Context) -> str:
    param = exc.param
    if param is None:
        return "命令行缺少必须给出的内容。"
    example = describe.example_for(ctx.command, param)
    if describe.is_option(param):
        return _with_example(
            f"缺少 {describe.option_name(param)}：请指定{describe.metavar(param)}", example
        )
    return _with_example(f"缺少{describe.metavar(param)}", example)


def _bad_value(exc: BadParameter, ctx: Context) -> str:
    param = exc.param
    if param is None:
        name = "某个参数"
    elif describe.is_option(param):
        name = f"{describe.option_name(param)} 的值"
    else:
        name = describe.metavar(param)
    if isinstance(exc, BadValue):
        return f"{name}{quoted(exc.value)}不对：{exc.advice}"
    return f"{name}不对。"


def _no_such_option(exc: NoSuchOption, ctx: Context) -> str:
    name = exc.option_name
    shown = visible(name)
    candidates = [n for p in ctx.command.get_params(ctx) for n in describe.shown_names(p)]
    elsewhere = _commands_with_option(ctx, name)
    if isinstance(ctx.command, TyperGroup) and elsewhere:
        command = ctx.command.get_command(ctx, elsewhere[0])
        assert command is not None  # listed by the group a moment ago
        param = next(p for p in command.params if name in describe.option_names(p))
        example = describe.example_for(command, param)
        return _with_example(
            f"选项 {shown} 要写在命令之后（{_join(elsewhere)} 命令有这个选项）", example
        )
    match = _close_match(name, candidates)
    if match is not None:
        return f"没有选项 {shown}，您是不是要用 {match}？"
    if elsewhere:
        return (
            f"{describe.command_path(ctx)} 没有选项 {shown}，这是 {_join(elsewhere)} 命令的选项。"
        )
    return f"没有选项 {shown}。"


def _bad_option_usage(exc: BadOptionUsage, ctx: Context) -> str:
    name = visible(exc.option_name)
    param = _param_named(ctx.command, ctx, exc.option_name)
    if param is not None and describe.is_flag(param):
        return f"{name} 后面不带值，只写 {name} 即可。"
    if param is None:
        return f"{name} 的写法不对。"
    return _with_example(
        f"{name} 后面缺少{describe.metavar(param)}", describe.example_for(ctx.command, param)
    )


def _extra(exc: ExtraArguments, ctx: Context) -> str:
    extra = _join([quoted(word) for word in exc.extra])
    text = f"多出了{extra}，{describe.command_path(ctx)} 不需要它"
    if any(describe.is_argument(p) and describe.takes_path(p) for p in ctx.command.params):
        text += "；文件名中有空格时，请用英文双引号把整个名称括起来"
    example = describe.example_for(ctx.command)
    return f"{text}。写法例如 {example}" if example else f"{text}。"


def _no_such_command(exc: NoSuchCommand, ctx: Context) -> str:
    group = ctx.command
    names = group.list_commands(ctx) if isinstance(group, TyperGroup) else []
    word = quoted(exc.name)
    if exc.name.strip().isdigit() and "new" in names:
        return f"没有命令{word}。生成模板请写 {PROG} new {visible(exc.name.strip())}。"
    match = _close_match(exc.name, names)
    if match is not None:
        return f"没有命令{word}，您是不是要用 {match}？"
    return f"没有命令{word}。可用的命令：{_join(names)}。"


def _generic(ctx: Context | None) -> str:
    if ctx is not None and isinstance(ctx.command, TyperGroup):
        names = ctx.command.list_commands(ctx)
        example = describe.example_for(ctx.command)
        text = f"请写出要执行的命令（{_join(names)}）"
        return _with_example(text, example)
    if ctx is not None:
        return f"命令行写法不对，应为：{describe.usage_line(ctx)}"
    return "命令行写法不对。"


def usage_error_text(exc: ClickException) -> str:
    """The Chinese lines shown for a usage error: ``错误：…`` and, where the command is
    known, where its help is."""
    ctx: Context | None = getattr(exc, "ctx", None)
    if ctx is None:
        message = _generic(None)
    elif isinstance(exc, MissingParameter):
        message = _missing(exc, ctx)
    elif isinstance(exc, BadParameter):
        message = _bad_value(exc, ctx)
    elif isinstance(exc, NoSuchOption):
        message = _no_such_option(exc, ctx)
    elif isinstance(exc, BadOptionUsage):
        message = _bad_option_usage(exc, ctx)
    elif isinstance(exc, ExtraArguments):
        message = _extra(exc, ctx)
    elif isinstance(exc, NoSuchCommand):
        message = _no_such_command(exc, ctx)
    else:
        message = _generic(ctx)
    lines = [ERROR_PREFIX + message]
    if ctx is not None:
        lines.append(HELP_HINT.format(command=describe.command_path(ctx)))
    return "\n".join(lines)
