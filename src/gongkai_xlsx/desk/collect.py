"""Step 3, 收集报表: returns dropped on the page (or picked with the file input) are kept as
arrivals in 报表/<today>/ and checked at once; the status table shows every roster agency's
one status, from the check's typed report, in the terminal's words and counts.

An upload only saves and queues: the check is a job (:mod:`.jobs`), ``api.ingest`` over the
whole of 报表/ into 结果/ (marked copies into 退回/), with the roster when there is one.
Drops that come while a check runs are queued into the one check still waiting, never
refused. Ingest keeps the results of files already checked by their SHA-256, so a re-run
over the folder reads only the new files. An archive is refused with a Chinese answer and
never saved or extracted.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, redirect, render_template, request, url_for
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response

from gongkai_xlsx import api
from gongkai_xlsx.catalogue import STATUS_LABELS
from gongkai_xlsx.desk.base import (
    MAX_FILE_MB,
    MAX_FILES,
    MAX_UPLOAD_MB,
    Desk,
    Step,
    default_year,
    desk,
    notify,
    render,
    take_notices,
    wants_json,
)
from gongkai_xlsx.desk.jobs import Job
from gongkai_xlsx.desk.workfolder import WorkFolder, archive_message, is_archive
from gongkai_xlsx.errors import UsageError
from gongkai_xlsx.findings import FindingGroup, group_repeated
from gongkai_xlsx.ingest.report import STATUSES, BatchReport, ReturnRow

KEY = "collect"
CHECK = "check"  # the job kind: one ingest of the whole folder
blueprint = Blueprint(KEY, __name__)


def ingest_options(folder: WorkFolder, year: int) -> api.IngestOptions:
    """The one ingest the desk runs: every return under 报表/, into 结果/, the marked
    copies into 退回/, with the roster when there is one, compared with last year's
    results when the desk finds them (as the templates were prefilled from them)."""
    return api.IngestOptions(
        paths=[folder.returns],
        out=folder.results,
        roster=folder.roster(),
        annotate=folder.send_back,
        previous=folder.previous_results(year),
    )


def queue_check(the_desk: Desk) -> Job:
    """A check of the whole folder, after those queued (one waiting check at most)."""

    options = ingest_options(the_desk.folder, default_year(the_desk=the_desk))

    def work(job: Job) -> api.Ingested:
        done = api.ingest(options, progress=job.progress)
        the_desk.report = done.report
        the_desk.version += 1
        return done

    return the_desk.jobs.submit(CHECK, "检查报表", work, coalesce=True)


def _on_start(the_desk: Desk) -> None:
    if the_desk.folder.has_returns():
        queue_check(the_desk)


# ------------------------------------------------------------------ what the page shows
def findings_lines(row: ReturnRow) -> list[tuple[str, str, str]]:
    """A return's findings as the terminal lists them: (level, place, message), a hint on
    more than five cells as one line naming the ranges."""
    return [
        (item.severity.chinese, item.where or "", item.summary)
        if isinstance(item, FindingGroup)
        else (item.severity.chinese, item.where or "", item.message)
        for item in group_repeated(row.findings)
    ]


def status_context(report: BatchReport | None) -> dict[str, Any]:
    """What the status table is rendered from: the report itself and its own labels."""
    return {
        "report": report,
        "statuses": STATUSES,
        "labels": STATUS_LABELS,
        "findings_lines": findings_lines,
    }


def status_html(the_desk: Desk) -> str:
    return render_template("collect_status.html", **status_context(the_desk.report))


# ------------------------------------------------------------------ the views
@blueprint.route("/")
def index() -> str:
    the_desk = desk()
    return render(
        "collect.html",
        KEY,
        notices=take_notices(),
        version=the_desk.version,
        max_files=MAX_FILES,
        max_file_mb=MAX_FILE_MB,
        max_file_bytes=MAX_FILE_MB << 20,
        max_upload_bytes=(MAX_UPLOAD_MB << 20) - (1 << 20),  # room for the form's own parts
        arrival=the_desk.folder.relative(the_desk.folder.arrival_folder()),
        **status_context(the_desk.report),
    )


@blueprint.route("/status.json")
def status() -> Response:
    """The jobs, and the table when it changed since the page's ``v``."""
    the_desk = desk()
    data: dict[str, Any] = {"version": the_desk.version, "jobs": the_desk.jobs.snapshot()}
    latest = the_desk.jobs.latest(CHECK)
    data["failed"] = latest.message if latest is not None and latest.state == "failed" else ""
    if request.args.get("v") != str(the_desk.version):
        data["html"] = status_html(the_desk)
    return jsonify(data)


@blueprint.post("/upload")
def upload() -> Any:
    """Save every file sent as an arrival (archives refused), then queue a check."""
    the_desk = desk()
    files: list[FileStorage] = request.files.getlist("files")
    saved: list[str] = []
    refused: list[str] = []
    if len(files) > MAX_FILES:
        refused.append(f"一次最多上传 {MAX_FILES} 个文件，这次选了 {len(files)} 个。请分几次上传。")
        files = []
    folder = the_desk.folder.arrival_folder()
    for file in files:
        name = file.filename or "未命名"
        if not file.filename and not file.stream:
            continue
        if is_archive(name):
            refused.append(archive_message(name))
            continue
        data = file.stream.read((MAX_FILE_MB << 20) + 1)
        if len(data) > MAX_FILE_MB << 20:
            refused.append(f"{name}：文件超过 {MAX_FILE_MB} MB，不像是报表，没有保存。")
            continue
        try:
            path = the_desk.folder.save(folder, name, data)
        except UsageError as exc:
            refused.append(str(exc))
            continue
        saved.append(the_desk.folder.relative(path))
    job = queue_check(the_desk) if saved else None
    if wants_json():
        return jsonify({"saved": saved, "refused": refused, "job": job.to_json() if job else None})
    lines = [f"已保存 {len(saved)} 个文件，正在检查。"] if saved else []
    notify(*lines, *refused)
    return redirect(url_for(".index"), 303)


STEP = Step(3, KEY, "收集报表", blueprint, on_start=_on_start)
