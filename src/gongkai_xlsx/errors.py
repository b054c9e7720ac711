"""The one error base class and the exit codes: what a command's failure means to a script.

Every error a person can cause or must act on is a :class:`GongkaiError` whose message is
Chinese and whose ``exit_code`` says what kind of failure it was, so the command line has
a single handler (it prints ``错误：…`` and exits with that code). The codes:

- 0: done, nothing wrong (hints allowed);
- 1: done, but a return has errors or could not be read (the result says which);
- 2: bad usage, or a file or folder that cannot be used as given (nothing written);
- 3: an internal error of this program (a bug: report it), never caused by the input;
- 130: interrupted (Ctrl-C), the shell's convention.
"""

from __future__ import annotations

from gongkai_xlsx.interrupt import EXIT_INTERRUPTED

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3
__all__ = [
    "ERROR_PREFIX",
    "EXIT_FINDINGS",
    "EXIT_INTERNAL",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_USAGE",
    "GongkaiError",
    "Interrupted",
    "UsageError",
]

ERROR_PREFIX = "错误："


class GongkaiError(Exception):
    """An error with a Chinese message that says what to do, and the exit code it means.

    Subclasses set ``exit_code``; one raise may override it (``exit_code=``)."""

    exit_code: int = EXIT_USAGE

    def __init__(self, *args: object, exit_code: int | None = None) -> None:
        super().__init__(*args)
        if exit_code is not None:
            self.exit_code = exit_code

    def text(self) -> str:
        """What the command line shows for it (on stderr)."""
        return f"{ERROR_PREFIX}{self}"


class UsageError(GongkaiError, ValueError):
    """Bad input from the person at the keyboard; the message is Chinese and says what to do."""

    exit_code = EXIT_USAGE


class Interrupted(GongkaiError):
    """Ctrl-C during a command; the message says what state the files were left in. Not
    an error the person made, so shown without 错误：, on a line of its own (a progress
    bar may be on the current one)."""

    exit_code = EXIT_INTERRUPTED

    def text(self) -> str:
        return f"\n{self}"
