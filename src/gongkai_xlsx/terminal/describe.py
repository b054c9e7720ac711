"""How a command and its parameters are named to people: metavars, option names, the
usage line, the command path and the examples a command declares.

Read from the framework's own command objects (``typer.main.get_command(app)``), so help
and errors always describe the parameters the command really has.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import get_args, get_origin

from typer._click.core import Command, Context, Parameter
from typer.core import TyperArgument, TyperGroup, TyperOption

from gongkai_xlsx.terminal.words import (
    COMMAND_PLACEHOLDER,
    EXAMPLE_VALUES,
    HIDDEN_OPTION_NAMES,
    OPTIONS_PLACEHOLDER,
    PROG,
    type_metavar,
)


def is_argument(param: Parameter) -> bool:
    return isinstance(param, TyperArgument)


def is_option(param: Parameter) -> bool:
    return isinstance(param, TyperOption)


def is_flag(param: Parameter) -> bool:
    """An option that takes no value (``--force``, ``-h``)."""
    return isinstance(param, TyperOption) and param.is_flag


def is_hidden(param: Parameter) -> bool:
    return bool(getattr(param, "hidden", False))


def metavar(param: Parameter) -> str:
    """What the value is called (年度, 输出文件夹…): the declared metavar, else the
    Chinese name of its type."""
    if param.metavar:
        return param.metavar
    descriptor = getattr(param, "type_descriptor", None)
    return type_metavar(descriptor.annotation if descriptor is not None else None)


def option_name(param: Parameter) -> str:
    """The name an option is shown by in messages: the first declared (``-o`` of
    ``-o/--out``), as people type the short form first."""
    return param.opts[0]


def option_names(param: Parameter) -> list[str]:
    return [*param.opts, *param.secondary_opts]


def shown_names(param: Parameter) -> list[str]:
    """The option names help shows and suggestions offer: not the old spellings kept only
    so that existing scripts work (:data:`~gongkai_xlsx.terminal.words.HIDDEN_OPTION_NAMES`)."""
    return [n for n in option_names(param) if n not in HIDDEN_OPTION_NAMES]


def label(param: Parameter) -> str:
    """How a message names a parameter: an option by its name, an argument by its metavar."""
    return option_name(param) if is_option(param) else metavar(param)


def is_many(param: Parameter) -> bool:
    return param.nargs == -1 or param.multiple


def takes_path(param: Parameter) -> bool:
    """Whether the parameter's values are file or folder names."""
    descriptor = getattr(param, "type_descriptor", None)
    annotation = descriptor.annotation if descriptor is not None else None
    items = get_args(annotation) if get_origin(annotation) is list else (annotation,)
    return any(isinstance(item, type) and issubclass(item, PurePath) for item in items)


def usage_piece(param: Parameter) -> str:
    """``年度``, ``文件或文件夹...``, ``-o 输出文件夹``; optional ones in brackets."""
    if is_option(param):
        text = option_name(param) if is_flag(param) else f"{option_name(param)} {metavar(param)}"
    else:
        text = metavar(param)
    if is_many(param):
        text += "..."
    return text if param.required else f"[{text}]"


def command_path(ctx: Context) -> str:
    """``gongkai-xlsx ingest``: the program name people type, then each command name."""
    names: list[str] = []
    node: Context | None = ctx
    while node is not None and node.parent is not None:
        if node.info_name:
            names.append(node.info_name)
        node = node.parent
    return " ".join([PROG, *reversed(names)])


def visible_params(command: Command, ctx: Context) -> list[Parameter]:
    return [p for p in command.get_params(ctx) if not is_hidden(p)]


def usage_line(ctx: Context) -> str:
    """The command as it is typed: its arguments, the options it cannot run without,
    then ``[选项]`` when it has others; a group ends in ``命令``."""
    command = ctx.command
    pieces = [command_path(ctx)]
    params = visible_params(command, ctx)
    if isinstance(command, TyperGroup):
        pieces.append(OPTIONS_PLACEHOLDER)
        pieces.append(COMMAND_PLACEHOLDER)
        return " ".join(pieces)
    pieces += [usage_piece(p) for p in params if is_argument(p)]
    pieces += [usage_piece(p) for p in params if is_option(p) and p.required]
    if any(is_option(p) and not p.required for p in params):
        pieces.append(OPTIONS_PLACEHOLDER)
    return " ".join(pieces)


def examples(command: Command) -> tuple[str, ...]:
    """The command lines a command declares as examples (see
    :meth:`gongkai_xlsx.terminal.ChineseTyper.command`); the first one is complete enough
    to run, and usage errors offer it as the command to type next."""
    return tuple(getattr(command, "examples", ()))


def example_for(command: Command, param: Parameter | None = None) -> str | None:
    """The first example that uses ``param`` (by one of its option names), else the first.
    An example never lacks the option the message is about: when no example uses it,
    the first example is given with the option added (``--year 2024``)."""
    found = examples(command)
    if param is not None and is_option(param):
        names = set(option_names(param))
        for line in found:
            if names & set(line.split()):
                return line
        if found:
            value = "" if is_flag(param) else metavar(param)
            shown = f"{option_name(param)} {EXAMPLE_VALUES.get(value, value)}".rstrip()
            return f"{found[0]} {shown}"
    return found[0] if found else None
