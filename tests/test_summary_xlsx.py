"""`aggregate -o X.xlsx`: the summary workbook a county sends upward, ingested like a return.

What users depend on: the workbook shows the sums (locked, totals as formulas) and lists
every member in 汇总明细; the next level's ingest reads it back to exactly the summary the
county computed, members included, so a city summing its counties' workbooks counts every
agency once; and a member row deleted or edited, or a sum typed over, is an error.
"""

from __future__ import annotations

import hashlib
import json
import random
import shutil
import subprocess
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import rfc8785
from conftest import formula_of, run
from libreoffice import harness
from test_aggregate import column_sums, generated, read, validate, write
from xlsxwriter.worksheet import Worksheet

from gongkai_xlsx.agency import agency_key
from gongkai_xlsx.aggregate import Summary, aggregate_documents, aggregate_paths
from gongkai_xlsx.api import IngestOptions, check_file, ingest, save_summary
from gongkai_xlsx.canonical import Document, Member, dumps, members_digest, value_at
from gongkai_xlsx.cellref import to_a1
from gongkai_xlsx.completeness import Completeness
from gongkai_xlsx.definition import Form, names
from gongkai_xlsx.definition.evaluate import with_totals
from gongkai_xlsx.definition.layout import Layout
from gongkai_xlsx.definition.summary_columns import MAX_MEMBER_CELLS, member_columns
from gongkai_xlsx.reader import read_return
from gongkai_xlsx.roster import Entry as RosterEntry
from gongkai_xlsx.roster import Roster
from gongkai_xlsx.writer import TemplateOptions, TemplateOptionsError, write_template
from gongkai_xlsx.writer.members import MemberRow, MembersSheet, RosterCheck
from gongkai_xlsx.writer.options import check_options
from gongkai_xlsx.writer.summary_sheet import _MembersWorksheet

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
EXPECTED = SAMPLES / "expected"
MEMBERS = names.MEMBERS_SHEET


# ----------------------------------------------------------------------------- helpers
def summary_of(paths: list[Path], name: str, output: Path, **kw: Any) -> Summary:
    summary = aggregate_paths(paths, name, output=output, **kw)
    assert summary.ok, [f.message for f in summary.findings]
    save_summary(summary, output)
    return summary


def as_json(summary: Summary) -> dict[str, Any]:
    return json.loads(summary.to_bytes(), parse_float=Decimal)


def ingested(path: Path) -> dict[str, Any]:
    """The canonical document of a workbook that must read clean."""
    outcome = check_file(path)
    assert outcome.findings == (), [f.message for f in outcome.findings]
    assert outcome.document is not None
    return outcome.document.to_json()


def codes(path: Path) -> list[tuple[str, str | None, str | None, str]]:
    return [(f.code.code, f.sheet, f.cell, f.message) for f in check_file(path).findings]


def column_of(form: Form, key: str) -> str:
    """The letters of a column of 汇总明细 (member field or cell id)."""
    index = [c.key for c in member_columns(form)].index(key)
    return to_a1(0, index).rstrip("1")


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> tuple[Summary, Path]:
    """The three clean samples summed into 某县's workbook."""
    path = tmp_path_factory.mktemp("county") / "某县_2024_汇总.xlsx"
    return summary_of([EXPECTED], "某县", path), path


# ----------------------------------------------------------------------------- the workbook
def test_the_workbook_is_the_template_with_every_number_locked(
    county: tuple[Summary, Path], form: Form, layout: Layout
) -> None:
    summary, path = county
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == [s.name for s in layout.sheets] + [MEMBERS]
    assert wb.security.lockStructure
    cells = summary.cells
    assert cells is not None
    for cell in form.cells:
        sheet, r, c = layout.cell_positions[cell.id]
        ws_cell = wb[sheet].cell(r + 1, c + 1)
        assert ws_cell.protection.locked, cell.id  # blank ones too: nothing to type here
        if cell.computed:
            assert formula_of(ws_cell.value), cell.id
        else:
            expected = cells[cell.id]
            assert ws_cell.value == (float(expected) if expected is not None else None), cell.id
    assert wb["主动公开"]["B16"].value == 263.33  # 250.83 + 12.5
    sheet, r, c = layout.field_positions["agency"]
    assert wb[sheet].cell(r + 1, c + 1).value == "某县"
    assert wb[sheet].cell(r + 1, c + 1).protection.locked
    assert wb[form.cover.sheet]["A2"].value == (
        "本表为某县 2024 年度报表的汇总，计入 3 个单位；数字由 gongkai-xlsx 汇总并锁定，"
        "各单位的数字见“汇总明细”工作表。"
    )
    props = {p.name: p.value for p in wb.custom_doc_props.props}
    assert props[names.PROP_KIND] == "summary"
    assert props[names.PROP_MEMBERS] == "3"
    assert props[names.PROP_MEMBERS_SHA256] == summary.document.source.sha256  # type: ignore[union-attr]
    assert names.PROP_COMPLETENESS not in props  # no roster
    assert all(len(str(v)) <= 255 for v in props.values())


def test_the_members_sheet_is_one_filterable_table_headed_by_the_labels(
    county: tuple[Summary, Path], form: Form
) -> None:
    summary, path = county
    wb = openpyxl.load_workbook(path)
    ws = wb[MEMBERS]
    columns = member_columns(form)
    assert [c.value for c in ws[1]] == [c.header for c in columns]
    assert [c.header for c in columns][:4] == ["填报单位", "报告年度", "类型", "来源文件"]
    assert columns[-1].header == "SHA-256"
    assert [c.header for c in columns[4:-1]] == [c.label for c in form.cells]
    (table,) = ws.tables.values()
    last = to_a1(len(summary.members), len(columns) - 1)
    assert table.ref == f"A1:{last}" and table.autoFilter is not None
    assert table.totalsRowCount in (None, 0)
    assert ws.protection.sheet and not ws.protection.autoFilter  # locked, filters allowed
    assert all(c.protection.locked for row in ws.iter_rows() for c in row)
    for column in columns:  # a name on each header, for the reader
        (sheet, ref), *_ = wb.defined_names[names.member_name(column.key)].destinations
        assert sheet == MEMBERS and ws[ref.replace("$", "")].value == column.header
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    assert len(rows) == 3
    by_key = {c.key: i for i, c in enumerate(columns)}
    for member, row in zip(summary.members, rows, strict=True):
        assert row[: by_key["source_file"] + 1] == [
            member.agency,
            member.year,
            "填报表",
            member.source_file,
        ]
        assert row[by_key["sha256"]] == member.sha256
        for cell in form.input_cells():
            value = member.values.get(cell.id)
            assert row[by_key[cell.id]] == (float(value) if value is not None else None)
        total = form.cell("b.received.total")
        parts = ",".join(f"{column_of(form, p)}{rows.index(row) + 2}" for p in total.parts)
        assert row[by_key[total.id]] == f"=SUM({parts})"


def test_the_xlsx_summary_ingests_clean_with_the_same_numbers(
    county: tuple[Summary, Path], form: Form, tmp_path: Path
) -> None:
    summary, path = county
    done = ingest(IngestOptions([path], tmp_path / "市"))
    assert not done.failed and [e.outcome.status for e in done.entries] == ["ok"]
    (output,) = [o for o in done.report.outputs.names if o.endswith(".json")]
    doc = read(tmp_path / "市" / output)
    expected = as_json(summary)
    read_back, summed = Document.from_json(doc), Document.from_json(expected)
    for cell in form.cells:  # every cell, totals included
        assert value_at(read_back, cell) == value_at(summed, cell), cell.id
    assert doc == expected  # kind, members, source (file name and members' digest), all of it
    assert (tmp_path / "市" / output).read_bytes() == summary.to_bytes()
    validate(doc, form)


def test_members_round_trip_exactly_whatever_their_names(form: Form, tmp_path: Path) -> None:
    """Every field of every member, as the summary document lists them: odd agency and
    file names (brackets, a leading =, what Excel writes as an escape, a control
    character), fees with four decimals, zeros, and a member that is itself a summary."""
    rng = random.Random(9)
    odd = ["某县（教育局）", "=SUM(A1)", "某县_x0041_局", "某\u0007局", "   某县 局  ", "𠮷县局"]
    rows = []
    for number in range(60):
        values: dict[str, Any] = {}
        for cell in form.input_cells():
            if rng.random() < 0.4:
                continue
            if cell.kind.type == "integer":
                values[cell.id] = rng.choice([0, 1, rng.randint(2, 10**6)])
            else:
                values[cell.id] = Decimal(rng.randint(0, 10**12)) / 10**4
        name = odd[number] if number < len(odd) else f"某县第{number:02d}局"
        rows.append(
            MemberRow(
                agency=name,
                year=2024,
                kind="summary" if number == 7 else "return",
                source_file=f"{name}.xlsx" if number < len(odd) else f"报表/{number}.xlsx",
                sha256=f"{number:064x}",
                values=values,
            )
        )
    rows.sort(key=lambda m: (agency_key(m.agency), m.sha256))  # as a summary lists them
    listed = [
        {
            "agency": m.agency,
            "year": m.year,
            "kind": m.kind,
            "source": {"file": m.source_file, "sha256": m.sha256},
            "values": {k: v for k, v in sorted(m.values.items())},
        }
        for m in rows
    ]
    as_floats = json.loads(json.dumps(listed, default=float))
    digest = members_digest([Member(**vars(m)) for m in rows])
    assert dumps(as_floats) == rfc8785.dumps(as_floats)  # the digest's bytes are RFC 8785
    assert digest == hashlib.sha256(rfc8785.dumps(as_floats)).hexdigest()
    sums = {c.id: None for c in form.input_cells()}
    for m in rows:
        for k, v in m.values.items():
            sums[k] = (sums[k] or 0) + v
    prefill = {k: v for k, v in sums.items() if v is not None and v <= form.cell(k).kind.maximum}
    path = tmp_path / "汇总.xlsx"
    options = TemplateOptions(
        2024,
        "某县",
        prefill=prefill,
        members=MembersSheet(tuple(rows), digest, RosterCheck("名单.xlsx", 61, 60, ("某县缺局",))),
    )
    write_template(form, options, path)
    ret = read_return(path)
    assert ret.members is not None, [f.message for f in ret.findings]
    assert json.loads(dumps([m.to_json() for m in ret.members])) == as_floats
    assert [f.code.code for f in ret.findings] == []
    exact = [(m.agency, m.kind, m.source_file, dict(m.values)) for m in ret.members]
    assert exact == [(m.agency, m.kind, m.source_file, dict(m.values)) for m in rows]
    assert all(isinstance(v, int | Decimal) for m in ret.members for v in m.values.values())
    assert ret.properties[names.PROP_COMPLETENESS] == "60/61"
    assert ret.completeness == {
        "roster": "名单.xlsx",
        "expected": 61,
        "submitted": 60,
        "missing": ["某县缺局"],
        "extra": [],
    }


def test_a_city_summary_of_county_workbooks_counts_everyone_once(
    form: Form, tmp_path: Path
) -> None:
    docs = generated(form, 200, seed=11, balance=True)
    for index, doc in enumerate(docs):
        write(tmp_path / ("甲县" if index < 130 else "乙县") / f"{doc['agency']}.json", doc)
    workbooks = tmp_path / "各县报来"
    for county in ("甲县", "乙县"):
        summary_of([tmp_path / county], county, workbooks / f"{county}_2024_汇总.xlsx")
    city = tmp_path / "某市"
    done = ingest(IngestOptions([workbooks], city, summary=True, name="某市"))
    assert not done.failed and done.summary is not None and done.summary.written
    by_workbooks = read(city / "某市_2024_汇总.json")
    direct = aggregate_paths(
        [tmp_path / "甲县", tmp_path / "乙县"], "某市", output=city / "某市_2024_汇总.json"
    )
    assert direct.findings == []
    assert (city / "某市_2024_汇总.json").read_bytes() == direct.to_bytes()
    assert len(by_workbooks["members"]) == 200
    assert by_workbooks["tables"] == column_sums(
        [json.loads(dumps(d), parse_float=Decimal) for d in docs]
    )
    # the city's own workbook, sent to the province, still lists all 200
    city_book = tmp_path / "省" / "某市_2024_汇总.xlsx"
    summary_of([city], "某市", city_book)
    province = ingested(city_book)
    assert province["members"] == as_json(direct)["members"]
    assert province["tables"] == as_json(direct)["tables"]
    # a member sent again beside its county's workbook is counted once
    extra = write(tmp_path / "单独报送" / "某县第000局.json", docs[0])
    counties = [city / "甲县_2024.json", city / "乙县_2024.json"]
    assert [read(p)["kind"] for p in counties] == ["summary", "summary"]
    twice = aggregate_paths([*counties, extra], "某市", output=city / "某市_2024_汇总.json")
    assert twice.to_bytes() == direct.to_bytes()
    assert [f.code.code for f in twice.findings] == ["aggregate-same-file"]


def roster_summary(tmp_path: Path) -> tuple[Summary, Path]:
    """The county's summary against a roster of four: one missing, one extra."""
    roster = Roster(
        entries=[
            RosterEntry(2, n) for n in ("某县教育局", "某县民政局", "某县交通运输局", "某县财政局")
        ]
    )
    path = tmp_path / "某县_2024_汇总.xlsx"
    summary = aggregate_documents(
        [(p.name, read(p)) for p in sorted(EXPECTED.glob("*.json")) if p.name != "report.json"],
        "某县",
        roster=roster,
        roster_file="名单.csv",
        file_name=path.name,
    )
    save_summary(summary, path)
    return summary, path


def test_a_roster_s_completeness_travels_in_its_own_sheet(form: Form, tmp_path: Path) -> None:
    summary, path = roster_summary(tmp_path)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[-2:] == [MEMBERS, names.COMPLETENESS_SHEET]
    assert {p.name: p.value for p in wb.custom_doc_props.props}[names.PROP_COMPLETENESS] == "2/4"
    assert wb[form.cover.sheet]["A2"].value.startswith(
        "本表为某县 2024 年度报表的汇总，计入 3 个单位。名单 4 个单位：已收到 2/4 个单位；"
        "未报送 2 个；另有不在名单中的单位 1 个（另计），尚不完整（见“报送情况”工作表）；"
    )
    props = {p.name: p.value for p in wb.custom_doc_props.props}
    assert props[names.PROP_COMPLETENESS_VERSION] == "2"
    ws = wb[names.COMPLETENESS_SHEET]
    assert ws.protection.sheet
    assert [[c.value for c in row] for row in ws.iter_rows()] == [
        ["名单文件", "名单.csv", None, None, None, None],
        ["名单单位数", 4, None, None, None, None],
        ["已收到单位数", 2, None, None, None, None],
        ["其中有错误待修改", "不详", None, None, None, None],  # loose JSON: not known
        ["其中无法读取", "不详", None, None, None, None],
        [None, None, None, None, None, None],
        ["未报送的单位", "不在名单中的单位（另计）", None, "名单中的单位", "状态", "收到的文件"],
        [
            "某县交通运输局",
            "互助县城市管理综合行政执法局",
            None,
            "某县教育局",
            "已计入汇总",
            "某县教育局_2024.json",
        ],
        ["某县财政局", None, None, "某县民政局", "已计入汇总", "某县民政局_2024.json"],
        [None, None, None, "某县交通运输局", "未报送", None],
        [None, None, None, "某县财政局", "未报送", None],
    ]
    doc = ingested(path)
    assert doc["completeness"] == {
        "roster": "名单.csv",
        "expected": 4,
        "submitted": 2,
        "missing": ["某县交通运输局", "某县财政局"],
        "extra": ["互助县城市管理综合行政执法局"],
        "agencies": [
            {"name": "某县教育局", "status": "counted", "files": ["某县教育局_2024.json"]},
            {"name": "某县民政局", "status": "counted", "files": ["某县民政局_2024.json"]},
            {"name": "某县交通运输局", "status": "missing", "files": []},
            {"name": "某县财政局", "status": "missing", "files": []},
        ],
    }
    assert doc == as_json(summary)  # every field, the roster check included
    validate(doc, form)

    def recount(wb: openpyxl.Workbook) -> None:
        wb[names.COMPLETENESS_SHEET]["B3"] = 3

    assert [(c, s, m) for c, s, _r, m in codes(edited(path, tmp_path / "改.xlsx", recount))] == [
        (
            "members-mismatch",
            names.COMPLETENESS_SHEET,
            f"{names.COMPLETENESS_SHEET}：报送情况为 3/4，而工作簿属性记录的是 2/4，"
            "其中的内容可能被删除或改动过。请用 gongkai-xlsx aggregate 重新生成汇总表后报送。",
        )
    ]

    def forget_one(wb: openpyxl.Workbook) -> None:
        wb[names.COMPLETENESS_SHEET]["A8"] = None  # the first agency not sent

    assert [c for c, *_ in codes(edited(path, tmp_path / "删.xlsx", forget_one))] == [
        "members-mismatch"
    ]

    def call_it_missing(wb: openpyxl.Workbook) -> None:  # a status changed by hand
        wb[names.COMPLETENESS_SHEET]["E8"] = "未报送"

    assert [
        (c, m) for c, _s, _r, m in codes(edited(path, tmp_path / "状.xlsx", call_it_missing))
    ] == [
        (
            "members-mismatch",
            f"{names.COMPLETENESS_SHEET}：名单中状态为未报送的单位与未报送的单位列表不一致，"
            "其中的内容可能被删除或改动过。请用 gongkai-xlsx aggregate 重新生成汇总表后报送。",
        )
    ]


# ----------------------------------------------------------------------------- tampering
def edited(src: Path, dest: Path, edit: Any) -> Path:
    """``src`` opened, changed and saved as a person would (openpyxl standing in for Excel)."""
    wb = openpyxl.load_workbook(src)
    edit(wb)
    wb.save(dest)
    return dest


def test_an_unchanged_resave_still_ingests_clean(
    county: tuple[Summary, Path], tmp_path: Path
) -> None:
    summary, path = county
    resaved = edited(path, tmp_path / "某县_2024_汇总.xlsx", lambda wb: None)
    assert ingested(resaved) == as_json(summary)


def mismatch(detail: str) -> tuple[str, str | None, str | None, str]:
    return (
        "members-mismatch",
        MEMBERS,
        None,
        f"{MEMBERS}：{detail}，其中的内容可能被删除或改动过。请用 gongkai-xlsx aggregate 重新生成汇总表后报送。",
    )


def test_an_edited_deleted_or_added_member_row_is_caught(
    county: tuple[Summary, Path], form: Form, tmp_path: Path
) -> None:
    _summary, path = county
    col = column_of(form, "a.licensing.decisions")
    digest = mismatch("成员明细的 SHA-256 与工作簿属性记录的不一致")

    def change(wb: openpyxl.Workbook) -> None:
        wb[MEMBERS][f"{col}3"] = wb[MEMBERS][f"{col}3"].value + 1

    assert codes(edited(path, tmp_path / "改.xlsx", change)) == [digest]

    def rename(wb: openpyxl.Workbook) -> None:
        wb[MEMBERS]["A2"] = "某县另一局"

    assert codes(edited(path, tmp_path / "改名.xlsx", rename)) == [digest]

    def delete(wb: openpyxl.Workbook) -> None:
        wb[MEMBERS].delete_rows(3)

    assert codes(edited(path, tmp_path / "删.xlsx", delete)) == [
        mismatch("列出了 2 个成员，而工作簿属性记录的是 3 个")
    ]

    def delete_and_recount(wb: openpyxl.Workbook) -> None:
        wb[MEMBERS].delete_rows(3)
        wb.custom_doc_props[names.PROP_MEMBERS].value = "2"

    assert codes(edited(path, tmp_path / "删改.xlsx", delete_and_recount)) == [digest]

    def copy_row(wb: openpyxl.Workbook) -> None:
        ws = wb[MEMBERS]
        for c, cell in enumerate(ws[2], start=1):
            ws.cell(5, c, cell.value)

    assert codes(edited(path, tmp_path / "加.xlsx", copy_row)) == [
        mismatch("列出了 4 个成员，而工作簿属性记录的是 3 个")
    ]


def test_a_changed_cell_or_header_is_named_where_it_is(
    county: tuple[Summary, Path], form: Form, tmp_path: Path
) -> None:
    _summary, path = county
    col = column_of(form, "a.licensing.decisions")
    fee = column_of(form, "a.fees.amount")
    kind = column_of(form, "kind")

    def scribble(wb: openpyxl.Workbook) -> None:
        ws = wb[MEMBERS]
        ws[f"{col}3"] = "一千二"
        ws[f"{fee}4"] = 12.50001
        ws[f"{kind}2"] = "报表"
        ws[f"{col}1"] = "许可"

    found = codes(edited(path, tmp_path / "乱.xlsx", scribble))
    tail = "。成员明细由 gongkai-xlsx 生成并锁定，不能修改；请用 gongkai-xlsx aggregate 重新生成汇总表后报送。"
    label = form.cell("a.licensing.decisions").label
    fee_label = form.cell("a.fees.amount").label
    assert found == [
        (
            "members-invalid",
            MEMBERS,
            f"{col}1",
            f"{MEMBERS}!{col}1（{label}）：列标题应为“{label}”，实际为“许可”{tail}",
        ),
        (
            "members-invalid",
            MEMBERS,
            f"{kind}2",
            f"{MEMBERS}!{kind}2（类型）：类型应为“填报表”或“汇总”{tail}",
        ),
        (
            "members-invalid",
            MEMBERS,
            f"{col}3",
            f"{MEMBERS}!{col}3（{label}）：“一千二”不是数字{tail}",
        ),
        (
            "members-invalid",
            MEMBERS,
            f"{fee}4",
            f"{MEMBERS}!{fee}4（{fee_label}）：12.50001 超过 4 位小数{tail}",
        ),
    ]


def test_a_sum_typed_over_is_caught_at_its_cell(
    county: tuple[Summary, Path], form: Form, layout: Layout, tmp_path: Path
) -> None:
    _summary, path = county
    sheet, r, c = layout.cell_positions["a.licensing.decisions"]
    blank_sheet, br, bc = layout.cell_positions["c.review.corrected"]

    def type_over(wb: openpyxl.Workbook) -> None:
        wb[sheet].cell(r + 1, c + 1, 1331)
        wb[blank_sheet].cell(br + 1, bc + 1, 2)

    tail = "汇总表的数字不能修改；请用 gongkai-xlsx aggregate 重新生成汇总表后报送。"
    found = [
        m
        for code, *_, m in codes(edited(path, tmp_path / "改数.xlsx", type_over))
        if code == "members-sum"
    ]
    assert found == [
        f"{sheet}!{to_a1(r, c)}（行政许可 · 本年处理决定数量）：汇总表中为 1331，而成员明细中各单位之和为 1330。{tail}",
        f"{blank_sheet}!{to_a1(br, bc)}（{form.cell('c.review.corrected').label}）：汇总表中为 2，而成员明细中各单位之和为 空白。{tail}",
    ]


def test_a_summary_without_its_members_sheet_is_an_error(
    county: tuple[Summary, Path], tmp_path: Path
) -> None:
    _summary, path = county
    gone = edited(path, tmp_path / "无明细.xlsx", lambda wb: wb.remove(wb[MEMBERS]))
    assert [(c, m) for c, _s, _r, m in codes(gone)] == [
        (
            "members-missing",
            "这是一份汇总表，但缺少“汇总明细”工作表，无法确定汇总了哪些单位。"
            "请用 gongkai-xlsx aggregate 重新生成汇总表（.xlsx）后报送。",
        )
    ]

    def forget(wb: openpyxl.Workbook) -> None:
        del wb.custom_doc_props[names.PROP_MEMBERS_SHA256]

    assert [c for c, *_ in codes(edited(path, tmp_path / "无属性.xlsx", forget))] == [
        "members-missing"
    ]


def test_the_members_sheet_s_formulas_are_prepared_as_xlsxwriter_prepares_them(
    county: tuple[Summary, Path], form: Form
) -> None:
    """The shortcut past xlsxwriter's preparation of a formula changes no formula."""
    _summary, path = county
    ws = openpyxl.load_workbook(path)[MEMBERS]
    formulas = [c.value for row in ws.iter_rows(min_row=2) for c in row if formula_of(c.value)]
    assert len(formulas) == 3 * len(form.computed_cells())
    plain, ours = Worksheet(), _MembersWorksheet()
    for formula in [*formulas, "=SUM(A1:B2)", "=SUM(F2,G2)+1", "=TEXTJOIN(", ",1,A2)"]:
        assert ours._prepare_formula(formula) == Worksheet._prepare_formula(plain, formula)


def test_more_members_than_the_members_sheet_holds_travel_in_the_data_sheet(
    form: Form, tmp_path: Path
) -> None:
    """The largest summary 汇总明细 holds with its numbers stays there; one more member
    and the numbers travel in 成员数据 (tests/test_summary_province.py reads them back);
    汇总明细 asked for all the same is refused, before anything is written."""
    full = {c.id: 1 if c.kind.type == "integer" else Decimal("0.5") for c in form.input_cells()}
    per_row = len(member_columns(form))  # every cell of the row stored
    rows = [
        MemberRow(f"单位{i}", 2024, "return", f"{i}.xlsx", f"{i:064x}", full)
        for i in range(MAX_MEMBER_CELLS // per_row - 1)  # and the header row
    ]
    members = MembersSheet(tuple(rows), "0" * 64)
    check_options(form, TemplateOptions(2024, "某省", members=members))  # the largest that fits
    assert not members.in_data(form)
    rows.append(MemberRow("多一个", 2024, "return", "x.xlsx", "f" * 64, full))
    assert MembersSheet(tuple(rows), "0" * 64).in_data(form)
    members = MembersSheet(tuple(rows), "0" * 64, data=False)
    options = TemplateOptions(2024, "某省", members=members)
    with pytest.raises(TemplateOptionsError) as refused:
        write_template(form, options, tmp_path / "太多.xlsx")
    assert str(refused.value) == (
        f"{len(rows)} 个单位的明细需要 {per_row * (len(rows) + 1)} 个单元格，超过汇总表“汇总明细”"
        f"最多 {MAX_MEMBER_CELLS} 个的上限，上级无法在时限内读取。请把汇总输出为规范 JSON（.json）报送上级。"
    )
    assert not (tmp_path / "太多.xlsx").exists()


# ----------------------------------------------------------------------------- command line
def test_cli_writes_the_workbook_and_overwrites_only_a_summary_with_force(tmp_path: Path) -> None:
    out = tmp_path / "某县_2024_汇总.xlsx"
    result = run("aggregate", EXPECTED, "-o", out, "--name", "某县")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == f"结果已写入 {out}。"
    assert check_file(out).document.members  # type: ignore[union-attr]
    first = out.read_bytes()
    again = run("aggregate", EXPECTED, "-o", out, "--name", "某县")  # as render refuses
    assert (again.exit_code, again.stderr) == (
        2,
        f"错误：{out}：文件已存在。如需覆盖，请加 --force。\n",
    )
    assert out.read_bytes() == first
    forced = run("aggregate", EXPECTED, "-o", out, "--name", "某县", "--force")
    assert forced.exit_code == 0  # an earlier summary workbook may be replaced
    victim = tmp_path / "模板.xlsx"
    shutil.copy(SAMPLES / "某县民政局_2024_LibreOffice保存.xlsx", victim)
    for force in ([], ["--force"]):  # never someone's workbook, even with --force
        refused = run("aggregate", EXPECTED, "-o", victim, "--name", "某县", *force)
        assert refused.exit_code == 2
        assert refused.stderr == (
            f"错误：{victim}：文件已存在且不是汇总结果，为免覆盖其他数据，请换一个文件名。\n"
        )
    long_name = "某" * 101
    too_long = run("aggregate", EXPECTED, "-o", tmp_path / "长.xlsx", "--name", long_name)
    assert too_long.exit_code == 2
    assert too_long.stderr.startswith(f"错误：{tmp_path / '长.xlsx'}：填报单位最多100个字")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".gk-")] == []


def test_a_summary_workbook_file_is_whole_or_absent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Written through the template writer's temporary file: an interrupted write leaves
    the earlier summary as it was."""
    out = tmp_path / "某县.xlsx"
    summary = summary_of([EXPECTED], "某县", out)
    before = out.read_bytes()

    def fail(*_args: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("gongkai_xlsx.writer.workbook.template_bytes", fail)
    with pytest.raises(Exception, match="磁盘空间不足"):
        save_summary(summary, out)
    assert out.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["某县.xlsx"]


# ----------------------------------------------------------------------------- LibreOffice
@pytest.mark.libreoffice
def test_libreoffice_shows_the_locked_sums_recalculates_and_resaves_it(
    county: tuple[Summary, Path], form: Form, layout: Layout, tmp_path: Path
) -> None:
    summary, path = county
    cells = summary.cells
    assert cells is not None
    columns = member_columns(form)
    wanted = [(s, to_a1(r, c)) for s, r, c in layout.cell_positions.values()]
    totals = [c for c in form.computed_cells()]
    member_refs = [
        (MEMBERS, to_a1(row, [k.key for k in columns].index(cell.id)))
        for row in range(1, len(summary.members) + 1)
        for cell in totals
    ]
    seen = harness.inspect(path, wanted + member_refs)
    assert all(s["protected"] for s in seen["sheets"].values())
    assert list(seen["sheets"]) == [s.name for s in layout.sheets] + [MEMBERS]
    by_ref = {(c["sheet"], c["cell"]): c for c in seen["cells"]}
    for cell in form.cells:
        sheet, r, c = layout.cell_positions[cell.id]
        shown = by_ref[(sheet, to_a1(r, c))]
        assert shown["locked"], cell.id
        expected = cells[cell.id]
        if expected is None:
            assert shown["string"] == "", cell.id
        else:
            assert shown["value"] == pytest.approx(float(expected)), cell.id
    for row, member in enumerate(summary.members, start=1):  # Calc's own SUM of each row
        values = with_totals(form, dict(member.values))
        for cell in totals:
            ref = to_a1(row, [k.key for k in columns].index(cell.id))
            assert by_ref[(MEMBERS, ref)]["value"] == (values[cell.id] or 0), (row, cell.id)
    resaved = harness.convert(path, tmp_path / "lo")
    assert zipfile.ZipFile(resaved).read("docProps/app.xml").find(b"LibreOffice") > 0
    assert ingested(resaved) == as_json(summary)


@pytest.mark.libreoffice
def test_a_summary_with_its_roster_check_resaved_by_libreoffice_reads_the_same(
    tmp_path: Path,
) -> None:
    summary, path = roster_summary(tmp_path)
    resaved = harness.convert(path, tmp_path / "lo", recalc=False)  # a plain open and save
    assert ingested(resaved) == as_json(summary)


# ----------------------------------------------------------------------------- printing
@pytest.fixture(scope="module")
def twelve(tmp_path_factory: pytest.TempPathFactory, form: Form) -> Path:
    """A county of twelve agencies, every return balanced, as `aggregate -o` writes it."""
    work = tmp_path_factory.mktemp("twelve")
    for i, doc in enumerate(generated(form, 12, balance=True)):
        write(work / "json" / f"{i:02d}.json", doc)
    return run_aggregate(work)


def run_aggregate(work: Path) -> Path:
    output = work / "某县_2024_汇总.xlsx"
    result = run("aggregate", work / "json", "--name", "某县", "-o", output)
    assert result.exit_code == 0, result.output
    return output


def test_the_members_sheet_prints_a_few_pages_wide(twelve: Path) -> None:
    """汇总明细 prints A4 landscape, its header row and agency column on every page, as few
    pages wide as its narrow columns need at a readable scale, the rows flowing down."""
    ws = openpyxl.load_workbook(twelve)[MEMBERS]
    setup = ws.page_setup
    assert (setup.orientation, setup.paperSize) == ("landscape", 9)
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert setup.fitToHeight == 0 and 1 <= setup.fitToWidth <= 10
    assert ws.print_title_rows == "$1:$1" and ws.print_title_cols == "$A:$A"
    assert ws.print_options.gridLines


@pytest.mark.libreoffice
@pytest.mark.skipif(shutil.which("pdfinfo") is None, reason="poppler-utils is not installed")
def test_a_county_summary_prints_on_a_few_pages(twelve: Path, tmp_path: Path) -> None:
    """Printed through LibreOffice: the cover and the three tables one page each, 汇总明细
    of twelve agencies on at most ten pages (it took 52 before it was fitted)."""
    pdf = harness.convert(twelve, tmp_path, "pdf")
    info = subprocess.run(["pdfinfo", pdf], capture_output=True, text=True, check=True).stdout
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    assert pages <= 4 + 10, pages


V1 = Path(__file__).parent / "golden" / "summary_v1" / "county_summary_v1.xlsx"


def test_a_summary_of_the_earlier_completeness_version_is_still_read(form: Form) -> None:
    """A summary workbook written before 报送情况 carried statuses (version 1, no version
    property; tests/golden/summary_v1, written by that code): other counties still send
    them, so it is read as it was, its counts only, its members whole."""
    wb = openpyxl.load_workbook(V1)
    props = {p.name: p.value for p in wb.custom_doc_props.props}
    assert names.PROP_COMPLETENESS_VERSION not in props  # truly the earlier layout
    ret = read_return(V1)
    assert [f.code.code for f in ret.findings] == []
    assert ret.members is not None and len(ret.members) == 3
    assert ret.completeness == {
        "roster": "名单.csv",
        "expected": 3,
        "submitted": 2,
        "missing": ["某县财政局"],
        "extra": ["互助县城市管理综合行政执法局"],
    }
    doc = ingested(V1)
    validate(doc, form)
    completeness = Completeness.from_json(doc["completeness"])
    assert completeness.text == "已收到 2/3 个单位"  # no statuses: no 其中…
    assert completeness.by_status() == (("missing", ("某县财政局",)),)


def test_a_newer_completeness_version_is_refused_plainly(tmp_path: Path) -> None:
    """A summary from a newer gongkai-xlsx (报送情况 version 3) is not guessed at."""
    _summary, path = roster_summary(tmp_path)
    newer = tmp_path / "新版.xlsx"
    wb = openpyxl.load_workbook(path)
    for prop in wb.custom_doc_props.props:
        if prop.name == names.PROP_COMPLETENESS_VERSION:
            prop.value = "3"
    wb.save(newer)
    ret = read_return(newer)
    assert ret.members is None
    assert any(
        f.code.code == "members-mismatch" and "第 3 版" in f.message and "请升级" in f.message
        for f in ret.findings
    ), [f.message for f in ret.findings]
