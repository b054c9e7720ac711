"""One agency, however its name is written: duplicates, ``ingest --summary``, ``aggregate``,
the roster and ``--previous`` give one answer for the same files (:mod:`gongkai_xlsx.agency`).

The case that used to differ: the duplicate-return hint grouped names by NFKC and spaces
only, so “某县（教育局）” and “某县【教育局】” were two agencies in report.json while
``ingest --summary`` refused them as one agency with two returns.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import fill_with_openpyxl, run, saved_at

from gongkai_xlsx.definition import Form
from gongkai_xlsx.definition.layout import Layout
from gongkai_xlsx.writer import TemplateOptions, write_template

OFFICIAL = "某县（教育局）"
# How clerks write the same agency: other brackets, half-width, spaces, an invisible
# zero-width space pasted in, full-width letters folded with half-width ones.
SPELLINGS = {
    "一.xlsx": OFFICIAL,
    "二.xlsx": "某县【教育局】",
    "三.xlsx": "某县 (教育局)",
    "四.xlsx": "某县\u200b（教育局）",
    "五.xlsx": "某县〔教育局〕\u3000",
}
FILES = sorted(SPELLINGS)


def _template(tmp_path: Path, form: Form, year: int, agency: str) -> Path:
    path = tmp_path / f"template_{year}.xlsx"
    write_template(form, TemplateOptions(year=year, agency=agency), path)
    return path


def _roster(path: Path, names: list[str]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows([["单位名称"], *[[n] for n in names]])
    return path


@pytest.fixture
def batch(tmp_path: Path, form: Form, layout: Layout) -> Path:
    """Last year's result of the agency (ingested), and this year's five returns of it,
    each a different file with the agency written another way on the cover of a template
    made for the official name. They arrive together with the same file and saved times:
    five versions of one return that nothing orders (:mod:`gongkai_xlsx.ingest.versions`),
    so each is seen, and none counts until the coordinator chooses."""
    last = tmp_path / "2023报表"
    last.mkdir()
    fill_with_openpyxl(
        layout,
        _template(tmp_path, form, 2023, "某县[教育局]"),
        last / "上年.xlsx",
        {"a.licensing.decisions": 7},
    )
    assert run("ingest", last, "-o", tmp_path / "2023结果").exit_code == 0
    returns = tmp_path / "报表"
    returns.mkdir()
    template = _template(tmp_path, form, 2024, OFFICIAL)
    for number, (file, agency) in enumerate(sorted(SPELLINGS.items()), start=1):
        fill_with_openpyxl(
            layout, template, returns / file, {"a.licensing.decisions": number}, {"agency": agency}
        )
        saved_at(returns / file, "2025-01-10T08:00:00Z")
        os.utime(returns / file, (1736496000, 1736496000))
    return tmp_path


def _codes(report: dict[str, Any], code: str) -> dict[str, list[Any]]:
    return {
        row["file"]: [f["actual"] for f in row["findings"] if f["code"] == code]
        for row in report["returns"]
    }


def test_one_agency_however_written_is_one_agency_in_every_command(batch: Path) -> None:
    roster = _roster(batch / "名单.csv", ["某县(教育局)", "某县民政局"])
    out = batch / "结果"
    result = run(
        "ingest", batch / "报表", "-o", out,
        "--summary", "--name", "某县",
        "--roster", roster,
        "--previous", batch / "2023结果",
    )  # fmt: skip
    assert result.exit_code == 1, result.output  # no errors, but the summary is refused
    report = json.loads((out / "report.json").read_bytes())
    assert [r["agency"] for r in report["returns"]] == [SPELLINGS[f].strip() for f in FILES]

    # duplicates: one agency with five returns, in report.json and each return's hint
    assert report["duplicates"] == [{"agency": OFFICIAL, "year": 2024, "files": FILES}]
    assert _codes(report, "agency-duplicate") == {f: [OFFICIAL] for f in FILES}
    # the cover names the agency the template was made for: no agency-differs
    assert _codes(report, "agency-differs") == {f: [] for f in FILES}

    # ingest --summary refuses the same agency with the same five files
    assert result.stdout.splitlines()[-1] == (
        f"未生成汇总：1 个单位报了多份不同的报表：{OFFICIAL}（{'、'.join(FILES)}）。"
        "请确认以哪一份为准，移走其余的后重新运行。"
    )

    # the roster: the one agency has sent, the other has not, nobody is off the roster
    assert report["roster"] == {
        "roster": "名单.csv",
        "expected": 2,
        "submitted": 1,
        "missing": ["某县民政局"],
        "extra": [],
        "to_fix": 0,
        "unreadable": 0,
        "agencies": [
            {"name": "某县(教育局)", "status": "warnings", "files": FILES},
            {"name": "某县民政局", "status": "missing", "files": []},
        ],
    }

    # the five are versions of one return that nothing orders: none counts, none is
    # compared with last year, none has its JSON until the coordinator chooses
    [undecided] = report["versions_undecided"]
    assert (undecided["agency"], undecided["files"]) == (OFFICIAL, FILES)
    assert report["previous"]["returns_matched"] == 0
    assert not [r["output"] for r in report["returns"] if r["output"]]

    # each of them alone (the coordinator kept that one): every spelling finds the one
    # document of 2023, and each is the agency's JSON
    outs = []
    for number, file in enumerate(FILES, start=1):
        alone = batch / f"只留{number}"
        alone.mkdir()
        shutil.copy2(batch / "报表" / file, alone / file)
        outs.append(batch / f"结果{number}")
        kept = run("ingest", alone, "-o", outs[-1], "--previous", batch / "2023结果")
        assert kept.exit_code == 0, kept.output
        previous = json.loads((outs[-1] / "report.json").read_bytes())["previous"]
        assert previous["returns_matched"] == 1 and previous["unmatched"] == [], file

    # aggregate of the five outputs: one agency with five different returns (an error),
    # and the roster's answer unchanged
    summed = run(
        "aggregate", *outs, "-o", batch / "汇总.json", "--name", "某县", "--roster", roster
    )
    assert summed.exit_code == 1
    conflicts = [line for line in summed.stdout.splitlines() if "[aggregate-conflict]" in line]
    assert len(conflicts) == 1, summed.stdout
    named = re.findall(r"单位“([^”]*)”有多份不同的报表", conflicts[0])
    assert len(named) == 1 and named[0] in [a.strip() for a in SPELLINGS.values()]
    assert sorted(re.findall(r"（(.\.xlsx)）", conflicts[0])) == FILES
    lines = summed.stdout.splitlines()
    at = lines.index("名单 名单.csv：已收到 1/2 个单位；未报送 1 个。")
    # (each alone has no agency-duplicate hint: it passes)
    assert lines[at + 1 : at + 3] == ["  未报送 1 个：某县民政局", "  通过 1 个：某县(教育局)"]


ROSTER_LINE = (
    "名单 名单.csv：已收到 3/4 个单位（其中待修改 2 个）；未报送 1 个；"
    "另有不在名单中的单位 1 个（另计）。"
)


def test_ingest_and_aggregate_match_a_roster_in_one_place(
    tmp_path: Path, form: Form, layout: Layout
) -> None:
    """One matching (:mod:`gongkai_xlsx.completeness`), given what each command has:
    ``ingest`` every return that names its agency (one with errors was sent all the same),
    ``aggregate`` the folder's report (whose returns with errors have no JSON, but are
    listed). Both give the same statuses and the same counts."""
    returns = tmp_path / "报表"
    returns.mkdir()
    good = {"a.licensing.decisions": 3}
    broken = {"b.received.natural_person": 5, "b.disclosed.natural_person": 2}  # B1 fails
    for file, agency, values in [
        ("甲.xlsx", "某县（甲局）", good),
        ("乙.xlsx", "某县乙局", broken),
        ("丙.xlsx", "某县丙局", good),
        ("戊.xlsx", "某县戊局", broken),
    ]:
        fill_with_openpyxl(layout, _template(tmp_path, form, 2024, agency), returns / file, values)
    roster = _roster(tmp_path / "名单.csv", ["某县【甲局】", "某县乙局", "某县丁局", "某县戊局"])
    out = tmp_path / "结果"
    ingested = run("ingest", returns, "-o", out, "--roster", roster)
    assert ingested.exit_code == 1  # two returns have errors
    assert json.loads((out / "report.json").read_bytes())["roster"] == {
        "roster": "名单.csv",
        "expected": 4,
        "submitted": 3,
        "missing": ["某县丁局"],
        "extra": ["某县丙局"],
        "to_fix": 2,
        "unreadable": 0,
        "agencies": [
            {"name": "某县【甲局】", "status": "ok", "files": ["甲.xlsx"]},
            {"name": "某县乙局", "status": "errors", "files": ["乙.xlsx"]},
            {"name": "某县丁局", "status": "missing", "files": []},
            {"name": "某县戊局", "status": "errors", "files": ["戊.xlsx"]},
        ],
    }
    assert ROSTER_LINE in ingested.stdout.splitlines()
    summed = run(
        "aggregate", out, "-o", tmp_path / "汇总.json", "--name", "某县", "--roster", roster
    )
    assert summed.exit_code == 0, summed.output  # written, with the warning
    lines = summed.stdout.splitlines()
    at = lines.index(ROSTER_LINE)  # the same counts as ingest's: agencies with errors sent
    assert lines[at + 1 : at + 5] == [
        "  未报送 1 个：某县丁局",
        "  有错误（待退回） 2 个：某县乙局、某县戊局",
        "  通过 1 个：某县【甲局】",
        "  不在名单中（另计）1 个：某县丙局",
    ]
    assert lines[-1].startswith("注意：汇总不完整——未报送 1 个单位，2 个单位的报表有错误待修改")
