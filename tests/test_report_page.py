"""report.html, the batch page: written by every ``ingest`` inside the same output commit
as report.json, self-contained, saying what report.json says (returns, findings, roster,
duplicates, files not read) plus the totals of the clean returns in the official layout;
and, in a real headless Chromium, every return and finding there once expanded, the
filters working, one page of rows at a time, and no name able to break the page.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
from collections import Counter
from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import chromium
import pytest
from batch_data import synthetic_batch
from conftest import fill_with_openpyxl, run, saved_at
from test_report_schema import validate_report

from gongkai_xlsx.catalogue import STATUS_LABELS, Severity
from gongkai_xlsx.completeness import Listed, OffRoster, RosterMatch
from gongkai_xlsx.definition import Form
from gongkai_xlsx.definition.evaluate import with_totals
from gongkai_xlsx.definition.layout import Layout
from gongkai_xlsx.definition.model import CellDef
from gongkai_xlsx.document_members import return_member, sum_inputs
from gongkai_xlsx.documents import read
from gongkai_xlsx.findings import group_repeated, place_text
from gongkai_xlsx.ingest.batch import Entry
from gongkai_xlsx.ingest.page import (
    IE_NOTICE_TEXT,
    PAGE_NAME,
    page_html,
    shown,
    without_run,
)
from gongkai_xlsx.ingest.report import BatchReport, Duplicate, Outputs, batch_report
from gongkai_xlsx.ingest.totals import Clean, clean_totals
from gongkai_xlsx.outputfolder import is_bookkeeping
from gongkai_xlsx.render.values import format_number
from gongkai_xlsx.terminal import visible
from gongkai_xlsx.writer import TemplateOptions, write_template

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
EXPECTED = SAMPLES / "expected"
GOOD = {"a.licensing.decisions": 44, "a.penalty.decisions": 31, "a.fees.amount": 250.83}
B1_BROKEN = {"b.received.natural_person": 5, "b.disclosed.natural_person": 2}
HOSTILE = [
    "</script><script>alert(1)</script>",
    "<!--<b>粗体</b>",
    "甲局\u202e乙丙\u202c",  # RIGHT-TO-LEFT OVERRIDE: would show the rest reversed
    "换\n行\t局\x1b[31m",
    "&amp;&lt;局",
    "\u2066隔离\u2069\u200b",
]


def value_at(document: dict[str, Any], cell: CellDef) -> Any:
    """The value of ``cell`` in a document's JSON (``tables`` → row → column)."""
    node: Any = document["tables"][cell.table]
    for key in cell.path:
        node = node[key]
    return node


def _require_chromium() -> None:
    if chromium.available():
        return
    if os.environ.get("GONGKAI_REQUIRE_CHROMIUM"):  # scripts/test.sh installs it
        pytest.fail("Chromium, chromium-driver and selenium are required but missing")
    pytest.skip("Chromium (chromium, chromium-driver) or selenium is not installed")


@pytest.fixture
def make_return(form: Form, layout: Layout, tmp_path_factory: pytest.TempPathFactory):
    """make_return(dest, agency, values=GOOD) → a filled 2024 return at dest."""
    templates: dict[str, Path] = {}

    def _make(dest: Path, agency: str, values: Mapping[str, Any] = GOOD) -> Path:
        if agency not in templates:
            templates[agency] = tmp_path_factory.mktemp("tpl") / "template.xlsx"
            write_template(form, TemplateOptions(year=2024, agency=agency), templates[agency])
        dest.parent.mkdir(parents=True, exist_ok=True)
        return fill_with_openpyxl(layout, templates[agency], dest, values)

    return _make


@pytest.fixture(scope="module")
def samples_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("samples") / "out"
    assert run("ingest", SAMPLES, "-o", out).exit_code == 1  # one sample has errors
    return out


def load(out: Path) -> tuple[dict[str, Any], str]:
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    validate_report(data)
    return data, (out / PAGE_NAME).read_text(encoding="utf-8")


def page_rows(page: str) -> list[list[Any]]:
    """The returns the page's script will show (its JSON block, read as the browser does)."""
    block = re.search(r'<script type="application/json" id="gk-data">(.*?)</script>', page, re.S)
    assert block is not None
    return json.loads(block.group(1))["returns"]


def expected_findings(row: dict[str, Any]) -> list[tuple[str, str, str]]:
    """A report row's findings as the page shows them: 级别, 位置, 说明 — the message, less
    the place it starts with (shown once, in its own column). A hint of one code on more
    than five cells is one line, at its first cell's place, naming the cells as ranges:
    its place here is the first cell (``sheet!A1``) followed by "…", its message the count
    followed by "…" (:func:`same_findings` compares the rest by prefix)."""
    cells = Counter(f["code"] for f in row["findings"] if f["severity"] == "warning" and f["cell"])
    grouped = {code for code, n in cells.items() if n > 5}
    found, shown_codes = [], set()
    for f in row["findings"]:
        if f["code"] in grouped and f["severity"] == "warning" and f["cell"]:
            if f["code"] not in shown_codes:
                shown_codes.add(f["code"])
                found.append(
                    ("提示", f"{f['sheet']}!{f['cell']}…", f"共 {cells[f['code']]} 个单元格：…")
                )
            continue
        place = place_text(f["sheet"], f["cell"], f["row_label"], f["column_label"])
        message = f["message"]
        if place and message.startswith(place + "："):
            message = message[len(place) + 1 :]
        found.append((Severity(f["severity"]).chinese, place or "—", message))
    return found


def same_findings(got: list[tuple[str, str, str]], row: dict[str, Any]) -> bool:
    """Whether the page's findings of a return are :func:`expected_findings`' (a grouped
    line by the prefixes it gives)."""
    expected = expected_findings(row)
    if len(got) != len(expected):
        return False
    for have, want in zip(got, expected, strict=True):
        if want[2].endswith("…"):
            if have[0] != want[0] or not have[1].startswith(want[1][:-1].split(":")[0]):
                return False
            if not have[2].startswith(want[2][:-1]):
                return False
        elif have != want:
            return False
    return True


class Outline(HTMLParser):
    """Section ids, headings and the totals' value cells of a page, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: list[str] = []
        self.headings: list[tuple[str, str]] = []
        self.cells: dict[str, str] = {}
        self.scripts: list[dict[str, str | None]] = []
        self._heading: str | None = None
        self._cell: str | None = None
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "section" and a.get("id"):
            self.sections.append(str(a["id"]))
        if tag in ("h1", "h2", "h3", "h4"):
            self._heading, self._text = tag, ""
        if tag == "td" and a.get("data-cell") and self.sections[-1:] == ["gk-totals"]:
            self._cell, self._text = a["data-cell"], ""
        if tag == "script":
            self.scripts.append(a)

    def handle_endtag(self, tag: str) -> None:
        if tag == self._heading:
            self.headings.append((tag, self._text))
            self._heading = None
        if tag == "td" and self._cell:
            self.cells[self._cell] = self._text
            self._cell = None

    def handle_data(self, data: str) -> None:
        self._text += data


def outline(page: str) -> Outline:
    parser = Outline()
    parser.feed(page)
    return parser


def column_sums(form: Form, documents: list[dict[str, Any]]) -> dict[str, str]:
    """Every cell's text in the totals, computed here cell by cell (totals are sums of
    their members' totals too): blank where every document is blank."""
    sums: dict[str, str] = {}
    for cell in form.cells:
        values = [value_at(d, cell) for d in documents]
        present = [Decimal(repr(v)) if isinstance(v, float) else v for v in values if v is not None]
        sums[cell.id] = format_number(sum(present)) if present else ""
    return sums


# ----------------------------------------------------------------------- the output commit
def test_the_page_is_an_output_of_the_commit(samples_out: Path) -> None:
    data, page = load(samples_out)
    assert PAGE_NAME in data["outputs"]
    assert sorted(p.name for p in samples_out.iterdir() if not is_bookkeeping(p.name)) == sorted(
        [*data["outputs"], "report.json"]
    )
    assert page.startswith('<!DOCTYPE html>\n<html lang="zh-CN"')
    assert run("ingest", SAMPLES, "-o", samples_out).exit_code == 1
    again = (samples_out / PAGE_NAME).read_text(encoding="utf-8")
    assert without_run(again) == without_run(page)


def test_the_page_is_replaced_with_the_run_and_kept_when_a_run_fails(
    tmp_path: Path, make_return
) -> None:
    out = tmp_path / "out"
    make_return(tmp_path / "w1" / "甲局.xlsx", "甲局")
    make_return(tmp_path / "w2" / "乙局.xlsx", "乙局")
    assert run("ingest", tmp_path / "w1", "-o", out).exit_code == 0
    assert [r[1] for r in page_rows(load(out)[1])] == ["甲局"]
    assert run("ingest", tmp_path / "w2", "-o", out).exit_code == 0
    _data, page = load(out)
    assert [r[1] for r in page_rows(page)] == ["乙局"]
    assert sorted(p.name for p in out.iterdir() if not is_bookkeeping(p.name)) == [
        "report.html",
        "report.json",
        "乙局_2024.json",
    ]
    # a run that cannot commit (a file of the user's where an output must go) changes
    # neither report.json nor the page
    make_return(tmp_path / "w2" / "丙局.xlsx", "丙局")
    (out / "丙局_2024.json").write_text("我自己的文件", encoding="utf-8")
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    failed = run("ingest", tmp_path / "w2", "-o", out)
    assert failed.exit_code == 2
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_a_file_of_the_users_named_report_html_is_not_replaced(tmp_path: Path, make_return) -> None:
    make_return(tmp_path / "in" / "甲局.xlsx", "甲局")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / PAGE_NAME).write_text("我的网页", encoding="utf-8")
    result = run("ingest", tmp_path / "in", "-o", tmp_path / "out")
    assert result.exit_code == 2
    assert "report.html" in result.stderr
    assert (tmp_path / "out" / PAGE_NAME).read_text(encoding="utf-8") == "我的网页"


def test_an_ingest_into_the_folder_it_reads_does_not_read_its_own_page(
    tmp_path: Path, make_return
) -> None:
    make_return(tmp_path / "in" / "甲局.xlsx", "甲局")
    run("ingest", tmp_path / "in", "-o", tmp_path / "in")
    again = run("ingest", tmp_path / "in", "-o", tmp_path / "in")
    assert again.exit_code == 0
    data, _page = load(tmp_path / "in")
    assert data["skipped_files"] == []


# ----------------------------------------------------------------------- what the page holds
def test_the_page_loads_nothing_from_anywhere(samples_out: Path) -> None:
    _data, page = load(samples_out)
    for needle in ("http:", "https:", "//cdn", "<link", "@import", "url(", "src=", "@font-face"):
        assert needle not in page.lower(), needle
    scripts = outline(page).scripts
    assert scripts == [{"type": "application/json", "id": "gk-data"}, {}]  # inline, no module


def test_the_run_is_in_one_place_and_the_rest_is_the_same_on_every_run(samples_out: Path) -> None:
    data, page = load(samples_out)
    started = data["run"]["started"].replace("T", " ")
    assert page.count(started) == 1
    assert started not in without_run(page)
    assert without_run(page).count('<section id="gk-run">…</section>') == 1
    assert "samples" not in without_run(page).split('id="gk-data"')[0]  # inputs: run only


def test_the_page_structure(samples_out: Path, form: Form) -> None:
    data, page = load(samples_out)
    shape = outline(page)
    assert shape.sections == ["gk-run", "gk-counts", "gk-returns", "gk-totals"]
    assert shape.headings == [
        ("h1", "政府信息公开工作年度报告 · 报表收集结果"),
        ("h2", "概况"),
        ("h2", "各单位报表"),
        ("h2", "合计（没有错误的报表）"),
        *[("h3", t.title) for t in form.tables],
    ]
    s = data["summary"]
    tally = re.findall(
        r'<li class="gk-s-(\w+)" data-status="\w+">(\w+)<strong>(\d+)</strong>份</li>', page
    )
    assert tally == [(k, STATUS_LABELS[k], str(s[f"returns_{k}"])) for k in STATUS_LABELS]
    assert "共 4 份报表；错误 2 项，提示 11 项。需要退回单位修改的报表 1 份" in page
    assert "以下是 3 份报表的合计" in page and "有错误或无法读取的 1 份未计入。" in page


def test_the_page_data_is_report_json(samples_out: Path) -> None:
    data, page = load(samples_out)
    rows = page_rows(page)
    assert [r[:5] for r in rows] == [
        [r["file"], r["agency"], r["status"], r["findings_errors"], r["findings_warnings"]]
        for r in data["returns"]
    ]
    for row, (*_, findings) in zip(data["returns"], rows, strict=True):
        got = [(Severity(f[0]).chinese, f[1] or "—", f[2]) for f in findings]
        assert same_findings(got, row), (got, expected_findings(row))
    b1 = rows[1][5][0]
    assert f"{b1[1]}：{b1[2]}" == data["returns"][1]["findings"][0]["message"]


def test_the_totals_are_the_column_sums_of_the_clean_returns(samples_out: Path, form: Form) -> None:
    data, page = load(samples_out)
    clean = [r for r in data["returns"] if r["status"] in ("ok", "warnings")]
    documents = [json.loads((EXPECTED / r["output"]).read_text("utf-8")) for r in clean]
    assert len(documents) == 3
    cells = outline(page).cells
    assert cells == column_sums(form, documents)
    assert cells["a.fees.amount"] == "263.33"  # 250.83 + 12.5, exactly
    assert cells["c.review.corrected"] == ""  # blank in every return


def test_duplicates_in_the_totals(tmp_path: Path, make_return, form: Form) -> None:
    """An agency's file given twice is counted once; two different returns of one agency
    that arrived together and that nothing orders are left out of the totals (which one
    counts is the coordinator's decision: an error of the run, issue 14)."""
    inbox = tmp_path / "in"
    make_return(inbox / "甲局.xlsx", "甲局")
    shutil.copy(inbox / "甲局.xlsx", inbox / "甲局（副本）.xlsx")
    make_return(inbox / "乙局_1.xlsx", "乙局")
    make_return(inbox / "乙局_2.xlsx", "乙局", values={"a.licensing.decisions": 7})
    make_return(inbox / "丙局.xlsx", "丙局", values={"a.licensing.decisions": 5})
    for one in ("乙局_1.xlsx", "乙局_2.xlsx"):  # the same times: nothing orders them
        saved_at(inbox / one, "2025-01-10T08:00:00Z")
        os.utime(inbox / one, (1736496000, 1736496000))
    assert run("ingest", inbox, "-o", tmp_path / "out").exit_code == 1
    data, page = load(tmp_path / "out")
    assert [d["agency"] for d in data["duplicates"]] == ["乙局"]
    assert [u["files"] for u in data["versions_undecided"]] == [["乙局_1.xlsx", "乙局_2.xlsx"]]
    assert outline(page).cells["a.licensing.decisions"] == "49"  # 甲局 once + 丙局
    assert outline(page).sections == [
        "gk-run",
        "gk-counts",
        "gk-returns",
        "gk-duplicates",
        "gk-totals",
    ]
    assert "以下是 2 份报表的合计" in page and "另有 1 份旧版本已被新版本取代，不计入。" in page
    assert "无法判断哪一份是最新版本" in page and "乙局_1.xlsx、乙局_2.xlsx" in page


def test_the_totals_are_the_sums_of_the_documents_that_count(
    tmp_path: Path, make_return, form: Form
) -> None:
    """The run sums the numbers each worker sent with its return, never reading the
    documents again: the page's totals are exactly the aggregator's sum of the documents
    the run wrote (a copy counted once, a superseded version, a return with errors and
    versions nothing orders left out; an amount typed as text with trailing zeros)."""
    inbox = tmp_path / "in"
    make_return(
        inbox / "甲局.xlsx", "甲局", values={"a.fees.amount": 0.1, "a.licensing.decisions": 3}
    )
    shutil.copy(inbox / "甲局.xlsx", inbox / "甲局（副本）.xlsx")
    make_return(inbox / "乙局_旧.xlsx", "乙局", values={"a.licensing.decisions": 1000})
    make_return(inbox / "乙局_新.xlsx", "乙局", values={"a.fees.amount": 2.5})
    saved_at(inbox / "乙局_旧.xlsx", "2025-01-10T08:00:00Z")
    saved_at(inbox / "乙局_新.xlsx", "2025-01-11T08:00:00Z")
    make_return(inbox / "丙局.xlsx", "丙局", values={"a.fees.amount": "12.50"})
    make_return(inbox / "丁局.xlsx", "丁局", values={**B1_BROKEN, "a.fees.amount": 77})
    make_return(inbox / "戊局_1.xlsx", "戊局", values={"a.licensing.decisions": 500})
    make_return(inbox / "戊局_2.xlsx", "戊局", values={"a.licensing.decisions": 600})
    for one in ("戊局_1.xlsx", "戊局_2.xlsx"):  # the same times: nothing orders them
        saved_at(inbox / one, "2025-01-10T08:00:00Z")
        os.utime(inbox / one, (1736496000, 1736496000))
    out = tmp_path / "out"
    assert run("ingest", inbox, "-o", out).exit_code == 1
    data, page = load(out)
    written = sorted(r["output"] for r in data["returns"] if r["output"])
    assert written == ["丙局_2024.json", "乙局_2024.json", "甲局_2024.json"]
    documents = [read(out / name) for name in written]
    members = [return_member(form, d, d.source.file) for d in documents]
    summed = with_totals(form, sum_inputs(form, members))
    assert summed["a.fees.amount"] == Decimal("15.1")  # 0.1 + 2.5 + 12.50 (text), once each
    assert summed["a.licensing.decisions"] == 3  # 甲局 once; no old version, no 戊局
    shown = {k: "" if v is None else format_number(v) for k, v in summed.items()}
    assert outline(page).cells == shown
    assert "以下是 3 份报表的合计" in page


def test_nothing_to_sum(tmp_path: Path, make_return) -> None:
    make_return(tmp_path / "in" / "甲局.xlsx", "甲局", values=B1_BROKEN)
    assert run("ingest", tmp_path / "in", "-o", tmp_path / "out").exit_code == 1
    _data, page = load(tmp_path / "out")
    assert "没有可以合计的报表" in page and 'class="gk-tables"' not in page


def test_a_batch_of_two_years_is_summed_by_year(tmp_path: Path, form: Form) -> None:
    entries, clean = synthetic_batch(40, tmp_path)
    earlier = {item.entry.display: item for item in clean[::2]}

    def of_2023(entry: Entry) -> Entry:
        return replace(entry, outcome=replace(entry.outcome, year=2023))

    entries = [of_2023(e) if e.display in earlier else e for e in entries]
    clean = [Clean(of_2023(c.entry), c.numbers) if c.entry.display in earlier else c for c in clean]
    totals = clean_totals(clean)
    assert [(g.year, g.returns) for g in totals.groups] == [
        (2023, len(clean[::2])),
        (2024, len(clean[1::2])),
    ]
    page = page_html(batch_report(entries, outputs=Outputs.of([PAGE_NAME])), totals)
    headings = [h for h in outline(page).headings if h[0] == "h3"]
    assert headings == [
        ("h3", f"2023 年度（{len(clean[::2])} 份报表）"),
        ("h3", f"2024 年度（{len(clean[1::2])} 份报表）"),
    ]


# ----------------------------------------------------------------------- the roster
def write_roster(path: Path, names: list[str]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows([["单位名称"], *[[n] for n in names]])
    return path


def test_ingest_with_a_roster(tmp_path: Path, make_return) -> None:
    inbox = tmp_path / "in"
    make_return(inbox / "甲局.xlsx", "甲局")
    make_return(inbox / "教育.xlsx", "某县（教育局）", values=B1_BROKEN)  # errors: still sent
    make_return(inbox / "丙局.xlsx", "丙局")
    roster = write_roster(tmp_path / "名单.csv", ["甲局", "某县(教育局)", "丁局", "戊局"])
    result = run("ingest", inbox, "-o", tmp_path / "out", "--roster", roster)
    assert result.exit_code == 1
    data, page = load(tmp_path / "out")
    assert data["roster"] == {
        "roster": "名单.csv",
        "expected": 4,
        "submitted": 2,
        "missing": ["丁局", "戊局"],
        "extra": ["丙局"],
        "to_fix": 1,
        "unreadable": 0,
        "agencies": [
            {"name": "甲局", "status": "ok", "files": ["甲局.xlsx"]},
            {"name": "某县(教育局)", "status": "errors", "files": ["教育.xlsx"]},
            {"name": "丁局", "status": "missing", "files": []},
            {"name": "戊局", "status": "missing", "files": []},
        ],
    }
    assert list(data)[-5:] == [
        "duplicates",
        "roster",
        "skipped_files",
        "received",
        "agency_status_labels",
    ]
    lines = result.stdout.splitlines()
    at = lines.index(
        "名单 名单.csv：已收到 2/4 个单位（其中待修改 1 个）；未报送 2 个；"
        "另有不在名单中的单位 1 个（另计）。"
    )
    assert lines[at + 1 : at + 5] == [
        "  未报送 2 个：丁局、戊局",
        "  有错误（待退回） 1 个：某县(教育局)",
        "  通过 1 个：甲局",
        "  不在名单中（另计）1 个：丙局",
    ]
    assert outline(page).sections == ["gk-run", "gk-counts", "gk-roster", "gk-returns", "gk-totals"]
    missing = page.split('id="gk-missing"')[1].split("</ol>")[0]
    assert re.findall(r'<li class="gk-name">([^<]*)</li>', missing) == ["丁局", "戊局"]
    extra = page.split('id="gk-extra"')[1].split("</ol>")[0]
    assert re.findall(r'<li class="gk-name">([^<]*)</li>', extra) == ["丙局"]
    assert "：已收到 2/4 个单位（其中待修改 1 个）；未报送 2 个；" in page
    agencies = page.split('id="gk-agencies"')[1].split("</table>")[0]
    assert re.findall(r'<tr data-status="(\w+)"><td class="gk-name">([^<]*)</td>', agencies) == [
        ("ok", "甲局"),
        ("errors", "某县(教育局)"),
        ("missing", "丁局"),
        ("missing", "戊局"),
    ]
    assert "联系人" not in page  # the roster has no contact columns


def test_without_a_roster_there_is_no_roster(samples_out: Path) -> None:
    data, page = load(samples_out)
    assert data["roster"] is None
    assert 'id="gk-roster"' not in page


def test_a_roster_that_cannot_be_read_stops_before_anything_is_written(
    tmp_path: Path, make_return
) -> None:
    make_return(tmp_path / "in" / "甲局.xlsx", "甲局")
    result = run("ingest", tmp_path / "in", "-o", tmp_path / "out", "--roster", tmp_path / "无.csv")
    assert result.exit_code == 2
    assert result.stderr == f"错误：{tmp_path / '无.csv'}：名单文件不存在。\n"
    assert not (tmp_path / "out").exists()


def test_ingest_help_shows_the_roster_option() -> None:
    result = run("ingest", "--help")
    assert "--roster" in result.stdout and "名单文件" in result.stdout
    assert "gongkai-xlsx ingest 报表/ -o 结果/ --roster 名单.csv" in result.stdout


# ----------------------------------------------------------------------- hostile names
def hostile_report(tmp_path: Path) -> BatchReport:
    """A batch report with every name and message hostile: markup, a script's end, a
    comment's start, bidi overrides, line breaks, escape sequences."""
    entries, _clean = synthetic_batch(len(HOSTILE) * 2)
    base = batch_report(entries, skipped=HOSTILE, outputs=Outputs.of([PAGE_NAME]))
    rows = tuple(
        replace(
            row,
            source=replace(row.source, name=f"{name}.xlsx"),
            agency=name,
            findings=tuple(replace(f, sheet=name, actual=name, detail=name) for f in row.findings),
        )
        for row, name in zip(base.returns, HOSTILE * 2, strict=True)
    )
    sent = [Listed(100 + k, f"甲{k}局", (f"甲{k}局.xlsx",)) for k in range(3)]
    roster = RosterMatch(
        HOSTILE[0],
        agencies=(*(Listed(2 + k, n, ()) for k, n in enumerate(HOSTILE)), *sent),
        extra=tuple(OffRoster(n, f"{n}.xlsx") for n in HOSTILE),
        duplicates=(),
    )
    data = replace(
        base,
        returns=rows,
        duplicates=tuple(Duplicate(n, 2024, (n, n + "2")) for n in HOSTILE),
        roster=roster,
    )
    assert data.completeness is not None
    assert (data.completeness.expected, data.completeness.submitted) == (9, 3)
    assert list(data.completeness.missing) == list(data.completeness.extra) == HOSTILE
    return data


def test_shown_escapes_as_the_terminal_does() -> None:
    for name in [*HOSTILE, "普通名称", "𠮷野家", ""]:
        assert shown(name) == visible(name)


def test_hostile_names_cannot_break_out_of_the_page(tmp_path: Path) -> None:
    page = page_html(hostile_report(tmp_path))
    assert page.lower().count("</script") == 2  # the JSON block's end and the script's
    assert page.count("<!--") == 0
    assert "<b>" not in page and "\u202e" not in page and "\x1b" not in page
    rows = page_rows(page)
    assert [r[1] for r in rows] == [shown(n) for n in HOSTILE * 2]


# ----------------------------------------------------------------------- in Chromium
@pytest.fixture(scope="module")
def browser():
    """One headless Chromium for the module's page tests (each loads its own page)."""
    _require_chromium()
    with chromium.browser() as driver:
        yield driver


def open_page(driver, path: Path) -> None:
    driver.set_window_size(1280, 1000)
    driver.get(chromium.file_url(path))
    wait_ready(driver)
    driver.get_log("browser")  # what an earlier page logged is not this page's


def wait_ready(driver) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, 20).until(
        lambda d: "gk-ready" in (d.find_element("tag name", "body").get_attribute("class") or "")
    )


def dom_returns(driver) -> list[dict[str, Any]]:
    """Every return row in the DOM with its findings (when expanded), read in one call."""
    return driver.execute_script(
        """
        var out = [];
        var rows = document.querySelectorAll('#gk-rows > tr');
        for (var k = 0; k < rows.length; k++) {
          var tr = rows[k];
          var text = function (css) { var n = tr.querySelector(css); return n ? n.textContent : null; };
          if (tr.className.indexOf('gk-return') === 0) {
            out.push({index: Number(tr.getAttribute('data-index')), agency: text('.gk-agency'),
                      file: text('.gk-file'), status: text('.gk-status'), errors: text('.gk-errors'),
                      warnings: text('.gk-warnings'), toggle: text('.gk-toggle-cell'), findings: null});
          } else if (tr.className === 'gk-detail') {
            var fs = tr.querySelectorAll('tr.gk-finding');
            var list = [];
            for (var j = 0; j < fs.length; j++) {
              list.push([fs[j].querySelector('.gk-level').textContent,
                         fs[j].querySelector('.gk-place').textContent,
                         fs[j].querySelector('.gk-message').textContent]);
            }
            out[out.length - 1].findings = list;
          }
        }
        return out;
        """
    )


def click_all(driver, css: str) -> int:
    buttons = driver.find_elements("css selector", css)
    for button in buttons:
        button.click()
    return len(buttons)


def check_only(driver, statuses: set[str]) -> None:
    for box in driver.find_elements("css selector", "#gk-statuses input"):
        if box.is_selected() != (box.get_attribute("value") in statuses):
            box.click()


def severe_console_messages(driver) -> list[str]:
    try:
        log = driver.get_log("browser")
    except Exception:  # a driver without the log endpoint
        return []
    return [entry["message"] for entry in log if entry.get("level") == "SEVERE"]


@pytest.mark.chromium
def test_chromium_shows_every_return_and_finding(
    samples_out: Path, tmp_path: Path, browser
) -> None:
    data, _page = load(samples_out)
    driver = browser
    open_page(driver, samples_out / PAGE_NAME)
    assert driver.title == "报表收集结果（共 4 份）"
    shown_rows = dom_returns(driver)
    assert [r["findings"] for r in shown_rows] == [None] * 4  # nothing built before asked
    pages = len(driver.find_elements("css selector", "#gk-page option"))
    expanded = 0
    for number in range(pages):  # every page, every entry
        if number:
            driver.find_element("id", "gk-next").click()
        expanded += click_all(driver, "button.gk-toggle")
    assert expanded == sum(1 for r in data["returns"] if r["findings"])
    shown_rows = dom_returns(driver)
    assert [
        (r["index"], r["agency"], r["file"], r["status"], r["errors"], r["warnings"])
        for r in shown_rows
    ] == [
        (
            i,
            r["agency"],
            r["file"],
            r["status_label"],
            str(r["findings_errors"]),
            str(r["findings_warnings"]),
        )
        for i, r in enumerate(data["returns"])
    ]
    for dom, row in zip(shown_rows, data["returns"], strict=True):
        if not row["findings"]:
            assert dom["findings"] is None and dom["toggle"] == "无"
            continue
        assert dom["toggle"] == "收起"
        got = [tuple(f) for f in dom["findings"]]
        assert same_findings(got, row), (got, expected_findings(row))
    chromium.full_page_screenshot(driver, tmp_path / "report.png")
    if os.environ.get("GONGKAI_SCREENSHOTS"):  # to look at it: a folder to copy it into
        shutil.copy(tmp_path / "report.png", Path(os.environ["GONGKAI_SCREENSHOTS"]))
    assert (tmp_path / "report.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    driver.set_window_size(1280, 1000)

    for status, label in STATUS_LABELS.items():
        check_only(driver, {status})
        rows = dom_returns(driver)
        assert [r["status"] for r in rows] == [label] * data["summary"][f"returns_{status}"]
        if not rows:
            assert driver.find_element("css selector", ".gk-empty").text == (
                "没有符合筛选条件的报表。"
            )
    check_only(driver, {"errors", "unreadable"})  # the returns to send back
    assert [r["file"] for r in dom_returns(driver)] == ["某县交通运输局_2024_B1不平衡.xlsx"]
    driver.find_element("id", "gk-all").click()
    query = driver.find_element("id", "gk-query")
    query.send_keys("教育")
    assert [r["agency"] for r in dom_returns(driver)] == ["某县教育局"]
    query.clear()
    query.send_keys("LIBREOFFICE")  # the file name, whatever the case
    assert [r["agency"] for r in dom_returns(driver)] == ["某县民政局"]
    driver.find_element("id", "gk-all").click()
    assert len(dom_returns(driver)) == 4
    assert driver.find_element("id", "gk-shown").text == (
        "符合条件的报表 4 份（共 4 份），本页显示第 1–4 份。"
    )
    totals = driver.find_elements("css selector", "#gk-totals td[data-cell]")
    assert {t.get_attribute("data-cell"): t.text for t in totals}["a.fees.amount"] == "263.33"
    assert severe_console_messages(driver) == []


@pytest.mark.chromium
def test_chromium_builds_one_page_of_rows_at_a_time(tmp_path: Path, browser) -> None:
    entries, _clean = synthetic_batch(250, many=1200)
    data = batch_report(entries, outputs=Outputs.of([PAGE_NAME]))
    (tmp_path / PAGE_NAME).write_text(page_html(data), encoding="utf-8")
    driver = browser
    open_page(driver, tmp_path / PAGE_NAME)
    count = lambda css: len(driver.find_elements("css selector", css))  # noqa: E731
    assert (count("tr.gk-return"), count("tr.gk-finding")) == (100, 0)
    assert count("#gk-page option") == 3
    driver.find_element("id", "gk-expand").click()  # the whole first page
    first_page = data.returns[:100]
    # one line per finding, a hint on more than five cells of a return one line for them all
    lines = [len(group_repeated(r.findings)) for r in first_page]
    assert sum(lines) < sum(len(r.findings) for r in first_page)  # some were grouped
    assert count("tr.gk-finding") == sum(min(n, 500) for n in lines)
    driver.find_element("id", "gk-collapse").click()
    assert count("tr.gk-finding") == 0
    driver.find_element("id", "gk-next").click()
    assert [r["index"] for r in dom_returns(driver)] == list(range(100, 200))
    assert driver.find_element("id", "gk-prev").is_enabled()

    big = next(i for i, r in enumerate(data.returns) if len(r.findings) == 1200)
    driver.find_element("id", "gk-query").send_keys(data.returns[big].agency)
    assert [r["index"] for r in dom_returns(driver)] == [big]
    driver.find_element("css selector", "button.gk-toggle").click()
    assert count("tr.gk-finding") == 500
    more = driver.find_element("css selector", "button.gk-more")
    assert more.text == "再显示 500 项（还有 700 项）"
    more.click()
    driver.find_element("css selector", "button.gk-more").click()
    assert count("tr.gk-finding") == 1200 and count("button.gk-more") == 0
    assert severe_console_messages(driver) == []


@pytest.mark.chromium
def test_chromium_shows_hostile_names_as_text(tmp_path: Path, browser) -> None:
    data = hostile_report(tmp_path)
    (tmp_path / PAGE_NAME).write_text(page_html(data), encoding="utf-8")
    driver = browser
    open_page(driver, tmp_path / PAGE_NAME)
    click_all(driver, "button.gk-toggle")
    rows = dom_returns(driver)
    assert [r["agency"] for r in rows] == [shown(n) for n in HOSTILE * 2]
    assert [r["file"] for r in rows] == [shown(f"{n}.xlsx") for n in HOSTILE * 2]
    for dom, name in zip(rows, HOSTILE * 2, strict=True):
        for _level, place, _message in dom["findings"] or []:
            assert place.startswith(shown(name))
    injected = driver.execute_script(
        "return [document.getElementsByTagName('b').length,"
        " document.getElementsByTagName('script').length];"
    )
    assert injected == [0, 2]  # no element made of a name
    names = driver.execute_script(
        "var out = []; var li = document.querySelectorAll('#gk-missing + ol li');"
        "for (var k = 0; k < li.length; k++) out.push(li[k].textContent); return out;"
    )
    assert names == [shown(n) for n in HOSTILE]
    assert severe_console_messages(driver) == []


@pytest.mark.chromium
def test_the_ie_notice_is_there_for_ie_only(samples_out: Path, browser) -> None:
    """360 and QQ are asked for their Chromium engine (``renderer``); where an IE engine
    opens the page anyway, a Chinese notice says what to do. It is shown by default and
    hidden inside ``@supports``, which no IE knows: Chromium hides it."""
    _data, page = load(samples_out)
    assert '<meta name="renderer" content="webkit">' in page
    assert page.count(IE_NOTICE_TEXT) == 1 and "兼容模式" in IE_NOTICE_TEXT
    driver = browser
    open_page(driver, samples_out / PAGE_NAME)
    notice = driver.find_element("css selector", "p.gk-ie")
    assert notice.get_attribute("textContent") == IE_NOTICE_TEXT
    assert not notice.is_displayed()
    rules = driver.execute_script(
        "var out = []; var sheets = document.styleSheets;"
        "for (var i = 0; i < sheets.length; i++) { var rules = sheets[i].cssRules;"
        "  for (var j = 0; j < rules.length; j++)"
        "    if (rules[j].cssText.indexOf('gk-ie') >= 0) out.push(rules[j].cssText); }"
        "return out;"
    )
    # shown outside @supports (what IE applies), hidden inside it (what IE skips)
    assert any(r.startswith(".gk-ie {") and "display: block" in r for r in rules), rules
    assert any(
        r.startswith("@supports (display: block)") and "display: none" in r for r in rules
    ), rules
