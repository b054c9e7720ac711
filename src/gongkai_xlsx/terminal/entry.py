"""The console script's entry point: the last guard between the program and the person.

``gongkai-xlsx`` (``[project.scripts]``), ``python -m gongkai_xlsx`` and ``python -m
gongkai_xlsx.cli`` all come here. Usage errors are rendered by :class:`~gongkai_xlsx.terminal.commands.ChineseGroup`;
this adds what only a whole process can do: streams that cannot fail on encoding, a
closed pipe (``| head``) ending quietly, and any unforeseen exception shown as one Chinese
line instead of a traceback, with its own exit code 3 (set ``GONGKAI_TRACEBACK=1`` to see
the traceback).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import NoReturn

import typer
import typer.main

from gongkai_xlsx import interrupt, loading, oserrors
from gongkai_xlsx.errors import EXIT_INTERNAL, EXIT_USAGE
from gongkai_xlsx.terminal.output import echo, make_streams_safe, visible
from gongkai_xlsx.terminal.words import ERROR_PREFIX, INTERRUPTED, PROG

EXIT_CLOSED_PIPE = 1  # the output did not all arrive: not a bug, not a usage error


def internal_error_text(exc: BaseException) -> str:
    """One line for a bug: what happened, and what to pass on to whoever maintains the tool."""
    detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return (
        f"{ERROR_PREFIX}{PROG} 内部出错，本次操作没有完成。"
        f"请把这条信息和所用的命令告诉技术支持人员（{detail}）。"
    )


def os_error_text(exc: OSError) -> str:
    """An operating-system error nothing else caught (a full disk under our output)."""
    where = f"{visible(os.fsdecode(exc.filename))}：" if exc.filename else ""
    return f"{ERROR_PREFIX}{where}读写文件时出错，本次操作没有完成（{oserrors.reason(exc, oserrors.ACCESS)}）。"


def _silence_closed_stdout() -> None:
    """The reader of our output went away (``| head``): write nothing more, anywhere."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def run(app: typer.Typer, args: Sequence[str] | None = None) -> NoReturn:
    """Run ``app`` as a program with ``args`` (default: the command line) and exit."""
    make_streams_safe()
    code = EXIT_INTERNAL
    loading_handler = interrupt.is_quiet()  # the program, not a test calling run()
    try:
        if loading_handler:  # from here a Ctrl-C is the commands' to handle (clean-up first)
            interrupt.raise_on_interrupt()
            loading.program_started()  # what has loaded is frozen (gongkai_xlsx.loading)
        typer.main.get_command(app).main(args=args, prog_name=PROG)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else EXIT_INTERNAL
    except KeyboardInterrupt:  # outside a command (parsing the command line)
        echo(INTERRUPTED, err=True)
        code = interrupt.EXIT_INTERRUPTED
    except BrokenPipeError:
        _silence_closed_stdout()
        code = EXIT_CLOSED_PIPE
    except Exception as exc:
        if os.environ.get("GONGKAI_TRACEBACK"):
            raise
        if isinstance(exc, OSError):  # the disk or the system, not a bug: as usage errors
            echo(os_error_text(exc), err=True)
            code = EXIT_USAGE
        else:
            echo(internal_error_text(exc), err=True)
    try:
        if sys.stdout is not None:
            sys.stdout.flush()
    except BrokenPipeError:
        _silence_closed_stdout()
        code = code or EXIT_CLOSED_PIPE
    if loading_handler:  # the interpreter's shutdown must not end in a traceback either
        interrupt.quiet()
    sys.exit(code)
