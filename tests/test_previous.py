"""Last year's numbers: `ingest --previous` compares each return with the agency's return
of the year before (warnings), `new --previous` prefills 二、上年结转 from last year's 四.

Last year's folder is made the way a coordinator has it: last year's templates filled and
run through `ingest`; this year's returns are filled templates too. The rules come from
the definition (``[[cross_year]]``); the messages are asserted whole.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from conftest import balanced, fill_with_openpyxl, run
from libreoffice import harness
from test_report_schema import validate_report

from gongkai_xlsx import api
from gongkai_xlsx.canonical import Document, Meta, dumps
from gongkai_xlsx.cellref import to_a1
from gongkai_xlsx.checks import cross_year
from gongkai_xlsx.definition import Form
from gongkai_xlsx.definition.evaluate import with_totals
from gongkai_xlsx.definition.layout import Layout
from gongkai_xlsx.documents import read
from gongkai_xlsx.ingest.previous import placed
from gongkai_xlsx.ingest.worker import moved_cells
from gongkai_xlsx.previous import match, read_previous
from gongkai_xlsx.reader import read_return
from gongkai_xlsx.reader.model import CellRead, Return, Source
from gongkai_xlsx.writer import TemplateOptions, write_template

# The same agency, written two ways: brackets full-width last year, half-width with a
# space this year (agency_key makes them one).
LAST_NAME = "某县交通运输局（本级）"
THIS_NAME = "某县交通运输局 (本级)"
OTHER = "某县民政局"

LAST_YEAR: dict[str, Any] = {
    "a.regulations.issued": 2,
    "a.regulations.repealed": 0,
    "a.regulations.in_force": 40,
    "a.licensing.decisions": 120,
    "a.penalty.decisions": 30,
    "a.fees.amount": 250.83,
    "b.received.natural_person": 20,
    "b.received.commercial_enterprise": 3,
    "b.disclosed.natural_person": 15,
    "b.disclosed.commercial_enterprise": 1,
}  # balanced(): 四 is 5 (自然人) and 2 (商业企业)

CONSISTENT: dict[str, Any] = {  # this year, consistent with last year in every rule
    "a.regulations.issued": 3,
    "a.regulations.repealed": 1,
    "a.regulations.in_force": 42,  # 40 + 3 - 1
    "a.licensing.decisions": 130,
    "a.penalty.decisions": 31,
    "a.fees.amount": 250.83,
    "b.received.natural_person": 22,
    "b.received.commercial_enterprise": 4,
    "b.carried_over.natural_person": 5,  # last year's 四
    "b.carried_over.commercial_enterprise": 2,
    "b.disclosed.natural_person": 20,
    "b.disclosed.commercial_enterprise": 5,
}
PLANTED = {
    **CONSISTENT,
    "b.carried_over.natural_person": 4,  # 上年结转 mismatch: last year's 四 is 5
    "a.regulations.in_force": 50,  # 现行有效 gap: 40 + 3 - 1 = 42
    "a.licensing.decisions": 1200,  # ×10 jump: last year 120
}

EXPECTED_PLANTED = [
    (
        "previous-stock",
        "主动公开",
        "D5",
        "主动公开!D5（规章 · 现行有效件数）：本年为 50，按上年报表“某县交通运输局（本级）_2023.json”"
        "中的“规章 · 现行有效件数”（a.regulations.in_force）40，加本年“规章 · 本年制发件数”3，"
        "减本年“规章 · 本年废止件数”1，应为 42；本年现行有效件数应等于上年现行有效件数加本年制发件数"
        "减本年废止件数（Y2）。文件到期失效等也会造成差异，请核对。",
    ),
    (
        "previous-jump",
        "主动公开",
        "B9",
        "主动公开!B9（行政许可 · 本年处理决定数量）：本年为 1200，上年报表“某县交通运输局（本级）_2023.json”"
        "中的同一栏（a.licensing.decisions）为 120，本年约为上年的 10 倍；同比突变：超过上年的 5 倍或"
        "不到上年的 1/5（两年都不小于 10），常见原因是多输或少输了一位数字（Y3）。请核对。",
    ),
    (
        "previous-carry",
        "依申请公开",
        "D7",
        "依申请公开!D7（二、上年结转政府信息公开申请数量 · 自然人）：本年为 4，上年报表"
        "“某县交通运输局（本级）_2023.json”中的“四、结转下年度继续办理 · 自然人”"
        "（b.carried_forward.natural_person）为 5；本年“二、上年结转政府信息公开申请数量”应等于上年"
        "“四、结转下年度继续办理”（Y1）。请核对本年的数字；如上年的数字有误，请在报告中说明。",
    ),
]


# ----------------------------------------------------------------------------- helpers
def make_return(
    form: Form,
    layout: Layout,
    folder: Path,
    year: int,
    agency: str,
    values: dict[str, Any],
    balance: bool = True,
) -> Path:
    """A template of ``year`` for ``agency``, filled with ``values`` (B1 made to hold by
    filling 四 in every column, unless ``balance`` is false)."""
    folder.mkdir(parents=True, exist_ok=True)
    template = folder / f".template-{year}-{hashlib.sha1(agency.encode()).hexdigest()[:8]}.xlsx"
    write_template(form, TemplateOptions(year, agency=agency), template)
    dest = folder / f"{agency}_{year}.xlsx"
    fill_with_openpyxl(layout, template, dest, balanced(form, values) if balance else values)
    template.unlink()
    return dest


def document(form: Form, agency: str, values: dict[str, Any], year: int) -> dict[str, Any]:
    """A canonical document as ingest builds it (a made-up source file)."""
    digest = hashlib.sha256(repr((agency, year, sorted(values.items()))).encode()).hexdigest()
    meta = Meta(year, agency, None, None, f"{agency}.xlsx", digest)
    exact = {k: Decimal(repr(v)) if isinstance(v, float) else v for k, v in values.items()}
    return Document.build(form, meta, with_totals(form, exact)).to_json()


def write_json(path: Path, data: dict[str, Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(dumps(data) if data.get("format") == "gk2021" else json.dumps(data).encode())
    return path


def ingest(paths: list[Path], out: Path, previous: Path | None) -> dict[str, Any]:
    report = api.ingest(api.IngestOptions(paths, out, jobs=1, previous=previous)).report.to_json()
    validate_report(report)
    return report


def findings(report: dict[str, Any], agency: str) -> list[tuple[str, str | None, str | None, str]]:
    (row,) = [r for r in report["returns"] if r["agency"] == agency]
    return [(f["code"], f["sheet"], f["cell"], f["message"]) for f in row["findings"]]


@pytest.fixture(scope="module")
def last_year(form: Form, layout: Layout, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Last year's output folder: two agencies' 2023 returns through `ingest`."""
    root = tmp_path_factory.mktemp("last-year")
    make_return(form, layout, root / "returns", 2023, LAST_NAME, LAST_YEAR)
    # 四 left blank: nothing to prefill next year
    make_return(form, layout, root / "returns", 2023, OTHER, {"a.penalty.decisions": 3}, False)
    report = ingest([root / "returns"], root / "2023结果", previous=None)
    assert report["summary"]["returns_ok"] == 2
    return root / "2023结果"


# ----------------------------------------------------------------------- ingest --previous
def test_a_planted_mismatch_gap_and_jump_give_exactly_those_warnings(
    form: Form, layout: Layout, last_year: Path, tmp_path: Path
) -> None:
    make_return(form, layout, tmp_path / "r", 2024, THIS_NAME, PLANTED)
    report = ingest([tmp_path / "r"], tmp_path / "out", last_year)
    assert findings(report, THIS_NAME) == EXPECTED_PLANTED
    (row,) = report["returns"]
    assert [(f["actual"], f["expected"], f["rule"], f["cell_id"]) for f in row["findings"]] == [
        (50, 42, "Y2", "a.regulations.in_force"),
        (1200, 120, "Y3", "a.licensing.decisions"),
        (4, 5, "Y1", "b.carried_over.natural_person"),
    ]
    assert row["status"] == "warnings" and row["output"]  # warnings: the JSON is written


def test_a_consistent_return_has_no_cross_year_warning(
    form: Form, layout: Layout, last_year: Path, tmp_path: Path
) -> None:
    make_return(form, layout, tmp_path / "r", 2024, THIS_NAME, CONSISTENT)
    report = ingest([tmp_path / "r"], tmp_path / "out", last_year)
    assert findings(report, THIS_NAME) == []
    assert report["previous"]["returns_matched"] == 1


def test_report_says_which_folder_and_how_many_were_matched(
    form: Form, layout: Layout, last_year: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Matched, without a previous document (a new agency: nothing said about it but the
    count), and the JSON files of last year's folder that are not returns."""
    previous = tmp_path / "上年"
    shutil.copytree(last_year, previous)
    write_json(previous / "汇总.json", {**document(form, "某县", {}, 2023), "kind": "summary"})
    write_json(previous / "notes.json", {"hello": 1})
    (previous / "report.html").write_text("<html></html>", encoding="utf-8")
    make_return(form, layout, tmp_path / "r", 2024, THIS_NAME, CONSISTENT)
    make_return(form, layout, tmp_path / "r", 2024, "某县新设局", {"a.penalty.decisions": 1})
    # a return with errors has no document: it is not compared, nor counted
    make_return(form, layout, tmp_path / "r", 2024, "某县错误局", {"a.penalty.decisions": -1})
    monkeypatch.chdir(tmp_path)
    report = ingest([Path("r")], Path("out"), Path("上年"))
    assert report["previous"] == {
        "folder": "上年",
        "documents": 2,
        "returns_matched": 1,
        "returns_not_compared": 0,
        "returns_unmatched": 1,
        "unmatched": ["某县新设局"],
        "skipped_files": [
            {"file": "notes.json", "reason": "没有报告格式“format”，不是本工具输出的规范 JSON"},
            {"file": "汇总.json", "reason": "这是汇总文档，不是单位的报表"},
        ],
    }
    assert findings(report, "某县新设局") == []
    assert "previous" not in ingest([Path("r")], Path("out2"), None)


def test_a_2019_format_document_is_skipped_with_one_warning(
    form: Form, layout: Layout, tmp_path: Path
) -> None:
    """2021's returns against 2020's reports: those use the 2019 format, whose columns
    mean other things, so nothing is compared and one warning says why."""
    write_json(
        tmp_path / "2020结果" / "某县民政局_2020.json",
        {"kind": "return", "format": "gk2019", "year": 2020, "agency": OTHER, "tables": {}},
    )
    make_return(form, layout, tmp_path / "r", 2021, OTHER, {"a.penalty.decisions": 300})
    report = ingest([tmp_path / "r"], tmp_path / "out", tmp_path / "2020结果")
    assert findings(report, OTHER) == [
        (
            "previous-other-format",
            None,
            None,
            "上年报表“某县民政局_2020.json”是 2020 年度的“gk2019”格式报表（2019、2020年度报告使用"
            "2019年格式（国办公开办函〔2019〕60号），本工具暂不支持），与本年的政府信息公开工作年度报告（2021年格式）栏目不同，"
            "未使用。",
        )
    ]
    assert report["previous"]["returns_not_compared"] == 1


def test_two_previous_documents_of_one_agency_are_said_once(
    form: Form, layout: Layout, last_year: Path, tmp_path: Path
) -> None:
    """Two different documents: which one is last year's is unknown, so none is compared.
    The same document copied into a subfolder is one document."""
    previous = tmp_path / "上年"
    shutil.copytree(last_year, previous)
    shutil.copytree(last_year, previous / "副本")
    make_return(form, layout, tmp_path / "r", 2024, THIS_NAME, PLANTED)
    report = ingest([tmp_path / "r"], tmp_path / "out", previous)
    assert [f[0] for f in findings(report, THIS_NAME)] == [c for c, *_ in EXPECTED_PLANTED]
    write_json(previous / "另一份.json", document(form, "某县交通运输局(本级)", LAST_YEAR, 2023))
    report = ingest([tmp_path / "r"], tmp_path / "out", previous)
    assert findings(report, THIS_NAME) == [
        (
            "previous-duplicate",
            None,
            None,
            "上年的结果中单位“某县交通运输局 (本级)”有 2 份不同的报表（副本/某县交通运输局（本级）_2023.json、"
            "另一份.json），无法确定以哪一份为准，未使用。请在上年的结果中只保留一份。",
        )
    ]


def test_documents_of_other_years_only_are_not_compared(
    form: Form, layout: Layout, tmp_path: Path
) -> None:
    """This year's folder given as last year's: its documents are of the same year."""
    make_return(form, layout, tmp_path / "r", 2024, OTHER, {"a.penalty.decisions": 30})
    ingest([tmp_path / "r"], tmp_path / "本年结果", None)
    report = ingest([tmp_path / "r"], tmp_path / "out", tmp_path / "本年结果")
    assert findings(report, OTHER) == [
        (
            "previous-other-year",
            None,
            None,
            "上年的结果中单位“某县民政局”的报表不是 2023 年度的（某县民政局_2024.json 为 2024 年度），"
            "未使用。请确认 --previous 给出的是上一年度的结果。",
        )
    ]
    with pytest.raises(api.UsageError, match="不能是本次的输出文件夹"):
        api.ingest(api.IngestOptions([tmp_path / "r"], tmp_path / "out", previous=tmp_path / "out"))


def test_a_broken_previous_document_is_named(form: Form, layout: Layout, tmp_path: Path) -> None:
    broken = document(form, OTHER, {"b.received.natural_person": 9}, 2023)
    broken["tables"]["b"]["received"]["total"] = 99  # edited by hand: not the sum of its parts
    write_json(tmp_path / "上年" / "民政.json", broken)
    make_return(form, layout, tmp_path / "r", 2024, OTHER, {"a.penalty.decisions": 30})
    report = ingest([tmp_path / "r"], tmp_path / "out", tmp_path / "上年")
    assert [(c, m) for c, _, _, m in findings(report, OTHER)] == [
        (
            "previous-unusable",
            "上年报表“民政.json”不完整或被改动过（“一、本年新收政府信息公开申请数量 · 总计”为 99，与各项之和不一致"
            "（应为 9）），未使用。请用 gongkai-xlsx ingest 重新生成上年的结果。",
        )
    ]


def test_a_previous_folder_without_documents_is_a_usage_error(
    form: Form, layout: Layout, tmp_path: Path
) -> None:
    """Nothing is written: neither the template nor the batch's outputs."""
    write_json(tmp_path / "空" / "x.json", {"a": 1})
    make_return(form, layout, tmp_path / "r", 2024, OTHER, {"a.penalty.decisions": 30})
    for folder, said in [(tmp_path / "空", "其中没有上年的报表"), (tmp_path / "没有", "不存在")]:
        with pytest.raises(api.UsageError, match=said):
            api.new_template(2024, tmp_path / "t.xlsx", agency=OTHER, previous=folder)
        with pytest.raises(api.UsageError, match=said):
            api.ingest(api.IngestOptions([tmp_path / "r"], tmp_path / "out", previous=folder))
    assert not (tmp_path / "t.xlsx").exists() and not (tmp_path / "out").exists()


# ----------------------------------------------------------------------------- matching
@pytest.mark.parametrize(
    "written",
    [
        "某县交通运输局（本级）",
        "某县交通运输局(本级)",
        "某县交通运输局 （本级） ",
        "某县交通运输局【本级】",
        "某县交通运输局\u200b（本级）",
        "某县交通运输局\u3000(本级)",
    ],
)
def test_agencies_match_by_their_normalised_names(
    form: Form, last_year: Path, written: str
) -> None:
    previous = read_previous(last_year)
    document, finding = match(previous, written, 2024, form)
    assert finding is None and document is not None
    assert document.display == "某县交通运输局（本级）_2023.json"


@pytest.mark.parametrize(
    "written", ["某县交通运输局", "某县交通局（本级）", "某县交通运输局（本级）2"]
)
def test_other_names_do_not_match(form: Form, last_year: Path, written: str) -> None:
    assert match(read_previous(last_year), written, 2024, form) == (None, None)


# ------------------------------------------------------------------ the check on its own
def check(form: Form, this: dict[str, Any], last: dict[str, Any]) -> list[tuple[str, str]]:
    """cross_year.check of this year's document against last year's inputs: (code, cell)."""
    doc = read(dumps(document(form, OTHER, this, 2024)))
    found = cross_year.check(form, doc, last, "上年.json")
    return [(f.code.code, f.cell_id or "") for f in found]


@pytest.mark.parametrize(
    ("this", "last", "jump"),
    [
        (50, 10, False),  # exactly five times: not above
        (51, 10, True),
        (10, 50, False),  # exactly a fifth: not below
        (10, 51, True),
        (100, 9, False),  # last year below 10
        (9, 100, False),  # this year below 10
        (None, 100, False),  # blank
        (Decimal("25.08"), Decimal("250.83"), True),  # the fee, a decimal point slipped
    ],
)
def test_a_jump_is_above_five_times_or_below_a_fifth_where_both_are_at_least_ten(
    form: Form, this: Any, last: Any, jump: bool
) -> None:
    cell = "a.fees.amount" if isinstance(this, Decimal) else "a.penalty.decisions"
    found = check(form, {cell: this}, {cell: last})
    assert found == ([("previous-jump", cell)] if jump else [])


def test_blanks_count_as_zero_and_a_blank_last_year_in_force_is_not_followed(
    form: Form,
) -> None:
    """二 blank against last year's 四 of 0: equal; against 3: a mismatch. 现行有效 blank
    last year: nothing to follow from; 0 last year: followed (blank 废止 as 0)."""
    last = {"b.carried_forward.natural_person": 0, "b.carried_forward.research_institution": 3}
    assert check(form, {}, last) == [("previous-carry", "b.carried_over.research_institution")]
    in_force = {"a.normative_documents.issued": 4, "a.normative_documents.in_force": 5}
    assert check(form, in_force, {}) == []
    assert check(form, in_force, {"a.normative_documents.in_force": 0}) == [
        ("previous-stock", "a.normative_documents.in_force")
    ]
    assert check(form, in_force, {"a.normative_documents.in_force": 1}) == []


def test_cross_year_rules_come_from_the_definition(form: Form) -> None:
    """Y1 pairs every non-total column of 二 with 四, Y2 holds in both rows of 第二十条第（一）项,
    Y3 covers every other input cell."""
    carry, stock, jump = form.cross_year
    assert [(p.cell, p.previous) for p in form.carried_cells(carry)] == [
        (c.id, c.id.replace("carried_over", "carried_forward"))
        for c in form.cells_of_row("b", "carried_over")
        if not c.computed
    ]
    assert [(s.cell, s.plus, s.minus) for s in form.stock_cells(stock)] == [
        ("a.regulations.in_force", ("a.regulations.issued",), ("a.regulations.repealed",)),
        (
            "a.normative_documents.in_force",
            ("a.normative_documents.issued",),
            ("a.normative_documents.repealed",),
        ),
    ]
    compared = {p.cell for p in form.carried_cells(carry)} | {
        s.cell for s in form.stock_cells(stock)
    }
    assert jump.kind == "jump" and set(form.jump_cells()) == {
        c.id for c in form.input_cells() if c.id not in compared
    }


def test_a_cell_read_elsewhere_is_named_where_the_return_holds_it(
    form: Form, layout: Layout
) -> None:
    """Rows moved in a return (read by names): a warning made in the parent points at the
    cell where this return holds it, not where the template puts it."""
    sheet, r, c = layout.cell_positions["a.licensing.decisions"]
    cells = {
        cid: CellRead(s, to_a1(row, col)) for cid, (s, row, col) in layout.cell_positions.items()
    }
    cells["a.licensing.decisions"] = CellRead(sheet, to_a1(r + 2, c))
    ret = Return(Source("x.xlsx", None, 0), form=form, cells=cells)
    moved = moved_cells(ret)
    assert moved == {"a.licensing.decisions": (sheet, to_a1(r + 2, c))}
    (finding,) = cross_year.check(
        form,
        read(dumps(document(form, OTHER, {"a.licensing.decisions": 1200}, 2024))),
        {"a.licensing.decisions": 120},
        "上年.json",
    )
    assert (placed(form, finding, moved).sheet, placed(form, finding, moved).cell) == (
        sheet,
        to_a1(r + 2, c),
    )
    assert placed(form, finding, {}).cell == to_a1(r, c)


# ------------------------------------------------------------------------ new --previous
CARRIED = {  # last year's 四 of LAST_NAME: B1 made it 0 where nothing was left
    "b.carried_over.natural_person": 5,
    "b.carried_over.commercial_enterprise": 2,
    "b.carried_over.research_institution": 0,
    "b.carried_over.public_interest_organization": 0,
    "b.carried_over.legal_service_agency": 0,
    "b.carried_over.other_organization": 0,
}
NOTE = (
    "“二、上年结转政府信息公开申请数量”已按 2023 年度报告的“四、结转下年度继续办理”预填（蓝色单元格），"
    "如有出入请直接修改。"
)


def test_a_prefilled_template_carries_last_years_numbers_in_the_right_cells(
    form: Form, last_year: Path, tmp_path: Path
) -> None:
    made = api.new_template(2024, tmp_path / "t.xlsx", agency=THIS_NAME, previous=last_year)
    assert made.prefilled_from == "某县交通运输局（本级）_2023.json"
    ret = read_return(made.path)
    assert {c.id: ret.cells[c.id].value for c in form.input_cells()} == {
        c.id: float(CARRIED[c.id]) if c.id in CARRIED else None for c in form.input_cells()
    }
    wb = openpyxl.load_workbook(made.path)
    assert wb["填报说明"]["A2"].value == NOTE
    for cid in CARRIED:
        cell = wb[ret.cells[cid].sheet][ret.cells[cid].ref]
        assert cell.comment.text == NOTE and not cell.protection.locked


def test_a_prefilled_template_filled_by_a_clerk_ingests_clean(
    form: Form, layout: Layout, last_year: Path, tmp_path: Path
) -> None:
    made = api.new_template(2024, tmp_path / "t.xlsx", agency=THIS_NAME, previous=last_year)
    rest = {k: v for k, v in CONSISTENT.items() if k not in CARRIED}
    filled = balanced(form, {**CARRIED, **rest})
    (tmp_path / "r").mkdir()
    fill_with_openpyxl(
        layout,
        made.path,
        tmp_path / "r" / "return.xlsx",
        {k: filled[k] for k in filled if k not in CARRIED},
    )
    report = ingest([tmp_path / "r"], tmp_path / "out", last_year)
    (row,) = report["returns"]
    assert (row["status"], row["findings"]) == ("ok", [])
    assert report["previous"]["returns_matched"] == 1


def test_new_roster_previous_says_how_many_were_prefilled_and_who_had_none(
    last_year: Path, tmp_path: Path
) -> None:
    roster = tmp_path / "名单.csv"
    roster.write_text(f"单位名称\n{THIS_NAME}\n{OTHER}\n某县新设局\n", encoding="utf-8")
    result = run(
        "new", "2024", "--roster", roster, "--out-dir", tmp_path / "模板", "--previous", last_year
    )
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "已生成 3 份 2024 年度填报模板，保存在 " + str(tmp_path / "模板") + "。",
        "其中 1 份已按上年报表预填上年结转数（蓝色单元格，单位仍可修改）。",
        "上年的结果中没有报表、未预填的单位 1 个：某县新设局。",
        "提示：单位“某县民政局”未预填。上年报表“某县民政局_2023.json”中“四、结转下年度继续办理”都是空白，"
        "没有可预填的数字。",
    ]
    prefilled = read_return(
        tmp_path / "模板" / f"2024年度政府信息公开工作年度报告填报表_{THIS_NAME}.xlsx"
    )
    assert {c: prefilled.cells[c].value for c in CARRIED} == {
        c: float(v) for c, v in CARRIED.items()
    }
    plain = read_return(
        tmp_path / "模板" / "2024年度政府信息公开工作年度报告填报表_某县新设局.xlsx"
    )
    assert all(plain.cells[c].value is None for c in CARRIED)


def test_new_agency_previous_and_its_usage_errors(last_year: Path, tmp_path: Path) -> None:
    result = run(
        "new", "2024", "--agency", THIS_NAME, "-o", tmp_path / "a.xlsx", "--previous", last_year
    )
    assert result.exit_code == 0
    assert result.output.splitlines()[-1] == (
        "已按上年报表“某县交通运输局（本级）_2023.json”预填上年结转数（蓝色单元格，单位仍可修改）。"
    )
    result = run(
        "new", "2024", "--agency", "某县新设局", "-o", tmp_path / "b.xlsx", "--previous", last_year
    )
    assert result.exit_code == 0
    assert result.output.splitlines()[-1] == (
        "提示：上年的结果中没有单位“某县新设局”的报表（新单位或名称有变化），未预填。"
    )
    result = run("new", "2024", "-o", tmp_path / "c.xlsx", "--previous", last_year)
    assert result.exit_code == 2 and "请同时给出 --agency" in result.output
    assert not (tmp_path / "c.xlsx").exists()


def test_ingest_previous_on_the_terminal(
    form: Form, layout: Layout, last_year: Path, tmp_path: Path
) -> None:
    make_return(form, layout, tmp_path / "r", 2024, THIS_NAME, PLANTED)
    make_return(form, layout, tmp_path / "r", 2024, "某县新设局", {"a.penalty.decisions": 1})
    result = run(
        "ingest", tmp_path / "r", "-o", tmp_path / "out", "--previous", last_year, "-j", "1"
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    for _code, _sheet, _cell, message in EXPECTED_PLANTED:
        assert any(line.endswith(message) for line in lines), message
    assert lines[-1] == (
        f"已与上年的结果（{last_year}）比对：1 份找到上年的报表并已比对，"
        "1 份没有上年的报表（新单位或名称有变化）：某县新设局。"
    )


# ------------------------------------------------------------------------- LibreOffice
@pytest.mark.libreoffice
def test_libreoffice_shows_the_prefilled_numbers_as_editable(
    form: Form, layout: Layout, last_year: Path, tmp_path: Path
) -> None:
    """In Calc the prefilled cells show last year's numbers and are not locked; a clerk
    corrects one there and ingest --previous then names exactly that cell."""
    made = api.new_template(2024, tmp_path / "t.xlsx", agency=THIS_NAME, previous=last_year)
    refs = {cid: (s, to_a1(r, c)) for cid, (s, r, c) in layout.cell_positions.items()}
    seen = harness.inspect(made.path, [refs[c] for c in CARRIED])["cells"]
    assert [(c["locked"], c["value"]) for c in seen] == [
        (False, float(v)) for v in CARRIED.values()
    ]
    rest = {k: v for k, v in CONSISTENT.items() if k not in CARRIED}
    filled = balanced(form, {**CARRIED, "b.carried_over.natural_person": 6, **rest})
    typed = [
        (*refs[k], v) for k, v in filled.items() if k != "b.carried_over.commercial_enterprise"
    ]
    (tmp_path / "r").mkdir()
    harness.fill(made.path, tmp_path / "r" / "return.xlsx", typed)
    report = ingest([tmp_path / "r"], tmp_path / "out", last_year)
    assert [(c, s, r) for c, s, r, _ in findings(report, THIS_NAME)] == [
        ("previous-carry", "依申请公开", "D7")
    ]
