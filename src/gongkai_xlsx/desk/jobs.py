"""The desk's one queue of work: checks, templates, summaries run one at a time, in order.

A request never does long work itself: it saves what it was given and submits a
:class:`Job`; the page polls :meth:`JobQueue.snapshot` for progress. One worker thread
runs the jobs in turn, so two tabs or two drops at once never run two ingests into one
output folder (ingest's own folder lock would refuse the second), and a drop while a check
runs is queued, never refused. A job submitted with ``coalesce`` while an equal job (same
``kind``) is still waiting is not queued twice: the waiting one will see the new files too.

A job's work gets the job itself, whose :meth:`Job.progress` is an
:data:`gongkai_xlsx.api.Progress` (give it to ``api.ingest``). What the work returns is kept
as :attr:`Job.result`; a :class:`~gongkai_xlsx.errors.GongkaiError` becomes the job's
Chinese :attr:`Job.message`; anything else is a bug, said as one line (the traceback goes
to the terminal).
"""

from __future__ import annotations

import contextlib
import itertools
import sys
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from gongkai_xlsx.errors import GongkaiError

State = Literal["queued", "running", "done", "failed"]
KEEP = 50  # finished jobs remembered for the page
INTERNAL = "内部出错，请把终端窗口中的信息发给维护人员。"


@dataclass
class Job:
    """One piece of work and how far it is."""

    id: int
    kind: str  # "check", "templates"…: what the page groups by
    title: str  # Chinese, shown while it runs: "检查报表"
    work: Callable[[Job], Any] = field(repr=False)
    state: State = "queued"
    done: int = 0
    total: int = 0
    message: str = ""  # the Chinese error of a failed job
    result: Any = field(default=None, repr=False)
    started: float | None = None
    ended: float | None = None
    cancel: threading.Event = field(default_factory=threading.Event, repr=False)

    def progress(self, total: int) -> contextlib.AbstractContextManager[Callable[..., None]]:
        """An ``api`` Progress: told the number of items, counting each one done. Once the
        job is cancelled, the next item done raises KeyboardInterrupt in the work, which
        the api handles as the terminal's Ctrl-C: workers ended, nothing committed."""
        self.total, self.done = total, 0

        def advance(*_: Any) -> None:
            self.done += 1
            if self.cancel.is_set():
                raise KeyboardInterrupt

        return contextlib.nullcontext(advance)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "title": self.title,
            "state": self.state,
            "done": self.done,
            "total": self.total,
            "message": self.message,
        }


class JobQueue:
    """Jobs run one at a time, in the order submitted, by one daemon thread."""

    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._waiting: deque[Job] = deque()
        self._finished: deque[Job] = deque(maxlen=KEEP)
        self._running: Job | None = None
        self._ids = itertools.count(1)
        self._closed = False
        self._thread = threading.Thread(target=self._loop, name="gk-desk-jobs", daemon=True)
        self._thread.start()

    def submit(
        self, kind: str, title: str, work: Callable[[Job], Any], *, coalesce: bool = False
    ) -> Job:
        """Queue ``work``; with ``coalesce``, a job of the same kind still waiting is
        returned instead of queuing another."""
        with self._lock:
            if coalesce:
                for job in self._waiting:
                    if job.kind == kind:
                        return job
            job = Job(next(self._ids), kind, title, work)
            if self._closed:
                job.state, job.message = "failed", "程序正在退出，没有执行。"
                return job
            self._waiting.append(job)
            self._lock.notify_all()
            return job

    def snapshot(self) -> dict[str, Any]:
        """What the page shows: the running job, those waiting, the last finished."""
        with self._lock:
            return {
                "running": self._running.to_json() if self._running else None,
                "waiting": [j.to_json() for j in self._waiting],
                "finished": [j.to_json() for j in list(self._finished)[-5:]],
            }

    def latest(self, kind: str) -> Job | None:
        """The last finished job of ``kind``."""
        with self._lock:
            return next((j for j in reversed(self._finished) if j.kind == kind), None)

    def busy(self) -> bool:
        with self._lock:
            return self._running is not None or bool(self._waiting)

    def wait(self, timeout: float = 60.0) -> bool:
        """Until nothing runs or waits (tests, shutdown); False on timeout."""
        end = time.monotonic() + timeout
        with self._lock:
            while self._running is not None or self._waiting:
                left = end - time.monotonic()
                if left <= 0:
                    return False
                self._lock.wait(left)
        return True

    def close(self, wait: float = 0.0) -> bool:
        """No more jobs: those waiting are dropped, the running one is cancelled (see
        :meth:`Job.progress`) and waited for up to ``wait`` seconds. False when it still
        runs: the caller then ends its worker processes."""
        with self._lock:
            self._closed = True
            self._waiting.clear()
            running = self._running
            if running is not None:
                running.cancel.set()
            self._lock.notify_all()
            end = time.monotonic() + wait
            while self._running is not None and (left := end - time.monotonic()) > 0:
                self._lock.wait(left)
            return self._running is None

    def _loop(self) -> None:
        while True:
            with self._lock:
                while not self._waiting and not self._closed:
                    self._lock.wait()
                if self._closed:
                    self._lock.notify_all()
                    return
                job = self._running = self._waiting.popleft()
                job.state, job.started = "running", time.time()
            self._run(job)
            with self._lock:
                job.ended = time.time()
                self._running = None
                self._finished.append(job)
                self._lock.notify_all()

    @staticmethod
    def _run(job: Job) -> None:
        try:
            job.result = job.work(job)
            job.state = "done"
        except GongkaiError as exc:  # Interrupted too: the api's own 已中断 line
            job.state, job.message = "failed", str(exc)
        except KeyboardInterrupt:  # work that does not go through the api
            job.state, job.message = "failed", "已中断。"
        except Exception:
            job.state, job.message = "failed", INTERNAL
            traceback.print_exc(file=sys.stderr)
