"""The command classes that make typer speak Chinese, and the Typer that uses them.

:class:`ChineseTyper` is a ``typer.Typer`` whose program and commands are built from
:class:`ChineseGroup` and :class:`ChineseCommand` (typer's public ``cls`` hook). They:

- render ``-h``/``--help`` with :func:`gongkai_xlsx.terminal.help.render_help`;
- convert values without pydantic (:func:`gongkai_xlsx.terminal.values.use_plain_values`);
- raise structured errors for extra arguments and unknown commands;
- render every usage error in Chinese in :meth:`ChineseGroup.main`, which both the console
  script and ``typer.testing.CliRunner`` go through, so tests see what people see;
- show a library error (:class:`~gongkai_xlsx.errors.GongkaiError`) as its Chinese
  message with its exit code: the one error handler of every command;
- say 已中断 on Ctrl-C and 已取消 where the framework would say ``Aborted!``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import Any

import typer
from typer._click.core import Command, Context, Parameter
from typer._click.exceptions import ClickException, NoArgsIsHelpError, UsageError
from typer.core import TyperCommand, TyperGroup, TyperOption

from gongkai_xlsx.errors import EXIT_INTERRUPTED, EXIT_USAGE, GongkaiError
from gongkai_xlsx.terminal.describe import usage_line
from gongkai_xlsx.terminal.errors import ExtraArguments, NoSuchCommand, usage_error_text
from gongkai_xlsx.terminal.help import render_help
from gongkai_xlsx.terminal.output import echo
from gongkai_xlsx.terminal.values import use_plain_values
from gongkai_xlsx.terminal.words import ABORTED, HELP_OPTION_TEXT, INTERRUPTED, PROG

EXIT_ABORTED = 1


def _show_help(ctx: Context, param: Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        echo(ctx.get_help())
        ctx.exit()


class _Chinese(Command):
    """What the program and every command share (mixed into typer's classes, before them:
    ``super()`` here is typer's command or group)."""

    examples: tuple[str, ...] = ()

    def get_help(self, ctx: Context) -> str:
        return render_help(ctx)

    def get_usage(self, ctx: Context) -> str:
        return usage_line(ctx)

    def get_help_option(self, ctx: Context) -> TyperOption | None:
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = HELP_OPTION_TEXT
            option.callback = _show_help
            # The framework takes the names from a set: show them in the declared order.
            option.opts = [n for n in ctx.help_option_names if n in option.opts] or option.opts
            use_plain_values([option])
        return option

    def _parse_with_context(self, ctx: Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except UsageError as exc:
            if exc.ctx is None:  # the option parser raises without one (`-o` at the end)
                exc.ctx, exc.cmd = ctx, ctx.command
            raise


class ChineseCommand(_Chinese, TyperCommand):
    """One command (``new``, ``ingest``…)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        use_plain_values(self.params)

    def parse_args(self, ctx: Context, args: list[str]) -> list[str]:
        if ctx.allow_extra_args or ctx.resilient_parsing:
            return self._parse_with_context(ctx, args)
        ctx.allow_extra_args = True  # collect them, to name them in ExtraArguments
        try:
            rest = self._parse_with_context(ctx, args)
        finally:
            ctx.allow_extra_args = False
        if rest:
            raise ExtraArguments(rest, ctx)
        return rest

    def invoke(self, ctx: Context) -> Any:
        """Run the command; the one handler of the library's errors: each is shown in
        Chinese (``错误：…``, no traceback) and exits with the code it carries."""
        try:
            return super().invoke(ctx)
        except GongkaiError as exc:
            echo(exc.text(), err=True)
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            echo(INTERRUPTED, err=True)
            raise typer.Exit(EXIT_INTERRUPTED) from None


class ChineseGroup(_Chinese, TyperGroup):
    """The program: its commands, its own options, and the one place where a usage error
    becomes Chinese text and an exit code."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        use_plain_values(self.params)

    def parse_args(self, ctx: Context, args: list[str]) -> list[str]:
        return self._parse_with_context(ctx, args)

    def resolve_command(self, ctx: Context, args: list[str]) -> tuple[str | None, Any, list[str]]:
        name = args[0] if args else ""
        if name and not name.startswith("-") and self.get_command(ctx, name) is None:
            raise NoSuchCommand(name, ctx)
        return super().resolve_command(ctx, args)

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        """Run the program; exit (or, with ``standalone_mode=False``, return) its code.
        Usage errors are shown in Chinese on stderr with exit code 2."""
        try:
            result = super().main(
                args,
                PROG,
                complete_var,
                standalone_mode=False,
                windows_expand_args=windows_expand_args,
                **extra,
            )
            code = result if isinstance(result, int) and not isinstance(result, bool) else 0
        except NoArgsIsHelpError as exc:
            echo(exc.ctx.get_help(), err=True)
            code = EXIT_USAGE
        except ClickException as exc:
            echo(usage_error_text(exc), err=True)
            code = exc.exit_code
        except typer.Abort:
            echo(ABORTED, err=True)
            code = EXIT_ABORTED
        if standalone_mode:
            sys.exit(code)
        return code


def _with_examples(base: type, examples: Sequence[str]) -> type:
    """``base`` with its examples (a subclass per command: typer builds commands from a
    class, and the examples belong to the command)."""
    return type(base.__name__, (base,), {"examples": tuple(examples)})


class ChineseTyper(typer.Typer):
    """A ``typer.Typer`` whose help and usage errors are Chinese.

    ``examples`` (on the program and on each :meth:`command`) are command lines shown under
    示例 in the help; the first one of a command must be complete enough to run, since
    usage errors offer it as the command to type next.
    """

    def __init__(self, *, examples: Sequence[str] = (), **kwargs: Any) -> None:
        kwargs.setdefault("no_args_is_help", True)
        kwargs.setdefault("add_completion", False)
        kwargs.setdefault("rich_markup_mode", None)
        kwargs.setdefault("context_settings", {"help_option_names": ["-h", "--help"]})
        super().__init__(cls=_with_examples(ChineseGroup, examples), **kwargs)

    def command(  # type: ignore[override]
        self, name: str | None = None, *, examples: Sequence[str] = (), **kwargs: Any
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        kwargs.setdefault("cls", _with_examples(ChineseCommand, examples))
        return super().command(name, **kwargs)
