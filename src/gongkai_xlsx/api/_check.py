"""``check``: one return read and checked, in a bounded worker process."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from gongkai_xlsx.api._common import form_for, limits
from gongkai_xlsx.checks.run import Outcome
from gongkai_xlsx.documents import read_own
from gongkai_xlsx.errors import EXIT_FINDINGS, EXIT_OK, UsageError
from gongkai_xlsx.ingest.checked import check_and_build
from gongkai_xlsx.ingest.checking import failed_check
from gongkai_xlsx.ingest.collect import Item
from gongkai_xlsx.ingest.report import ReturnRow
from gongkai_xlsx.ingest.worker import Task, check_task
from gongkai_xlsx.pool import Failure, Limits, WorkerPool
from gongkai_xlsx.reader import read_return
from gongkai_xlsx.text import file_name_text


@dataclass(frozen=True)
class CheckOptions:
    """The ``check`` command as asked: the file, the year it must be, the per-file bounds
    (None: the defaults)."""

    file: Path
    year: int | None = None
    time_limit: float | None = None
    memory_limit: int | None = None


@dataclass(frozen=True)
class CheckResult:
    """A return's outcome, and its name as the person sees it."""

    file: Path
    outcome: Outcome

    @property
    def name(self) -> str:
        return file_name_text(str(self.file))

    @property
    def exit_code(self) -> int:
        return EXIT_FINDINGS if self.outcome.errors else EXIT_OK

    def data(self) -> dict[str, Any]:
        """What ``check --json`` prints: the report's row of the file, and its document."""
        document = self.outcome.document
        shown = json.loads(document.to_json_bytes()) if document is not None else None
        return {**ReturnRow.of(self.name, self.outcome).to_json(), "document": shown}


def check(options: CheckOptions) -> CheckResult:
    """The ``check`` command: a folder or a missing file is a usage error; anything a file
    holds is a finding in the outcome."""
    file = Path(options.file)
    if file.is_dir():
        raise UsageError(f"{file}：这是文件夹，不是文件。检查整个文件夹请用 gongkai-xlsx ingest。")
    if not (file.exists() or file.is_symlink()):
        raise UsageError(f"{file}：文件不存在。")
    bounds = limits(options.time_limit, options.memory_limit)
    return CheckResult(file, check_bounded(file, options.year, bounds))


def check_bounded(
    path: Path, expected_year: int | None = None, bounds: Limits | None = None
) -> Outcome:
    """Read and check one return in a child process within the per-file bounds (what the
    ``check`` command does: a hostile file must not hang or exhaust the coordinator's PC)."""
    path = Path(path)
    if expected_year is not None:
        form_for(expected_year)
    bounds = bounds or limits()
    with WorkerPool(check_task, 1, bounds, time_for=lambda t: bounds.seconds_for(t.path)) as pool:
        return checked_in(pool, path, expected_year, bounds)


def checked_in(
    pool: WorkerPool[Any, Any], path: Path, expected_year: int | None, bounds: Limits
) -> Outcome:
    """One return read and checked by ``pool``'s worker; a limit it overran is its finding."""
    _, result = next(pool.run([Task(os.fspath(path), expected_year)]))
    if isinstance(result, Failure):
        checked = failed_check(Item(path, file_name_text(path.name)), result, bounds)
    else:
        checked = result
    if checked.canonical is None:
        return checked.outcome
    return replace(checked.outcome, document=read_own(checked.canonical))


def check_file(path: Path, expected_year: int | None = None) -> Outcome:
    """Read and check one return in this process (no bounds: for trusted files and tests);
    never raises for a bad file."""
    path = Path(path)
    return check_and_build(read_return(path), expected_year, path)
