"""The three tables as HTML: merged boxes as rowspan/colspan, self-contained, printable on A4.

Two entry points: :func:`tables_html` gives the tables alone (a fragment another page, such
as a batch's report.html, embeds together with :data:`TABLES_CSS`), :func:`html_page` a whole
page for one document. Nothing is fetched from anywhere: no script, no web font, no image; the
font stack asks for 宋体 first, as the tables are printed in China, then other CJK serifs.
"""

from __future__ import annotations

from html import escape
from typing import Any

from gongkai_xlsx.definition.model import Form
from gongkai_xlsx.render.grid import Grid, GridCell, table_grids
from gongkai_xlsx.render.values import cell_text, completeness_lines, member_count, report_title

FONT_STACK = (
    '"SimSun", "宋体", "NSimSun", "Songti SC", "STSong", "Noto Serif CJK SC", '
    '"Source Han Serif SC", "Noto Serif SC", "Source Han Serif", serif'
)

# Scoped to .gk-tables, so that a page embedding the fragment keeps its own styles.
TABLES_CSS = f"""\
.gk-tables {{ font-family: {FONT_STACK}; font-size: 10.5pt; color: #000; }}
.gk-tables .gk-table {{ margin: 0 0 1.5em; }}
.gk-tables .gk-table-title {{ font-size: 1.15em; font-weight: normal; margin: 1.2em 0 0.6em 2em; }}
.gk-tables table {{ width: 100%; border-collapse: collapse; table-layout: fixed; }}
.gk-tables th, .gk-tables td {{
  border: 1px solid #000; padding: 0.15em 0.3em; line-height: 1.4;
  vertical-align: middle; font-weight: normal; overflow-wrap: anywhere;
}}
.gk-tables th {{ text-align: center; }}
.gk-tables th.gk-block, .gk-tables th.gk-row {{ text-align: left; }}
.gk-tables td {{ text-align: center; white-space: nowrap; height: 1.6em; }}
.gk-tables thead {{ display: table-header-group; }}
.gk-tables tr {{ break-inside: avoid; page-break-inside: avoid; }}
/* printed: a table that fits on a page starts on a new one rather than splitting; a longer
   one still breaks between rows, repeating its header (thead) */
.gk-tables .gk-table {{ break-inside: avoid; page-break-inside: avoid; }}
.gk-tables .gk-table-title {{ break-after: avoid; page-break-after: avoid; }}
"""

PAGE_CSS = f"""\
@page {{ size: A4 portrait; margin: 15mm 18mm; }}
html {{ background: #f3f3f3; }}
body {{ margin: 0; font-family: {FONT_STACK}; color: #000; }}
main {{ max-width: 174mm; margin: 1.5em auto; padding: 12mm 14mm; background: #fff; }}
h1 {{ font-size: 16pt; font-weight: bold; text-align: center; margin: 0 0 1em; line-height: 1.5; }}
.gk-members {{ text-align: center; margin: -0.5em 0 1em; }}
.gk-source {{ margin-top: 2em; font-size: 9pt; color: #555; }}
@media print {{
  html {{ background: none; }}
  main {{ max-width: none; margin: 0; padding: 0; }}
  .gk-source {{ display: none; }}
}}
"""


def _attrs(cell: GridCell) -> str:
    spans = ""
    if cell.rowspan > 1:
        spans += f' rowspan="{cell.rowspan}"'
    if cell.colspan > 1:
        spans += f' colspan="{cell.colspan}"'
    return spans


def _box(cell: GridCell, document: dict[str, Any]) -> str:
    spans = _attrs(cell)
    if cell.role == "value":
        assert cell.cell is not None
        text = escape(cell_text(document, cell.cell))
        return f'<td{spans} data-cell="{escape(cell.cell.id)}">{text}</td>'
    text = escape(cell.text)
    if cell.role == "block_title":
        return f'<th{spans} scope="colgroup" class="gk-block">{text}</th>'
    if cell.role == "corner":
        return f'<th{spans} class="gk-corner">{text}</th>'
    if cell.role == "header":
        scope = "col" if cell.colspan == 1 else "colgroup"
        return f'<th{spans} scope="{scope}">{text}</th>'
    if cell.role == "group_label":
        return f'<th{spans} scope="rowgroup" class="gk-group">{text}</th>'
    return f'<th{spans} scope="row" class="gk-row">{text}</th>'


def _table(grid: Grid, document: dict[str, Any], heading_level: int, id_prefix: str) -> str:
    key = grid.table.key
    title_id = f"{id_prefix}-{key}"
    total = sum(grid.column_widths)
    cols = "".join(f'<col style="width:{w / total * 100:.2f}%">' for w in grid.column_widths)
    lines = [
        f'<section class="gk-table gk-table-{key}" aria-labelledby="{title_id}">',
        f'<h{heading_level} class="gk-table-title" id="{title_id}">'
        f"{escape(grid.table.title)}</h{heading_level}>",
        f"<table>\n<colgroup>{cols}</colgroup>",
    ]
    rows = grid.rows()
    if grid.header_rows:
        lines.append("<thead>")
    for index, row in enumerate(rows):
        if index == grid.header_rows:
            lines.append("</thead>\n<tbody>" if grid.header_rows else "<tbody>")
        lines.append("<tr>" + "".join(_box(cell, document) for cell in row) + "</tr>")
    lines += ["</tbody>", "</table>", "</section>"]
    return "\n".join(lines)


def tables_html(
    document: dict[str, Any], form: Form, *, heading_level: int = 2, id_prefix: str = "gk"
) -> str:
    """The three tables of ``document`` as one HTML fragment (``<div class="gk-tables">``).

    Style it with :data:`TABLES_CSS` (every rule is scoped to ``.gk-tables``). Each table is
    a ``<section>`` under an ``<h{heading_level}>`` with its official title; ids start with
    ``id_prefix`` so that a page can embed several fragments. Every value cell carries its
    cell identifier as ``data-cell``. Only ``document["tables"]`` is read, so a page may pass
    any dict of that shape (the sums of a batch, say) without agency or year.
    """
    tables = [_table(g, document, heading_level, id_prefix) for g in table_grids(form)]
    return '<div class="gk-tables">\n' + "\n".join(tables) + "\n</div>\n"


def html_page(document: dict[str, Any], form: Form) -> str:
    """A whole, self-contained page: the report's title and its three tables."""
    title = escape(report_title(form, document))
    members = member_count(document)
    source = document.get("source") or {}
    lines = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{title}</title>",
        f"<style>\n{PAGE_CSS}{TABLES_CSS}</style>",
        "</head>",
        "<body>",
        "<main>",
        f"<h1>{title}</h1>",
    ]
    if members is not None:
        lines.append(f'<p class="gk-members">（汇总 {members} 个单位的报表）</p>')
    lines.append(tables_html(document, form).rstrip("\n"))
    complete = completeness_lines(document)
    if complete:
        items = "".join(f"<li>{escape(line)}</li>" for line in complete[1:])
        lines.append(
            '<section class="gk-completeness"><h2>报送情况</h2>'
            f"<p>{escape(complete[0])}</p><ul>{items}</ul></section>"
        )
    if source.get("file"):
        lines.append(f'<p class="gk-source">数据来源：{escape(str(source["file"]))}</p>')
    lines += ["</main>", "</body>", "</html>", ""]
    return "\n".join(lines)
