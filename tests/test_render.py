"""`render`: the three tables as published (HTML), the whole report (Word), and LibreOffice
printing that report.

The expected geometry is written out below from the official format (国办公开办函〔2021〕30号,
shared/format/README.md and published-layout.png), not taken from the grid code, and every
output (grid, HTML, docx) is held against it; labels are held against the definition's
outlines, values against the document.
"""

from __future__ import annotations

import copy
import datetime as dt
import difflib
import io
import json
import os
import shutil
import subprocess
import zipfile
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import docx
import lxml.html
import pytest
from conftest import SEED_AGENCY, run
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from libreoffice import harness

from gongkai_xlsx.completeness import AgencyLine, Completeness
from gongkai_xlsx.definition import Form, Node
from gongkai_xlsx.definition.model import CellDef
from gongkai_xlsx.render import format_number, html_page, table_grids, tables_html
from gongkai_xlsx.render.docx import docx_bytes
from gongkai_xlsx.render.report_text import parse_report_text
from gongkai_xlsx.render.text_file import format_counter, read_report_text

ROOT = Path(__file__).resolve().parents[1]
EXPECTED = ROOT / "samples" / "expected"
SEED_JSON = EXPECTED / f"{SEED_AGENCY}_2024.json"
GOLDEN_HTML = ROOT / "tests" / "golden" / f"{SEED_AGENCY}_2024.html"
SEED_TITLE = f"{SEED_AGENCY}2024年度政府信息公开工作年度报告"

PARTS = [
    "一、总体情况",
    "二、主动公开政府信息情况",
    "三、收到和处理政府信息公开申请情况",
    "四、政府信息公开行政复议、行政诉讼情况",
    "五、存在的主要问题及改进情况",
    "六、其他需要报告的事项",
]

# (rowspan, colspan) of the boxes whose label is unique in their table, as published.
SPANS = {
    "a": {
        "第二十条第（一）项": (1, 4),
        "本年制发件数": (1, 1),
        "第二十条第（八）项": (1, 4),
        "本年收费金额（单位：万元）": (1, 3),
        "规章": (1, 1),
        "行政事业性收费": (1, 1),
    },
    "b": {
        "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）": (3, 3),
        "申请人情况": (1, 7),
        "自然人": (2, 1),
        "法人或其他组织": (1, 5),
        "商业企业": (1, 1),
        "总计": (2, 1),
        "一、本年新收政府信息公开申请数量": (1, 3),
        "二、上年结转政府信息公开申请数量": (1, 3),
        "三、本年度办理结果": (22, 1),
        "（一）予以公开": (1, 2),
        "（二）部分公开（区分处理的，只计这一情形，不计其他情形）": (1, 2),
        "（三）不予公开": (8, 1),
        "1.属于国家秘密": (1, 1),
        "（四）无法提供": (3, 1),
        "（五）不予处理": (5, 1),
        "（六）其他处理": (3, 1),
        "（七）总计": (1, 2),
        "四、结转下年度继续办理": (1, 3),
    },
    "c": {
        "行政复议": (1, 5),
        "行政诉讼": (1, 10),
        "未经复议直接起诉": (1, 5),
        "复议后起诉": (1, 5),
    },
}
# What `render` says when asked for a PDF (issue 14, item 4): no PDF, how to get one, and
# the outputs it makes.
NO_PDF = (
    "本工具不生成 PDF。请生成 Word 报告（.docx），在 Word 或 WPS 中打开，核对后“另存为”PDF。"
    "可生成的格式：.docx（完整的年度报告）和 .html（三张表格）。"
)
OUTPUTS = "（可生成的格式：.docx 完整的年度报告，.html 三张表格）。"

# Table C's five labels: under 行政复议 each spans header rows 2-3, under each 行政诉讼
# group they sit in row 3 alone.
C_LABELS = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
HEIGHTS = {"a": 14, "b": 28, "c": 4}  # rows of each table, headers included
WIDTHS = {"a": 4, "b": 10, "c": 15}


def value_at(document: dict[str, Any], cell: CellDef) -> Any:
    """The value of ``cell`` in a document's JSON (``tables`` → row → column)."""
    node: Any = document["tables"][cell.table]
    for key in cell.path:
        node = node[key]
    return node


@pytest.fixture(scope="module")
def seed() -> dict[str, Any]:
    return json.loads(SEED_JSON.read_text(encoding="utf-8"))


def _outline_labels(nodes: tuple[Node, ...]) -> list[str]:
    out: list[str] = []
    for node in nodes:
        if node.label:
            out.append(node.label)
        out += _outline_labels(node.children)
    return out


def definition_labels(form: Form, key: str) -> Counter[str]:
    """Every fixed text of one table, straight from the definition's outlines."""
    labels: list[str] = []
    for block in form.table(key).blocks:
        labels += [t for t in (block.title, block.corner) if t]
        labels += _outline_labels(block.columns) + _outline_labels(block.rows)
    return Counter(labels)


def expected_text(document: dict[str, Any], form: Form, cell_id: str) -> str:
    """What the published table shows: blank for null, the number as the JSON writes it."""
    value = value_at(document, form.cell(cell_id))
    return "" if value is None else str(value)


Box = tuple[int, int, int, int, str]  # row, col, rowspan, colspan, text


def check_spans(boxes: list[Box], key: str) -> None:
    """The boxes of table ``key`` have the published spans and tile the table once."""
    spans = {text: (rs, cs) for _, _, rs, cs, text in boxes if text}
    assert {t: spans[t] for t in SPANS[key]} == SPANS[key]
    covered = Counter(
        (r + i, c + j) for r, c, rs, cs, _ in boxes for i in range(rs) for j in range(cs)
    )
    cells = {(r, c) for r in range(HEIGHTS[key]) for c in range(WIDTHS[key])}
    assert set(covered) == cells and set(covered.values()) == {1}
    if key == "c":
        labels = sorted((r, c, rs, cs, t) for r, c, rs, cs, t in boxes if t in C_LABELS)
        assert labels == [(1, c, 2, 1, C_LABELS[c]) for c in range(5)] + [
            (2, c, 1, 1, C_LABELS[(c - 5) % 5]) for c in range(5, 15)
        ]


# ----------------------------------------------------------------------------------- grid
def test_grids_have_the_published_geometry(form: Form) -> None:
    grids = table_grids(form)
    assert [g.table.key for g in grids] == ["a", "b", "c"]
    for grid in grids:
        key = grid.table.key
        boxes = [(c.row, c.col, c.rowspan, c.colspan, c.text) for c in grid.cells]
        check_spans(boxes, key)
        assert Counter(c.text for c in grid.cells if c.role != "value") == definition_labels(
            form, key
        )
        assert sorted(c.cell.id for c in grid.value_cells() if c.cell) == sorted(
            c.id for c in form.cells_of(key)
        )
    assert [g.header_rows for g in grids] == [0, 3, 3]  # table A: one header per block
    b = grids[1]
    assert b.label_width == 3
    # the innermost label column is the widest, every data column the same
    assert b.column_widths[2] > b.column_widths[0] and len(set(b.column_widths[3:])) == 1


# ----------------------------------------------------------------------------------- values
@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        (0, "0"),
        (44, "44"),
        (12345678, "12345678"),
        (250.83, "250.83"),
        (0.0001, "0.0001"),
        (999999999.9999, "999999999.9999"),
        (250.0, "250"),
        (0.0, "0"),
        (Decimal("250.8300"), "250.83"),
        (Decimal("0.1") + Decimal("0.2"), "0.3"),
        (Decimal("1E+3"), "1000"),
    ],
)
def test_numbers_are_written_as_published(value: Any, text: str) -> None:
    assert format_number(value) == text


@pytest.mark.parametrize("value", [True, "12", float("nan"), [1]])
def test_a_value_that_is_not_a_number_is_refused(value: Any) -> None:
    with pytest.raises(TypeError):
        format_number(value)


# ----------------------------------------------------------------------------------- HTML
def html_boxes(table: Any) -> list[Box]:
    """The boxes of an HTML table, placed by the HTML table algorithm (rowspan/colspan)."""
    taken: set[tuple[int, int]] = set()
    boxes: list[Box] = []
    for r, tr in enumerate(table.iter("tr")):
        c = 0
        for cell in tr:
            while (r, c) in taken:
                c += 1
            rs, cs = int(cell.get("rowspan", 1)), int(cell.get("colspan", 1))
            taken |= {(r + i, c + j) for i in range(rs) for j in range(cs)}
            boxes.append((r, c, rs, cs, cell.text_content() if cell.tag == "th" else ""))
            c += cs
    return boxes


def test_seed_html_matches_the_golden_file(form: Form, seed: dict[str, Any]) -> None:
    page = html_page(seed, form)
    if os.environ.get("GONGKAI_UPDATE_GOLDEN"):
        GOLDEN_HTML.write_text(page, encoding="utf-8", newline="\n")
    golden = GOLDEN_HTML.read_text(encoding="utf-8")
    if page != golden:
        diff = "".join(
            difflib.unified_diff(
                golden.splitlines(keepends=True),
                page.splitlines(keepends=True),
                str(GOLDEN_HTML.name),
                "rendered",
            )
        )
        pytest.fail(
            f"HTML differs from the golden file (GONGKAI_UPDATE_GOLDEN=1 rewrites it):\n{diff}"
        )


def test_seed_html_has_every_label_and_value(form: Form, seed: dict[str, Any]) -> None:
    page = lxml.html.document_fromstring(html_page(seed, form))
    assert page.get("lang") == "zh-CN"
    assert page.findtext(".//title") == SEED_TITLE
    assert page.find(".//h1").text_content() == SEED_TITLE
    sections = page.find_class("gk-table")
    assert [s.find("h2").text_content() for s in sections] == PARTS[1:4]
    shown: dict[str, str] = {}
    for section, key in zip(sections, "abc", strict=True):
        table = section.find(".//table")
        check_spans(html_boxes(table), key)
        assert Counter(th.text_content() for th in table.iter("th")) == definition_labels(form, key)
        header_rows = table.find("thead")
        assert (len(header_rows) if header_rows is not None else 0) == (0 if key == "a" else 3)
        for td in table.iter("td"):
            shown[td.get("data-cell")] = td.text_content()
    assert shown == {c.id: expected_text(seed, form, c.id) for c in form.cells}
    assert (shown["a.licensing.decisions"], shown["a.penalty.decisions"]) == ("44", "31")
    assert shown["a.fees.amount"] == "250.83"
    assert shown["b.received.total"] == "" and shown["c.review.total"] == ""


def test_html_is_self_contained_printable_and_songti_first(
    form: Form, seed: dict[str, Any]
) -> None:
    page = html_page(seed, form)
    for outside in ("http:", "https:", "//", "<script", "<link", "@import", "url(", "src="):
        assert outside not in page.replace("<!DOCTYPE html>", ""), outside
    assert "@page { size: A4 portrait;" in page
    assert 'font-family: "SimSun", "宋体",' in page
    assert "Noto Serif CJK SC" in page  # a CJK fallback where there is no 宋体


def test_zero_blank_and_fee_reach_the_html(form: Form, seed: dict[str, Any]) -> None:
    doc = copy.deepcopy(seed)
    doc["tables"]["b"]["received"]["natural_person"] = 0
    doc["tables"]["a"]["fees"]["amount"] = 0.1
    root = lxml.html.fragment_fromstring(tables_html(doc, form))
    cells = {td.get("data-cell"): td.text_content() for td in root.iter("td")}
    assert cells["b.received.natural_person"] == "0"
    assert cells["b.received.commercial_enterprise"] == ""
    assert cells["a.fees.amount"] == "0.1"


def test_fragment_is_the_tables_alone(form: Form, seed: dict[str, Any]) -> None:
    fragment = tables_html(seed, form, heading_level=3, id_prefix="r7")
    root = lxml.html.fragment_fromstring(fragment)
    assert root.tag == "div" and root.get("class") == "gk-tables"
    assert "<html" not in fragment and "<style" not in fragment and "<h1" not in fragment
    assert [h.get("id") for h in root.iter("h3")] == ["r7-a", "r7-b", "r7-c"]
    assert [h.text_content() for h in root.iter("h3")] == PARTS[1:4]
    assert tables_html(seed, form) in html_page(seed, form)


def summary_of(seed: dict[str, Any], name: str = "某县") -> dict[str, Any]:
    doc = copy.deepcopy(seed)
    doc["kind"] = "summary"
    doc["agency"] = name
    doc["members"] = [
        {"agency": SEED_AGENCY, "year": 2024, "sha256": "0" * 64},
        {"agency": "某县民政局", "year": 2024, "sha256": "1" * 64},
    ]
    return doc


def test_a_summary_renders_the_same_tables_titled_with_its_name(
    form: Form, seed: dict[str, Any]
) -> None:
    summary = summary_of(seed)
    page = lxml.html.document_fromstring(html_page(summary, form))
    assert page.findtext(".//title") == "某县2024年度政府信息公开工作年度报告汇总"
    assert "汇总 2 个单位" in page.find_class("gk-members")[0].text_content()
    assert tables_html(summary, form) == tables_html(seed, form)
    returned = dict(seed, kind="return")
    assert html_page(returned, form) == html_page(seed, form)  # no kind = a return


# ----------------------------------------------------------------------------------- docx
TEXT = """\
# 互助县城市管理综合行政执法局 2024 年度政府信息公开工作年度报告

本报告依据《中华人民共和国政府信息公开条例》编制。

## 一、总体情况

第一段，**一是**加强领导。
第二段。

## 二、主动公开政府信息情况

第二十条第（一）项	本年制发件数

五、 存在的主要问题及改进情况

问题与改进。

互助县城市管理综合行政执法局
2025年1月6日
"""


def docx_boxes(table: Any) -> list[Box]:
    """The boxes of a Word table from its XML: gridSpan across, vMerge down."""
    rows = table._tbl.findall(qn("w:tr"))
    starts: dict[tuple[int, int], list[int]] = {}  # (row, col) -> [rowspan, colspan]
    texts: dict[tuple[int, int], str] = {}
    for r, tr in enumerate(rows):
        c = 0
        for tc in tr.findall(qn("w:tc")):
            pr = tc.find(qn("w:tcPr"))
            span_el = pr.find(qn("w:gridSpan")) if pr is not None else None
            span = int(span_el.get(qn("w:val"))) if span_el is not None else 1
            vmerge = pr.find(qn("w:vMerge")) if pr is not None else None
            if vmerge is not None and vmerge.get(qn("w:val")) != "restart":
                top = max(rr for rr, cc in starts if cc == c and rr < r)
                starts[(top, c)][0] += 1
                assert starts[(top, c)][1] == span
            else:
                starts[(r, c)] = [1, span]
                texts[(r, c)] = "".join(t.text or "" for t in tc.iter(qn("w:t")))
            c += span
    return [(r, c, rs, cs, texts[(r, c)]) for (r, c), (rs, cs) in sorted(starts.items())]


@pytest.fixture(scope="module")
def seed_docx(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed's report through the command, with a text file; made once."""
    folder = tmp_path_factory.mktemp("docx")
    text = folder / "正文.md"
    text.write_text(TEXT, encoding="utf-8")
    out = folder / "报告.docx"
    result = run("render", SEED_JSON, "-o", out, "--text", text, "--date", "2025-01-06")
    assert result.exit_code == 0, result.output
    assert result.stdout == f"已生成年度报告：{out}（{SEED_TITLE}）\n"
    assert result.stderr == (
        f"提示：{text} 开头的标题“互助县城市管理综合行政执法局 2024 年度政府信息公开工作年度报告”"
        "与报告标题相同，已略去（标题按数据生成）。\n"
        f"提示：{text} 中“二、主动公开政府信息情况”下的文字未使用：表格按数据生成。\n"
        f"提示：{text} 中没有“六、其他需要报告的事项”的内容，已留出占位文字。\n"
    )
    return out


def test_docx_tables_have_the_published_merges_labels_and_values(
    form: Form, seed: dict[str, Any], seed_docx: Path
) -> None:
    report = docx.Document(str(seed_docx))
    assert len(report.tables) == 3
    for table, grid in zip(report.tables, table_grids(form), strict=True):
        key = grid.table.key
        boxes = docx_boxes(table)
        check_spans(boxes, key)
        by_place = {(r, c): text for r, c, _, _, text in boxes}
        labels = Counter(by_place[(b.row, b.col)] for b in grid.cells if b.role != "value")
        assert labels == definition_labels(form, key)
        values = {b.cell.id: by_place[(b.row, b.col)] for b in grid.value_cells() if b.cell}
        assert values == {c.id: expected_text(seed, form, c.id) for c in form.cells_of(key)}
        rows = table._tbl.findall(qn("w:tr"))
        headers = [r.find(qn("w:trPr")).find(qn("w:tblHeader")) is not None for r in rows]
        assert headers == [i < grid.header_rows for i in range(len(rows))]
        assert all(r.find(qn("w:trPr")).find(qn("w:cantSplit")) is not None for r in rows)
        assert table._tbl.tblPr.find(qn("w:tblLayout")).get(qn("w:type")) == "fixed"
    assert [t.cell(0, 0).text for t in report.tables] == [
        "第二十条第（一）项",
        "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）",
        "行政复议",
    ]


def test_docx_is_the_six_part_report_with_text_placeholders_and_closing(
    seed_docx: Path,
) -> None:
    report = docx.Document(str(seed_docx))
    body = report.element.body
    paragraphs = [p for p in report.paragraphs if p.text]
    by_style: dict[str, list[str]] = {}
    for p in paragraphs:
        by_style.setdefault(p.style.name, []).append(p.text)
    assert by_style["报告标题"] == [f"{SEED_AGENCY}\n2024年度政府信息公开工作年度报告"]
    assert by_style["报告部分标题"] == PARTS
    # each table sits right after its part's heading
    order = [
        ("table", None)
        if el.tag == qn("w:tbl")
        else ("p", "".join(t.text for t in el.iter(qn("w:t"))))
        for el in body.iterchildren()
        if el.tag in (qn("w:tbl"), qn("w:p"))
    ]
    for part in PARTS[1:4]:
        assert order[order.index(("p", part)) + 1] == ("table", None)
    texts = [p.text for p in paragraphs]

    def under(title: str) -> list[str]:
        """The paragraphs after a heading, up to the next heading or the closing name."""
        start = texts.index(title) + 1
        ends = [i for i, t in enumerate(texts) if i >= start and t in (*PARTS, SEED_AGENCY)]
        return texts[start : ends[0]]

    assert texts[1] == "本报告依据《中华人民共和国政府信息公开条例》编制。"  # the preamble
    assert under("一、总体情况") == ["第一段，一是加强领导。", "第二段。"]
    assert under("五、存在的主要问题及改进情况") == ["问题与改进。"]  # pasted closing dropped
    [placeholder] = under("六、其他需要报告的事项")
    assert "六、其他需要报告的事项" in placeholder and "请在此处填写" in placeholder
    assert texts[-2:] == [SEED_AGENCY, "2025年1月6日"]
    first = next(p for p in paragraphs if p.text.startswith("第一段"))
    assert [(r.text, bool(r.bold)) for r in first.runs] == [
        ("第一段，", False),
        ("一是", True),
        ("加强领导。", False),
    ]
    highlighted = next(p for p in paragraphs if p.text == placeholder)
    assert highlighted.runs[0].font.highlight_color is not None


def test_docx_page_and_fonts_follow_official_documents(seed_docx: Path) -> None:
    report = docx.Document(str(seed_docx))
    section = report.sections[0]
    sizes = (section.page_width, section.page_height)  # stored in twips: compare in mm
    margins = (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin)
    assert [round(x.mm, 1) for x in sizes] == [210, 297]  # A4 portrait
    assert [round(x.mm, 1) for x in margins] == [37, 35, 28, 26]  # GB/T 9704

    def east_asian(style_name: str) -> str:
        fonts = report.styles[style_name].element.rPr.find(qn("w:rFonts"))
        assert fonts.get(qn("w:asciiTheme")) is None
        return fonts.get(qn("w:eastAsia"))

    assert east_asian("Normal") == "仿宋"
    assert east_asian("报告正文") == "仿宋"
    assert east_asian("报告部分标题") == "黑体"
    assert east_asian("表格文字") == "宋体"
    assert east_asian("报告标题") == "宋体"
    assert all(
        p.style.name == "表格文字"
        for t in report.tables
        for cell in t._cells
        for p in cell.paragraphs
    )
    with zipfile.ZipFile(seed_docx) as z:
        styles = z.read("word/styles.xml").decode("utf-8")
    assert 'w:eastAsia="zh-CN"' in styles


def test_docx_without_text_has_a_placeholder_in_each_text_part(
    form: Form, seed: dict[str, Any], tmp_path: Path
) -> None:
    path = tmp_path / "r.docx"
    path.write_bytes(docx_bytes(seed, form, date=dt.date(2025, 1, 6)))
    texts = [p.text for p in docx.Document(str(path)).paragraphs if p.text]
    placeholders = [t for t in texts if "请在此处填写" in t]
    assert len(placeholders) == 3
    for part, placeholder in zip([PARTS[0], PARTS[4], PARTS[5]], placeholders, strict=True):
        assert f"“{part}”" in placeholder
        assert texts.index(placeholder) == texts.index(part) + 1


def test_summary_docx_is_titled_and_signed_with_its_name(
    form: Form, seed: dict[str, Any], tmp_path: Path
) -> None:
    path = tmp_path / "s.docx"
    path.write_bytes(docx_bytes(summary_of(seed), form, date=dt.date(2025, 2, 3)))
    texts = [p.text for p in docx.Document(str(path)).paragraphs if p.text]
    assert texts[0] == "某县2024年度政府信息公开工作年度报告汇总"  # fits on one line
    assert texts[-2:] == ["某县", "2025年2月3日"]


def counted_summary(seed: dict[str, Any]) -> dict[str, Any]:
    """A summary made against a roster of five: one agency to fix, one silent."""
    statuses = {
        SEED_AGENCY: "ok",
        "某县民政局": "ok",
        "某县教育局": "warnings",
        "某县交通运输局": "errors",
        "某县财政局": "missing",
    }
    done = Completeness(
        "名单.csv",
        expected=5,
        submitted=4,
        missing=("某县财政局",),
        extra=("某县科协",),
        to_fix=1,
        unreadable=0,
        agencies=tuple(AgencyLine(name, status) for name, status in statuses.items()),  # type: ignore[arg-type]
    )
    return dict(summary_of(seed), completeness=done.to_json())


COUNTED_LINE = (
    "名单 名单.csv：已收到 4/5 个单位（其中待修改 1 个）；未报送 1 个；"
    "另有不在名单中的单位 1 个（另计）。"
)


def test_summary_docx_shows_its_completeness_in_body_text_and_a_table(
    form: Form, seed: dict[str, Any]
) -> None:
    """附：报送情况 under the tables: the counts (the words of every view) and the note
    that the summary is incomplete in body text, then a boxed table of each status with
    its agencies, kept together and with the signature."""
    word = docx.Document(
        io.BytesIO(docx_bytes(counted_summary(seed), form, date=dt.date(2025, 2, 3)))
    )
    texts = [p.text for p in word.paragraphs if p.text]
    at = texts.index("附：报送情况")
    assert (
        word.paragraphs[[p.text for p in word.paragraphs].index("附：报送情况")].style.name
        == "报告部分标题"
    )
    assert texts[at + 1 :] == [
        COUNTED_LINE + "本汇总尚不完整：未报送、待修改和无法读取的单位未计入。",
        "某县",
        "2025年2月3日",
    ]
    counts = next(p for p in word.paragraphs if p.text.startswith("名单 名单.csv"))
    assert counts.style.name == "报告正文"
    table = word.tables[-1]
    assert [[c.text for c in row.cells] for row in table.rows] == [
        ["状态", "单位数", "单位"],
        ["未报送", "1", "某县财政局"],
        ["有错误（待退回）", "1", "某县交通运输局"],
        ["有提示", "1", "某县教育局"],
        ["通过", "2", f"{SEED_AGENCY}、某县民政局"],
        ["不在名单中（另计）", "1", "某县科协"],
    ]
    cells = [c for row in table.rows for c in row.cells]
    assert all(c.paragraphs[0].style.name == "表格文字" for c in cells)
    assert all(c.paragraphs[0].paragraph_format.keep_with_next for c in cells)
    assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    widths = [c.width for c in table.rows[0].cells]
    assert widths[2] > widths[0] > widths[1]  # the names take the room
    # the HTML page shows the same lines
    html = lxml.html.document_fromstring(html_page(counted_summary(seed), form))
    section = html.find_class("gk-completeness")[0].text_content()
    assert COUNTED_LINE in section and "不在名单中（另计）1 个：某县科协。" in section


@pytest.mark.libreoffice
def test_libreoffice_prints_the_completeness_on_the_page_of_the_signature(
    form: Form, seed: dict[str, Any], tmp_path: Path
) -> None:
    source = tmp_path / "汇总.docx"
    source.write_bytes(docx_bytes(counted_summary(seed), form, date=dt.date(2025, 2, 3)))
    pdf = harness.convert(source, tmp_path, fmt="pdf")
    pages = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout.split("\f")
    last = "".join(next(p for p in reversed(pages) if p.strip()).split())
    assert "2025年2月3日" in last and "单位数" in last and "某县科协" in last


def test_report_text_accepts_published_heading_variants(form: Form) -> None:
    text = (
        "一、 总体情况\n甲\n**五、存在的主要问题及改进情况**\n乙\n### 六、其他需要报告的事项\n丙\n"
    )
    parsed = parse_report_text(text, form)
    assert {k: [p.text for p in v] for k, v in parsed.parts.items()} == {
        "一、总体情况": ["甲"],
        "五、存在的主要问题及改进情况": ["乙"],
        "六、其他需要报告的事项": ["丙"],
    }


def test_a_pasted_closing_name_is_the_agency_however_written(form: Form) -> None:
    """The closing name is recognised by the one agency identity (:mod:`gongkai_xlsx.agency`),
    as a roster or a batch would recognise it; another agency's name is text."""
    for closing in ("某县【教育局】", "某县 (教育局)", "某县\u200b（教育局）"):
        text = f"五、存在的主要问题及改进情况\n问题。\n{closing}\n2025年1月20日\n"
        parsed = parse_report_text(text, form, agency="某县（教育局）")
        assert [p.text for p in parsed.parts["五、存在的主要问题及改进情况"]] == ["问题。"], closing
    text = "五、存在的主要问题及改进情况\n问题。\n某县教育厅\n"
    parsed = parse_report_text(text, form, agency="某县（教育局）")
    assert [p.text for p in parsed.parts["五、存在的主要问题及改进情况"]] == [
        "问题。",
        "某县教育厅",
    ]


# ----------------------------------------------------------------------------------- CLI
def test_render_html_default_name_and_no_overwrite(tmp_path: Path) -> None:
    doc = tmp_path / "单位_2024.json"
    shutil.copyfile(SEED_JSON, doc)
    result = run("render", doc)
    assert result.exit_code == 0, result.output
    out = tmp_path / "单位_2024.html"
    assert out.read_text(encoding="utf-8") == GOLDEN_HTML.read_text(encoding="utf-8")
    out.write_text("edited", encoding="utf-8")
    result = run("render", doc, "--to", "html")
    assert result.exit_code == 2
    assert result.stderr == f"错误：{out}：文件已存在。如需覆盖，请加 --force。\n"
    assert out.read_text(encoding="utf-8") == "edited"
    assert run("render", doc, "--force").exit_code == 0
    assert out.read_text(encoding="utf-8") != "edited"
    assert run("render", doc, "--to", "docx").exit_code == 0
    assert zipfile.is_zipfile(tmp_path / "单位_2024.docx")


def _bad(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def test_render_refuses_what_is_not_a_canonical_document(
    tmp_path: Path, seed: dict[str, Any]
) -> None:
    broken = copy.deepcopy(seed)
    broken["tables"]["b"]["received"]["natural_person"] = -1
    broken["tables"]["a"]["fees"]["amount"] = "很多"
    broken["extra"] = 1
    cases = {
        tmp_path / "missing.json": "文件不存在",
        _bad(
            tmp_path, "text.json", "not json"
        ): "不是 gongkai-xlsx 的规范 JSON 文档（JSON 语法错误，第 1 行第 1 列）",
        _bad(
            tmp_path, "gbk.json", "单位".encode("gbk")
        ): "不是 gongkai-xlsx 的规范 JSON 文档（不是 UTF-8 编码的文本）",
        _bad(
            tmp_path, "list.json", "[1, 2]"
        ): "不是 gongkai-xlsx 的规范 JSON 文档（内容不是一个 JSON 对象）",
        EXPECTED / "report.json": "这是批量收集的汇总报告（report.json）",
        _bad(
            tmp_path, "fmt.json", '{"format": "gk2019"}'
        ): "报表格式“gk2019”本工具不认识，本工具支持 gk2021",
        _bad(tmp_path, "bad.json", json.dumps(broken, ensure_ascii=False)): (
            "规范 JSON 不完整或被改动过（文档有多余的字段 “extra”；"
            "“行政事业性收费 · 本年收费金额（单位：万元）”应为数字或空白；"
            "“一、本年新收政府信息公开申请数量 · 自然人”为 -1，小于下限 0）"
        ),
        tmp_path: "这是文件夹",
    }
    for path, message in cases.items():
        result = run("render", path, "-o", tmp_path / "out.html")
        assert result.exit_code == 2, path
        assert result.stderr.startswith(f"错误：{path}：") and message in result.stderr, (
            path,
            result.stderr,
        )
        assert "Traceback" not in result.output and "is not" not in result.stderr
    assert not (tmp_path / "out.html").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--to", "pdf"], f"--to pdf：{NO_PDF}"),
        (["-o", "报告.pdf"], f"报告.pdf：{NO_PDF}"),
        (["-o", "报告.PDF", "--to", "docx"], f"报告.PDF：{NO_PDF}"),
        (["--to", "odt"], "--to “odt”无效：只能是 html 或 docx。"),
        (["-o", "x.html", "--to", "docx"], f"x.html：docx 文件的扩展名应为 .docx{OUTPUTS}"),
        (["-o", "x.txt"], f"x.txt：html 文件的扩展名应为 .html{OUTPUTS}"),
        (["--text", "t.md"], "--text 和 --date 只用于 Word 报告（--to docx）；HTML 只含三张表格。"),
        (
            ["--to", "docx", "--date", "2025-02-30"],
            "--date “2025-02-30”不是有效的日期，请写成 2025-01-06 或 2025年1月6日。",
        ),
        (["--to", "docx", "--text", "nowhere.md"], "nowhere.md：--text 文件不存在。"),
    ],
)
def test_render_usage_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    shutil.copyfile(SEED_JSON, tmp_path / "seed.json")
    result = run("render", "seed.json", *args)
    assert result.exit_code == 2
    assert result.stderr == f"错误：{message}\n"
    assert [p.name for p in tmp_path.iterdir()] == ["seed.json"]


def test_render_reads_a_gbk_text_file_and_a_chinese_date(tmp_path: Path) -> None:
    text = tmp_path / "正文.txt"
    text.write_bytes("一、总体情况\n记事本保存的文字。\n".encode("gbk"))
    out = tmp_path / "r.docx"
    result = run("render", SEED_JSON, "-o", out, "--text", text, "--date", "2025年1月6日")
    assert result.exit_code == 0, result.output
    texts = [p.text for p in docx.Document(str(out)).paragraphs if p.text]
    assert "记事本保存的文字。" in texts and texts[-1] == "2025年1月6日"


def test_render_of_report_json_says_so_before_the_output_exists(tmp_path: Path) -> None:
    """ingest's report.json beside its report.html: the reason (a batch report, not a
    document; which file to render instead) comes first, with or without --force."""
    folder = tmp_path / "结果"
    folder.mkdir()
    shutil.copyfile(EXPECTED / "report.json", folder / "report.json")
    (folder / "report.html").write_text("ingest 的网页", encoding="utf-8")
    shutil.copyfile(SEED_JSON, folder / SEED_JSON.name)
    for extra in ([], ["--force"]):
        result = run("render", folder / "report.json", *extra)
        assert result.exit_code == 2, result.output
        assert result.stderr == (
            f"错误：{folder / 'report.json'}：这是批量收集的汇总报告（report.json），"
            "不是一个单位的报表。请选择输出文件夹中按“单位_年度.json”命名的文件。"
            f"例如 {folder / SEED_JSON.name}（该文件夹中共 1 个）。"
            "要发布全部单位的汇总，先用 gongkai-xlsx aggregate 生成汇总 JSON"
            "（如 某县_2024_汇总.json），再用 render 生成它的报告。\n"
        )
        assert "文件已存在" not in result.stderr
    assert (folder / "report.html").read_text(encoding="utf-8") == "ingest 的网页"


# Word's own list numbering of a 正文, as Word writes it for 一、 （一） 1.: the numbers are
# in numbering.xml, not in the paragraphs' text.
LIST_LEVELS = [("chineseCounting", "%1、"), ("chineseCounting", "（%2）"), ("decimal", "%3.")]
NUMBERED = [
    ("互助县城市管理综合行政执法局2024年政府信息公开工作年度报告", None),
    ("总体情况", 0),
    ("主动公开。全年主动公开政府信息44条。", 1),
    ("加强领导。", 2),
    ("完善制度。", 2),
    ("依申请公开。全年收到申请2件。", 1),
    ("主动公开政府信息情况", 0),
    ("收到和处理政府信息公开申请情况", 0),
    ("政府信息公开行政复议、行政诉讼情况", 0),
    ("存在的主要问题及改进情况", 0),
    ("公开的及时性有待提高。", 1),
    ("其他需要报告的事项", 0),
    ("无。", None),
]


def numbered_docx(path: Path, paragraphs: list[tuple[str, int | None]]) -> Path:
    """A .docx whose paragraphs are numbered by one Word list of three levels."""
    report = docx.Document()
    numbering = report.part.numbering_part.element
    for child in list(numbering):
        numbering.remove(child)
    levels = "".join(
        f'<w:lvl w:ilvl="{i}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/>'
        f'<w:suff w:val="nothing"/><w:lvlText w:val="{text}"/></w:lvl>'
        for i, (fmt, text) in enumerate(LIST_LEVELS)
    )
    w = nsdecls("w")
    numbering.append(parse_xml(f'<w:abstractNum {w} w:abstractNumId="7">{levels}</w:abstractNum>'))
    numbering.append(parse_xml(f'<w:num {w} w:numId="3"><w:abstractNumId w:val="7"/></w:num>'))
    for text, level in paragraphs:
        paragraph = report.add_paragraph(text)
        if level is not None:
            paragraph._p.get_or_add_pPr().append(
                parse_xml(f'<w:numPr {w}><w:ilvl w:val="{level}"/><w:numId w:val="3"/></w:numPr>')
            )
    report.save(str(path))
    return path


def test_render_text_from_a_word_file_with_its_list_numbering(tmp_path: Path) -> None:
    """Coordinators write the 正文 in Word: its paragraphs are read, and Word's automatic
    numbering (一、 （一） 1.) is written out, so the part headings are found by it."""
    text = numbered_docx(tmp_path / "正文.docx", NUMBERED)
    out = tmp_path / "r.docx"
    result = run("render", SEED_JSON, "-o", out, "--text", text, "--date", "2025-01-06")
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        f"提示：{text} 开头的标题“互助县城市管理综合行政执法局2024年政府信息公开工作年度报告”"
        "与报告标题相同，已略去（标题按数据生成）。\n"
    )
    texts = [p.text for p in docx.Document(str(out)).paragraphs if p.text]
    assert texts[1:6] == [
        "一、总体情况",
        "（一）主动公开。全年主动公开政府信息44条。",
        "1.加强领导。",
        "2.完善制度。",
        "（二）依申请公开。全年收到申请2件。",
    ]
    assert texts[texts.index(PARTS[4]) + 1] == "（一）公开的及时性有待提高。"
    assert texts[texts.index(PARTS[5]) + 1] == "无。"
    assert not [t for t in texts if "请在此处填写" in t]


@pytest.mark.parametrize(
    ("n", "fmt", "shown"),
    [
        (1, "chineseCounting", "一"),
        (10, "chineseCounting", "十"),
        (11, "chineseCounting", "十一"),
        (20, "chineseCounting", "二十"),
        (35, "chineseCountingThousand", "三十五"),
        (105, "chineseCounting", "一百零五"),
        (3, "ideographTraditional", "丙"),
        (12, "ideographZodiac", "亥"),
        (2, "decimalEnclosedCircle", "②"),
        (4, "lowerLetter", "d"),
        (9, "upperRoman", "IX"),
        (12, "decimal", "12"),
    ],
)
def test_word_list_counters_as_word_shows_them(n: int, fmt: str, shown: str) -> None:
    assert format_counter(n, fmt) == shown


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be"])
def test_render_reads_text_in_the_encodings_editors_save(tmp_path: Path, encoding: str) -> None:
    """UTF-8 with or without BOM; Notepad's “Unicode” (UTF-16 LE with BOM) and UTF-16 BE."""
    text = tmp_path / "正文.txt"
    data = "一、总体情况\n记事本保存的文字。\n".encode(encoding)
    if encoding == "utf-16-le":
        data = b"\xff\xfe" + data
    elif encoding == "utf-16-be":
        data = b"\xfe\xff" + data
    text.write_bytes(data)
    out = tmp_path / "r.docx"
    result = run("render", SEED_JSON, "-o", out, "--text", text)
    assert result.exit_code == 0, result.output
    texts = [p.text for p in docx.Document(str(out)).paragraphs if p.text]
    assert texts[texts.index("一、总体情况") + 1] == "记事本保存的文字。"


def _huge_member_zip(path: Path) -> Path:
    """A small .docx-named zip whose one member inflates beyond the reader's bound."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("word/document.xml", b"<" + b" " * (65 * 1024 * 1024))
    return path


SAVE_AS = "请在 Word 或 WPS 中另存为 .docx 或 纯文本 后再用。"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "正文.doc",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600),
            f"这是旧版 Word/WPS 格式（.doc），{SAVE_AS}",
        ),
        (
            "正文.wps",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600),
            f"这是旧版 Word/WPS 格式（.wps），{SAVE_AS}",
        ),
        (
            "正文.docx",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600),
            "这个 Word 文档设有打开密码",
        ),
        ("正文.pdf", b"%PDF-1.7\n", f"这是 PDF 文件，不能作为正文读取。{SAVE_AS}"),
        ("正文.docx", b"PK\x03\x04 cut short", "Word 文档已损坏，无法读取。"),
        (
            "正文.docx",
            b"not a zip at all",
            f"不是有效的 Word 文档（文件已损坏或扩展名不对），{SAVE_AS}",
        ),
        ("huge.docx", None, f"Word 文档解压后过大，不像是报告正文。{SAVE_AS}"),
    ],
)
def test_render_text_that_cannot_be_read_says_how_to_save_it(
    tmp_path: Path, name: str, content: bytes | None, message: str
) -> None:
    path = tmp_path / name
    if content is None:
        _huge_member_zip(path)
    else:
        path.write_bytes(content)
    out = tmp_path / "r.docx"
    result = run("render", SEED_JSON, "-o", out, "--text", path)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"错误：{path}：{message}"), result.stderr
    assert "Traceback" not in result.output
    assert not out.exists()


def test_render_text_from_an_xlsx_is_not_a_word_document(tmp_path: Path) -> None:
    blank = tmp_path / "模板.xlsx"
    assert run("new", "2024", "-o", blank).exit_code == 0
    result = run("render", SEED_JSON, "-o", tmp_path / "r.docx", "--text", blank)
    assert result.exit_code == 2
    assert result.stderr == f"错误：{blank}：不是 Word 文档（.docx）。{SAVE_AS}\n"


def test_render_unwritable_output_is_a_message(tmp_path: Path) -> None:
    result = run("render", SEED_JSON, "-o", tmp_path / "no" / "such" / "r.html")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"错误：{tmp_path / 'no' / 'such' / 'r.html'}：无法写入（")


@pytest.mark.parametrize(
    ("top", "dropped"),
    [
        (f"{SEED_AGENCY}2024年政府信息公开工作年度报告", True),  # 年 for 年度
        (f"**{SEED_AGENCY} 2024年度政府信息公开工作年度报告**", True),
        (f"{SEED_AGENCY}\n2024年度政府信息公开工作年度报告", True),  # broken as published
        ("某县教育局2024年政府信息公开工作年度报告", False),  # another agency's: kept
        (f"{SEED_AGENCY}2023年度政府信息公开工作年度报告", False),  # last year's: kept
    ],
)
def test_a_title_line_of_the_text_is_never_dropped_silently(
    tmp_path: Path, top: str, dropped: bool
) -> None:
    """The 正文's first line, a title: dropped with a note when it is the report's own,
    otherwise kept as text with a note; never gone unseen."""
    text = tmp_path / "正文.txt"
    text.write_text(f"{top}\n一、总体情况\n甲。\n", encoding="utf-8")
    out = tmp_path / "r.docx"
    result = run("render", SEED_JSON, "-o", out, "--text", text)
    assert result.exit_code == 0, result.output
    texts = [p.text for p in docx.Document(str(out)).paragraphs if p.text]
    shown = top.replace("**", "").replace("\n", "")
    if dropped:
        assert texts[1] == "一、总体情况"
        assert f"提示：{text} 开头的标题“{shown}”与报告标题相同，已略去" in result.stderr
    else:
        assert texts[1] == shown and texts[2] == "一、总体情况"
        assert (
            f"提示：{text} 开头的“{shown}”与报告标题“{SEED_TITLE}”不同，已作为正文保留"
            in result.stderr
        )


def test_docx_parts_flow_without_a_forced_page_break(seed_docx: Path, form: Form) -> None:
    """No part is sent to a new page; table A may go on between its blocks (not inside
    one); table B keeps only its header with its first two rows, and its last rows together
    (Word honours keep-with-next in a table; LibreOffice 7.4 does not)."""
    report = docx.Document(str(seed_docx))
    body = report.element.body
    assert body.find(".//" + qn("w:pageBreakBefore")) is None
    assert not any(br.get(qn("w:type")) == "page" for br in body.iter(qn("w:br")))

    def kept(table: Any) -> list[bool]:
        return [
            all(p.paragraph_format.keep_with_next for c in row.cells for p in c.paragraphs)
            for row in table.rows
        ]

    a, b, c = report.tables
    titles = [i for i, row in enumerate(a.rows) if row.cells[0].text.startswith("第二十条")]
    assert titles == [0, 4, 7, 11]
    assert kept(a) == [i + 1 not in titles and i < len(a.rows) - 1 for i in range(len(a.rows))]
    # 3 header rows, 一, 二; the last three rows (（六）3.其他, （七）总计, 四) together
    assert kept(b) == [i < 5 or i in (len(b.rows) - 3, len(b.rows) - 2) for i in range(len(b.rows))]
    assert kept(c) == [True, True, True, False]


# ----------------------------------------------------------------------------------- LibreOffice
@pytest.mark.libreoffice
def test_libreoffice_prints_the_docx_with_the_tables(
    form: Form, seed_docx: Path, tmp_path: Path
) -> None:
    pdf = harness.convert(seed_docx, tmp_path, fmt="pdf")
    assert pdf.read_bytes().startswith(b"%PDF")
    text = subprocess.run(
        ["pdftotext", "-raw", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = "".join(text.split())
    for key in "abc":
        for label in definition_labels(form, key):
            assert "".join(label.split()) in flat, label
    for part in PARTS:
        assert part in flat
    for value in ("44", "31", "250.83"):
        assert value in text.split()
    assert "2025年1月6日" in flat and SEED_AGENCY in flat


@pytest.mark.libreoffice
def test_libreoffice_keeps_table_a_on_page_one_after_a_short_text(tmp_path: Path) -> None:
    """Four paragraphs under 一、总体情况 leave room for the start of table A: its heading
    and first blocks stay on page 1 instead of moving with the whole table to page 2."""
    text = tmp_path / "正文.txt"
    text.write_text(
        "一、总体情况\n"
        "2024年，我局认真贯彻落实《中华人民共和国政府信息公开条例》，围绕中心工作，扎实推进政府信息公开。\n"
        "（一）主动公开。全年通过政府门户网站主动公开政府信息44条，其中行政处罚信息31条。\n"
        "（二）依申请公开。全年收到政府信息公开申请2件，均在法定期限内答复。\n"
        "（三）政府信息管理。建立健全信息发布审核机制，严格执行“先审后发”。\n",
        encoding="utf-8",
    )
    out = tmp_path / "r.docx"
    assert run("render", SEED_JSON, "-o", out, "--text", text).exit_code == 0
    pdf = harness.convert(out, tmp_path, fmt="pdf")
    pages = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout.split("\f")
    first = "".join(pages[0].split())
    assert "（三）政府信息管理" in first
    assert "二、主动公开政府信息情况" in first and "第二十条第（一）项" in first


@pytest.mark.libreoffice
def test_libreoffice_numbers_the_word_text_as_we_read_it(tmp_path: Path) -> None:
    """The list numbers recovered from a Word 正文 are the ones LibreOffice shows (its text
    export writes them out); a real .doc of the same text gets the save-as message."""
    source = numbered_docx(tmp_path / "正文.docx", NUMBERED)
    exported = harness.convert(source, tmp_path / "lo", fmt="txt:Text (encoded):UTF8")
    shown = [
        "".join(line.split()) for line in exported.read_text(encoding="utf-8-sig").splitlines()
    ]
    ours = ["".join(line.split()) for line in read_report_text(source).splitlines()]
    assert [line for line in ours if line] == [line for line in shown if line]
    doc = harness.convert(source, tmp_path / "lo", fmt="doc:MS Word 97")
    result = run("render", SEED_JSON, "-o", tmp_path / "r.docx", "--text", doc)
    assert result.exit_code == 2
    assert result.stderr == (
        f"错误：{doc}：这是旧版 Word/WPS 格式（.doc），请在 Word 或 WPS 中另存为 .docx 或 纯文本 后再用。\n"
    )
