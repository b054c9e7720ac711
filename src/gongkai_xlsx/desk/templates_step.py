"""Step 2, 模板: one template per agency of the roster (``api.new`` with the roster), with
二、上年结转 prefilled from last year's results when they are there; each template can be
downloaded alone, or all of them as one zip (Windows 7 and early Windows 10 show Chinese
names inside a zip as 乱码, so the zip is never the only way).

Last year's results are the ``结果/`` folder of last year's ``ingest``: copied into this
work folder as ``上年结果/``, or found beside it in last year's work folder (this folder's
name with the year one less: ``2024年度`` → ``2023年度``). Writing the templates is a job
of the desk's queue; the page shows its progress.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from flask import Blueprint, redirect, request, url_for
from werkzeug.wrappers import Response

from gongkai_xlsx import api
from gongkai_xlsx.desk.base import Step, default_year, desk, notify, render, take_notices
from gongkai_xlsx.desk.downloads import zip_of
from gongkai_xlsx.desk.jobs import Job
from gongkai_xlsx.errors import UsageError
from gongkai_xlsx.naming import dedupe, template_file_name
from gongkai_xlsx.roster import read_roster

KEY = "templates"
JOB = "templates"
blueprint = Blueprint(KEY, __name__)
_YEAR = re.compile(r"(19|20)\d\d")


def templates_in(folder: Path, year: int | None = None, roster: Path | None = None) -> list[Path]:
    """The templates made so far: in the roster's order (by the name ``new --roster``
    gives each agency's template of ``year``), the others after them by name."""
    if not folder.is_dir():
        return []
    order: dict[str, int] = {}
    if year is not None and roster is not None:
        try:
            names = [e.name for e in read_roster(roster).entries]
        except UsageError:
            names = []
        order = {n: i for i, n in enumerate(dedupe([template_file_name(year, a) for a in names]))}
    return sorted(
        (p for p in folder.iterdir() if p.is_file() and p.suffix.lower() == ".xlsx"),
        key=lambda p: (order.get(p.name, len(order)), p.name),
    )


def result_lines(result: api.RosterResult, year: int) -> list[str]:
    """What a roster run did, said for the page (the counts are the result's)."""
    lines = []
    if result.written:
        lines.append(f"已生成 {len(result.written)} 份 {year} 年度填报模板。")
    if result.kept:
        lines.append(
            f"另有 {len(result.kept)} 份模板已存在，未覆盖（如需重新生成，请勾选“覆盖已有的模板”）。"
        )
    for path, reason in result.failed:
        lines.append(f"错误：{path.name}：无法写入（{reason}）。")
    if result.duplicates:
        lines.append(f"名单中有 {len(result.duplicates)} 行与前面的单位名称重复，只生成一份。")
    if result.prefilled:
        lines.append(
            f"其中 {len(result.prefilled)} 份已按上年报表预填上年结转数（蓝色单元格，单位仍可修改）。"
        )
    if result.without_previous:
        lines.append(
            f"上年的结果中没有报表、未预填的单位 {len(result.without_previous)} 个："
            + "、".join(result.without_previous)
            + "。"
        )
    lines += [f"提示：单位“{name}”未预填。{reason}" for name, reason in result.not_prefilled]
    return lines


def _job_state() -> dict[str, Any]:
    """The templates job running or waiting (progress), or the last one's outcome."""
    snapshot = desk().jobs.snapshot()
    active = [j for j in [snapshot["running"], *snapshot["waiting"]] if j and j["kind"] == JOB]
    latest = desk().jobs.latest(JOB)
    return {"active": active[0] if active else None, "latest": latest}


@blueprint.route("/")
def index() -> str:
    the_desk = desk()
    year = default_year()
    roster = the_desk.folder.roster()
    previous = the_desk.folder.previous_results(year)
    jobs = _job_state()
    latest: Job | None = jobs["latest"]
    outcome = None
    if latest is not None and latest.state == "done":
        outcome = result_lines(latest.result, year)
    return render(
        "templates.html",
        KEY,
        notices=take_notices(),
        year=year,
        roster=the_desk.folder.relative(roster) if roster else None,
        previous=previous,
        made=[
            (p.name, the_desk.folder.relative(p))
            for p in templates_in(the_desk.folder.templates, year, roster)
        ],
        active=jobs["active"],
        failed=latest.message if latest is not None and latest.state == "failed" else None,
        outcome=outcome,
    )


@blueprint.post("/make")
def make() -> Response:
    """Queue the templates of every roster agency (``api.new`` with the roster)."""
    the_desk = desk()
    roster = the_desk.folder.roster()
    if roster is None:
        notify("还没有名单：请先在第 1 步上传名单，再生成模板。")
        return redirect(url_for(f"{KEY}.index"), 303)
    text = (request.form.get("year") or "").strip()
    if not (text.isdigit() and len(text) == 4):
        notify(f"年度“{text}”无效：请填写四位数字的年度，例如 {default_year()}。")
        return redirect(url_for(f"{KEY}.index"), 303)
    year = int(text)
    the_desk.state["year"] = year
    force = request.form.get("force") == "1"
    previous = the_desk.folder.previous_results(year)
    options = api.NewOptions(
        year=year,
        roster=roster,
        out_dir=the_desk.folder.templates,
        force=force,
        previous=previous,
    )

    def work(job: Job) -> api.RosterResult:
        done = api.new(options, progress=job.progress)
        assert done.roster is not None
        return done.roster

    the_desk.jobs.submit(JOB, "生成模板", work)
    return redirect(url_for(f"{KEY}.index"), 303)


@blueprint.route("/all.zip")
def all_zip() -> Any:
    """Every template in 模板/ as one zip (named for the year)."""
    the_desk = desk()
    files = templates_in(the_desk.folder.templates)
    if not files:
        notify("模板文件夹中还没有模板。")
        return redirect(url_for(f"{KEY}.index"), 303)
    sent = zip_of(files, f"{default_year()}年度填报模板.zip")
    if isinstance(sent, str):
        notify(sent)
        return redirect(url_for(f"{KEY}.index"), 303)
    return sent


STEP = Step(2, KEY, "模板", blueprint)
