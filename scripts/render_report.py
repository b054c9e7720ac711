"""Render a canonical document the way it is published, to look at: docx → PDF → PNG pages.

    python scripts/render_report.py [DOC.json] [--text 正文.md] [--date 2025-01-06]
                                    [--out build/render-report] [--dpi 80]

Why: whether the Word report's tables look like the published ones (published-layout.png in
the format notes: table B's three-column label area, 三、本年度办理结果 down the left, table C's
three header rows, column widths, no table split after a few rows) can only be judged by
looking at pages. LibreOffice prints the .docx (the test harness's ``convert``, the same
private-profile soffice run the tests use) and ``pdftoppm`` (poppler-utils) rasterises each
page. When Chromium is installed, the HTML tables are printed to PDF and PNG as well. The
document defaults to the seed agency's (samples/expected/). Prints the PNG paths, one a line.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from libreoffice import harness  # noqa: E402

from gongkai_xlsx.documents import DocumentError, read  # noqa: E402
from gongkai_xlsx.render import (  # noqa: E402
    docx_bytes,
    html_page,
    parse_report_text,
    report_title,
)
from gongkai_xlsx.render.text_file import read_report_text  # noqa: E402

SEED = ROOT / "samples" / "expected" / "互助县城市管理综合行政执法局_2024.json"
DEFAULT_OUT = ROOT / "build" / "render-report"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line, with help in the language of the people who read the pages."""
    parser = argparse.ArgumentParser(
        description="把规范 JSON 生成 Word 年度报告，用 LibreOffice 转为 PDF，再逐页转为 PNG 图片，"
        "用于检查发布版式；装有 Chromium 时也把 HTML 表格转为 PDF 和 PNG。",
    )
    parser.add_argument(
        "document", nargs="?", type=Path, default=SEED, help="规范 JSON 文件（默认为样例单位的）"
    )
    parser.add_argument(
        "--text", type=Path, default=None, help="报告正文（Word 文档 .docx、文本或 Markdown）"
    )
    parser.add_argument("--date", default=None, help="落款日期，如 2025-01-06（默认今天）")
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help=f"输出文件夹（默认 {DEFAULT_OUT.relative_to(ROOT)}/）",
    )
    parser.add_argument("--dpi", type=int, default=80, help="PNG 分辨率，每英寸点数（默认 80）")
    return parser.parse_args(argv)


def page_number(png: Path) -> int:
    """pdftoppm names pages ``stem-1.png`` or, from 10 pages on, ``stem-01.png``."""
    match = re.search(r"-(\d+)\.png$", png.name)
    return int(match.group(1)) if match else 0


def rasterise(pdf: Path, stem: str, dpi: int) -> list[Path]:
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        raise RuntimeError("找不到 pdftoppm：请安装 poppler-utils（apt-get install poppler-utils）")
    for old in pdf.parent.glob(f"{stem}-*.png"):  # a longer earlier render leaves extra pages
        old.unlink()
    subprocess.run(
        [pdftoppm, "-png", "-r", str(dpi), str(pdf), str(pdf.parent / stem)],
        check=True,
        capture_output=True,
        text=True,
    )
    return sorted(pdf.parent.glob(f"{stem}-*.png"), key=page_number)


def print_html(html: Path, pdf: Path) -> bool:
    """Print ``html`` to ``pdf`` with headless Chromium, if there is one."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        return False
    with tempfile.TemporaryDirectory(prefix="gk-chromium-") as profile:
        subprocess.run(
            [
                chromium,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                f"--user-data-dir={profile}",
                "--no-pdf-header-footer",
                f"--print-to-pdf={pdf}",
                html.as_uri(),
            ],
            check=True,
            capture_output=True,
            text=True,
            timeout=180,
        )
    return True


def render(
    document: Path, text: Path | None, date: dt.date | None, out: Path, dpi: int
) -> list[Path]:
    """Write the .docx and .html, print both to PDF, rasterise every page."""
    loaded = read(document)
    form, doc = loaded.form, loaded.to_json()
    parts = None
    if text is not None:
        title = report_title(form, doc)
        parts = parse_report_text(read_report_text(text), form, title, doc["agency"])
    out.mkdir(parents=True, exist_ok=True)
    stem = document.stem
    docx = out / f"{stem}.docx"
    docx.write_bytes(docx_bytes(doc, form, parts, date))
    pages = rasterise(harness.convert(docx, out, fmt="pdf"), stem, dpi)
    html = out / f"{stem}.html"
    html.write_text(html_page(doc, form), encoding="utf-8")
    html_pdf = out / f"{stem}.html.pdf"
    if print_html(html, html_pdf):
        pages += rasterise(html_pdf, f"{stem}.html", dpi)
    return pages


def main(argv: list[str] | None = None) -> int:
    """Render and print the PNG paths; explain a missing tool or a bad document in one line."""
    args = parse_args(argv)
    try:
        date = dt.date.fromisoformat(args.date) if args.date else None
        pages = render(args.document, args.text, date, args.out.resolve(), args.dpi)
    except (RuntimeError, DocumentError, ValueError, OSError) as exc:
        print(f"渲染失败：{exc}", file=sys.stderr)
        return 1
    except subprocess.CalledProcessError as exc:
        print(f"渲染失败：{exc.stderr}", file=sys.stderr)
        return 1
    for page in pages:
        print(page)
    return 0


if __name__ == "__main__":
    sys.exit(main())
