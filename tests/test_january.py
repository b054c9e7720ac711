"""The January, played end to end (issue 14's "Done when"): three rounds of returns.

A county of 12 agencies on a GBK roster with contacts (单位名称,联系人,联系电话,邮箱).
Round 1 (报表/第一轮/): clean returns, one with a hint, one with a B1 error, one with a
total typed over, one that names no agency (its file name does), a .xls made by LibreOffice
from a filled return, a PDF and a photo named after agencies, one agency off the roster,
one agency silent. Round 2 (报表/1月20日微信/): the fixed returns, one still wrong. Round 3
(报表/1月22日/): the last fix. After each round ``ingest --roster --annotate`` and
``aggregate --roster`` run through the real CLI, and every view must show the same status
of every agency and the same counts: the terminal, report.json, report.html (its agency
table as Chromium shows it), aggregate's output and the summary workbook's 报送情况 read
back. The 退回清单 lists exactly the agencies still to fix with the roster's contacts; the
marked copies are named ``<单位>_退回修改_<YYYYMMDD>.xlsx``, one per agency with errors.

Filling through LibreOffice costs a few seconds a return, so three returns are filled
in Calc as a clerk would (甲's clean one, 丙's B1 error and 丙's fix) and the .xls is
saved by LibreOffice from a Calc-filled return; the others are filled with openpyxl.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import chromium
import pytest
from conftest import run
from january_county import (
    OFF_ROSTER,
    ROSTER,
    ROUND_1,
    ROUND_2,
    ROUND_3,
    SILENT,
    SILENT_ONE,
    TO_FIX,
    UNREADABLE,
    contact,
    make_templates,
    round_one,
    round_three,
    round_two,
    write_roster,
)
from test_report_page import _require_chromium, open_page
from test_send_back import send_back_list

from gongkai_xlsx.definition import Form
from gongkai_xlsx.definition.layout import Layout
from gongkai_xlsx.reader import read_return

pytestmark = [pytest.mark.libreoffice, pytest.mark.chromium]


@pytest.fixture(scope="module")
def templates(form: Form, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return make_templates(form, tmp_path_factory.mktemp("模板"))


def _counts(expected: dict[str, str]) -> str:
    """The counts line every view shows, from the expected statuses."""
    n = {s: sum(1 for v in expected.values() if v == s) for s in set(expected.values())}
    received = len(expected) - n.get(SILENT, 0)
    to_fix, unreadable = n.get(TO_FIX, 0), n.get(UNREADABLE, 0)
    parts = [f"{w} {k} 个" for w, k in (("待修改", to_fix), ("无法读取", unreadable)) if k]
    inner = f"（其中{'、'.join(parts)}）" if parts else ""  # a part that is 0 is left out
    return (
        f"名单 名单.csv：已收到 {received}/{len(expected)} 个单位{inner}；"
        f"未报送 {n[SILENT]} 个；另有不在名单中的单位 1 个（另计）。"
    )


def _terminal(lines: list[str], counts_line: str, expected: dict[str, str]) -> None:
    """The agencies under the counts line, each under its status; a long line names five
    and says how many (``等共 9 个单位``)."""
    at = lines.index(counts_line)
    seen: dict[str, int] = {}
    for line in lines[at + 1 :]:
        match = re.fullmatch(r"  (\S+?) ?(\d+) 个：(.*?)(?: 等共 (\d+) 个单位)?", line)
        if not match or match[1].startswith("不在名单中"):
            break
        status, count, listed = match[1], int(match[2]), match[3].split("、")
        assert [a for a in expected if expected[a] == status][: len(listed)] == listed, line
        assert count == sum(1 for s in expected.values() if s == status), line
        assert len(listed) == (5 if match[4] else count) and int(match[4] or count) == count
        seen[status] = count
    assert seen == dict(Counter(expected.values())), lines


def _page_agencies(driver: Any, page: Path) -> tuple[str, dict[str, tuple[str, ...]]]:
    """The counts line and the agency table of report.html, as Chromium shows them."""
    open_page(driver, page)
    return driver.execute_script(
        """
        var line = document.querySelector('.gk-roster-line').textContent;
        var out = {};
        document.querySelectorAll('#gk-agencies tr[data-status]').forEach(function (tr) {
          var cells = Array.prototype.map.call(tr.children, function (td) {
            return td.textContent; });
          out[cells[0]] = cells;
        });
        return [line, out];
        """
    )


def _play_round(
    tmp: Path, expected: dict[str, str], driver: Any
) -> tuple[dict[str, Any], list[str]]:
    """ingest and aggregate as the README says; every view against ``expected``."""
    inbox, out, back, roster = tmp / "报表", tmp / "结果", tmp / "退回", tmp / "名单.csv"
    to_fix = {a for a, s in expected.items() if s in (TO_FIX, UNREADABLE)}
    counts_line = _counts(expected)

    result = run("ingest", inbox, "-o", out, "--roster", roster, "--annotate", back)
    assert result.exit_code == (1 if to_fix else 0), result.output
    lines = result.stdout.splitlines()
    assert counts_line in lines, result.output
    _terminal(lines, counts_line, expected)
    assert f"  不在名单中（另计）1 个：{OFF_ROSTER}" in lines

    report = json.loads((out / "report.json").read_text("utf-8"))
    assert report["schema_version"] == 3
    labels = report["agency_status_labels"]
    got = {a["name"]: labels[a["status"]] for a in report["roster"]["agencies"]}
    assert got == expected
    r = report["roster"]
    assert (r["expected"], r["submitted"]) == (12, 11)
    assert r["to_fix"] == sum(1 for s in expected.values() if s == TO_FIX)
    assert r["unreadable"] == sum(1 for s in expected.values() if s == UNREADABLE)
    assert r["missing"] == [SILENT_ONE] and r["extra"] == [OFF_ROSTER]

    files = {a["name"]: a["files"] for a in r["agencies"]}
    line, table = _page_agencies(driver, out / "report.html")
    assert line == counts_line
    assert {name: cells[1] for name, cells in table.items()} == expected
    for name, cells in table.items():
        assert tuple(cells[-3:]) == contact(name), cells  # the roster's contacts
        assert cells[2].split() == files[name], cells

    summary = tmp / "汇总.xlsx"
    args = ("aggregate", out, "-o", summary, "--name", "某县", "--roster", roster, "--force")
    summed = run(*args)
    assert summed.exit_code == 0, summed.output
    agg = summed.stdout.splitlines()
    assert counts_line in agg, summed.output
    _terminal(agg, counts_line, expected)
    back_read = read_return(summary)
    assert [f.code.code for f in back_read.findings if f.is_error] == []
    assert back_read.completeness is not None
    assert {a["name"]: labels[a["status"]] for a in back_read.completeness["agencies"]} == expected
    c = back_read.completeness
    assert (c["expected"], c["submitted"], c["to_fix"], c["unreadable"]) == (
        12,
        11,
        r["to_fix"],
        r["unreadable"],
    )

    # what goes back: the 退回清单 and the marked copies
    marked = sorted(p.name for p in back.glob("*.xlsx") if p.name != "退回清单.xlsx")
    with_errors = sorted(a for a, s in expected.items() if s == TO_FIX)
    assert [re.fullmatch(r"(.+)_退回修改_\d{8}\.xlsx", m)[1] for m in marked] == with_errors
    if to_fix:
        rows = send_back_list(back)
        assert [row[1] for row in rows] == [a for a in ROSTER if a in to_fix]
        for row in rows:
            assert row[2:5] == contact(row[1]) and row[9] == "名单"
            assert row[5] == ("有错误" if expected[row[1]] == TO_FIX else "无法读取")
            if expected[row[1]] == TO_FIX:
                assert re.fullmatch(re.escape(row[1]) + r"_退回修改_\d{8}\.xlsx", row[8])
    else:
        assert list(back.glob("*.xlsx")) == []
    return report, agg


@pytest.fixture(scope="module")
def driver():
    _require_chromium()
    with chromium.browser() as d:
        yield d


def test_a_january_in_three_rounds(
    layout: Layout, templates: dict[str, Path], tmp_path: Path, driver: Any
) -> None:
    write_roster(tmp_path / "名单.csv")
    inbox = tmp_path / "报表"
    round_one(inbox, layout, templates, tmp_path / "clerk")
    report, _ = _play_round(tmp_path, ROUND_1, driver)

    round_two(inbox, layout, templates)
    report, _ = _play_round(tmp_path, ROUND_2, driver)
    by_file = {row["file"]: row for row in report["returns"]}
    assert by_file["第一轮/丙局.xlsx"]["superseded_by"] == "1月20日微信/丙局（改）.xlsx"
    assert by_file["第一轮/某县戊局2024年报.xlsx"]["superseded_by"] == "1月20日微信/戊局.xlsx"
    assert by_file["第一轮/某县己局报表.xls"]["superseded_by"] == "1月20日微信/己局.xlsx"

    round_three(inbox, layout, templates)
    report, agg = _play_round(tmp_path, ROUND_3, driver)
    by_file = {row["file"]: row for row in report["returns"]}
    for old in ("第一轮/丁局.xlsx", "1月20日微信/丁局修改后.xlsx"):  # both: by the current one
        assert by_file[old]["superseded_by"] == "1月22日/丁局（终稿）.xlsx"
    assert not (tmp_path / "退回" / "退回清单.xlsx").exists()
    (warning,) = [line for line in agg if line.startswith("注意：")]
    assert warning.startswith("注意：汇总不完整——未报送 1 个单位，均未计入。"), agg
    assert "  未报送 1 个：某县子局" in agg
