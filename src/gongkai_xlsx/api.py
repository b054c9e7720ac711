"""The library's front door: what the CLI (and any other program) calls.

Functions here take paths and return result objects; files are written only where the
function's purpose is to write them (a template, a batch's outputs), and always atomically.
"""

from __future__ import annotations

from pathlib import Path

from gongkai_xlsx.checks.run import Outcome, check_return
from gongkai_xlsx.reader import read_return


def check_file(path: Path, expected_year: int | None = None) -> Outcome:
    """Read and check one return; never raises for a bad file."""
    return check_return(read_return(Path(path)), expected_year)
