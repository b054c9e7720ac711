"""What a worker process does with one file: read it, check it, and send back what the
batch needs (the outcome without its document, and the document's canonical bytes).

Module-level and picklable by reference, as a pool under ``spawn`` requires.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from gongkai_xlsx.canonical import dumps
from gongkai_xlsx.checks.run import Outcome, check_return
from gongkai_xlsx.reader import read_return
from gongkai_xlsx.text import file_name_text


@dataclass(frozen=True)
class Task:
    path: str
    year: int | None = None


@dataclass
class Checked:
    outcome: Outcome  # without its document: the bytes travel instead
    canonical: bytes | None = None


def check_task(task: Task) -> Checked:
    path = Path(task.path)
    outcome = check_return(read_return(path, file_name_text(path.name)), task.year, path)
    canonical = dumps(outcome.document) if outcome.document is not None else None
    outcome.document = None
    return Checked(outcome, canonical)
