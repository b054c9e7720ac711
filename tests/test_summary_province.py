"""A province's 汇总 (issue 16): a summary of more agencies than 汇总明细 can hold with their
numbers is still written as .xlsx. 汇总明细 then lists who the members are, and their
numbers travel in the hidden 成员数据 sheet, one cell per member holding its row; `ingest`
reads it back to the same document, checked as 汇总明细 is (count, digest, the tables
against the members' sums). An edited or hostile 成员数据 is a finding, within bounds."""

from __future__ import annotations

import json
import random
import re
import shutil
import subprocess
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from conftest import balanced, run
from libreoffice import harness
from test_aggregate import document, generated, write
from test_summary_xlsx import as_json, codes, ingested, roster_summary

from gongkai_xlsx.aggregate import Summary, aggregate_documents, aggregate_paths
from gongkai_xlsx.aggregate.xlsx import summary_options
from gongkai_xlsx.api import IngestOptions, check_file, ingest
from gongkai_xlsx.definition import Form, names
from gongkai_xlsx.definition.layout import Layout
from gongkai_xlsx.definition.summary_columns import MAX_DATA_MEMBERS, fits_members_sheet
from gongkai_xlsx.reader import read_return
from gongkai_xlsx.writer import TemplateOptions, TemplateOptionsError, write_template
from gongkai_xlsx.writer.members import MemberRow, MembersSheet
from gongkai_xlsx.writer.options import check_options

MEMBERS, DATA = names.MEMBERS_SHEET, names.MEMBERS_DATA_SHEET
FIX = "请用 gongkai-xlsx aggregate 重新生成汇总表后报送。"


# ----------------------------------------------------------------------------- helpers
def summed(docs: list[dict[str, Any]], name: str) -> Summary:
    summary = aggregate_documents(
        [(f"{i}.json", d) for i, d in enumerate(docs)], name, file_name=f"{name}.xlsx"
    )
    assert summary.ok, [f.message for f in summary.findings]
    return summary


def data_workbook(summary: Summary, path: Path) -> Path:
    """``summary`` written with its members in 成员数据, whatever its size."""
    assert summary.form is not None
    write_template(summary.form, summary_options(summary, data=True), path)
    return path


def edited_data(src: Path, dest: Path, edit: Any) -> Path:
    """``src`` with 成员数据 changed and saved as a person would (openpyxl for Excel)."""
    wb = openpyxl.load_workbook(src)
    edit(wb[DATA])
    wb.save(dest)
    return dest


def row_of(ws: Any, r: int) -> list[Any]:
    value = ws.cell(r, 1).value
    assert isinstance(value, str)
    row: list[Any] = json.loads(value)
    return row


def set_row(ws: Any, r: int, row: list[Any]) -> None:
    ws.cell(r, 1).value = json.dumps(row, ensure_ascii=False, separators=(",", ":"))


@pytest.fixture(scope="module")
def county(form: Form) -> Summary:
    return summed(generated(form, 12, balance=True), "某县")


@pytest.fixture(scope="module")
def county_data(tmp_path_factory: pytest.TempPathFactory, county: Summary) -> Path:
    return data_workbook(county, tmp_path_factory.mktemp("data") / "某县.xlsx")


# ----------------------------------------------------------------------------- at scale
def full_returns(form: Form, count: int) -> list[dict[str, Any]]:
    """``count`` returns with every input cell filled (the most cells a member can take),
    balanced, as ingest passes them."""
    rng = random.Random(count)
    docs = []
    for number in range(count):
        values: dict[str, Any] = {}
        for cell in form.input_cells():
            if cell.kind.type == "integer":
                values[cell.id] = rng.randint(0, 50)
            else:
                values[cell.id] = Decimal(rng.randint(0, 10**6)) / 10**4
        docs.append(document(form, f"某省第{number:04d}局", balanced(form, values)))
    return docs


def test_a_province_too_large_for_the_members_sheet_is_written_and_ingested_back(
    form: Form, layout: Layout, tmp_path: Path
) -> None:
    """2,000 agencies with every cell filled: more than 汇总明细 holds (about 1,950), so
    `aggregate -o X.xlsx` lists them in 汇总明细 and carries their numbers in the hidden
    成员数据; `ingest` of the workbook writes the very bytes `aggregate` writes as JSON."""
    docs = full_returns(form, 2000)
    assert not fits_members_sheet(form, [len(form.input_cells())] * len(docs))
    for i, doc in enumerate(docs):
        write(tmp_path / "json" / f"{i:04d}.json", doc)
    out = tmp_path / "某省_2024_汇总.xlsx"
    result = run("aggregate", tmp_path / "json", "--name", "某省", "-o", out)
    assert result.exit_code == 0, result.output
    expected = aggregate_paths([tmp_path / "json"], "某省", output=out)

    wb = openpyxl.load_workbook(out, read_only=False)
    assert wb.sheetnames == [s.name for s in layout.sheets] + [MEMBERS, DATA]
    assert wb[DATA].sheet_state == "hidden" and wb[DATA].protection.sheet
    listing = wb[MEMBERS]
    assert listing.max_column == 5 and listing.max_row == 3 + 2000
    header = [listing.cell(3, c).value for c in range(1, 6)]
    assert header == ["填报单位", "报告年度", "类型", "来源文件", "SHA-256"]
    agencies = [listing.cell(r, 1).value for r in range(4, 4 + 2000)]
    assert agencies == [m.agency for m in expected.members]
    assert "2000 个单位" in str(listing.cell(1, 1).value)
    assert listing.print_area == "'汇总明细'!$A$1:$E$3"  # the note and the header only
    assert wb[DATA].max_row == 2001 and wb[DATA].max_column == 1

    done = ingest(IngestOptions([out], tmp_path / "国"))
    assert [e.outcome.status for e in done.entries] == ["ok"]
    (output,) = [o for o in done.report.outputs.names if o.endswith(".json")]
    assert (tmp_path / "国" / output).read_bytes() == expected.to_bytes()


def test_more_members_than_the_data_sheet_bounds_are_refused_before_writing(
    form: Form, tmp_path: Path
) -> None:
    values = {form.input_cells()[0].id: 1}
    rows = tuple(
        MemberRow(f"单位{i}", 2024, "return", f"{i}.xlsx", f"{i:064x}", values)
        for i in range(MAX_DATA_MEMBERS + 1)
    )
    options = TemplateOptions(2024, "某国", members=MembersSheet(rows, "0" * 64))
    with pytest.raises(TemplateOptionsError) as refused:
        check_options(form, options)
    assert str(refused.value) == (
        f"汇总表最多能带 {MAX_DATA_MEMBERS} 个单位的明细，这次有 {MAX_DATA_MEMBERS + 1} 个，"
        "上级无法在时限内读取。请把汇总输出为规范 JSON（.json）报送上级。"
    )
    long_name = MemberRow("某" * 20_000, 2024, "return", "源" * 20_000, "f" * 64, values)
    options = TemplateOptions(2024, "某省", members=MembersSheet((long_name,), "0" * 64, data=True))
    with pytest.raises(TemplateOptionsError, match="放不下它的明细"):
        write_template(form, options, tmp_path / "长.xlsx")
    assert not (tmp_path / "长.xlsx").exists()


# ----------------------------------------------------------------------------- read back
def test_members_in_the_data_sheet_read_back_exactly_and_survive_a_resave(
    county: Summary, county_data: Path, tmp_path: Path
) -> None:
    assert ingested(county_data) == as_json(county)
    resaved = edited_data(county_data, tmp_path / "某县.xlsx", lambda ws: None)
    assert ingested(resaved) == as_json(county)


def test_a_roster_s_completeness_still_travels_beside_the_data_sheet(tmp_path: Path) -> None:
    summary, path = roster_summary(tmp_path)
    data = data_workbook(summary, path.with_name("某县_成员数据.xlsx"))
    assert openpyxl.load_workbook(data).sheetnames[-3:] == [MEMBERS, DATA, names.COMPLETENESS_SHEET]
    document = check_file(data).document
    assert document is not None
    expected = as_json(summary)
    expected["source"]["file"] = data.name
    assert document.to_json() == expected
    assert expected["completeness"]["missing"]  # the roster check is there, and read back


def test_odd_names_and_every_number_round_trip_through_the_data_sheet(
    form: Form, tmp_path: Path
) -> None:
    """Names with quotes, backslashes, tabs, _x0041_ and 𠮷; the largest and smallest
    numbers of each cell: the row is JSON, and nothing is lost on the way."""
    odd = ['某"局\\', "某\t局_x0041_", "𠮷野家局", " 前后空格 "]
    docs = []
    for i, name in enumerate(odd):
        values: dict[str, Any] = {}
        for cell in form.input_cells():
            values[cell.id] = cell.kind.maximum if i == 1 else cell.kind.minimum
            if cell.kind.type == "integer":
                values[cell.id] = int(values[cell.id])
        docs.append(document(form, name, values, source=f"{name}.xlsx"))
    summary = summed(docs, "某市")
    path = data_workbook(summary, tmp_path / "某市.xlsx")
    read = read_return(path)  # the tables do not balance (every cell at its limit): no matter
    assert not [f for f in read.findings if f.code.code.startswith("members")]
    assert read.members is not None
    assert [m.to_json() for m in read.members] == as_json(summary)["members"]


def test_an_edited_deleted_or_added_member_row_is_caught(
    county_data: Path, form: Form, tmp_path: Path
) -> None:
    def change_number(ws: Any) -> None:
        row = row_of(ws, 3)
        index = next(i for i, v in enumerate(row) if i >= 5 and isinstance(v, int) and v > 0)
        row[index] -= 1
        set_row(ws, 3, row)

    detail = "成员明细的 SHA-256 与工作簿属性记录的不一致"
    mismatch = f"{DATA}：{detail}，其中的内容可能被删除或改动过。{FIX}"
    changed = edited_data(county_data, tmp_path / "改.xlsx", change_number)
    assert ("members-mismatch", DATA, None, mismatch) in codes(changed)

    deleted = edited_data(county_data, tmp_path / "删.xlsx", lambda ws: ws.delete_rows(5))
    detail = "列出了 11 个成员，而工作簿属性记录的是 12 个"
    assert codes(deleted) == [
        ("members-mismatch", DATA, None, f"{DATA}：{detail}，其中的内容可能被删除或改动过。{FIX}")
    ]

    def add(ws: Any) -> None:
        set_row(ws, 14, row_of(ws, 2))

    added = edited_data(county_data, tmp_path / "加.xlsx", add)
    assert [f[0] for f in codes(added)] == ["members-mismatch"]


def test_a_changed_cell_of_the_data_sheet_is_named_where_it_is(
    county_data: Path, form: Form, tmp_path: Path
) -> None:
    first = form.input_cells()[0]

    def edits(ws: Any) -> None:
        ws.cell(3, 1).value = "随手写的字"
        row = row_of(ws, 4)
        row[5] = -1
        row[1] = "2024年"
        set_row(ws, 4, row)
        set_row(ws, 5, row_of(ws, 5)[:-1])
        ws.cell(6, 2).value = 1
        ws.cell(7, 1).value = "[" * 40_000
        hostile = row_of(ws, 8)
        hostile[2], hostile[5], hostile[6] = [1], [[]], {"a": 1}
        set_row(ws, 8, hostile)
        huge = row_of(ws, 9)
        huge[5] = 2**70  # beyond 64 bits: orjson reads it as a double
        set_row(ws, 9, huge)

    got = codes(edited_data(county_data, tmp_path / "改.xlsx", edits))
    cells = [(code, sheet, cell) for code, sheet, cell, _ in got]
    refs = ("A3", "A4", "A5", "B6", "A7", "A8", "A9")
    assert cells == [("members-invalid", DATA, ref) for ref in refs]
    messages = [m for *_, m in got]
    assert "“随手写的字”不是本程序写入的一行明细" in messages[0]
    assert f"年度应为四位数的年份；“{first.label}”为 -1，不在 0 至" in messages[1]
    assert (
        f"应有 {len(form.input_cells()) + 5} 项，实际为 {len(form.input_cells()) + 4} 项"
        in (messages[2])
    )
    assert "此处不应有内容" in messages[3]
    assert "个字符）”不是本程序写入的一行明细" in messages[4]  # cut at a cell's limit
    assert "类型应为return或summary" in messages[5] and "不是数字" in messages[5]
    assert f"“{first.label}”为 1.1805916207174113e+21，不在 0 至" in messages[6]


def test_the_data_sheet_s_header_is_checked(county_data: Path, tmp_path: Path) -> None:
    def edit(ws: Any) -> None:
        keys = row_of(ws, 1)
        keys[5], keys[6] = keys[6], "a.unknown.cell"
        set_row(ws, 1, keys)

    got = codes(edited_data(county_data, tmp_path / "标题.xlsx", edit))
    assert [(c, s, ref) for c, s, ref, _ in got] == [("members-invalid", DATA, "A1")]


def test_a_sum_typed_over_is_still_caught_against_the_data_sheet(
    county_data: Path, county: Summary, form: Form, layout: Layout, tmp_path: Path
) -> None:
    cell = form.input_cells()[3]
    sheet, r, c = layout.cell_positions[cell.id]
    wb = openpyxl.load_workbook(county_data)
    wb[sheet].cell(r + 1, c + 1).value = 123456
    wb.save(tmp_path / "改数.xlsx")
    codes = [(f.code.code, f.cell) for f in check_file(tmp_path / "改数.xlsx").findings]
    assert ("members-sum", wb[sheet].cell(r + 1, c + 1).coordinate) in codes


def test_a_data_sheet_beyond_its_bound_is_refused_unread(county_data: Path, tmp_path: Path) -> None:
    """A hostile 成员数据 of more cells than any summary of ours: refused by counting, no
    cell of it read, as a finding (not a traceback, not unbounded time or memory)."""
    with zipfile.ZipFile(county_data) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    workbook = parts["xl/workbook.xml"].decode()
    index = re.findall(r"<sheet [^>]*name=\"([^\"]+)\"", workbook).index(DATA) + 1
    cells = "".join(
        f'<row r="{n}"><c r="A{n}" t="s"><v>0</v></c></row>'
        for n in range(1, MAX_DATA_MEMBERS + 100)
    )
    parts[f"xl/worksheets/sheet{index}.xml"] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"<sheetData>{cells}</sheetData></worksheet>"
    ).encode()
    hostile = tmp_path / "大.xlsx"
    with zipfile.ZipFile(hostile, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    got = codes(hostile)
    detail = f"“{DATA}”工作表无法读取（工作表“{DATA}”的单元格超过 {MAX_DATA_MEMBERS + 16} 个）"
    assert got == [
        (
            "members-missing",
            None,
            None,
            f"这是一份汇总表，但{detail}，无法确定汇总了哪些单位。"
            "请用 gongkai-xlsx aggregate 重新生成汇总表（.xlsx）后报送。",
        )
    ]


def test_a_resave_that_drops_the_data_sheet_is_a_clear_finding(
    county_data: Path, tmp_path: Path
) -> None:
    def drop(wb: Any) -> None:
        del wb[DATA]

    wb = openpyxl.load_workbook(county_data)
    drop(wb)
    wb.save(tmp_path / "缺.xlsx")
    got = codes(tmp_path / "缺.xlsx")
    assert [(c, m) for c, _s, _r, m in got] == [
        (
            "members-missing",
            f"这是一份汇总表，但缺少“{DATA}”工作表，无法确定汇总了哪些单位。"
            "请用 gongkai-xlsx aggregate 重新生成汇总表（.xlsx）后报送。",
        )
    ]


# ----------------------------------------------------------------------------- LibreOffice
@pytest.fixture(scope="module")
def city_data(tmp_path_factory: pytest.TempPathFactory, form: Form) -> tuple[Summary, Path]:
    """300 agencies with their numbers in 成员数据: 汇总明细 would print on many pages."""
    summary = summed(generated(form, 300, balance=True), "某市")
    return summary, data_workbook(summary, tmp_path_factory.mktemp("city") / "某市.xlsx")


@pytest.mark.libreoffice
def test_libreoffice_opens_recalculates_and_resaves_a_summary_with_a_data_sheet(
    city_data: tuple[Summary, Path], form: Form, layout: Layout, tmp_path: Path
) -> None:
    summary, path = city_data
    seen = harness.inspect(path, [(DATA, "A2")])
    assert list(seen["sheets"]) == [s.name for s in layout.sheets] + [MEMBERS, DATA]
    assert not seen["sheets"][DATA]["visible"] and seen["sheets"][MEMBERS]["visible"]
    assert all(s["protected"] for s in seen["sheets"].values())
    (cell,) = seen["cells"]
    assert cell["string"].startswith(
        json.dumps([summary.members[0].agency], ensure_ascii=False)[:-1]
    )
    resaved = harness.convert(path, tmp_path / "lo")  # recalculated and saved by Calc
    assert zipfile.ZipFile(resaved).read("docProps/app.xml").find(b"LibreOffice") > 0
    assert ingested(resaved) == as_json(summary)


@pytest.mark.libreoffice
@pytest.mark.skipif(shutil.which("pdfinfo") is None, reason="poppler-utils is not installed")
def test_a_summary_with_a_data_sheet_prints_its_tables_and_a_page_of_the_list(
    city_data: tuple[Summary, Path], tmp_path: Path
) -> None:
    """Printed through LibreOffice: the cover and the three tables, and of 汇总明细 only
    its note and header (300 rows would be pages more); the hidden 成员数据 not at all."""
    _summary, path = city_data
    pdf = harness.convert(path, tmp_path, "pdf")
    info = subprocess.run(["pdfinfo", pdf], capture_output=True, text=True, check=True).stdout
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    assert pages <= 4 + 1, pages
