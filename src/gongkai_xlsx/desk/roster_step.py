"""Step 1, 名单: the roster uploaded (.xlsx or .csv, as ``new --roster`` and ``ingest
--roster`` read it), and who is on it, with the contacts its columns give.

An upload is read first, from a scratch copy outside the work folder: a roster that cannot
be read is answered with the reader's own Chinese message (naming the file as uploaded) and
is not kept, so the work folder's roster stays the last good one. A good one is kept as a
new file in 名单/ (never over an earlier one); the newest is the roster. A new roster
changes the statuses, so the returns already received are checked again against it.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from flask import Blueprint, redirect, request, url_for

from gongkai_xlsx import fsio
from gongkai_xlsx.desk import collect
from gongkai_xlsx.desk.base import Step, desk, notify, render, take_notices
from gongkai_xlsx.desk.workfolder import ROSTER, ROSTER_SUFFIXES
from gongkai_xlsx.errors import UsageError
from gongkai_xlsx.naming import safe_file_name
from gongkai_xlsx.roster import MAX_FILE_BYTES, Roster, read_roster

KEY = "roster"
blueprint = Blueprint(KEY, __name__)
HEADERS = {"contact": "联系人", "phone": "联系电话", "email": "邮箱"}


def current_roster() -> tuple[Path | None, Roster | None, str | None]:
    """The work folder's roster: (its path, as read, or why it cannot be read)."""
    path = desk().folder.roster()
    if path is None:
        return None, None, None
    try:
        return path, read_roster(path), None
    except UsageError as exc:
        return path, None, str(exc)


def read_upload(name: str, data: bytes) -> Roster:
    """The uploaded roster as the reader reads it; :class:`UsageError` (its message naming
    the file as uploaded, not the scratch copy) when it cannot be read."""
    with tempfile.TemporaryDirectory(prefix="gk-roster-") as scratch:
        path = Path(scratch) / name
        fsio.write_atomic(path, data)
        try:
            return read_roster(path)
        except UsageError as exc:
            raise UsageError(str(exc).replace(str(path), name)) from None


def _page(error: str | None = None) -> str:
    path, roster, problem = current_roster()
    return render(
        "roster.html",
        KEY,
        notices=[] if error else take_notices(),
        error=error,
        path=desk().folder.relative(path) if path else None,
        roster=roster,
        problem=problem,
        columns=[(c, HEADERS[c]) for c in (roster.contact_columns if roster else ())],
        accept=",".join(ROSTER_SUFFIXES),
    )


@blueprint.route("/")
def index() -> str:
    return _page()


@blueprint.post("/upload")
def upload() -> Any:
    """Read the uploaded roster; keep it only when it can be read."""
    file = request.files.get("roster")
    if file is None or not file.filename:
        return _refused("请先选择名单文件（.xlsx 或 .csv）。")
    name = safe_file_name(file.filename, fallback=ROSTER)
    if Path(name).suffix.lower() not in ROSTER_SUFFIXES:
        return _refused(
            f"{name}：名单应是 Excel 工作簿（.xlsx）或 CSV 文件（.csv）。"
            "其他格式请在 Excel 或 WPS 中“另存为”其中一种后再上传。"
        )
    # one byte over the reader's bound is enough for its own answer (too large)
    data = file.stream.read(MAX_FILE_BYTES + 1)
    try:
        roster = read_upload(name, data)
    except UsageError as exc:
        return _refused(f"{exc} 名单没有更换。")
    the_desk = desk()
    saved = the_desk.folder.save(the_desk.folder.root / ROSTER, name, data)
    lines = [f"已保存名单 {the_desk.folder.relative(saved)}：共 {len(roster.entries)} 个单位。"]
    if roster.duplicates:
        lines.append(f"名单中有 {len(roster.duplicates)} 行与前面的单位名称重复，只算一次。")
    if the_desk.folder.roster() != saved:
        lines.append(
            f"注意：工作文件夹中另有名单 {the_desk.folder.relative(the_desk.folder.roster())}，"  # type: ignore[arg-type]
            "目前使用的仍是它。请删除或改名该文件后刷新本页。"
        )
    elif the_desk.folder.has_returns():
        collect.queue_check(the_desk)
        lines.append("已收到的报表正在按新名单重新核对（见“收集报表”）。")
    notify(*lines)
    return redirect(url_for(f"{KEY}.index"), 303)


def _refused(message: str) -> tuple[str, int]:
    """The page again, with why the upload was not kept."""
    return _page(message), 400


STEP = Step(1, KEY, "名单", blueprint)
