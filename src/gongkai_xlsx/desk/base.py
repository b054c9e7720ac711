"""What every step of the desk shares: the :class:`Desk` (the work folder, the job queue,
the way to stop), the :class:`Step` a page registers itself with, and the helpers a view
calls (:func:`desk`, :func:`render`, :func:`wants_json`)."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, current_app, render_template, request

from gongkai_xlsx.api import BatchReport
from gongkai_xlsx.desk import security
from gongkai_xlsx.desk.jobs import JobQueue
from gongkai_xlsx.desk.workfolder import WorkFolder

EXTENSION = "gongkai_desk"
MAX_FILES = 500  # files in one upload (a city's drop of a few hundred returns)
MAX_UPLOAD_MB = 512  # bytes of one upload, all files together
MAX_FILE_MB = 64  # one file: a return is well under 5 MB, a scanned PDF a few dozen


@dataclass
class Desk:
    """The running desk: one per work folder and server. ``report`` is the last check's
    typed report (every step shows its statuses, never counts its own); ``version``
    counts the checks finished (the page reloads its table when it changes). ``state`` is
    where a step keeps what it needs between requests (by its key), ``notices`` the lines
    a page shows once after a redirect (by session)."""

    folder: WorkFolder
    jobs: JobQueue
    quit: Callable[[], None] = lambda: None
    report: BatchReport | None = None
    version: int = 0
    state: dict[str, Any] = field(default_factory=dict)
    notices: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Step:
    """One step of the January as the page walks it: ``number`` orders the steps (1 名单 …
    6 公开), ``key`` is its blueprint's name and URL prefix (``/collect``), ``title`` its
    Chinese name in the navigation; ``index`` the endpoint the navigation links to."""

    number: int
    key: str
    title: str
    blueprint: Blueprint
    index: str = "index"
    on_start: Callable[[Desk], None] | None = None  # when the server starts (e.g. a first check)

    @property
    def endpoint(self) -> str:
        return f"{self.key}.{self.index}"


def desk() -> Desk:
    """The desk of the running app (inside a request or a job)."""
    found: Desk = current_app.extensions[EXTENSION]
    return found


def render(template: str, step: str | None = None, **context: Any) -> str:
    """A page of ``step`` (its key: the navigation marks it), from ``template``."""
    return render_template(template, current_step=step, **context)


def wants_json() -> bool:
    """A request from the page's own script (it says so), which reads JSON answers."""
    return request.headers.get("X-Requested-With") == "gongkai-desk" or request.path.endswith(
        ".json"
    )


def notify(*lines: str) -> None:
    """Lines the next page of this browser session shows once (after a redirect)."""
    sid = request.cookies.get(security.sessions(current_app).cookie, "")
    desk().notices.setdefault(sid, []).extend(lines)


def take_notices() -> list[str]:
    """The lines :func:`notify` kept for this session, now shown (and forgotten)."""
    sid = request.cookies.get(security.sessions(current_app).cookie, "")
    return desk().notices.pop(sid, [])


def default_year(today: _dt.date | None = None, the_desk: Desk | None = None) -> int:
    """The year the January reports on: the one before (templates made in January 2025
    are for 2024), unless a year was chosen on the page."""
    chosen = (the_desk or desk()).state.get("year")
    return int(chosen) if chosen else (today or _dt.date.today()).year - 1
