"""The report as published: the three tables (HTML) and the whole report (Word).

Everything is drawn from one grid per table (:mod:`gongkai_xlsx.render.grid`), itself read
off the form's layout, so the published tables have exactly the template's labels and spans.

- :func:`tables_html` — the tables alone, an HTML fragment (style it with :data:`TABLES_CSS`);
- :func:`html_page` — a whole self-contained page;
- :func:`docx_bytes` / :func:`build_docx` — the six-part report as a .docx;
- :func:`parse_report_text` — the publisher's text parts from a text or Markdown file.
"""

from typing import TYPE_CHECKING, Any

from gongkai_xlsx.render.grid import Grid, GridCell, grid_of, table_grids
from gongkai_xlsx.render.html import TABLES_CSS, html_page, tables_html
from gongkai_xlsx.render.report_text import Paragraph, ReportText, parse_report_text
from gongkai_xlsx.render.values import format_number, is_summary, report_title

if TYPE_CHECKING:
    from gongkai_xlsx.render.docx import build_docx, chinese_date, docx_bytes

_DOCX = ("build_docx", "chinese_date", "docx_bytes")


def __getattr__(name: str) -> Any:
    """The Word report's names load python-docx (~50 ms) only when asked for: the HTML
    tables (``render -o .html``, report.html) do without it."""
    if name in _DOCX:
        from gongkai_xlsx.render import docx

        return getattr(docx, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "TABLES_CSS",
    "Grid",
    "GridCell",
    "Paragraph",
    "ReportText",
    "build_docx",
    "chinese_date",
    "docx_bytes",
    "format_number",
    "grid_of",
    "html_page",
    "is_summary",
    "parse_report_text",
    "report_title",
    "table_grids",
    "tables_html",
]
