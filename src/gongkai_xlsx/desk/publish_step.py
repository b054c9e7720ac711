"""Step 6, 发布: an agency's annual report as Word (.docx, with its 正文 uploaded as a Word
document or a text file, as ``render --text`` reads them) and its three tables as HTML,
made by ``api.render`` from the canonical JSON the check wrote into 结果/. Everything made
is kept in the work folder's 发布/ (the uploaded 正文 in 发布/正文/) and downloadable.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, redirect, request, url_for
from werkzeug.wrappers import Response

from gongkai_xlsx import api
from gongkai_xlsx.desk.base import Step, desk, notify, render, take_notices
from gongkai_xlsx.errors import UsageError
from gongkai_xlsx.ingest.report import BatchReport
from gongkai_xlsx.render.text_file import MAX_TEXT_BYTES

KEY = "publish"
PUBLISHED = "发布"
TEXTS = "正文"
TEXT_SUFFIXES = (".docx", ".txt")
blueprint = Blueprint(KEY, __name__)


def documents(report: BatchReport | None) -> list[tuple[str, str]]:
    """The documents of the last check that can be published: (agency, JSON name in
    结果/) of every current return that has one (no errors), by agency."""
    rows = report.current if report else ()
    found = [(r.agency or r.file, r.output) for r in rows if r.output]
    return sorted(found)


def published(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(
        (p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in (".docx", ".html")),
        key=lambda p: p.name,
    )


@blueprint.route("/")
def index() -> str:
    the_desk = desk()
    folder = the_desk.folder
    return render(
        "publish.html",
        KEY,
        notices=take_notices(),
        documents=documents(the_desk.report),
        chosen=the_desk.state.get("publish_document", ""),
        made=[(p.name, folder.relative(p)) for p in published(folder.root / PUBLISHED)],
        accept=",".join(TEXT_SUFFIXES),
    )


@blueprint.post("/render")
def make() -> Response:
    """Render the chosen document as Word (with the uploaded 正文) or as HTML tables."""
    the_desk = desk()
    folder = the_desk.folder
    chosen = request.form.get("document") or ""
    known = dict((output, agency) for agency, output in documents(the_desk.report))
    if chosen not in known:
        notify("请先选择要发布的单位（只能选择已通过检查、生成了规范 JSON 的报表）。")
        return redirect(url_for(f"{KEY}.index"), 303)
    the_desk.state["publish_document"] = chosen
    fmt = "docx" if request.form.get("to") == "docx" else "html"
    text: Path | None = None
    file = request.files.get("text")
    if fmt == "docx" and file is not None and file.filename:
        if Path(file.filename).suffix.lower() not in TEXT_SUFFIXES:
            notify(
                f"{file.filename}：正文应是 Word 文档（.docx）或文本文件（.txt）。"
                ".doc、.wps 请在 Word 或 WPS 中“另存为”.docx 后再上传。"
            )
            return redirect(url_for(f"{KEY}.index"), 303)
        # one byte over the reader's bound is enough for its own answer (too large)
        data = file.stream.read(MAX_TEXT_BYTES + 1)
        text = folder.save(folder.root / PUBLISHED / TEXTS, file.filename, data)
    document = folder.results / chosen
    output = folder.root / PUBLISHED / f"{Path(chosen).stem}.{fmt}"
    output.parent.mkdir(parents=True, exist_ok=True)
    try:
        done = api.render(
            api.RenderOptions(document=document, to=fmt, output=output, text=text, force=True)
        )
    except UsageError as exc:
        notify(str(exc))
        return redirect(url_for(f"{KEY}.index"), 303)
    what = "Word 报告" if fmt == "docx" else "HTML 表格"
    lines = [f"已生成“{known[chosen]}”的{what}：{folder.relative(done.path)}"]
    if fmt == "docx" and text is None:
        lines.append("没有上传正文：报告中正文的位置留有占位文字，请在 Word 或 WPS 中补写。")
    notify(*lines, *done.notes)
    return redirect(url_for(f"{KEY}.index"), 303)


STEP = Step(6, KEY, "发布", blueprint)
