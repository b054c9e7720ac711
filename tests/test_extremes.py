"""Issue 12, class 4: every value the reader takes from a file is bounded before it is
used. Each case writes one extreme value into one field of a filled return (a template
property, the cover year, a style or number-format id, a row or cell reference, a
dimension, a defined name, a number) and runs the real ``ingest``: every file gets a
finding, none crashes its worker or is reported as a limit, and report.json is written
(orjson refuses integers past 64 bits, so a value that reaches it unbounded would crash)."""

from __future__ import annotations

import json
import os
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Filler, run

from gongkai_xlsx.cellref import to_a1
from gongkai_xlsx.definition.layout import Layout
from gongkai_xlsx.ingest import worker

BIG = "99999999999999999999"  # 20 digits: past a signed and an unsigned 64-bit integer
HUGE = "9" * 5000  # past Python's 4,300-digit int() limit
Edit = Callable[[dict[str, str], Layout], None]


def _prop(name: str, value: str) -> Edit:
    def edit(parts: dict[str, str], _layout: Layout) -> None:
        pattern = rf'(name="{re.escape(name)}"[^>]*>\s*<vt:\w+[^>]*>)[^<]*'
        parts["docProps/custom.xml"], n = re.subn(
            pattern, lambda m: m.group(1) + value, parts["docProps/custom.xml"]
        )
        assert n == 1, name

    return edit


def _sheet_of(parts: dict[str, str], layout: Layout, cell_id: str) -> tuple[str, str]:
    """(part name, A1) of a form cell (openpyxl names sheets in the workbook's order)."""
    sheet, row, col = layout.cell_positions.get(cell_id) or layout.field_positions[cell_id]
    index = [s.name for s in layout.sheets].index(sheet) + 1
    return f"xl/worksheets/sheet{index}.xml", to_a1(row, col)


def _cell(cell_id: str, change: Callable[[str, str], str]) -> Edit:
    """``change(cell element, A1)`` applied to the cell element of ``cell_id``."""

    def edit(parts: dict[str, str], layout: Layout) -> None:
        part, ref = _sheet_of(parts, layout, cell_id)
        pattern = rf'<c r="{ref}"[^>]*?(?:/>|>.*?</c>)'
        parts[part], n = re.subn(pattern, lambda m: change(m.group(0), ref), parts[part], count=1)
        assert n == 1, (cell_id, ref)

    return edit


def _replace(part: str, old: str, new: str) -> Edit:
    def edit(parts: dict[str, str], layout: Layout) -> None:
        name = _sheet_of(parts, layout, "a.licensing.decisions")[0] if part == "sheet" else part
        parts[name], n = re.subn(old, new, parts[name], count=1)
        assert n == 1, (part, old)

    return edit


INPUT = "a.licensing.decisions"
CASES: dict[str, tuple[Edit, str]] = {
    "prop-year-20-digits": (_prop("gongkai.year", BIG), "year-invalid"),
    "prop-year-5000-digits": (_prop("gongkai.year", HUGE), "year-invalid"),
    "prop-year-10000": (_prop("gongkai.year", "10000"), "year-invalid"),
    "prop-year-fullwidth-big": (_prop("gongkai.year", "９" * 20 + "年"), "year-invalid"),
    "prop-version-huge": (_prop("gongkai.template_version", HUGE), "version-unknown"),
    "prop-format-huge": (_prop("gongkai.format", HUGE), "format-other"),
    "prop-layout-huge": (_prop("gongkai.layout", HUGE), "layout-fingerprint"),
    "prop-agency-huge": (_prop("gongkai.agency", HUGE), "agency-differs"),
    "cover-year-1e300": (
        _cell("year", lambda c, ref: f'<c r="{ref}" t="n"><v>1e300</v></c>'),
        "year-differs",
    ),
    "cover-year-20-digits": (
        _cell("year", lambda c, ref: f'<c r="{ref}" t="n"><v>{BIG}</v></c>'),
        "year-differs",
    ),
    "cover-year-5000-digits": (
        _cell("year", lambda c, ref: f'<c r="{ref}" t="inlineStr"><is><t>{HUGE}</t></is></c>'),
        "year-differs",
    ),
    "input-1e308": (_cell(INPUT, lambda c, ref: f'<c r="{ref}"><v>1e308</v></c>'), ""),
    "input-5000-digits": (_cell(INPUT, lambda c, ref: f'<c r="{ref}"><v>{HUGE}</v></c>'), ""),
    "input-style-id-20-digits": (
        _cell(INPUT, lambda c, ref: f'<c r="{ref}" s="{BIG}"><v>3</v></c>'),
        "",
    ),
    "input-shared-string-index-20-digits": (
        _cell(INPUT, lambda c, ref: f'<c r="{ref}" t="s"><v>{BIG}</v></c>'),
        "",
    ),
    "input-ref-row-20-digits": (
        _cell(INPUT, lambda c, ref: f'<c r="D{BIG}"><v>3</v></c>'),
        "",
    ),
    "row-number-20-digits": (_replace("sheet", r'<row r="\d+"', f'<row r="{BIG}"'), ""),
    "dimension-huge": (
        _replace("sheet", r'<dimension ref="[^"]*"', f'<dimension ref="A1:XFD{BIG}"'),
        "",
    ),
    "numfmt-id-20-digits": (
        _replace("xl/styles.xml", r'numFmtId="\d+"', f'numFmtId="{BIG}"'),
        "",
    ),
    "xf-count-20-digits": (
        _replace("xl/styles.xml", r'<cellXfs count="\d+"', f'<cellXfs count="{BIG}"'),
        "",
    ),
    "defined-name-row-20-digits": (
        _replace("xl/workbook.xml", r"(<definedName [^>]*>[^<]*?\$)(\d+)(<)", rf"\g<1>{BIG}\3"),
        "",
    ),
}


def _write(src: Path, dst: Path, edit: Edit, layout: Layout) -> None:
    with zipfile.ZipFile(src) as zin:
        infos = zin.infolist()
        data = {i.filename: zin.read(i) for i in infos}
    parts = {n: d.decode("utf-8") for n, d in data.items() if n.endswith((".xml", ".rels"))}
    before = dict(parts)
    edit(parts, layout)
    assert parts != before
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in infos:
            name = info.filename
            zout.writestr(info, parts[name].encode() if name in parts else data[name])


def test_extreme_values_get_a_finding_not_a_crash(
    tmp_path: Path, fill: Filler, layout: Layout
) -> None:
    good = fill({INPUT: 3, "a.penalty.decisions": 1})
    folder = tmp_path / "in"
    folder.mkdir()
    for case, (edit, _code) in CASES.items():
        _write(good, folder / f"{case}.xlsx", edit, layout)
    result = run("ingest", folder, "-o", tmp_path / "out")
    assert result.exit_code == 1, result.output
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    rows = {Path(r["file"]).stem: r for r in report["returns"]}
    assert set(rows) == set(CASES)
    for case, (_edit, code) in CASES.items():
        codes = {f["code"] for f in rows[case]["findings"]}
        assert codes, case
        assert not codes & {"worker-crash", "file-limit"}, (case, codes)
        if code:
            assert code in codes, (case, codes)
    shown = {f["code"]: f["message"] for f in rows["cover-year-5000-digits"]["findings"]}
    assert "报告年度为 99999" in shown["year-differs"]  # what was typed, cut short
    assert len(shown["year-differs"]) < 200


def test_a_crashed_worker_is_named_as_the_programs_fault(
    tmp_path: Path, fill: Filler, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker that dies (here: made to abort on one file) gives worker-crash, whose
    message does not call the file damaged; the other files are checked as usual."""
    folder = tmp_path / "in"
    folder.mkdir()
    fill({INPUT: 3}, name="in/crash.xlsx")
    fill({INPUT: 3}, name="in/fine.xlsx")
    real = worker.check_task

    def crashing(task: worker.Task) -> worker.Checked:
        if Path(task.path).name == "crash.xlsx":
            os.abort()
        return real(task)

    monkeypatch.setenv("GONGKAI_START_METHOD", "fork")  # the workers inherit the patch
    monkeypatch.setattr(worker, "check_task", crashing)
    result = run("ingest", folder, "-o", tmp_path / "out")
    assert result.exit_code == 1
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    rows = {r["file"]: r for r in report["returns"]}
    [finding] = rows["crash.xlsx"]["findings"]
    assert finding["code"] == "worker-crash"
    assert "SIGABRT" in finding["message"] and "本工具的问题" in finding["message"]
    assert "损坏" not in finding["message"].replace("不说明文件已损坏", "")
    assert rows["fine.xlsx"]["status"] != "unreadable"
