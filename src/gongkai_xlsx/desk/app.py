"""The desk's Flask app: :func:`create_app` puts the security (:mod:`.security`), the
common pages (home, download, 退出, errors) and every step of :func:`steps` together."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Flask, current_app, jsonify, request, send_file
from werkzeug.exceptions import HTTPException

from gongkai_xlsx import __version__
from gongkai_xlsx.desk import security
from gongkai_xlsx.desk.base import (
    EXTENSION,
    MAX_FILE_MB,
    MAX_FILES,
    MAX_UPLOAD_MB,
    Desk,
    Step,
    desk,
    render,
    wants_json,
)
from gongkai_xlsx.desk.jobs import JobQueue
from gongkai_xlsx.desk.workfolder import UnsafeName, WorkFolder
from gongkai_xlsx.ingest.page import IE_NOTICE_TEXT, shown

ALIVE_HEADER = "X-Desk-Token"

FORBIDDEN = {
    "host": "这个地址不是本机的 gongkai-xlsx 工作台（主机名不符）。请使用工作台启动时打开的地址。",
    "token": "访问口令不对。请关闭本页，重新运行 gongkai-xlsx ui（或双击桌面上的图标），由它打开工作台。",
    "session": "请从 gongkai-xlsx 打开的地址进入工作台：重新运行 gongkai-xlsx ui（或双击桌面上的图标），它会打开已在运行的工作台。",
    "origin": "这个请求不是从工作台自己的页面发出的，已拒绝。如果是您在工作台上的操作，请刷新页面后再试。",
    "csrf": "页面已过期（校验码不符），操作没有执行。请刷新页面后再试。",
}


def steps() -> list[Step]:
    """Every step of the January, in order. A new step is a module with a ``STEP``,
    listed here."""
    from gongkai_xlsx.desk import (
        collect,
        publish_step,
        roster_step,
        send_back_step,
        summary_step,
        templates_step,
    )

    listed = [roster_step, templates_step, collect, send_back_step, summary_step, publish_step]
    return sorted([m.STEP for m in listed], key=lambda s: s.number)


common = Blueprint("desk", __name__)


@common.route("/")
def home() -> str:
    return render("home.html", None, folder=desk().folder)


@common.route("/alive")
def alive() -> tuple[str, int]:
    """For a second start of ``ui`` on this folder: is this desk alive? (its token in a
    header, never in an address)."""
    guard = security.sessions(current_app)
    if not guard.token_matches(request.headers.get(ALIVE_HEADER)):
        return "", 403
    return "gongkai-xlsx", 200


@common.post("/quit")
def quit_desk() -> str:
    """退出: the answer is sent, then the server stops (workers included)."""
    desk().quit()
    return render("quit.html", None)


@common.route("/files/<path:relative>")
def download(relative: str) -> Any:
    """A file of the work folder, as an attachment: only inside it (see
    :meth:`WorkFolder.inside`)."""
    try:
        path = desk().folder.inside(relative)
    except UnsafeName:
        return _error(404, "工作文件夹中没有这个文件。")
    return send_file(path, as_attachment=True, download_name=path.name, max_age=0)


def _error(code: int, message: str) -> Any:
    if wants_json():
        return jsonify({"message": message}), code
    return render("error.html", None, code=code, message=message), code


def _http_error(exc: HTTPException) -> Any:
    code = exc.code or 500
    if code == 403:
        return _error(403, FORBIDDEN.get(str(exc.description), FORBIDDEN["session"]))
    if code == 413:
        return _error(
            413,
            f"一次上传的文件太多或太大：一次最多 {MAX_FILES} 个文件、合计 {MAX_UPLOAD_MB} MB，"
            f"每个文件不超过 {MAX_FILE_MB} MB。请分几次上传。",
        )
    if code == 404:
        return _error(404, "没有这个页面。请从工作台的导航进入。")
    if code == 405:
        return _error(405, "不能这样打开这个地址。请从工作台的页面操作。")
    return _error(code, "请求无法处理。请刷新页面后再试。")


def create_app(
    folder: WorkFolder,
    *,
    token: str,
    port: int,
    quit: Callable[[], None] = lambda: None,
    jobs: JobQueue | None = None,
    start: bool = True,
) -> Flask:
    """The desk for ``folder``, answering on 127.0.0.1:``port`` to the holder of
    ``token``; ``quit`` stops the server. With ``start``, the steps' start hooks run (a
    first check of returns already in the folder)."""
    app = Flask(__name__, static_folder="static", template_folder="templates")
    app.config.update(
        MAX_CONTENT_LENGTH=MAX_UPLOAD_MB << 20,
        MAX_FORM_MEMORY_SIZE=1 << 20,  # a form field that is not a file
        MAX_FORM_PARTS=MAX_FILES + 20,
        SEND_FILE_MAX_AGE_DEFAULT=0,
        TEMPLATES_AUTO_RELOAD=False,
    )
    app.jinja_env.autoescape = True  # every template, whatever its name
    app.url_map.merge_slashes = False  # "/files//etc/x" is refused, not redirected
    app.jinja_env.filters["shown"] = shown
    app.jinja_env.globals["ie_notice"] = IE_NOTICE_TEXT  # report.html's words, one text
    the_desk = Desk(folder, jobs or JobQueue(), quit)
    app.extensions[EXTENSION] = the_desk
    security.install(app, token, port)
    app.register_blueprint(common)
    all_steps = steps()
    for step in all_steps:
        app.register_blueprint(step.blueprint, url_prefix=f"/{step.key}")
    app.register_error_handler(HTTPException, _http_error)

    @app.context_processor
    def _common() -> dict[str, Any]:
        return {"steps": all_steps, "program_version": __version__, "folder_name": folder.root.name}

    if start:
        for step in all_steps:
            if step.on_start is not None:
                step.on_start(the_desk)
    return app
