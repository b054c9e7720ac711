"""One render as a person asks for it on the command line: which format, which file, which text.

The command stays a thin face: it hands the paths and options here and writes the bytes it
gets back. Every mistake a person can make (an unknown format, an extension that does not
match, a text file in another encoding, a date that does not exist, a JSON that is not a
canonical document) is a :class:`RenderError` with a Chinese message naming the file.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from gongkai_xlsx.documents import DocumentError, read
from gongkai_xlsx.errors import UsageError
from gongkai_xlsx.render.html import html_page
from gongkai_xlsx.render.report_text import parse_report_text
from gongkai_xlsx.render.text_file import read_report_text
from gongkai_xlsx.render.values import report_title

FORMATS = ("html", "docx")
SUFFIXES = {".html": "html", ".htm": "html", ".docx": "docx"}
NO_PDF = (
    "本工具不生成 PDF。请生成 Word 报告（.docx），在 Word 或 WPS 中打开，核对后“另存为”PDF。"
    "可生成的格式：.docx（完整的年度报告）和 .html（三张表格）。"
)
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_CHINESE_DATE = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$")


class RenderError(UsageError):
    """A render that cannot be done as asked (message in Chinese, says what to do)."""


@dataclass
class Rendered:
    """What to write (``data`` to ``path``), the report's title, and notes for the person."""

    path: Path
    format: str
    data: bytes
    title: str
    notes: list[str] = field(default_factory=list)


def output_for(document: Path, to: str | None, output: Path | None) -> tuple[str, Path]:
    """The format and output path: ``--to``, else the output's extension, else html; the
    output defaults to the document's path with the format's extension (in the folder
    ``output`` names, when it is one)."""
    if to is not None and to.lower() == "pdf":
        raise RenderError(f"--to {to}：{NO_PDF}")
    if output is not None and output.suffix.lower() == ".pdf":
        raise RenderError(f"{output}：{NO_PDF}")
    if to is not None and to.lower() not in FORMATS:
        raise RenderError(f"--to “{to}”无效：只能是 html 或 docx。")
    if output is not None and output.is_dir():  # an existing folder: the default name in it
        fmt, default = output_for(document, to, None)
        return fmt, output / default.name
    if to is not None:
        fmt = to.lower()
    elif output is not None:
        fmt = SUFFIXES.get(output.suffix.lower(), "html")
    else:
        fmt = "html"
    if output is None:
        return fmt, document.with_suffix(f".{fmt}")
    if SUFFIXES.get(output.suffix.lower()) != fmt:
        raise RenderError(
            f"{output}：{fmt} 文件的扩展名应为 .{fmt}"
            "（可生成的格式：.docx 完整的年度报告，.html 三张表格）。"
        )
    return fmt, output


def parse_date(text: str) -> dt.date:
    """2025-01-06 or 2025年1月6日."""
    match = _ISO_DATE.match(text.strip()) or _CHINESE_DATE.match(text.strip())
    if match:
        try:
            return dt.date(*(int(g) for g in match.groups()))
        except ValueError:
            pass
    raise RenderError(f"--date “{text}”不是有效的日期，请写成 2025-01-06 或 2025年1月6日。")


def _instead_of_report(report: Path) -> str:
    """Which files to render instead of ingest's report.json: the documents beside it
    (by their names, as ingest writes them), and the summary ``aggregate`` makes."""
    try:
        names = sorted(
            p.name for p in report.parent.glob("*_*.json") if p.name != report.name and p.is_file()
        )
    except OSError:
        names = []
    said = f"例如 {report.parent / names[0]}（该文件夹中共 {len(names)} 个）。" if names else ""
    return (
        f"{said}要发布全部单位的汇总，先用 gongkai-xlsx aggregate 生成汇总 JSON"
        "（如 某县_2024_汇总.json），再用 render 生成它的报告。"
    )


def render_file(
    document: Path,
    to: str | None = None,
    output: Path | None = None,
    text: Path | None = None,
    date: str | None = None,
    force: bool = False,
) -> Rendered:
    """Read ``document`` and render it as asked; nothing is written here. An existing
    output is refused unless ``force``: a .docx may hold the publisher's own edits."""
    fmt, path = output_for(document, to, output)
    if fmt == "html" and (text is not None or date is not None):
        raise RenderError("--text 和 --date 只用于 Word 报告（--to docx）；HTML 只含三张表格。")
    day = parse_date(date) if date is not None else dt.date.today()
    try:  # what is wrong with the document comes first: an output beside it may well exist
        loaded = read(document)
    except DocumentError as exc:
        if exc.kind == "report":
            raise RenderError(f"{exc}{_instead_of_report(document)}") from None
        raise RenderError(str(exc)) from None
    if path.is_dir():
        raise RenderError(f"{path}：这是文件夹，请给出输出文件名。")
    if path.exists() and not force:
        raise RenderError(f"{path}：文件已存在。如需覆盖，请加 --force。")
    form, doc = loaded.form, loaded.to_json()
    title = report_title(form, doc)
    if fmt == "html":
        return Rendered(path, fmt, html_page(doc, form).encode("utf-8"), title)
    notes: list[str] = []
    parts = None
    if text is not None:
        parts = parse_report_text(read_report_text(text), form, title, str(doc["agency"]))
        if parts.title_dropped is not None:
            notes.append(
                f"{text} 开头的标题“{parts.title_dropped}”与报告标题相同，已略去"
                "（标题按数据生成）。"
            )
        if parts.title_kept is not None:
            notes.append(
                f"{text} 开头的“{parts.title_kept}”与报告标题“{title}”不同，已作为正文保留；"
                "如不需要，请从正文中删去，或核对单位名称和年度。"
            )
        for ignored in parts.ignored:
            notes.append(f"{text} 中“{ignored}”下的文字未使用：表格按数据生成。")
        for part in form.report.parts:
            if part.table is None and not parts.parts.get(part.title):
                notes.append(f"{text} 中没有“{part.title}”的内容，已留出占位文字。")
    from gongkai_xlsx.render.docx import docx_bytes  # python-docx only for a Word report

    return Rendered(path, fmt, docx_bytes(doc, form, parts, day), title, notes)
