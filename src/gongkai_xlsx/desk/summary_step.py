"""Step 5, 汇总: the completeness first (every roster agency's one status and the counts,
from the last check's typed report, as the terminal and report.html show them), then a
button that makes the summary workbook for the next level into 汇总/ (``api.aggregate``
over 结果/ with the roster), and its download. ``aggregate`` is not interactive: with
agencies missing or still to fix it writes the summary and says how complete it is, in
the terminal's words (:func:`gongkai_xlsx.api.incomplete_warning`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint, redirect, request, url_for
from werkzeug.wrappers import Response

from gongkai_xlsx import api
from gongkai_xlsx.desk.base import Step, desk, notify, render, take_notices
from gongkai_xlsx.desk.jobs import Job
from gongkai_xlsx.ingest.report import BatchReport
from gongkai_xlsx.naming import safe_stem
from gongkai_xlsx.text import squash_spaces

KEY = "summary"
JOB = "summary"
blueprint = Blueprint(KEY, __name__)


@dataclass(frozen=True)
class Made:
    """What the summary button did: the workbook (relative to the work folder) or why
    not, and the lines the terminal would print under it."""

    written: str | None
    refused: str | None
    lines: tuple[str, ...]


def report_year(report: BatchReport | None) -> int | None:
    """The year most current returns report on (the summary's file name carries it)."""
    years = Counter(r.year for r in (report.current if report else ()) if r.year)
    return years.most_common(1)[0][0] if years else None


def summary_path(folder: Path, name: str, year: int | None) -> Path:
    """汇总/<名称>_<年度>年度_汇总.xlsx (the CLI's examples' naming)."""
    stem = safe_stem(f"{name}_{year}年度_汇总" if year else f"{name}_汇总")
    return folder / f"{stem}.xlsx"


AGAIN = "收齐、改好后请再点“生成汇总表”，新的汇总表会替换这一份。"


def made_lines(result: api.AggregateResult) -> tuple[str, ...]:
    """What ``aggregate`` says of the summary it made: its findings and how complete it
    is, in the terminal's words (what the statuses are known from needs no saying: the
    desk sums its own check's output folder, whose report.json knows them all)."""
    summary = result.summary
    lines = [f.message for f in summary.findings]
    c = summary.completeness
    if c is not None:
        lines.append(f"名单 {c.roster}：{c.lines[0]}。")
    warning = api.incomplete_warning(summary, AGAIN)
    if warning:
        lines.append(warning)
    return tuple(lines)


@blueprint.route("/")
def index() -> str:
    the_desk = desk()
    report = the_desk.report
    snapshot = the_desk.jobs.snapshot()
    active = [j for j in [snapshot["running"], *snapshot["waiting"]] if j and j["kind"] == JOB]
    latest = the_desk.jobs.latest(JOB)
    made: Made | None = latest.result if latest is not None and latest.state == "done" else None
    return render(
        "summary.html",
        KEY,
        notices=take_notices(),
        report=report,
        completeness=report.completeness if report else None,
        agencies=report.agencies if report else (),
        name=the_desk.state.get("summary_name", ""),
        year=report_year(report),
        active=active[0] if active else None,
        checking=the_desk.jobs.busy() and not active,
        failed=latest.message if latest is not None and latest.state == "failed" else None,
        made=made,
        existing=[the_desk.folder.relative(p) for p in summaries_in(the_desk.folder.summaries)],
    )


def summaries_in(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() == ".xlsx")


@blueprint.post("/make")
def make() -> Response:
    """Queue the summary workbook of 结果/ (after any check still queued)."""
    the_desk = desk()
    name = squash_spaces(request.form.get("name") or "")
    if not name:
        notify("请填写汇总的名称（本级的名称，写入汇总表的填报单位），例如“某县”。")
        return redirect(url_for(f"{KEY}.index"), 303)
    the_desk.state["summary_name"] = name
    if the_desk.report is None and not the_desk.jobs.busy():
        notify("还没有检查过报表，没有可汇总的内容：请先在第 3 步上传各单位的报表。")
        return redirect(url_for(f"{KEY}.index"), 303)
    folder = the_desk.folder
    output = summary_path(folder.summaries, name, report_year(the_desk.report))
    options = api.AggregateOptions(
        paths=[folder.results], output=output, name=name, roster=folder.roster(), force=True
    )

    def work(job: Job) -> Made:
        with job.progress(1) as advance:
            result = api.aggregate(options)
            advance()
        written = folder.relative(result.output) if result.written else None
        return Made(written, result.refused, made_lines(result))

    the_desk.jobs.submit(JOB, "生成汇总表", work)
    return redirect(url_for(f"{KEY}.index"), 303)


STEP = Step(5, KEY, "汇总", blueprint)
