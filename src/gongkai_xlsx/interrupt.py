"""Ctrl-C while the program is still loading: one Chinese line and exit 130, no traceback.

Loading typer and the library takes a few hundred milliseconds on an office PC; a Ctrl-C
then would raise KeyboardInterrupt inside some import and print a Python traceback. The
package's ``__init__`` (the first module of ours the console script loads) and the console
entry module (:mod:`gongkai_xlsx.cli`, for ``python -m``) call :func:`quiet_while_loading`
before anything else, so this module uses the standard library only. It acts only in the
program: a library user or a test importing the package keeps its own handler. Once the program runs,
:func:`gongkai_xlsx.terminal.run` puts Python's own handler back (the commands turn
KeyboardInterrupt into their own 已中断 lines, after cleaning up) and reinstalls this one
for the exit.

The interpreter's own start (before any module of ours runs: ``site`` and the console
script's first line) is outside what a program can reach: a Ctrl-C there is Python's.
"""

from __future__ import annotations

import os
import signal
import sys
from types import FrameType

EXIT_INTERRUPTED = 130  # the shell's convention for Ctrl-C
INTERRUPTED = "已中断。"
PROGRAM = "gongkai-xlsx"


def _quit(signum: int, frame: FrameType | None) -> None:
    """Nothing has been written yet (or everything has): say so and leave at once."""
    try:
        sys.stderr.write(f"\n{INTERRUPTED}\n")
        sys.stderr.flush()
    except Exception:  # a closed or unencodable stderr: the exit code still says it
        pass
    os._exit(EXIT_INTERRUPTED)


def is_program(module_name: str) -> bool:
    """Is this process the ``gongkai-xlsx`` program (the console script, or ``python -m
    gongkai_xlsx.cli``), not a library user or a test that imports the CLI?"""
    stem = os.path.basename(sys.argv[0] if sys.argv else "").removesuffix(".exe")
    return module_name == "__main__" or stem == PROGRAM


def quiet_while_loading(module_name: str) -> None:
    """In the program only: a Ctrl-C from now on ends it quietly (:func:`_quit`)."""
    if is_program(module_name) and signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, _quit)


def is_quiet() -> bool:
    """Is the loading-time handler installed (so that the program is what runs)?"""
    return signal.getsignal(signal.SIGINT) is _quit


def raise_on_interrupt() -> None:
    """Python's own handler: a Ctrl-C raises KeyboardInterrupt, which the commands handle."""
    signal.signal(signal.SIGINT, signal.default_int_handler)


def quiet() -> None:
    """The loading-time handler again, for the program's exit."""
    signal.signal(signal.SIGINT, _quit)
