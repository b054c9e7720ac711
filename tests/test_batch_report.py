"""The batch report is one object, and every view of a batch renders it: report.json is its
bytes, report.html and the terminal its renderings, so for one batch with every kind of
row (passed, hints, errors, unreadable, two returns of one agency, an agency off the
roster and one missing from it, an entry the walk could not read, one it passed over, a
file that is not a spreadsheet) all three show the same counts, and those are the counts
the report computed once.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
from dataclasses import FrozenInstanceError
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import run
from test_report_schema import validate_report

from gongkai_xlsx import api
from gongkai_xlsx.catalogue import STATUS_LABELS
from gongkai_xlsx.cli.ingest import batch_lines, batch_table
from gongkai_xlsx.ingest.page import PAGE_NAME, page_html
from gongkai_xlsx.ingest.report import STATUSES, BatchReport

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
OK = "互助县城市管理综合行政执法局_2024.xlsx"  # passes; on the roster
OFF_ROSTER = "某县民政局_2024_LibreOffice保存.xlsx"  # passes; not on the roster
ERRORS = "某县交通运输局_2024_B1不平衡.xlsx"  # B1 does not hold
HINTS = "某县教育局_2024_文本数字.xlsx"  # numbers typed as text; sent twice
ROSTER = [
    "互助县城市管理综合行政执法局",
    "某县交通运输局",
    "某县 教育局",  # written otherwise than the return (a space): one agency all the same
    "某县财政局",  # sent nothing
]

# What the batch is, counted by hand: every view must show exactly this.
RETURNS = {"ok": 2, "warnings": 1, "errors": 1, "unreadable": 1, "superseded": 1}
CURRENT = sum(RETURNS.values()) - RETURNS["superseded"]  # what 共 N 份 counts
SENT, EXPECTED, MISSING, EXTRA = 3, 4, ["某县财政局"], ["某县民政局"]


# the counts line leaves out a part that is 0, and the parenthesis when both are
PENDING = r"(?:（其中(?:待修改 [1-9]\d* 个)?、?(?:无法读取 [1-9]\d* 个)?）)?"


def make_batch(root: Path) -> tuple[Path, Path]:
    inbox = root / "报表"
    inbox.mkdir()
    for name in (OK, OFF_ROSTER, ERRORS, HINTS):
        shutil.copy(SAMPLES / name, inbox / name)
    (inbox / "副本").mkdir()
    shutil.copy(SAMPLES / HINTS, inbox / "副本" / HINTS)  # an identical copy: counted once
    (inbox / "坏.xlsx").write_bytes(b"")  # a return that cannot be read
    for shortcut in ("乙局报表.xlsx.lnk", "丙局报表.xlsx.lnk"):  # not read: the run is not whole
        (inbox / shortcut).write_bytes(b"L\x00\x00\x00\x01\x14\x02\x00")
    shutil.copy(SAMPLES / OK, inbox / "~$互助县.xlsx")  # an Office lock file: passed over
    # not spreadsheets, and not read (a PDF or Word file would be: file-not-workbook)
    for other in ("说明.txt", "通知.html", "附件.md"):
        (inbox / other).write_bytes(b"%")
    roster = root / "名单.csv"
    with roster.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows([["单位名称"], *[[n] for n in ROSTER]])
    return inbox, roster


# ------------------------------------------------------------------ each view's counts
def terminal_counts(text: str) -> dict[str, object]:
    """The counts the terminal prints: its table's rows by status, and its summary lines."""
    lines = text.splitlines()
    table = lines[2 : lines.index("")]  # after the header and its rule, to the first blank
    by_label = {label: status for status, label in STATUS_LABELS.items()}
    statuses = [by_label[line.split()[2]] for line in table]
    total = re.search(
        r"共 (\d+) 份：通过 (\d+)，有提示 (\d+)，有错误 (\d+)，无法读取 (\d+)。", text
    )
    counts = re.search(
        r"名单 名单\.csv：已收到 (\d+)/(\d+) 个单位" + PENDING + "；"
        r"未报送 (\d+) 个；另有不在名单中的单位 (\d+) 个（另计）。",
        text,
    )
    missing = re.search(r"^  未报送 (\d+) 个：(.*)$", text, re.M)
    extra = re.search(r"^  不在名单中（另计）(\d+) 个：(.*)$", text, re.M)
    assert counts and missing and extra, text
    assert (counts[3], counts[4]) == (missing[1], extra[1]), text
    roster = (None, counts[1], counts[2], counts[3], missing[2], counts[4], extra[2])
    unreached = re.search(r"无法读取的文件夹或文件 (\d+) 项", text)
    passed_over = re.search(r"按规则未查看 (\d+) 项", text)
    skipped = re.search(r"另有 (\d+) 个文件不是电子表格", text)
    back = re.search(r"需要退回单位修改的报表 (\d+) 份", text)
    older = re.search(r"另有旧版本 (\d+) 份已被新版本取代", text)
    assert total and roster and unreached and passed_over and skipped and back, text
    return {
        "rows": {s: statuses.count(s) for s in STATUSES},
        "returns": int(total[1]),
        "by_status": {
            **dict(zip(STATUSES[:4], map(int, total.groups()[1:]), strict=True)),
            "superseded": int(older[1]) if older else 0,
        },
        "sent": (int(roster[1]), int(roster[2])),
        "missing": roster[4].split("、"),
        "extra": roster[6].split("、"),
        "unreadable_entries": int(unreached[1]),
        "passed_over": int(passed_over[1]),
        "skipped_files": int(skipped[1]),
        "send_back": int(back[1]),
    }


def json_counts(data: dict) -> dict[str, object]:
    s, roster = data["summary"], data["roster"]
    statuses = [r["status"] for r in data["returns"]]
    return {
        "rows": {st: statuses.count(st) for st in STATUSES},
        "returns": s["returns"],
        "by_status": {st: s[f"returns_{st}"] for st in STATUSES},
        "sent": (roster["submitted"], roster["expected"]),
        "missing": roster["missing"],
        "extra": roster["extra"],
        "unreadable_entries": s["unreadable_entries"],
        "passed_over": s["passed_over"],
        "skipped_files": s["skipped_files"],
        "send_back": s["returns_errors"] + s["returns_unreadable"],
    }


class PageText(HTMLParser):
    """What the page shows: the tally by status, the text of each paragraph by its class,
    the names listed under each heading id, and the rows of its data block."""

    def __init__(self) -> None:
        super().__init__()
        self.tally: dict[str, int] = {}
        self.paragraphs: dict[str, str] = {}
        self.lists: dict[str, list[str]] = {}
        self.data = ""
        self._status: str | None = None
        self._strong = False
        self._paragraph: str | None = None
        self._heading: str | None = None
        self._item: list[str] | None = None
        self._in_data = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "li" and a.get("data-status"):
            self._status = a["data-status"]
        elif tag == "strong" and self._status:
            self._strong = True
        elif tag == "p" and a.get("class"):
            self._paragraph = (a["class"] or "").split()[-1]
            self.paragraphs[self._paragraph] = ""
        elif tag == "h3" and a.get("id"):
            self._heading = a["id"]
            self.lists[self._heading] = []
        elif tag == "li" and self._heading:
            self._item = []
        elif tag == "script" and a.get("id") == "gk-data":
            self._in_data = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "li" and self._status:
            self._status = None
        elif tag == "strong":
            self._strong = False
        elif tag == "p":
            self._paragraph = None
        elif tag == "li" and self._item is not None and self._heading:
            self.lists[self._heading].append("".join(self._item))
            self._item = None
        elif tag in ("ol", "section"):
            self._heading = None
        elif tag == "script":
            self._in_data = False

    def handle_data(self, data: str) -> None:
        if self._strong and self._status:
            self.tally[self._status] = int(data)
        if self._paragraph:
            self.paragraphs[self._paragraph] += data
        if self._item is not None:
            self._item.append(data)
        if self._in_data:
            self.data += data


def page_counts(page: str) -> dict[str, object]:
    parsed = PageText()
    parsed.feed(page)
    summary, roster = parsed.paragraphs["gk-summary"], parsed.paragraphs["gk-roster-line"]
    total = re.search(r"共 (\d+) 份报表", summary)
    sent = re.search(r"已收到 (\d+)/(\d+) 个单位" + PENDING + r"；未报送 (\d+) 个", roster)
    unreached = re.search(r"有 (\d+) 个文件夹或文件无法读取", summary)
    skipped = re.search(r"另有 (\d+) 个文件不是电子表格", summary)
    back = re.search(r"需要退回单位修改的报表 (\d+) 份", summary)
    passed_over = re.search(r"按规则未查看的文件和文件夹（(\d+) 个）", page)
    assert total and sent and unreached and skipped and back and passed_over, summary
    assert int(sent[3]) == len(parsed.lists["gk-missing"])
    statuses = [row[2] for row in json.loads(parsed.data)["returns"]]
    return {
        "rows": {s: statuses.count(s) for s in STATUSES},
        "returns": int(total[1]),
        "by_status": parsed.tally,
        "sent": (int(sent[1]), int(sent[2])),
        "missing": parsed.lists["gk-missing"],
        "extra": parsed.lists["gk-extra"],
        "unreadable_entries": int(unreached[1]),
        "passed_over": int(passed_over[1]),
        "skipped_files": int(skipped[1]),
        "send_back": int(back[1]),
    }


def report_counts(report: BatchReport) -> dict[str, object]:
    """The counts as the report computed them, once."""
    c, roster = report.counts, report.completeness
    assert roster is not None
    return {
        "rows": {s: c.of(s) for s in STATUSES},
        "returns": c.returns,
        "by_status": {s: c.of(s) for s in STATUSES},
        "sent": (roster.submitted, roster.expected),
        "missing": list(roster.missing),
        "extra": list(roster.extra),
        "unreadable_entries": c.unreadable_entries,
        "passed_over": c.passed_over,
        "skipped_files": c.skipped_files,
        "send_back": c.send_back,
    }


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    root = tmp_path_factory.mktemp("batch")
    inbox, roster = make_batch(root)
    return root, inbox, roster


def test_the_terminal_report_json_and_page_show_the_same_counts(
    batch: tuple[Path, Path, Path],
) -> None:
    root, inbox, roster = batch
    out = root / "结果"
    done = api.ingest(
        api.IngestOptions([inbox], out, jobs=1, roster=roster, annotate=root / "退回")
    )
    report = done.report
    written = (out / "report.json").read_bytes()
    assert written == report.to_json_bytes()  # report.json is the report's own bytes
    data = json.loads(written)
    validate_report(data)
    page = (out / PAGE_NAME).read_text(encoding="utf-8")
    terminal = "\n".join([batch_table(report), *batch_lines(report, out)])

    expected = {
        "rows": RETURNS,
        "returns": CURRENT,
        "by_status": RETURNS,
        "sent": (SENT, EXPECTED),
        "missing": MISSING,
        "extra": EXTRA,
        "unreadable_entries": 2,  # the shortcuts
        "passed_over": 1,  # the lock file
        "skipped_files": 3,  # the files of other kinds
        "send_back": RETURNS["errors"] + RETURNS["unreadable"],
    }
    assert report_counts(report) == expected
    assert json_counts(data) == expected
    assert page_counts(page) == expected
    assert terminal_counts(terminal) == expected
    # the identical copy counts once (no duplicate), the marked copy, and where each
    # agency of the roster stands
    assert report.duplicates == () and data["duplicates"] == []
    assert next(r for r in data["returns"] if r["file"] == HINTS)["superseded_by"] == (
        f"副本/{HINTS}"
    )
    assert report.counts.annotated == 1 == sum(1 for r in data["returns"] if r["annotated"])
    assert [(a.name, a.sent, [r.file for r in a.rows]) for a in report.agencies] == [
        ("互助县城市管理综合行政执法局", True, [OK]),
        ("某县交通运输局", True, [ERRORS]),
        ("某县 教育局", True, [f"副本/{HINTS}"]),
        ("某县财政局", False, []),
    ]
    # the page written is the page of this report: its counts and roster sections again
    again = page_html(report)
    for section in ("gk-counts", "gk-roster"):
        pattern = rf'<section id="{section}">.*?</section>'
        assert re.search(pattern, page, re.S)[0] == re.search(pattern, again, re.S)[0]  # type: ignore[index]


def test_the_command_prints_the_report_s_lines(batch: tuple[Path, Path, Path]) -> None:
    """``ingest`` prints what :func:`batch_lines` makes of the run's report."""
    root, inbox, roster = batch
    out = root / "命令"
    result = run("ingest", inbox, "-o", out, "--roster", roster)
    assert result.exit_code == 1  # a return has errors, and an entry was not read
    assert terminal_counts(result.stdout) == json_counts(
        json.loads((out / "report.json").read_text(encoding="utf-8"))
    )
    assert (
        "共 5 份：通过 2，有提示 1，有错误 1，无法读取 1。另有旧版本 1 份已被新版本取代，不计入。"
        in (result.stdout.splitlines())
    )
    lines = result.stdout.splitlines()
    at = lines.index(
        "名单 名单.csv：已收到 3/4 个单位（其中待修改 1 个）；未报送 1 个；"
        "另有不在名单中的单位 1 个（另计）。"
    )
    assert lines[at + 1 : at + 6] == [
        "  未报送 1 个：某县财政局",
        "  有错误（待退回） 1 个：某县交通运输局",
        "  有提示 1 个：某县 教育局",
        "  通过 1 个：互助县城市管理综合行政执法局",
        "  不在名单中（另计）1 个：某县民政局",
    ]


def test_the_report_is_frozen(batch: tuple[Path, Path, Path]) -> None:
    """Built once, at the end of the run: no view can change what another shows."""
    root, inbox, _roster = batch
    report = api.ingest(api.IngestOptions([inbox], root / "冻结", jobs=1)).report
    with pytest.raises(FrozenInstanceError):
        report.returns = ()  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        report.counts.ok = 99  # type: ignore[misc]
    assert isinstance(report.returns[0].findings, tuple)
    assert report.completeness is None and report.agencies == ()
