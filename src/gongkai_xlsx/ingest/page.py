"""report.html: the batch on one page, for the coordinator who opens it by double-click.

Rendered from the batch's one :class:`~gongkai_xlsx.ingest.report.BatchReport` (and the
totals of the clean returns), the object report.json and the terminal render too, so it
says exactly what they say, in the same status words and the same counts. One self-contained file:
its style and its script are inline, it loads nothing (no network, no font, no module),
and its script is plain ES5, for whatever browser a Chinese office PC has.

What is static HTML (readable without the script, and small whatever the batch): the run,
the counts, the roster comparison, agencies with several returns, files not read, and the
totals in the official layout (:func:`gongkai_xlsx.render.tables_html`). The list of
returns is data: one JSON block (``<script type="application/json">``, with every ``<``,
``>`` and ``&`` escaped so that no text can end the block), from which the script builds
one page of rows at a time and a return's findings when its row is expanded. A batch of
5,000 returns is thus a few hundred DOM rows, not tens of thousands.

Every text of the data (file and agency names, messages) is shown with its control, format
and bidi characters escaped as the terminal shows them (``\\u202e``), and goes into the
page as escaped HTML or as a text node, never as markup.

Everything but the run's own record (time, inputs, jobs: one ``<section id="gk-run">``,
see :func:`without_run`) is the same on every re-run of the same files.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from html import escape
from pathlib import Path
from typing import Any

from gongkai_xlsx import __version__
from gongkai_xlsx.catalogue import STATUS_LABELS, Severity
from gongkai_xlsx.completeness import Listed
from gongkai_xlsx.findings import Finding, FindingGroup, group_repeated
from gongkai_xlsx.ingest.report import (
    STATUSES,
    BatchReport,
    Duplicate,
    ReturnRow,
    RunInfo,
    UnreadableEntry,
)
from gongkai_xlsx.ingest.totals import Group, Totals
from gongkai_xlsx.outputfolder import PAGE_NAME
from gongkai_xlsx.render import TABLES_CSS, tables_html
from gongkai_xlsx.text import escape_invisible
from gongkai_xlsx.walk import PassedOver

__all__ = [
    "IE_NOTICE_CSS",
    "IE_NOTICE_HTML",
    "IE_NOTICE_TEXT",
    "PAGE_NAME",
    "page_bytes",
    "page_chunks",
    "page_data",
    "page_html",
    "shown",
    "without_run",
]

PAGE_SIZE = 100  # returns whose rows are in the DOM at a time
FINDINGS_STEP = 500  # findings of one return built at a time (a hostile file may have many)
PLACE_END = "："  # between a message's place and what it says
LONG_LIST = 20  # a list longer than this starts folded (<details>)
SCRIPT = (Path(__file__).with_name("page.js")).read_text(encoding="utf-8")

RUN_SECTION = re.compile(r'<section id="gk-run".*?</section>', re.DOTALL)


# Shown only where an IE engine opens the page (360's or QQ's 兼容模式, IE itself): shown by
# default and hidden inside @supports, which every engine but IE's knows (Chromium since 28,
# so the old Chromium cores of 360 and QQ hide it too). No script, no conditional comment
# (IE 10 and 11 ignore those): it works under a strict CSP and in every IE version.
IE_NOTICE_TEXT = (
    "您正在用 IE 内核（兼容模式）打开本页，页面可能显示不全、按钮无法使用。"
    "请改用 Edge 或 Chrome 打开；360、QQ 等浏览器请点地址栏右侧的闪电或 e 图标，切换为“极速模式”。"
)
IE_NOTICE_HTML = f'<p class="gk-ie" role="alert">{IE_NOTICE_TEXT}</p>'
IE_NOTICE_CSS = """\
.gk-ie { display: block; margin: 0; padding: 10px 16px; background: #ffebe9; color: #a40e26;
  border-bottom: 2px solid #a40e26; font-size: 16px; font-weight: bold; }
@supports (display: block) { .gk-ie { display: none; } }
"""

FONT_STACK = (
    '"Microsoft YaHei", "微软雅黑", "PingFang SC", "Hiragino Sans GB", "Noto Sans CJK SC", '
    '"Source Han Sans SC", "WenQuanYi Micro Hei", "SimHei", sans-serif'
)

PAGE_CSS = f"""\
html {{ background: #f4f5f7; }}
body {{ margin: 0; font-family: {FONT_STACK}; font-size: 14px; color: #1f2328; line-height: 1.5; }}
main {{ max-width: 1180px; margin: 0 auto; padding: 16px 24px 48px; background: #fff; }}
h1 {{ font-size: 22px; margin: 8px 0 12px; }}
h2 {{ font-size: 18px; margin: 28px 0 10px; padding-bottom: 4px; border-bottom: 2px solid #d0d7de; }}
h3 {{ font-size: 15px; margin: 16px 0 6px; }}
.gk-name {{ unicode-bidi: isolate; overflow-wrap: anywhere; }}
.gk-run dl {{ display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 0; color: #57606a; }}
.gk-run dt {{ font-weight: bold; }}
.gk-run dd {{ margin: 0; }}
.gk-tally {{ list-style: none; padding: 0; margin: 8px 0; display: flex; flex-wrap: wrap; gap: 8px; }}
.gk-tally li {{ padding: 6px 14px; border-radius: 6px; border: 1px solid #d0d7de; }}
.gk-tally strong {{ font-size: 20px; margin: 0 4px; }}
.gk-s-ok .gk-badge, .gk-tally .gk-s-ok {{ background: #dafbe1; color: #116329; }}
.gk-s-warnings .gk-badge, .gk-tally .gk-s-warnings {{ background: #fff8c5; color: #7d4e00; }}
.gk-s-errors .gk-badge, .gk-tally .gk-s-errors {{ background: #ffebe9; color: #a40e26; }}
.gk-s-unreadable .gk-badge, .gk-tally .gk-s-unreadable {{ background: #eaeef2; color: #24292f; }}
.gk-s-superseded .gk-badge, .gk-tally .gk-s-superseded {{ background: #f6f8fa; color: #57606a; }}
tr.gk-s-superseded td {{ color: #57606a; }}
.gk-a-missing, .gk-a-errors, .gk-a-unreadable {{ color: #a40e26; font-weight: bold; }}
.gk-badge {{ display: inline-block; padding: 1px 8px; border-radius: 10px; white-space: nowrap; }}
.gk-toolbar {{ display: flex; flex-wrap: wrap; align-items: center; gap: 8px 18px; margin: 8px 0;
  padding: 8px 12px; background: #f6f8fa; border: 1px solid #d0d7de; border-radius: 6px; }}
.gk-toolbar fieldset {{ border: 0; margin: 0; padding: 0; display: flex; flex-wrap: wrap; gap: 4px 12px; }}
.gk-toolbar legend {{ float: left; margin-right: 8px; font-weight: bold; }}
.gk-toolbar label {{ white-space: nowrap; }}
.gk-toolbar input[type="search"] {{ width: 16em; padding: 3px 6px; font: inherit; }}
button, select {{ font: inherit; padding: 2px 10px; cursor: pointer; }}
.gk-list, .gk-findings, .gk-plain {{ width: 100%; border-collapse: collapse; }}
.gk-list th, .gk-list td, .gk-plain th, .gk-plain td {{ border-bottom: 1px solid #d8dee4; padding: 5px 8px;
  text-align: left; vertical-align: top; }}
.gk-list thead th, .gk-plain thead th {{ background: #f6f8fa; border-bottom: 2px solid #d0d7de; white-space: nowrap; }}
.gk-list .gk-number, .gk-list .gk-count, .gk-list th.gk-count {{ text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }}
.gk-list tr.gk-s-errors .gk-errors, .gk-list tr.gk-s-unreadable .gk-errors {{ color: #a40e26; font-weight: bold; }}
.gk-none {{ color: #8c959f; }}
.gk-detail > td {{ background: #f6f8fa; padding: 6px 8px 10px 40px; }}
.gk-findings {{ background: #fff; border: 1px solid #d0d7de; table-layout: fixed; }}
.gk-findings th:first-child {{ width: 3.5em; }}
.gk-findings th:nth-child(2) {{ width: 34%; }}
.gk-findings th, .gk-findings td {{ border-bottom: 1px solid #eaeef2; padding: 4px 8px; text-align: left;
  vertical-align: top; }}
.gk-findings th {{ background: #eaeef2; white-space: nowrap; }}
.gk-findings .gk-level {{ white-space: nowrap; font-weight: bold; }}
.gk-findings .gk-error .gk-level {{ color: #a40e26; }}
.gk-findings .gk-warning .gk-level {{ color: #7d4e00; }}
.gk-findings td {{ overflow-wrap: anywhere; }}
.gk-more {{ margin-top: 6px; }}
.gk-pager {{ display: flex; align-items: center; gap: 10px; margin: 10px 0; }}
.gk-listbar {{ display: flex; flex-wrap: wrap; align-items: center; gap: 8px; margin: 6px 0; }}
.gk-shown {{ color: #57606a; margin: 0 auto 0 0; }}
.gk-names {{ columns: 18em; column-gap: 2em; margin: 4px 0; padding-left: 2.5em; }}
.gk-note {{ color: #57606a; }}
.gk-empty td {{ color: #57606a; text-align: center; padding: 16px; }}
details > summary {{ cursor: pointer; color: #0969da; }}
.gk-totals .gk-tables {{ max-width: 900px; }}
.gk-totals .gk-group-title {{ font-size: 16px; }}
.gk-noscript {{ padding: 8px 12px; background: #fff8c5; border: 1px solid #d4a72c; }}
{IE_NOTICE_CSS}@media print {{
  html {{ background: none; }}
  main {{ max-width: none; padding: 0; }}
  .gk-toolbar, .gk-pager, .gk-toggle, .gk-more {{ display: none; }}
  .gk-totals {{ break-before: page; page-break-before: always; }}
}}
"""


def shown(text: str | None) -> str:
    """A name or message as the page shows it: every control, format or bidi character
    escaped as the terminal escapes it, so that it cannot reverse or hide the text around
    it (``甲局\\u202e`` reads the same on the page as in the terminal)."""
    return escape_invisible(text) if text else ""


def _text(value: str | None) -> str:
    """A data text as HTML: shown, then escaped."""
    return escape(shown(value))


def script_json(data: Any) -> str:
    """``data`` as JSON that may sit inside a ``<script>`` element: no ``<``, ``>`` or ``&``
    in it (each is a ``\\u`` escape, which JSON.parse reads back), so neither ``</script>``
    nor ``<!--`` can appear, whatever the names."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def without_run(page: bytes | str) -> str:
    """The page as re-runs and golden files compare it: the run's record masked."""
    text = page.decode("utf-8") if isinstance(page, bytes) else page
    return RUN_SECTION.sub('<section id="gk-run">…</section>', text, count=1)


# ------------------------------------------------------------------ the static parts
def _run_section(run: RunInfo) -> str:
    started = run.started.replace("T", " ")
    inputs = "、".join(shown(p) for p in run.inputs) or "—"
    year_text = f"{run.year} 年度" if run.year else "未指定（按各表填写的年度）"
    items = [
        ("运行时间", started or "—"),
        ("读取位置", inputs),
        ("报告年度", year_text),
        ("程序版本", f"gongkai-xlsx {__version__}"),
    ]
    rows = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in items)
    return f'<section id="gk-run" class="gk-run"><dl>{rows}</dl></section>'


def _counts_section(report: BatchReport) -> str:
    c = report.counts
    labels = STATUS_LABELS
    tally = "".join(
        f'<li class="gk-s-{status}" data-status="{status}">{escape(labels[status])}'
        f"<strong>{c.of(status)}</strong>份</li>"
        for status in STATUSES
    )
    line = f"共 {c.returns} 份报表；错误 {c.findings_errors} 项，提示 {c.findings_warnings} 项。"
    if c.superseded:
        line += f"另有 {c.superseded} 份旧版本已被新版本取代，不计入。"
    for undecided in report.undecided:
        line += "错误：" + undecided.message
    if c.skipped_files:
        line += f"另有 {c.skipped_files} 个文件不是电子表格，未读取（见下文）。"
    unreadable = c.unreadable_entries
    if unreadable:
        line += f"有 {unreadable} 个文件夹或文件无法读取，其中的报表没有检查，本批结果不完整（见下文）。"
    back = c.send_back
    if back:
        line += f"需要退回单位修改的报表 {back} 份（状态为“{labels['errors']}”或“{labels['unreadable']}”）。"
    elif not unreadable:
        line += "全部报表都没有错误。"
    return (
        '<section id="gk-counts"><h2>概况</h2>'
        f'<ul class="gk-tally">{tally}</ul><p class="gk-summary">{escape(line)}</p></section>'
    )


def _name_list(names: Iterable[str], css: str = "gk-names") -> str:
    items = [f'<li class="gk-name">{_text(n)}</li>' for n in names]
    listing = f'<ol class="{css}">{"".join(items)}</ol>'
    if len(items) > LONG_LIST:
        return f"<details><summary>展开全部 {len(items)} 个</summary>{listing}</details>"
    return listing


CONTACT_HEADERS = {"contact": "联系人", "phone": "联系电话", "email": "邮箱"}


def _roster_section(report: BatchReport) -> Iterator[str]:
    """The roster's counts (the terminal's words), then every agency of the roster with
    its one status and the files received for it; whom to call only when the roster has
    contact columns (the page is often forwarded). In pieces, an agency a piece: a
    province's roster is not held as one string."""
    roster, match = report.completeness, report.roster
    if roster is None or match is None:
        return
    missing, extra = roster.missing, roster.extra
    contacts = match.contact_columns  # only those the roster has
    head = ["单位", "状态", "收到的文件", *(CONTACT_HEADERS[c] for c in contacts)]
    listing = match.agencies  # as report.agencies lists them, without their rows

    def row(listed: Listed) -> str:
        cells = [
            f'<td class="gk-name">{_text(listed.name)}</td>',
            f'<td class="gk-a-{listed.status}">{escape(listed.label)}</td>',
            "<td>"
            + "<br>".join(f'<span class="gk-name">{_text(f)}</span>' for f in listed.matched)
            + "</td>",
        ]
        cells += [f"<td>{_text(getattr(listed, c) or '')}</td>" for c in contacts]
        return f'<tr data-status="{listed.status}">{"".join(cells)}</tr>'

    header = "".join(f'<th scope="col">{h}</th>' for h in head)
    long = len(listing) > LONG_LIST
    yield '<section id="gk-roster"><h2>名单核对</h2>'
    yield (
        f'<p class="gk-roster-line">名单 <span class="gk-name">{_text(roster.roster)}</span>：'
        f"{escape(roster.lines[0])}。</p>"
    )
    if long:
        yield f"<details><summary>展开全部 {len(listing)} 个单位</summary>"
    yield f'<table class="gk-plain" id="gk-agencies"><thead><tr>{header}</tr></thead><tbody>'
    for start in range(0, len(listing), _ROWS_A_PIECE):
        yield "".join(row(listed) for listed in listing[start : start + _ROWS_A_PIECE])
    yield "</tbody></table>" + ("</details>" if long else "")
    parts = [
        f'<h3 id="gk-missing">未报送的单位（{len(missing)} 个）</h3>',
        _name_list(missing) if missing else '<p class="gk-none">无</p>',
    ]
    if extra:
        parts += [
            f'<h3 id="gk-extra">不在名单中的单位（{len(extra)} 个，另计）</h3>',
            _name_list(extra),
        ]
    if match.unplaced:
        parts += [
            f'<h3 id="gk-unplaced">未填写单位、文件名也不含名单中单位的报表（{len(match.unplaced)} 份）</h3>',
            _name_list(match.unplaced),
        ]
    parts.append(
        '<p class="gk-note">按单位名称核对（全角半角、括号写法和空格不计）；未填写填报单位或'
        "无法读取的文件，按文件名中含有的名单单位核对。报表有错误、无法读取的单位也算已收到。</p></section>"
    )
    yield "".join(parts)


_ROWS_A_PIECE = 200  # roster agencies in one piece of the page


def _returns_section(report: BatchReport) -> str:
    labels = STATUS_LABELS
    counts = report.counts
    boxes = "".join(
        f'<label class="gk-s-{status}"><input type="checkbox" value="{status}" checked> '
        f'<span class="gk-badge">{escape(labels[status])}</span>（{counts.of(status)}）</label>'
        for status in STATUSES
    )
    columns = [
        ("序号", "gk-count"),
        ("单位", ""),
        ("文件", ""),
        ("状态", ""),
        ("错误数", "gk-count"),
        ("提示数", "gk-count"),
        ("检查结果", ""),
    ]
    header = "".join(
        f'<th scope="col" class="{css}">{h}</th>' if css else f'<th scope="col">{h}</th>'
        for h, css in columns
    )
    return (
        '<section id="gk-returns"><h2>各单位报表</h2>'
        '<noscript><p class="gk-noscript">报表清单需要浏览器允许运行本页的脚本才能显示；'
        "同样的结果也在同一文件夹的 report.json 中。</p></noscript>"
        '<div class="gk-toolbar gk-js">'
        f'<fieldset id="gk-statuses"><legend>状态</legend>{boxes}</fieldset>'
        '<label>单位或文件名 <input type="search" id="gk-query" placeholder="输入部分名称筛选"></label>'
        '<button type="button" id="gk-all">显示全部</button>'
        "</div>"
        '<div class="gk-listbar gk-js"><p id="gk-shown" class="gk-shown" aria-live="polite"></p>'
        '<button type="button" id="gk-expand">展开本页全部</button>'
        '<button type="button" id="gk-collapse">收起本页全部</button></div>'
        f'<table class="gk-list gk-js"><thead><tr>{header}</tr></thead>'
        '<tbody id="gk-rows"></tbody></table>'
        '<div class="gk-pager gk-js"><button type="button" id="gk-prev">上一页</button>'
        '<select id="gk-page" aria-label="页码"></select><span id="gk-pages"></span>'
        '<button type="button" id="gk-next">下一页</button></div>'
        "</section>"
    )


def _duplicates_section(duplicates: tuple[Duplicate, ...]) -> str:
    if not duplicates:
        return ""

    def files(names: Iterable[str]) -> str:
        return "<br>".join(f'<span class="gk-name">{_text(n)}</span>' for n in names)

    rows = "".join(
        "<tr>"
        f'<td class="gk-name">{_text(d.agency)}</td>'
        f"<td>{d.year if d.year is not None else '—'}</td>"
        f"<td>{files(d.files)}</td>"
        "</tr>"
        for d in duplicates
    )
    table = (
        '<table class="gk-plain"><thead><tr><th scope="col">单位</th><th scope="col">年度</th>'
        f'<th scope="col">报表文件</th></tr></thead><tbody>{rows}</tbody></table>'
    )
    if len(duplicates) > LONG_LIST:
        table = f"<details><summary>展开全部 {len(duplicates)} 个单位</summary>{table}</details>"
    return _listing_section(
        "gk-duplicates",
        f"报送了多份报表的单位（{len(duplicates)} 个）",
        "同一单位同一年度有多份可以读取的报表；请确认以哪一份为准，移走其余的后重新收集。",
        table,
    )


def _skipped_section(skipped: tuple[str, ...]) -> str:
    if not skipped:
        return ""
    return _listing_section(
        "gk-skipped",
        f"未读取的文件（{len(skipped)} 个）",
        "这些文件不是电子表格，没有读取。",
        _name_list(skipped),
    )


def _unreadable_section(entries: tuple[UnreadableEntry, ...]) -> str:
    """The entries of the input the walk could not enter or read: near the top, as errors."""
    if not entries:
        return ""
    items = "".join(
        f'<li><span class="gk-name">{_text(e.path)}</span>：{_text(e.finding.message)}</li>'
        for e in entries
    )
    return _listing_section(
        "gk-unreadable",
        f"无法读取的文件夹或文件（{len(entries)} 个）",
        "其中的报表没有检查，本批结果不完整；请按说明处理后重新收集。",
        f'<ol class="gk-names">{items}</ol>',
    )


def _passed_over_section(entries: tuple[PassedOver, ...]) -> str:
    if not entries:
        return ""
    names = _name_list(f"{e.display}（{e.reason}）" for e in entries)
    return _listing_section(
        "gk-passed-over",
        f"按规则未查看的文件和文件夹（{len(entries)} 个）",
        "隐藏的文件和文件夹、系统文件夹、Office 锁文件等不是报表，没有查看。",
        names,
    )


def _listing_section(section_id: str, title: str, note: str, body: str) -> str:
    """A section listing files or agencies: its heading, a note on what to do, the list
    (every text here is the page's own, not the returns')."""
    return (
        f'<section id="{section_id}"><h2>{title}</h2><p class="gk-note">{note}</p>{body}</section>'
    )


def _agency_notes(totals: Totals) -> str:
    notes = []
    for agency in totals.left_out:
        files = "、".join(shown(f) for f in agency.files)
        notes.append(
            f"单位“{shown(agency.agency)}”（{agency.year} 年度）有多份不同的报表：{files}，"
            "无法确定以哪一份为准，均未计入合计。请确认后移走其余的，重新收集。"
        )
    for agency in totals.counted_once:
        files = "、".join(shown(f) for f in agency.files)
        notes.append(
            f"单位“{shown(agency.agency)}”（{agency.year} 年度）的同一份报表出现了多次：{files}，只计一次。"
        )
    return "".join(f'<p class="gk-note gk-totals-note">{escape(n)}</p>' for n in notes)


def _group(group: Group, several: bool) -> str:
    prefix = f"gk-sum-{group.form.id}-{group.year}"
    tables = tables_html(
        group.document, group.form, heading_level=4 if several else 3, id_prefix=prefix
    )
    if not several:
        return tables
    return f'<h3 class="gk-group-title">{group.year} 年度（{group.returns} 份报表）</h3>{tables}'


def _totals_section(report: BatchReport, totals: Totals | None) -> str:
    labels = STATUS_LABELS
    if totals is None:  # a page made without the documents: nothing to sum
        return ""
    parts = ['<section id="gk-totals" class="gk-totals"><h2>合计（没有错误的报表）</h2>']
    if not totals.groups:
        parts.append(
            '<p class="gk-note">没有可以合计的报表：没有一份报表通过检查'
            f"（状态为“{labels['ok']}”或“{labels['warnings']}”）。</p>"
        )
    else:
        failed = report.counts.send_back
        repeated = totals.given - totals.returns
        line = (
            f"以下是 {totals.returns} 份报表的合计（状态为“{labels['ok']}”或"
            f"“{labels['warnings']}”的报表），按公开的表格式排列。"
        )
        if failed:
            line += f"有错误或无法读取的 {failed} 份未计入。"
        if repeated:
            line += f"同一单位的多份报表中有 {repeated} 份未计入，见下。"
        line += "空白表示每份报表都没有填写该项；合计行按各项重新计算。"
        parts.append(f'<p class="gk-note">{escape(line)}</p>')
        parts.append(_agency_notes(totals))
        several = len(totals.groups) > 1
        if several:
            parts.append('<p class="gk-note">本批报表不止一个年度，按年度分别合计。</p>')
        parts += [_group(g, several) for g in totals.groups]
    parts.append("</section>")
    return "".join(parts)


# ------------------------------------------------------------------ the data
def _finding(f: Finding) -> list[str]:
    """[severity, place, message]; the message without the place it starts with (most
    messages do: ``依申请公开!D30（…）：…``), which the page shows in its own column."""
    place = shown(f.where)
    message = shown(f.message)
    if place and message.startswith(place + PLACE_END):
        message = message[len(place) + len(PLACE_END) :]
    return [f.severity.value, place, message]


def _findings(findings: tuple[Finding, ...]) -> list[list[str]]:
    """A return's findings as the terminal lists them: a hint repeated on more than five
    cells is one line naming the ranges (:func:`group_repeated`), in the same words."""
    return [
        [item.severity.value, shown(item.where), shown(item.summary)]
        if isinstance(item, FindingGroup)
        else _finding(item)
        for item in group_repeated(findings)
    ]


NOTE = "note"  # a line of a row's details that is not a finding (a superseded version's)


def _row(report: BatchReport, r: ReturnRow) -> list[Any]:
    """One return as the page's script reads it. An older version's findings count no
    more: its details say which file replaced it."""
    agency = shown(report.agency_shown(r))
    if r.superseded_by is not None:
        replaced = f"已被新版本取代：以 {shown(r.superseded_by)} 为准，此文件不计入、不退回。"
        return [shown(r.file), agency, r.status, "—", "—", [[NOTE, "", replaced]]]
    return [
        shown(r.file),
        agency,
        r.status,
        len(r.errors),
        len(r.warnings),
        _findings(r.findings),
    ]


def page_data(report: BatchReport) -> dict[str, Any]:
    """What the page's script reads: the returns as compact rows (see page.js)."""
    return {**_page_meta(), "returns": [_row(report, r) for r in report.returns]}


def _page_meta() -> dict[str, Any]:
    """What the page's script reads besides the rows (which come last)."""
    return {
        "labels": dict(STATUS_LABELS),
        "levels": {**{s.value: s.chinese for s in Severity}, NOTE: "说明"},
        "page_size": PAGE_SIZE,
        "findings_step": FINDINGS_STEP,
    }


def _data_chunks(report: BatchReport) -> Iterator[str]:
    """:func:`script_json` of :func:`page_data`, a row at a time (the rows are its last
    item: the same text, never all of it in memory)."""
    head = script_json({**_page_meta(), "returns": []})
    assert head.endswith('"returns":[]}')
    yield head[: -len("]}")]
    for i, r in enumerate(report.returns):
        yield ("," if i else "") + script_json(_row(report, r))
    yield "]}"


def page_html(report: BatchReport, totals: Totals | None = None) -> str:
    """The whole page for ``report`` and the clean returns' totals (without ``totals``,
    the page has no totals section)."""
    return "".join(page_chunks(report, totals))


def page_chunks(report: BatchReport, totals: Totals | None = None) -> Iterator[str]:
    """The page of :func:`page_html` in pieces, its list of returns a row at a time, to
    write it without holding all of it."""
    title = f"报表收集结果（共 {report.counts.returns} 份）"
    before = "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="zh-CN" dir="ltr">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta http-equiv="X-UA-Compatible" content="IE=edge">',
            '<meta name="renderer" content="webkit">',  # 360 and QQ browsers: not the IE core
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{escape(title)}</title>",
            f"<style>\n{PAGE_CSS}{TABLES_CSS}</style>",
            "<noscript><style>.gk-js { display: none; }</style></noscript>",
            "</head>",
            "<body>",
            IE_NOTICE_HTML,
            "<main>",
            "<h1>政府信息公开工作年度报告 · 报表收集结果</h1>",
            _run_section(report.run),
            _counts_section(report),
            _unreadable_section(report.unreadable),
        ]
    )
    yield before + "\n"
    yield from _roster_section(report)  # an agency at a time: a province's roster is long
    after = "\n".join(
        [
            "",
            _returns_section(report),
            _duplicates_section(report.duplicates),
            _skipped_section(report.skipped),
            _passed_over_section(report.passed_over),
            _totals_section(report, totals),
            "</main>",
            '<script type="application/json" id="gk-data">',
        ]
    )
    yield after
    yield from _data_chunks(report)
    yield "\n".join(["</script>", f"<script>\n{SCRIPT}</script>", "</body>", "</html>", ""])


def page_bytes(report: BatchReport, totals: Totals | None = None) -> bytes:
    return page_html(report, totals).encode("utf-8")
