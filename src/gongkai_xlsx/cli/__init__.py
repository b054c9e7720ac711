"""The command line: a thin face over :mod:`gongkai_xlsx.api`.

Each command is a module here (:mod:`.new`, :mod:`.schema`, :mod:`.check`,
:mod:`.annotate`, :mod:`.ingest`, :mod:`.aggregate`, :mod:`.render`) that parses its
options, calls the command's one library function and prints the result; the options
several commands share are declared once in :mod:`.options`, the message helpers are in
:mod:`.messages`. Errors are shown by one handler
(:meth:`gongkai_xlsx.terminal.commands.ChineseCommand.invoke`) with the exit code they
carry (:mod:`gongkai_xlsx.errors`): 0 no return has errors (warnings allowed), 1 a return
has errors or could not be read, 2 bad usage (including no return found), 3 an internal
error, 130 interrupted.
"""

# First, before typer and the library load: a Ctrl-C while they do ends quietly.
from gongkai_xlsx.interrupt import quiet_while_loading

quiet_while_loading(__name__)

from gongkai_xlsx import interrupt, loading  # noqa: E402

if interrupt.is_quiet():  # the program: what loads from here on is frozen, never collected
    loading.program_started()
# Loading makes objects that live as long as the program: no garbage collection meanwhile.
with loading.modules_loading():
    # The commands register themselves on ``app`` when imported, in the order help lists them.
    from gongkai_xlsx.cli import new, schema, check, annotate, ingest, aggregate, render, ui  # noqa: F401, I001
    from gongkai_xlsx.cli.app import app
    from gongkai_xlsx.terminal import run


def main() -> None:
    """The ``gongkai-xlsx`` console script: Chinese usage errors, no traceback, any encoding."""
    run(app)


__all__ = ["app", "main"]
