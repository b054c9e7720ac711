"""Returns filled by a clerk (openpyxl here; LibreOffice in test_libreoffice.py) read back:
canonical documents, and the exact finding for each kind of bad input."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from conftest import SEED_AGENCY, Filler, balanced

from gongkai_xlsx.api import check_file
from gongkai_xlsx.canonical import dumps, value_at
from gongkai_xlsx.catalogue import Code
from gongkai_xlsx.definition import Form
from gongkai_xlsx.definition.evaluate import with_totals
from gongkai_xlsx.documents import read

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
LO_SAMPLE = SAMPLES / "某县民政局_2024_LibreOffice保存.xlsx"


def patch_xml(src: Path, dest: Path, replacements: dict[bytes | re.Pattern[bytes], bytes]) -> Path:
    """Copy an xlsx, replacing bytes (or a regular expression's matches) inside its XML
    parts, as another application might have saved it; every replacement must apply."""
    used: set[object] = set()
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dest, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            for old, new in replacements.items():
                if isinstance(old, re.Pattern):
                    data, count = old.subn(new, data)
                    if count:
                        used.add(old)
                elif old in data:
                    used.add(old)
                    data = data.replace(old, new)
            zout.writestr(info, data)
    assert used == set(replacements), "a replacement found nothing to replace"
    return dest


def cached_total(ref: str, old: int, new: bytes) -> dict[re.Pattern[bytes], bytes]:
    """A total's saved result changed, whatever its formula (the template's or an older)."""
    pattern = re.compile(rb'(<c r="' + ref.encode() + rb'"[^>]*>.*?</f>)<v>%d</v>' % old, re.S)
    return {pattern: rb"\1<v>" + new + rb"</v>"}


ONE_NUMBER = {"a.penalty.decisions": 1}  # a return needs one number not to be empty
SEED_VALUES = {"a.licensing.decisions": 44, "a.penalty.decisions": 31, "a.fees.amount": 250.83}


def flat(outcome) -> list[list]:
    """The outcome's findings as [code, sheet, cell] rows, in report order."""
    return [[f.code.code, f.sheet, f.cell] for f in outcome.findings]


def test_seed_return_round_trip(fill: Filler, form: Form) -> None:
    path = fill(SEED_VALUES)
    outcome = check_file(path)
    assert outcome.findings == ()
    assert outcome.document is not None
    doc = outcome.document.to_json()
    assert doc["source"] == {
        "file": path.name,
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
    }
    assert (doc["format"], doc["template_version"], doc["year"], doc["agency"]) == (
        "gk2021",
        "1",
        2024,
        SEED_AGENCY,
    )
    assert (doc["contact"], doc["phone"]) == (None, None)
    assert doc["tables"]["a"] == {
        "regulations": {"issued": None, "repealed": None, "in_force": None},
        "normative_documents": {"issued": None, "repealed": None, "in_force": None},
        "licensing": {"decisions": 44},
        "penalty": {"decisions": 31},
        "coercion": {"decisions": None},
        "fees": {"amount": Decimal("250.83")},
    }
    # Every cell of B and C blank, totals included: blank is not 0.
    assert all(v is None for row in doc["tables"]["b"].values() for v in row.values())
    assert all(v is None for group in doc["tables"]["c"].values() for v in group.values())
    # RFC 8785 bytes: sorted keys, no spaces, shortest numbers.
    data = dumps(doc)
    assert data.startswith(b'{"agency":"') and b'"amount":250.83' in data and b" " not in data


def test_totals_are_recomputed_and_null_only_when_all_parts_are_blank(
    fill: Filler, form: Form
) -> None:
    values = {
        "b.received.natural_person": 5,
        "b.received.commercial_enterprise": 0,
        "b.disclosed.natural_person": 3,
        "b.withheld_state_secret.natural_person": 2,
        "b.carried_over.natural_person": 0,
        "c.review.upheld": 1,
    }
    document = check_file(fill(values)).document
    assert document is not None
    doc = document.to_json()
    b, c = doc["tables"]["b"], doc["tables"]["c"]
    assert b["received"]["total"] == 5
    assert b["carried_over"]["total"] == 0  # a 0 is stated: the total is 0, not null
    assert b["results_total"]["natural_person"] == 5
    assert b["results_total"]["commercial_enterprise"] is None
    assert b["results_total"]["total"] == 5
    assert b["carried_forward"]["total"] is None
    assert c["review"]["total"] == 1 and c["litigation_direct"]["total"] is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (12, 12),
        ("12", 12),
        (" 12 ", 12),
        ("１２", 12),
        ("1,200", 1200),
        ("１，２００", 1200),
        ("12.0", 12),
        (12.0, 12),
        ("\u300012\u3000", 12),
    ],
)
def test_what_a_person_means_is_accepted(fill: Filler, raw: object, expected: int) -> None:
    outcome = check_file(
        fill({"b.received.natural_person": raw, "b.carried_forward.natural_person": expected})
    )
    assert outcome.document is not None
    assert outcome.document.tables()["b"]["received"]["natural_person"] == expected
    codes = {f.code for f in outcome.findings}
    assert codes == (set() if isinstance(raw, int | float) else {Code.NUMBER_AS_TEXT})


@pytest.mark.parametrize("mark", ["/", "-", "—", "_", "无", "／"])
def test_nothing_here_marks_read_as_blank(fill: Filler, mark: str) -> None:
    outcome = check_file(fill({"a.regulations.issued": mark, "a.licensing.decisions": 1}))
    assert flat(outcome) == [["blank-marker", "主动公开", "B5"]]
    assert outcome.findings[0].message == (
        f"主动公开!B5（规章 · 本年制发件数）：“{mark}”按空白（未填写）读取；没有发生的事项请填0。"
    )
    assert outcome.document is not None
    assert outcome.document.tables()["a"]["regulations"]["issued"] is None


@pytest.mark.parametrize(
    ("cell_id", "raw", "code", "ref", "message"),
    [
        (
            "b.received.natural_person",
            -2,
            "negative",
            "D6",
            "依申请公开!D6（一、本年新收政府信息公开申请数量 · 自然人）：不能填负数（填了 -2）。请填0或正数。",
        ),
        (
            "b.received.natural_person",
            2.5,
            "fraction",
            "D6",
            "依申请公开!D6（一、本年新收政府信息公开申请数量 · 自然人）：件数必须是整数（填了 2.5）。",
        ),
        (
            "b.received.natural_person",
            1_000_000_000,
            "too-large",
            "D6",
            "依申请公开!D6（一、本年新收政府信息公开申请数量 · 自然人）：1000000000 超过上限 999999999，请核对。",
        ),
        (
            "b.received.natural_person",
            "十二",
            "not-number",
            "D6",
            "依申请公开!D6（一、本年新收政府信息公开申请数量 · 自然人）：“十二”不是数字。请填写0至999999999之间的整数。",
        ),
        (
            "c.review.upheld",
            "3件",
            "not-number",
            "A6",
            "复议诉讼!A6（行政复议 · 结果维持）：“3件”不是数字。请填写0至999999999之间的整数。",
        ),
        (
            "a.fees.amount",
            1.23456,
            "too-many-decimals",
            "B16",
            "主动公开!B16（行政事业性收费 · 本年收费金额（单位：万元））：金额以万元为单位，最多保留 4 位小数（填了 1.23456）。",
        ),
        (
            "a.fees.amount",
            -0.5,
            "negative",
            "B16",
            "主动公开!B16（行政事业性收费 · 本年收费金额（单位：万元））：不能填负数（填了 -0.5）。请填0或正数。",
        ),
        (
            "a.licensing.decisions",
            "٣",
            "not-number",
            "B9",
            "主动公开!B9（行政许可 · 本年处理决定数量）：“٣”不是数字。请填写0至999999999之间的整数。",
        ),
    ],
)
def test_each_bad_value_gets_its_exact_error(
    fill: Filler, cell_id: str, raw: object, code: str, ref: str, message: str
) -> None:
    outcome = check_file(fill({**ONE_NUMBER, cell_id: raw}))
    errors = outcome.errors
    assert [[f.code.code, f.cell, f.message] for f in errors] == [[code, ref, message]]
    assert outcome.document is None  # canonical data is data that passed


def test_fee_with_four_decimals_is_exact(fill: Filler) -> None:
    outcome = check_file(fill({"a.fees.amount": 1234.5678}))
    assert outcome.errors == []
    assert outcome.document.tables()["a"]["fees"]["amount"] == Decimal("1234.5678")
    assert b'"amount":1234.5678' in outcome.document.to_json_bytes()


def test_b1_broken_in_two_columns(fill: Filler) -> None:
    outcome = check_file(
        fill(
            {
                "b.received.natural_person": 5,
                "b.carried_over.natural_person": 12,
                "b.disclosed.natural_person": 10,
                "b.carried_forward.natural_person": 4,
                "b.received.commercial_enterprise": 1,
                "b.disclosed.commercial_enterprise": 2,
            }
        )
    )
    assert [
        [f.code.code, f.cell, f.rule, f.actual, f.expected, f.message] for f in outcome.errors
    ] == [
        [
            "balance",
            "D30",
            "B1",
            17,
            14,
            "依申请公开!D30（四、结转下年度继续办理 · 自然人）：第一项加第二项之和应等于第三项加第四项之和；"
            "现在第一项加第二项之和为 17，第三项加第四项之和为 14，前者多 3。请核对这一列的数字。",
        ],
        [
            "balance",
            "E30",
            "B1",
            1,
            2,
            "依申请公开!E30（四、结转下年度继续办理 · 法人或其他组织 · 商业企业）：第一项加第二项之和应等于第三项加第四项之和；"
            "现在第一项加第二项之和为 1，第三项加第四项之和为 2，后者多 1。请核对这一列的数字。",
        ],
    ]  # not J30: the 总计 column is computed, its difference is the others' sum
    finding = outcome.errors[0]
    assert (finding.row_label, finding.column_label) == ("四、结转下年度继续办理", "自然人")


def test_a_total_typed_over_with_another_number_is_an_error(fill: Filler) -> None:
    """The items add up to 5, the clerk typed 7 over the total: the agency's file shows a
    number that will not be published, so it goes back (issue 14)."""
    path = fill(
        {"b.received.natural_person": 5, "b.carried_forward.natural_person": 5},
        raw={("依申请公开", "J6"): 7},
    )
    outcome = check_file(path)
    assert [[f.code.code, f.cell, f.rule, f.actual, f.expected] for f in outcome.findings] == [
        ["total-typed-over", "J6", "B2", 7, 5]
    ]
    assert outcome.findings[0].is_error
    assert outcome.findings[0].message == (
        "依申请公开!J6（一、本年新收政府信息公开申请数量 · 总计）：自动计算的合计被改填为 7，"
        "而各项之和为 5（B2：总计应等于自然人与法人或其他组织各栏之和），表中显示的合计与各项不符。"
        "请核对各项数字，再把合计改回公式（或填 5）后重新报送。"
    )


def test_a_total_typed_over_with_the_very_sum_stays_a_hint(fill: Filler) -> None:
    path = fill(
        {"b.received.natural_person": 5, "b.carried_forward.natural_person": 5},
        raw={("依申请公开", "J6"): 5},
    )
    outcome = check_file(path)
    assert [[f.code.code, f.cell, f.rule, f.actual, f.expected] for f in outcome.findings] == [
        ["formula-removed", "J6", "B2", 5, 5]
    ]
    assert not outcome.errors
    assert outcome.findings[0].message == (
        "依申请公开!J6（一、本年新收政府信息公开申请数量 · 总计）：自动计算的单元格被改成了固定值 5，"
        "与各项之和相同（B2：总计应等于自然人与法人或其他组织各栏之和）；以后修改各项时它不会自动更新，请留意。"
    )
    assert outcome.document is not None
    assert outcome.document.tables()["b"]["received"]["total"] == 5


def test_a_stale_cached_total_is_a_warning(tmp_path: Path) -> None:
    """The formula is there but its saved result is not (saved without recalculation)."""
    patched = patch_xml(LO_SAMPLE, tmp_path / "stale.xlsx", cached_total("J6", 15, b"17"))
    outcome = check_file(patched)
    assert [[f.code.code, f.cell, f.rule, f.actual, f.expected] for f in outcome.findings] == [
        ["total-mismatch", "J6", "B2", Decimal(17), 15]
    ]
    assert outcome.findings[0].message == (
        "依申请公开!J6（一、本年新收政府信息公开申请数量 · 总计）：表中显示 17，按各项重新计算为 15"
        "（B2：总计应等于自然人与法人或其他组织各栏之和）；文件保存前没有重新计算（如 Excel 设成了“手动计算”），"
        "已采用重新计算的值。请打开文件按 F9 重新计算后保存；按 F9 后仍不一致的，是合计的公式被改动过，"
        "请用下发的模板重新填报。"
    )
    assert outcome.document.tables()["b"]["received"]["total"] == 15


def test_column_total_and_c_total_overwritten_name_their_rules(fill: Filler) -> None:
    path = fill(
        {
            "b.disclosed.natural_person": 1,
            "b.carried_forward.natural_person": 1,
            "b.received.natural_person": 2,
            "c.review.upheld": 2,
        },
        raw={("依申请公开", "D29"): 9, ("复议诉讼", "E6"): "x"},
    )
    outcome = check_file(path)
    assert [[f.code.code, f.cell, f.rule] for f in outcome.findings] == [
        ["total-typed-over", "D29", "B3"],
        ["total-typed-over", "E6", "C1"],
    ]


def test_numbers_outside_the_form_are_reported(fill: Filler) -> None:
    outcome = check_file(
        fill({"a.licensing.decisions": 1}, raw={("依申请公开", "L6"): 50, ("主动公开", "F3"): 2.5})
    )
    assert [[f.code.code, f.sheet, f.cell, f.message] for f in outcome.findings] == [
        [
            "stray-number",
            "主动公开",
            "F3",
            "主动公开!F3：表格栏目之外的单元格填了 2.5，不会被读取。请把数字填到对应栏目中，或删除它。",
        ],
        [
            "stray-number",
            "依申请公开",
            "L6",
            "依申请公开!L6：表格栏目之外的单元格填了 50，不会被读取。请把数字填到对应栏目中，或删除它。",
        ],
    ]


def test_cleared_locked_cover_cells_are_noticed(fill: Filler) -> None:
    outcome = check_file(
        fill({"a.licensing.decisions": 1}, raw={("填报说明", "B3"): None, ("填报说明", "B4"): None})
    )
    assert [[f.code.code, f.cell, f.expected, f.actual] for f in outcome.findings] == [
        ["label-changed", "B3", 2024, None],
        ["label-changed", "B4", SEED_AGENCY, None],
    ]
    assert (outcome.year, outcome.agency) == (2024, SEED_AGENCY)


def test_empty_return_and_missing_agency(fill: Filler, blank_template_2024: Path) -> None:
    """A blank template sent back as it was: two errors, as its cover says, and no data."""
    outcome = check_file(fill({}, template=blank_template_2024, name="某单位上报.xlsx"))
    assert [[f.code.code, f.sheet, f.cell] for f in outcome.findings] == [
        ["no-numbers", None, None],
        ["agency-missing", "填报说明", "B4"],
    ]
    assert outcome.findings[1].message == (
        "填报说明!B4（填报单位）：未填写填报单位。请在“填报说明”中填写本单位全称后重新报送。"
    )
    assert outcome.status == "errors" and outcome.document is None
    assert outcome.agency == "某单位上报"  # only to name the row of the batch table


def test_agency_typed_on_cover_of_blank_template(fill: Filler, blank_template_2024: Path) -> None:
    outcome = check_file(
        fill(
            {"a.licensing.decisions": 3},
            fields={"agency": " 某县  司法局 ", "contact": "张三", "phone": 13912345678},
            template=blank_template_2024,
        )
    )
    assert outcome.findings == ()
    doc = outcome.document
    assert doc is not None
    assert (doc.agency, doc.contact, doc.phone) == ("某县 司法局", "张三", "13912345678")


def test_cover_agency_differing_from_template_is_a_warning(fill: Filler) -> None:
    outcome = check_file(fill({"a.licensing.decisions": 3}, raw={("填报说明", "B4"): "别的单位"}))
    assert [[f.code.code, f.cell, f.actual, f.expected] for f in outcome.findings] == [
        ["agency-differs", "B4", "别的单位", SEED_AGENCY]
    ]
    assert outcome.document.agency == "别的单位"


def test_changed_locked_label_is_a_warning(fill: Filler) -> None:
    outcome = check_file(
        fill({"a.licensing.decisions": 3}, raw={("依申请公开", "C10"): "1.属于国家机密"})
    )
    assert [[f.code.code, f.sheet, f.cell, f.expected, f.actual] for f in outcome.findings] == [
        ["label-changed", "依申请公开", "C10", "1.属于国家秘密", "1.属于国家机密"]
    ]


def test_labels_tolerate_half_width_brackets_spaces_and_line_breaks(fill: Filler) -> None:
    outcome = check_file(
        fill(
            {"a.licensing.decisions": 3},
            raw={
                ("依申请公开", "B8"): "(一) 予以公开",
                ("依申请公开", "A8"): "三、 本 年 度\n办 理 结 果",
            },
        )
    )
    assert outcome.findings == ()


def test_year_from_properties_and_expected_year(fill: Filler) -> None:
    path = fill({"a.licensing.decisions": 3})
    assert check_file(path, expected_year=2024).errors == []
    outcome = check_file(path, expected_year=2023)
    assert [[f.code.code, f.message] for f in outcome.errors] == [
        [
            "year-mismatch",
            "报告年度为 2024，本次收集的是 2023 年度的报表。请使用 2023 年度的模板重新填报。",
        ]
    ]


def test_cover_year_changed_in_an_unprotected_copy(fill: Filler) -> None:
    outcome = check_file(fill({"a.licensing.decisions": 3}, raw={("填报说明", "B3"): 2023}))
    assert [[f.code.code, f.cell, f.actual, f.expected] for f in outcome.findings] == [
        ["year-differs", "B3", 2023, 2024]
    ]
    assert outcome.year == 2024


def test_pasted_values_bypass_validation_but_not_the_reader(fill: Filler) -> None:
    """Pasting replaces validation and formats: the reader judges the content alone."""
    path = fill({"b.received.natural_person": "5", "b.carried_forward.natural_person": 5})
    wb = openpyxl.load_workbook(path)
    ws = wb["依申请公开"]
    ws.data_validations.dataValidation = []
    ws.protection.sheet = False
    wb.security = None
    wb.save(path)
    outcome = check_file(path)
    assert [f.code.code for f in outcome.findings] == ["number-as-text"]
    assert outcome.document.tables()["b"]["received"]["total"] == 5


def test_document_bytes_are_deterministic(fill: Filler) -> None:
    path = fill(SEED_VALUES)
    first, second = check_file(path).document, check_file(path).document
    assert first is not None and second is not None
    assert first.to_json_bytes() == second.to_json_bytes()
    assert read(first.to_json_bytes()) == first


def test_with_totals_matches_the_document(fill: Filler, form: Form) -> None:
    values = balanced(
        form, {c.id: (i % 7) for i, c in enumerate(form.input_cells()) if c.kind.type == "integer"}
    )
    outcome = check_file(fill(values))
    assert outcome.errors == []
    expected = with_totals(form, values)
    for cell in form.cells:
        if cell.kind.type == "integer":
            assert value_at(outcome.document, cell) == expected[cell.id], cell.id  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("raw", "code", "shown"),
    [
        ("12 34", "not-number", "“12 34”不是数字"),  # two numbers in one cell, not 1234
        (True, "not-number", "“TRUE”不是数字"),
        ("−5", "negative", "不能填负数（填了 −5）"),  # U+2212 minus sign
        ("1e3", "not-number", "“1e3”不是数字"),
        ("0x10", "not-number", "“0x10”不是数字"),
    ],
)
def test_odd_entries(fill: Filler, raw: object, code: str, shown: str) -> None:
    outcome = check_file(fill({**ONE_NUMBER, "b.received.natural_person": raw}))
    assert [f.code.code for f in outcome.findings] == [code]
    assert shown in outcome.findings[0].message


def test_a_date_is_named_as_a_date(fill: Filler) -> None:

    outcome = check_file(fill({**ONE_NUMBER, "c.review.upheld": dt.datetime(2024, 1, 5)}))
    assert [f.message for f in outcome.findings] == [
        "复议诉讼!A6（行政复议 · 结果维持）：“2024-01-05（日期或时间）”不是数字。请填写0至999999999之间的整数。"
    ]


def test_floating_point_noise_is_the_number_a_person_sees(fill: Filler) -> None:
    outcome = check_file(
        fill({"a.fees.amount": 250.82999999999998, "a.licensing.decisions": 7.0000000000000009})
    )
    assert outcome.findings == ()
    assert outcome.document.tables()["a"]["fees"]["amount"] == Decimal("250.83")
    assert outcome.document.tables()["a"]["licensing"]["decisions"] == 7


def test_formula_typed_into_an_input_cell(fill: Filler, tmp_path: Path) -> None:
    """openpyxl saves formulas without a result: the reader says so instead of reading
    blank; with a result (Excel, LibreOffice) the result is read and the formula noted."""
    path = fill({"b.received.natural_person": "=1+1", "b.carried_forward.natural_person": 2})
    outcome = check_file(path)
    assert [[f.code.code, f.cell, f.message] for f in outcome.errors] == [
        [
            "formula-no-value",
            "D6",
            "依申请公开!D6（一、本年新收政府信息公开申请数量 · 自然人）：填的是公式“=1+1”，"
            "文件中没有它的计算结果（保存前未重新计算）。请直接填写数字。",
        ]
    ]
    # the same cell with a cached result, as Excel would save it
    patched = patch_xml(
        path,
        tmp_path / "cached.xlsx",
        {re.compile(rb"<f>1\+1</f><v(?:></v>| />)"): b"<f>1+1</f><v>2</v>"},  # openpyxl: either
    )
    outcome = check_file(patched)
    assert [[f.code.code, f.cell, f.actual, f.expected] for f in outcome.findings] == [
        ["formula-input", "D6", "=1+1", 2]
    ]
    assert outcome.document.tables()["b"]["received"]["natural_person"] == 2


def test_no_numbers_is_said_whenever_no_cell_holds_a_number(fill: Filler) -> None:
    """As the workbook's own status says: a word or a "/" is not a number, 0 is."""
    outcome = check_file(fill({"b.received.natural_person": "abc", "c.review.upheld": "/"}))
    assert [f.code.code for f in outcome.findings] == ["no-numbers", "not-number", "blank-marker"]
    assert check_file(fill({"c.review.upheld": 0})).errors == []


def test_a_year_before_the_format(fill: Filler) -> None:

    path = fill({"a.licensing.decisions": 1})
    wb = openpyxl.load_workbook(path)
    wb.custom_doc_props.props = [p for p in wb.custom_doc_props.props if p.name != "gongkai.year"]
    wb["填报说明"]["B3"] = 2019
    wb.save(path)
    outcome = check_file(path)
    assert [[f.code.code, f.message] for f in outcome.errors] == [
        ["year-invalid", "报告年度 2019 不适用本格式（2021 年及以后）。请使用下发的模板重新填报。"]
    ]


def test_a_cover_year_that_is_not_a_number(fill: Filler) -> None:
    outcome = check_file(fill({"a.licensing.decisions": 1}, raw={("填报说明", "B3"): "二〇二四年"}))
    assert [[f.code.code, f.cell, f.actual] for f in outcome.findings] == [
        ["year-differs", "B3", "二〇二四年"]
    ]
    assert outcome.year == 2024


def test_overwritten_instructions_are_noticed(fill: Filler) -> None:
    """Locked texts of the cover count; the B1 label below table B does not (rows inserted
    under the table move it, which says nothing about the data)."""
    outcome = check_file(
        fill(
            {"a.licensing.decisions": 1},
            raw={("依申请公开", "A32"): "随便", ("填报说明", "A10"): "改了"},
        )
    )
    assert [[f.code.code, f.sheet, f.cell] for f in outcome.findings] == [
        ["label-changed", "填报说明", "A10"],
    ]


def test_a_layout_that_differs_from_its_version_is_noticed(fill: Filler) -> None:

    path = fill({"a.licensing.decisions": 1})
    wb = openpyxl.load_workbook(path)
    for prop in wb.custom_doc_props.props:
        if prop.name == "gongkai.layout":
            prop.value = "0000000000000000"
    wb.save(path)
    outcome = check_file(path)
    assert [f.code.code for f in outcome.findings] == ["layout-fingerprint"]
    assert outcome.document is not None


def test_a_column_inserted_under_stale_names_stops_the_reading(fill: Filler) -> None:
    """openpyxl inserts a column without moving the names: every value would be read one
    column off. Headers are checked beside the cells the names point at."""

    path = fill(
        {
            "b.received.natural_person": 5,
            "b.received.commercial_enterprise": 3,
            "b.carried_forward.natural_person": 5,
            "b.carried_forward.commercial_enterprise": 3,
        }
    )
    wb = openpyxl.load_workbook(path)
    wb["依申请公开"].insert_cols(5)
    wb.save(path)
    outcome = check_file(path)
    assert outcome.document is None
    # every name now points one column left of its cell: each is an error at that cell
    assert {f.code.code for f in outcome.findings} == {"name-mismatch"}
    assert outcome.findings[0].message == (
        "依申请公开!E6（一、本年新收政府信息公开申请数量 · 法人或其他组织 · 商业企业）："
        "单元格名称 gk.b.received.commercial_enterprise 应指向“商业企业”，这里却是“空白”，"
        "数据位置无法确定，该处未读取。请使用下发的模板重新填报。"
    )
    assert outcome.findings[1].message.startswith(
        "依申请公开!F6（一、本年新收政府信息公开申请数量 · 法人或其他组织 · 科研机构）："
        "单元格名称 gk.b.received.research_institution 应指向“科研机构”，这里却是“商业企业”"
    )


def test_names_that_all_point_at_one_cell_are_not_trusted(fill: Filler) -> None:

    path = fill({"a.licensing.decisions": 44})
    wb = openpyxl.load_workbook(path)
    for name, defined in list(wb.defined_names.items()):
        if name.startswith("gk.a."):
            defined.attr_text = "'主动公开'!$B$9"
    wb.save(path)
    outcome = check_file(path)
    assert [f.code.code for f in outcome.findings] == ["names-missing"]
    assert outcome.document.tables()["a"]["licensing"]["decisions"] == 44
    assert outcome.document.tables()["a"]["penalty"]["decisions"] is None


@pytest.mark.parametrize(("cached", "reported"), [(b"1", False), (b"999", True)])
def test_a_total_off_by_more_than_the_text_numbers_is_still_reported(
    tmp_path: Path, cached: bytes, reported: bool
) -> None:
    """D6 (14) typed as text: SUM shows J6 = 1, explained by number-as-text; any other
    stale value is still a total-mismatch."""
    patched = patch_xml(
        LO_SAMPLE,
        tmp_path / "t.xlsx",
        {
            re.compile(rb'<c r="D6" (s="\d+") t="n"><v>14</v></c>'): (
                rb'<c r="D6" \1 t="inlineStr"><is><t>14</t></is></c>'
            ),
            **cached_total("J6", 15, cached),
        },
    )
    found = [(f.code.code, f.cell) for f in check_file(patched).findings]
    assert ("number-as-text", "D6") in found
    assert (("total-mismatch", "J6") in found) is reported
