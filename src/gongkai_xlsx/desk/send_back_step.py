"""Step 4, 退回: the returns that go back to their agencies, as the 退回清单 says them
(:func:`gongkai_xlsx.ingest.send_back.send_back_rows`, the rows of the 退回清单.xlsx the
check wrote into 退回/): each agency with whom to call, its status, its errors and its
marked copies, each copy downloadable alone. A button opens 退回/ in the file manager
(Explorer on Windows), to attach the copies to e-mails or WeChat from there; a zip is not
the only way, since Windows 7 and early Windows 10 show Chinese names in a zip as 乱码.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, redirect, url_for
from werkzeug.wrappers import Response

from gongkai_xlsx import api
from gongkai_xlsx.desk import collect
from gongkai_xlsx.desk.base import Step, desk, notify, render, take_notices
from gongkai_xlsx.desk.downloads import zip_of
from gongkai_xlsx.desk.opener import open_folder
from gongkai_xlsx.errors import UsageError
from gongkai_xlsx.ingest.send_back import NOTE, send_back_rows
from gongkai_xlsx.roster import read_roster
from gongkai_xlsx.writer.send_back import COLUMNS, NO_COPY, SendBackRow, is_send_back_name

KEY = "send_back"
blueprint = Blueprint(KEY, __name__)


def last_check() -> api.Ingested | None:
    """The last check that finished well (its entries say what goes back)."""
    latest = desk().jobs.latest(collect.CHECK)
    if latest is None or latest.state != "done" or not isinstance(latest.result, api.Ingested):
        return None
    return latest.result


def rows_of(ingested: api.Ingested) -> tuple[list[SendBackRow], str | None]:
    """The 退回清单's rows of the last check, with the roster's contacts (or why the
    roster could not be read now)."""
    path = desk().folder.roster()
    try:
        roster = read_roster(path) if path is not None else None
    except UsageError as exc:
        return send_back_rows(ingested.entries, None), str(exc)
    return send_back_rows(ingested.entries, roster), None


def copies(rows: list[SendBackRow]) -> list[Path]:
    """The marked copies the rows name that are in 退回/ now."""
    folder = desk().folder.send_back
    return [folder / name for row in rows for name in row.marked if (folder / name).is_file()]


def lists_in(folder: Path) -> list[Path]:
    """The 退回清单 files in 退回/ (退回清单.xlsx, or numbered when that name was taken)."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and is_send_back_name(p.name))


@blueprint.route("/")
def index() -> str:
    the_desk = desk()
    ingested = last_check()
    rows, problem = rows_of(ingested) if ingested is not None else ([], None)
    folder = the_desk.folder
    return render(
        "send_back.html",
        KEY,
        notices=take_notices(),
        checked=ingested is not None,
        rows=rows,
        problem=problem,
        note=NOTE,
        no_copy=NO_COPY,
        headers=[title for title, _width in COLUMNS],
        link=lambda name: url_for(
            "desk.download", relative=folder.relative(folder.send_back / name)
        ),
        lists=[folder.relative(p) for p in lists_in(folder.send_back)],
        has_copies=bool(copies(rows)),
        busy=the_desk.jobs.busy(),
        checking=_checking(),
        failed=_failed(),
    )


def _failed() -> str | None:
    """Why the last check failed (its Chinese message), if it did."""
    latest = desk().jobs.latest(collect.CHECK)
    return latest.message if latest is not None and latest.state == "failed" else None


def _checking() -> bool:
    """A check runs or waits: the list shown is the last one's, and will change."""
    snapshot = desk().jobs.snapshot()
    return any(
        j and j["kind"] == collect.CHECK for j in [snapshot["running"], *snapshot["waiting"]]
    )


@blueprint.post("/open")
def open_send_back() -> Response:
    """Open 退回/ in the file manager (a POST: it makes the PC do something)."""
    folder = desk().folder.send_back
    problem = open_folder(folder)
    notify(problem or f"已在文件管理器中打开“退回”文件夹：{folder}")
    return redirect(url_for(f"{KEY}.index"), 303)


@blueprint.route("/copies.zip")
def copies_zip() -> Any:
    """Every marked copy of the last check as one zip, for those whose Windows reads it."""
    ingested = last_check()
    found = copies(rows_of(ingested)[0]) if ingested is not None else []
    if not found:
        notify("现在没有需要退回的标注副本。")
        return redirect(url_for(f"{KEY}.index"), 303)
    sent = zip_of(found, "退回修改的标注副本.zip")
    if isinstance(sent, str):
        notify(sent)
        return redirect(url_for(f"{KEY}.index"), 303)
    return sent


STEP = Step(4, KEY, "退回", blueprint)
