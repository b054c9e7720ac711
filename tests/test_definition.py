"""The form definition: stable identifiers, the official structure, and a definition that
is refused when it is inconsistent."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest

from gongkai_xlsx.definition import DefinitionError, Form, form_for_year
from gongkai_xlsx.definition import load as load_module
from gongkai_xlsx.definition.layout import layout_of
from gongkai_xlsx.definition.load import UnsupportedYearError, load_form
from gongkai_xlsx.resources import templates_dir

# Identifiers never change between years of one format: pinned here. A change to the
# definition that moves or renames a cell must fail this test and bump the format.
LAYOUT_FINGERPRINT_V1 = "ab084ca491c52e1d"  # template_version "1"


def test_cell_counts(form: Form) -> None:
    assert len(form.cells) == 10 + 25 * 7 + 15
    assert len(form.input_cells()) == 10 + 24 * 6 + 12
    assert [t.key for t in form.tables] == ["a", "b", "c"]
    assert [t.sheet for t in form.tables] == ["主动公开", "依申请公开", "复议诉讼"]


def test_identifiers_are_stable(form: Form) -> None:
    ids = [c.id for c in form.cells]
    assert ids[:3] == ["a.regulations.issued", "a.regulations.repealed", "a.regulations.in_force"]
    assert "b.received.natural_person" in ids
    assert "b.results_total.total" in ids
    assert ids[-5:] == [
        "c.litigation_after_review.upheld",
        "c.litigation_after_review.corrected",
        "c.litigation_after_review.other",
        "c.litigation_after_review.pending",
        "c.litigation_after_review.total",
    ]
    digest = hashlib.sha256("\n".join(ids).encode()).hexdigest()
    assert digest == hashlib.sha256("\n".join(_pinned_ids(form)).encode()).hexdigest()


def _pinned_ids(form: Form) -> list[str]:
    """The identifiers, spelled out from the official structure (not from the loader)."""
    a = [
        f"a.{r}.{c}"
        for r in ("regulations", "normative_documents")
        for c in ("issued", "repealed", "in_force")
    ]
    a += ["a.licensing.decisions", "a.penalty.decisions", "a.coercion.decisions", "a.fees.amount"]
    b_rows = [
        "received",
        "carried_over",
        "disclosed",
        "partially_disclosed",
        "withheld_state_secret",
        "withheld_prohibited_by_law",
        "withheld_three_safeties",
        "withheld_third_party_rights",
        "withheld_internal_affairs",
        "withheld_process_information",
        "withheld_enforcement_files",
        "withheld_inquiry_matters",
        "unavailable_not_held",
        "unavailable_needs_creation",
        "unavailable_still_unclear",
        "declined_petition_complaint",
        "declined_repeated",
        "declined_publications",
        "declined_excessive",
        "declined_confirmation",
        "other_no_correction",
        "other_fee_unpaid",
        "other_other",
        "results_total",
        "carried_forward",
    ]
    b_cols = [
        "natural_person",
        "commercial_enterprise",
        "research_institution",
        "public_interest_organization",
        "legal_service_agency",
        "other_organization",
        "total",
    ]
    b = [f"b.{r}.{c}" for r in b_rows for c in b_cols]
    c = [
        f"c.{g}.{k}"
        for g in ("review", "litigation_direct", "litigation_after_review")
        for k in ("upheld", "corrected", "other", "pending", "total")
    ]
    return a + b + c


def test_the_report_has_the_six_parts_of_the_format(form: Form) -> None:
    parts = [(p.title, p.table.key if p.table else None) for p in form.report.parts]
    assert parts == [
        ("一、总体情况", None),
        ("二、主动公开政府信息情况", "a"),
        ("三、收到和处理政府信息公开申请情况", "b"),
        ("四、政府信息公开行政复议、行政诉讼情况", "c"),
        ("五、存在的主要问题及改进情况", None),
        ("六、其他需要报告的事项", None),
    ]
    assert form.report.title_for("某县民政局", 2024) == "某县民政局2024年度政府信息公开工作年度报告"


def test_layout_fingerprint_is_pinned_per_template_version(form: Form) -> None:
    """Changing where anything sits, or any label, needs a new template_version."""
    assert form.template_version == "1"
    assert layout_of(form).fingerprint == LAYOUT_FINGERPRINT_V1


def test_totals_sum_their_siblings(form: Form) -> None:
    assert form.cell("b.received.total").parts == tuple(
        f"b.received.{c}"
        for c in (
            "natural_person",
            "commercial_enterprise",
            "research_institution",
            "public_interest_organization",
            "legal_service_agency",
            "other_organization",
        )
    )
    results = form.cell("b.results_total.natural_person").parts
    assert len(results) == 21 and results[0] == "b.disclosed.natural_person"
    assert form.cell("c.review.total").parts == (
        "c.review.upheld",
        "c.review.corrected",
        "c.review.other",
        "c.review.pending",
    )
    assert [r.id for r in form.rules] == ["B1", "B2", "B3", "C1"]


def test_labels_shown_in_messages(form: Form) -> None:
    assert form.cell("b.carried_forward.natural_person").label == "四、结转下年度继续办理 · 自然人"
    assert form.cell("b.withheld_state_secret.commercial_enterprise").label == (
        "（三）不予公开 · 1.属于国家秘密 · 法人或其他组织 · 商业企业"
    )
    assert form.cell("c.litigation_direct.total").label == "未经复议直接起诉 · 总计"


@pytest.mark.parametrize(
    ("year", "ok"), [(2020, False), (2021, True), (2024, True), (2027, True), (2028, False)]
)
def test_years(year: int, ok: bool) -> None:
    today = dt.date(2026, 11, 26)
    if ok:
        assert form_for_year(year, today).id == "gk2021"
    else:
        with pytest.raises(UnsupportedYearError) as info:
            form_for_year(year, today)
        assert "报告年度" in str(info.value)


def _broken(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, old: str, new: str) -> None:
    text = (templates_dir() / "gk2021.toml").read_text(encoding="utf-8")
    assert old in text
    (tmp_path / "broken.toml").write_text(text.replace(old, new, 1), encoding="utf-8")
    monkeypatch.setattr(load_module, "templates_dir", lambda: tmp_path)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('key = "disclosed"', 'key = "received"', "duplicate cell identifiers"),
        (
            'left = ["received", "carried_over"]',
            'left = ["received", "nowhere"]',
            "unknown row 'nowhere'",
        ),
        (
            'prompt = "请填写0至999999999之间的整数；没有发生请填0。"',
            'prompt = "' + "长" * 256 + '"',
            "longer than Excel's 255",
        ),
        (
            '{ level = 2, key = "withheld_state_secret"',
            '{ level = 3, key = "withheld_state_secret"',
            "skips a level",
        ),
        (
            'id = "C1"\nkind = "row_total"',
            'id = "C1"\nkind = "balance"',
            "total nodes and row_total rules disagree",
        ),
        ('  { table = "c" },\n', "", "every table must appear exactly once"),
        ('{ table = "c" }', '{ table = "d" }', "unknown table 'd'"),
        ('{ title = "一、总体情况" }', '{ title = "六、其他需要报告的事项" }', "share a title"),
        ("{agency}{year}年度", "{agency}{date}年度", "only {agency} and {year}"),
        # the cross-year rules: real rows and columns of input cells, wording, a factor
        (
            'previous_row = "carried_forward"',
            'previous_row = "results_total"',
            "cross_year Y1: must name input cells",
        ),
        ('row = "carried_over"', 'row = "nowhere"', "cross_year Y1: must name input cells"),
        ('column = "in_force"', 'column = "nowhere"', "cross_year Y2: no cell at"),
        ('kind = "jump"\nfactor = 5', 'kind = "jump"\nfactor = 1', "needs factor > 1"),
        (
            'id = "Y1"\nkind = "carry"',
            'id = "Y1"\nkind = "carried"',
            "cross_year Y1: unknown kind 'carried'",
        ),
        ('id = "Y3"', 'id = "Y2"', "every rule needs its own id"),
    ],
)
def test_an_inconsistent_definition_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, old: str, new: str, message: str
) -> None:
    _broken(tmp_path, monkeypatch, old, new)
    with pytest.raises(DefinitionError, match=message.replace("(", r"\(")):
        load_form("broken")  # a failed load is not cached
