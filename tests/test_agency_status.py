"""One status per roster agency, everywhere (issue 14, part 2).

A county of 12 agencies on a roster with contact columns. What arrived: a clean return,
one with a hint, one with an error, an old .xls and a PDF each named after an agency, a
return whose cover names no agency (its file name does), one agency off the roster, and
six agencies silent. Through the real CLI, the terminal, report.json, report.html,
``aggregate --roster`` of the output folder, the summary workbook's 报送情况 read back, and
``render`` of the summary all show the same status for every agency and the same counts,
computed once (:mod:`gongkai_xlsx.completeness`).
"""

from __future__ import annotations

import csv
import json
import re
from html import unescape
from pathlib import Path

import pytest
from conftest import fill_with_openpyxl, run

from gongkai_xlsx.definition import Form, names
from gongkai_xlsx.definition.layout import Layout
from gongkai_xlsx.reader import read_return
from gongkai_xlsx.writer import TemplateOptions, write_template

ROSTER = [f"某县{c}局" for c in "甲乙丙丁戊己庚辛壬癸子丑"]
GOOD = {"a.licensing.decisions": 3}
HINT = {"a.licensing.decisions": "3"}  # a number typed as text: read, with a hint
BROKEN = {"b.received.natural_person": 5, "b.disclosed.natural_person": 2}  # B1 fails

# every agency's one status, as every view must show it
EXPECTED = {
    "某县甲局": "通过",
    "某县乙局": "有提示",
    "某县丙局": "有错误（待退回）",
    "某县丁局": "已收到但无法读取",  # an old .xls named after it
    "某县戊局": "已收到但无法读取",  # a PDF named after it
    "某县己局": "有错误（待退回）",  # its cover names no agency: an error; its file name does
    **{name: "未报送" for name in ROSTER[6:]},
}
COUNTS = (
    "已收到 6/12 个单位（其中待修改 2 个、无法读取 2 个）；未报送 6 个；"
    "另有不在名单中的单位 1 个（另计）"
)


def _template(folder: Path, form: Form, agency: str) -> Path:
    path = folder / f"模板_{agency or '空白'}.xlsx"
    write_template(form, TemplateOptions(year=2024, agency=agency or None), path)
    return path


@pytest.fixture
def county(tmp_path: Path, form: Form, layout: Layout) -> tuple[Path, Path]:
    inbox = tmp_path / "报表"
    inbox.mkdir()
    made = tmp_path / "模板"
    made.mkdir()
    for file, agency, values in [
        ("甲局.xlsx", "某县甲局", GOOD),
        ("乙局.xlsx", "某县乙局", HINT),
        ("丙局.xlsx", "某县丙局", BROKEN),
        ("某县己局2024年报.xlsx", "", GOOD),  # 填报单位 left empty
        ("科协.xlsx", "某县科协", GOOD),  # not on the roster
    ]:
        fill_with_openpyxl(layout, _template(made, form, agency), inbox / file, values)
    (inbox / "某县丁局报表.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600))
    (inbox / "某县戊局年报（扫描件）.pdf").write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    roster = tmp_path / "名单.csv"
    with roster.open("w", encoding="gbk", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["单位名称", "联系人", "联系电话"])
        for index, name in enumerate(ROSTER):
            writer.writerow([name, f"联系人{index}", f"0971-55500{index:02d}"])
    return inbox, roster


def _terminal_statuses(lines: list[str], counts_line: str) -> dict[str, str]:
    """The agencies under the counts line, by status line (``  有提示 1 个：甲、乙``)."""
    at = lines.index(counts_line)
    found: dict[str, str] = {}
    for line in lines[at + 1 :]:
        match = re.fullmatch(r"  (\S+?) ?(\d+) 个：(.*)", line)
        if not match or match[1].startswith("不在名单中"):
            break
        names_listed = match[3].split("、")
        assert len(names_listed) == int(match[2]), line
        found.update(dict.fromkeys(names_listed, match[1]))
    return found


def test_every_view_shows_the_same_status_of_every_agency(
    county: tuple[Path, Path], tmp_path: Path
) -> None:
    inbox, roster = county
    out = tmp_path / "结果"
    result = run("ingest", inbox, "-o", out, "--roster", roster)
    assert result.exit_code == 1  # returns with errors and files not read
    lines = result.stdout.splitlines()

    # the terminal: the counts, every agency under its status, the unnamed return shown so
    counts_line = f"名单 名单.csv：{COUNTS}。"
    assert _terminal_statuses(lines, counts_line) == EXPECTED
    assert "  不在名单中（另计）1 个：某县科协" in lines
    table = {line.split()[0]: line.split()[1] for line in lines[2 : lines.index("")]}
    assert table["某县己局2024年报.xlsx"] == "（未填写）（按文件名为"  # then 某县己局）
    assert (
        "（未填写）（按文件名为 某县己局）" in lines[2 + list(table).index("某县己局2024年报.xlsx")]
    )

    # report.json: the same statuses and counts
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["schema_version"] == 3
    labels = report["agency_status_labels"]
    got = {a["name"]: labels[a["status"]] for a in report["roster"]["agencies"]}
    assert got == EXPECTED
    assert (report["roster"]["expected"], report["roster"]["submitted"]) == (12, 6)
    assert (report["roster"]["to_fix"], report["roster"]["unreadable"]) == (2, 2)
    assert report["roster"]["missing"] == ROSTER[6:]
    assert report["roster"]["extra"] == ["某县科协"]
    files = {a["name"]: a["files"] for a in report["roster"]["agencies"]}
    assert files["某县丁局"] == ["某县丁局报表.xls"]
    assert files["某县戊局"] == ["某县戊局年报（扫描件）.pdf"]
    assert files["某县己局"] == ["某县己局2024年报.xlsx"]

    # report.html: the same line, the same statuses, and the roster's contacts
    page = (out / "report.html").read_text(encoding="utf-8")
    line = re.search(r'<p class="gk-roster-line">(.*?)</p>', page)
    assert line and re.sub(r"<[^>]+>", "", unescape(line[1])) == counts_line
    agencies = page.split('id="gk-agencies"')[1].split("</table>")[0]
    rows = re.findall(
        r'<tr data-status="\w+"><td class="gk-name">([^<]*)</td><td class="gk-a-\w+">([^<]*)</td>'
        r"<td>.*?</td><td>([^<]*)</td><td>([^<]*)</td></tr>",
        agencies,
    )
    assert {name: unescape(status) for name, status, *_ in rows} == EXPECTED
    assert [r[2:] for r in rows] == [
        (f"联系人{i}", f"0971-55500{i:02d}") for i in range(12)
    ]  # the roster's contacts, each agency's own
    assert '<th scope="col">联系电话</th>' in agencies
    assert "邮箱" not in agencies  # the roster has no 邮箱 column: none shown

    # aggregate --roster of that output folder: the same, and it still writes, warning
    summary_json = tmp_path / "某县_2024_汇总.json"
    summed = run("aggregate", out, "-o", summary_json, "--name", "某县", "--roster", roster)
    assert summed.exit_code == 0, summed.output  # written: exit 0, with the warning
    agg = summed.stdout.splitlines()
    assert _terminal_statuses(agg, counts_line) == EXPECTED
    assert agg[-1] == (
        "注意：汇总不完整——未报送 6 个单位，2 个单位的报表有错误待修改，2 个单位的报表无法读取，"
        "均未计入。汇总仍已写入，其中写明了报送情况；收齐、改好后请重新运行 ingest 和 aggregate"
        "（加 --force 覆盖）。"
    )
    assert any(
        line.startswith("  各单位的状态按 ingest 输出文件夹中的 report.json") for line in agg
    )
    written = json.loads(summary_json.read_text(encoding="utf-8"))
    assert written["completeness"]["to_fix"] == 2 and written["completeness"]["unreadable"] == 2
    assert {a["name"]: labels[a["status"]] for a in written["completeness"]["agencies"]} == EXPECTED

    # the summary workbook: its 报送情况 read back gives the same
    summary_xlsx = tmp_path / "某县_2024_汇总.xlsx"
    assert (
        run("aggregate", out, "-o", summary_xlsx, "--name", "某县", "--roster", roster).exit_code
        == 0
    )
    back = read_return(summary_xlsx)
    assert [f.code.code for f in back.findings if f.is_error] == []
    assert back.completeness is not None
    assert back.completeness == written["completeness"]
    assert back.properties[names.PROP_COMPLETENESS_VERSION] == "2"

    # render of the summary: the completeness under the tables, in the same words
    html = tmp_path / "汇总.html"
    assert run("render", summary_json, "-o", html).exit_code == 0
    rendered = html.read_text(encoding="utf-8")
    tables_end = rendered.index("</div>", rendered.rindex('class="gk-tables"'))
    section = rendered.index('class="gk-completeness"')
    assert section > tables_end
    shown = [unescape(t) for t in re.findall(r"<(?:p|li)>([^<]*)</(?:p|li)>", rendered[section:])]
    assert shown[0] == counts_line
    by_line = {}
    for text in shown[1:]:
        match = re.fullmatch(r"(\S+?) (\d+) 个：(.*)。", text)
        if match and not match[1].startswith("不在名单中"):
            by_line.update(dict.fromkeys(match[3].split("、"), match[1]))
    assert by_line == EXPECTED
    assert "本汇总尚不完整：未报送、待修改和无法读取的单位未计入。" in shown


def test_a_roster_without_contact_columns_shows_no_contacts(
    county: tuple[Path, Path], tmp_path: Path
) -> None:
    inbox, _roster = county
    plain = tmp_path / "名单2.csv"
    plain.write_text("单位名称\n" + "\n".join(ROSTER) + "\n", encoding="utf-8")
    out = tmp_path / "结果2"
    assert run("ingest", inbox, "-o", out, "--roster", plain).exit_code == 1
    page = (out / "report.html").read_text(encoding="utf-8")
    agencies = page.split('id="gk-agencies"')[1].split("</table>")[0]
    assert "联系人" not in agencies and "联系电话" not in agencies
    assert "联系人0" not in page
