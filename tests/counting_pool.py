"""The real worker pool, counting what a run gives it: the tests that prove a file is not
read again, or a marked copy not made again, watch the tasks themselves."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from gongkai_xlsx.ingest import run as run_module
from gongkai_xlsx.pool import WorkerPool


@dataclass
class Counted:
    """The file names of the tasks of one kind given to the pool, and the workers started."""

    names: list[str] = field(default_factory=list)
    started: list[int] = field(default_factory=list)


def count_tasks(monkeypatch: pytest.MonkeyPatch, kind: type) -> Counted:
    """Have ingest use the real pool, counting its tasks of ``kind`` and its workers."""
    counted = Counted()

    class Counting(WorkerPool[Any, Any]):
        def _start(self) -> Any:
            worker = super()._start()
            counted.started.append(worker.proc.pid)
            return worker

        def run(self, tasks: Iterable[Any]) -> Iterator[Any]:
            given = list(tasks)
            counted.names += [Path(t.path).name for t in given if isinstance(t, kind)]
            return super().run(given)

    monkeypatch.setattr(run_module, "WorkerPool", Counting)
    return counted
