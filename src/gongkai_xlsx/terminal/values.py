"""Turning command-line words into values, with Chinese messages when they do not fit.

typer 0.29 converts every parameter through a pydantic ``TypeAdapter``: about 100 ms of
import per command, and messages such as ``Input should be a valid integer`` for
``new abc``. The commands of this tool take only whole numbers, text, paths and flags, so
:class:`PlainValues` converts them directly and explains a bad value in Chinese;
:func:`use_plain_values` installs it on a command's parameters. Parameters that need more
than a type (a year, a count) declare a ``parser`` (:func:`year_value`,
:func:`non_negative_int`) that raises :class:`BadValue`; the error renderer names the
parameter and quotes the value.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, get_args, get_origin

import typer
from typer._click.core import Context
from typer.core import _TyperParameter

from gongkai_xlsx.terminal import describe
from gongkai_xlsx.terminal.output import visible


class BadValue(typer.BadParameter):
    """A value that does not fit its parameter. ``value`` is what was typed; ``advice``
    says what to type instead (a whole Chinese sentence without the parameter's name,
    which the renderer adds)."""

    def __init__(self, value: object, advice: str) -> None:
        super().__init__(advice)
        self.value = value
        self.advice = advice


_WHOLE = re.compile(r"[+-]?[0-9]+")
_YEAR = re.compile(r"[0-9]{4}")


def _text(value: object) -> str:
    """As typed, with full-width digits and signs made ASCII (an IME types ``２０２４``)."""
    return unicodedata.normalize("NFKC", str(value)).strip()


def whole_number(value: object) -> int:
    """A whole number as people type it: ``2024``, full-width ``２０２４``, spaces around."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = _text(value)
    if _WHOLE.fullmatch(text):
        return int(text)
    raise BadValue(value, "请写一个整数（只用数字），例如 4。")


def year_value(value: object) -> int:
    """A report year: a whole number of four digits (``24`` is not 2024, nor is ``0``)."""
    if _YEAR.fullmatch(_text(value)):
        return int(_text(value))
    raise BadValue(value, "请写四位数的年份，例如 2024。")


def non_negative_int(value: object) -> int:
    """A count where 0 has a meaning of its own (``-j 0``: one process per CPU core)."""
    try:
        number = whole_number(value)
    except BadValue:
        number = -1
    if number >= 0:
        return number
    raise BadValue(value, "请写 0 或正整数，例如 4。")


def port_value(value: object) -> int:
    """A TCP port of this computer: 1 to 65535 (``ui --port``)."""
    try:
        number = whole_number(value)
    except BadValue:
        number = 0
    if 1 <= number <= 65535:
        return number
    raise BadValue(value, "请写 1 到 65535 之间的端口号，例如 8765。")


_DECIMAL = re.compile(r"[0-9]+(?:\.[0-9]+)?")


def seconds_value(value: object) -> float:
    """A time in seconds: ``10``, ``2.5`` (more than 0)."""
    text = _text(value)
    if _DECIMAL.fullmatch(text) and float(text) > 0:
        return float(text)
    raise BadValue(value, "请写大于 0 的秒数，例如 10 或 2.5。")


def _path(value: object) -> Path:
    if isinstance(value, Path):
        return value
    if str(value) == "":
        raise BadValue(value, "路径不能为空，请写出文件或文件夹的名称。")
    return Path(str(value))


def _string(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _flag(value: object) -> bool:
    if isinstance(value, bool):
        return value
    text = _text(value).lower()
    if text in _TRUE | _FALSE:
        return text in _TRUE
    raise BadValue(value, "这个选项不带值，只写选项本身即可。")


# Keyed by the annotation a parameter declares (a type; looked up with any annotation).
_CONVERTERS: dict[object, Callable[[object], Any]] = {
    bool: _flag,
    int: whole_number,
    str: _string,
    Path: _path,
}


def converter_of(annotation: object) -> Callable[[object], Any] | None:
    """The converter for one item of ``annotation`` (``list[Path]`` → the Path one)."""
    if get_origin(annotation) is list:
        (annotation,) = get_args(annotation)
    return _CONVERTERS.get(annotation)


class PlainValues:
    """Stands in for typer's pydantic-based ``RuntimeParam`` of one parameter (same
    ``coerce(value, param=, ctx=)``): the parameter's ``parser`` if it declares one, else
    the converter of its type; a list parameter converts item by item."""

    # Any: a declared parser takes the text, our converters whatever typer hands over.
    def __init__(self, convert: Callable[[Any], Any]) -> None:
        self.convert = convert

    def coerce(self, value: Any, param: _TyperParameter, ctx: Context) -> Any:
        many = param.multiple or param.nargs == -1
        if value is None:
            return () if many else None
        if many:
            return [self.convert(item) for item in value]
        if describe.is_option(param) and not describe.is_flag(param):
            _refuse_option_as_value(value, param, ctx)
        return self.convert(value)


def _refuse_option_as_value(value: object, param: _TyperParameter, ctx: Context) -> None:
    """``ingest 报表/ -o --year 2024`` would write into a folder named ``--year``: the
    framework takes whatever follows ``-o`` as its value. An option name is refused."""
    if not (isinstance(value, str) and value.startswith("-")):
        return
    names = {n for p in ctx.command.get_params(ctx) for n in describe.option_names(p)}
    if value in names:
        option, what = describe.option_name(param), describe.metavar(param)
        raise BadValue(value, f"{value} 是一个选项；请在 {option} 后面写出{what}。")


def use_plain_values(params: Iterable[Any]) -> None:
    """Give each parameter whose values we know how to convert a :class:`PlainValues`
    (typer builds its own lazily, only for parameters that have none); a parameter of
    another type keeps typer's. A bad value is then a :class:`BadValue`, never pydantic's
    text."""
    for param in params:
        if not isinstance(param, _TyperParameter):
            continue
        info = param.type_descriptor.parameter_info
        convert = info.parser or converter_of(param.type_descriptor.annotation)
        if convert is not None:
            # A stand-in with the same coerce(), not a subclass of typer's RuntimeParam.
            param._runtime_param = PlainValues(convert)  # type: ignore[assignment]


def quoted(value: object) -> str:
    """A value typed by the user, quoted for a message, invisible characters escaped."""
    return f"“{visible(_string(value))}”"
