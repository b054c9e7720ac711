"""`gongkai-xlsx aggregate`: the 汇总 of canonical documents.

Sums are checked against column sums computed here, independently of the aggregator: the
documents are read back from their files and every leaf (totals included) is summed
("blank in every document" stays null). Summing the members' totals gives the recomputed
totals, since a total is the sum of its parts and a blank counts as 0 unless every part
is blank everywhere, so the independent sums cover the totals too.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from conftest import balanced, run

from gongkai_xlsx.agency import agency_key
from gongkai_xlsx.aggregate import (
    Summary,
    aggregate_documents,
    aggregate_paths,
    parse_document,
)
from gongkai_xlsx.aggregate.summary import _mixed
from gongkai_xlsx.api import IngestOptions, UsageError, check_file, ingest
from gongkai_xlsx.canonical import Document as Canonical
from gongkai_xlsx.canonical import Meta, dumps
from gongkai_xlsx.definition import Form
from gongkai_xlsx.definition.evaluate import with_totals
from gongkai_xlsx.document_files import Document
from gongkai_xlsx.outputfolder import is_bookkeeping
from gongkai_xlsx.roster import Entry as RosterEntry
from gongkai_xlsx.roster import Roster
from gongkai_xlsx.schema import load_committed_schema

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
EXPECTED = SAMPLES / "expected"
# Cells no generated document fills: they must stay null in the summary.
NEVER_FILLED = ("a.regulations.", "b.declined_excessive.", "c.litigation_after_review.")


# ----------------------------------------------------------------------------- helpers
def read(path: Path) -> Any:
    return json.loads(path.read_bytes(), parse_float=Decimal)


def column_sums(documents: list[dict[str, Any]]) -> dict[str, Any]:
    """Every leaf of ``tables`` summed over ``documents``; null where all are null."""

    def merge(nodes: list[Any]) -> Any:
        if isinstance(nodes[0], dict):
            return {key: merge([n[key] for n in nodes]) for key in nodes[0]}
        present = [n for n in nodes if n is not None]
        return sum(present) if present else None

    return merge([d["tables"] for d in documents])


def document(
    form: Form,
    agency: str,
    values: dict[str, Any],
    year: int = 2024,
    source: str | None = None,
    sha256: str | None = None,
) -> dict[str, Any]:
    """A return's canonical document as ingest builds it (a made-up source file)."""
    digest = sha256 or hashlib.sha256(repr((agency, sorted(values.items()))).encode()).hexdigest()
    meta = Meta(year, agency, None, None, source or f"{agency}.xlsx", digest)
    return Canonical.build(form, meta, with_totals(form, values)).to_json()


def write(path: Path, doc: dict[str, Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(dumps(doc))
    return path


def generated(
    form: Form, count: int, seed: int = 2024, balance: bool = False
) -> list[dict[str, Any]]:
    """``count`` returns with random counts, fees of up to 4 decimals, blanks and zeros;
    with ``balance``, B1 made to hold in every column (as the returns ingest passes)."""
    rng = random.Random(seed)
    docs = []
    for number in range(count):
        values: dict[str, Any] = {}
        for cell in form.input_cells():
            if cell.id.startswith(NEVER_FILLED) or rng.random() < 0.5:
                continue
            if cell.kind.type == "integer":
                values[cell.id] = 0 if rng.random() < 0.2 else rng.randint(1, 5000)
            else:
                values[cell.id] = Decimal(rng.randint(0, 10**9)) / 10**4
        docs.append(
            document(form, f"某县第{number:03d}局", balanced(form, values) if balance else values)
        )
    return docs


def messages(summary: Summary) -> list[str]:
    return [f.message for f in summary.findings]


def validate(doc: dict[str, Any], form: Form) -> None:
    jsonschema.Draft202012Validator(load_committed_schema(form)).validate(doc)


# ----------------------------------------------------------------------------- sums
def test_the_samples_sum_to_their_column_sums(form: Form) -> None:
    summary = aggregate_paths([EXPECTED], "某县")
    assert summary.ok and summary.findings == []
    assert [(s.display, s.reason) for s in summary.skipped] == [
        ("report.html", "ingest 的结果页面"),
        ("annotated/某县交通运输局_退回修改_20250120.xlsx", "不是 JSON 文件"),
        ("annotated/退回清单.xlsx", "不是 JSON 文件"),
        ("report.json", "ingest 的批量报告"),
    ]
    docs = [read(p) for p in sorted(EXPECTED.glob("*.json")) if p.name != "report.json"]
    assert len(docs) == 3
    written = json.loads(summary.to_bytes(), parse_float=Decimal)
    assert written["tables"] == column_sums(docs)
    assert written["tables"]["a"]["fees"]["amount"] == Decimal("263.33")  # 250.83 + 12.5
    assert (written["kind"], written["agency"], written["year"]) == ("summary", "某县", 2024)
    assert (written["contact"], written["phone"], written["completeness"]) == (None, None, None)
    assert sorted((m["agency"], m["source"]["sha256"]) for m in written["members"]) == sorted(
        (d["agency"], d["source"]["sha256"]) for d in docs
    )
    validate(written, form)


def test_two_hundred_generated_returns_sum_exactly(form: Form, tmp_path: Path) -> None:
    docs = generated(form, 200)
    for doc in docs:
        write(tmp_path / "returns" / f"{doc['agency']}_2024.json", doc)
    summary = aggregate_paths([tmp_path / "returns"], "某县")
    assert summary.ok and summary.findings == [] and len(summary.members) == 200
    on_disk = [read(p) for p in sorted((tmp_path / "returns").iterdir())]
    written = json.loads(summary.to_bytes(), parse_float=Decimal)
    expected = column_sums(on_disk)
    assert written["tables"] == expected
    validate(written, form)
    # blank in all 200 stays null; a column with zeros and blanks sums to a number
    assert written["tables"]["a"]["regulations"] == {
        "issued": None,
        "repealed": None,
        "in_force": None,
    }
    assert written["tables"]["c"]["litigation_after_review"]["total"] is None
    # the fee is exact to the last of its 4 decimals (floats would drift over 200 terms)
    fees = [
        d["tables"]["a"]["fees"]["amount"] for d in on_disk if d["tables"]["a"]["fees"]["amount"]
    ]
    assert written["tables"]["a"]["fees"]["amount"] == sum(fees)
    assert sum(float(f) for f in fees) != float(sum(fees)) or len(fees) < 2


def test_decimals_are_exact_and_blanks_are_not_zero(form: Form, tmp_path: Path) -> None:
    assert 0.1 + 0.2 != 0.3  # what a float sum would write
    write(tmp_path / "甲.json", document(form, "甲局", {"a.fees.amount": Decimal("0.1")}))
    write(tmp_path / "乙.json", document(form, "乙局", {"a.fees.amount": Decimal("0.2")}))
    write(tmp_path / "丙.json", document(form, "丙局", {"b.received.natural_person": 0}))
    summary = aggregate_paths([tmp_path], "某县")
    assert summary.ok
    assert b'"fees":{"amount":0.3}' in summary.to_bytes()
    assert summary.document is not None
    tables = summary.document.tables()
    assert tables["b"]["received"]["natural_person"] == 0  # one 0, two blanks: 0
    assert tables["b"]["received"]["total"] == 0  # recomputed from its parts
    assert tables["b"]["received"]["commercial_enterprise"] is None  # blank everywhere
    assert tables["b"]["results_total"]["total"] is None
    assert tables["a"]["licensing"]["decisions"] is None


def test_totals_are_recomputed_not_summed(form: Form, tmp_path: Path) -> None:
    """A document whose total is not the sum of its parts is refused, not summed."""
    doc = document(form, "甲局", {"b.received.natural_person": 4})
    doc["tables"]["b"]["received"]["total"] = 5
    write(tmp_path / "甲.json", doc)
    summary = aggregate_paths([tmp_path], "某县")
    assert not summary.ok
    assert messages(summary) == [
        "甲.json：规范 JSON 不完整或被改动过（“一、本年新收政府信息公开申请数量 · 总计”为 5，"
        "与各项之和不一致（应为 4）），无法汇总。请用 gongkai-xlsx ingest（汇总文件用 "
        "gongkai-xlsx aggregate）重新生成后再汇总。"
    ]


# ----------------------------------------------------------------------------- members
def test_the_same_file_twice_is_a_warning_and_counted_once(form: Form, tmp_path: Path) -> None:
    doc = document(form, "某县教育局", {"a.licensing.decisions": 7}, source="教育局.xlsx")
    write(tmp_path / "a" / "教育局_2024.json", doc)
    write(tmp_path / "b" / "教育局副本.json", doc)
    summary = aggregate_paths([tmp_path], "某县")
    assert summary.ok and len(summary.members) == 1
    assert summary.document.tables()["a"]["licensing"]["decisions"] == 7  # type: ignore[union-attr]
    assert messages(summary) == [
        "单位“某县教育局”的同一份报表（教育局.xlsx）出现了多次："
        "a/教育局_2024.json（教育局.xlsx）、b/教育局副本.json（教育局.xlsx），只计一次。"
    ]
    assert [f.code.code for f in summary.findings] == ["aggregate-same-file"]


def test_two_files_of_one_member_are_an_error_naming_both(form: Form, tmp_path: Path) -> None:
    """Names written differently are one agency (full-width and half-width brackets)."""
    write(
        tmp_path / "一.json",
        document(form, "某县（教育局）", {"a.licensing.decisions": 7}, source="旧.xlsx"),
    )
    write(
        tmp_path / "二.json",
        document(form, "某县 (教育局)", {"a.licensing.decisions": 8}, source="新.xlsx"),
    )
    summary = aggregate_paths([tmp_path], "某县")
    assert not summary.ok and summary.document is None
    assert messages(summary) == [
        "单位“某县（教育局）”有多份不同的报表：一.json（旧.xlsx）、二.json（新.xlsx）。"
        "请确认以哪一份为准，移走其余的后重新汇总。"
    ]
    out = tmp_path / "out" / "汇总.json"
    result = run("aggregate", tmp_path, "-o", out, "--name", "某县")
    assert result.exit_code == 1 and not out.exists()
    assert "错误 [aggregate-conflict] 单位“某县（教育局）”有多份不同的报表" in result.stdout
    assert result.stderr == f"错误：汇总未完成（错误 1 项），没有写入 {out}。\n"


def test_one_file_read_with_different_numbers_is_an_error(form: Form, tmp_path: Path) -> None:
    sha = "ab" * 32
    write(tmp_path / "一.json", document(form, "甲局", {"a.licensing.decisions": 1}, sha256=sha))
    write(tmp_path / "二.json", document(form, "甲局", {"a.licensing.decisions": 2}, sha256=sha))
    summary = aggregate_paths([tmp_path], "某县")
    assert messages(summary) == [
        "单位“甲局”的同一份报表（甲局.xlsx）在 一.json（甲局.xlsx）、二.json（甲局.xlsx） 中的数字不一致，"
        "无法确定以哪份为准。请用同一版本的 gongkai-xlsx 重新生成后再汇总。"
    ]
    assert not summary.ok


def test_summary_of_summaries_equals_summary_of_all_members(form: Form, tmp_path: Path) -> None:
    docs = generated(form, 200, seed=7)
    for index, doc in enumerate(docs):
        county = "甲县" if index < 120 else "乙县"
        write(tmp_path / county / f"{doc['agency']}.json", doc)
    counties = []
    for county in ("甲县", "乙县"):
        out = tmp_path / "县汇总" / f"{county}.json"
        assert run("aggregate", tmp_path / county, "-o", out, "--name", county).exit_code == 0
        validate(read(out), form)
        counties.append(out)
    by_counties = tmp_path / "市" / "某市_2024_汇总.json"
    result = run("aggregate", *counties, "-o", by_counties, "--name", "某市")
    assert result.exit_code == 0, result.output
    assert (
        "某市：已汇总 200 个单位的 2024 年度报表（读取 2 份文档，其中汇总 2 份）。" in result.stdout
    )
    direct = aggregate_paths([tmp_path / "甲县", tmp_path / "乙县"], "某市", output=by_counties)
    assert direct.findings == []
    assert by_counties.read_bytes() == direct.to_bytes()
    as_written = [json.loads(dumps(d), parse_float=Decimal) for d in docs]
    assert read(by_counties)["tables"] == column_sums(as_written)
    # a member given again beside its county's summary is still counted once
    again = tmp_path / "甲县" / f"{docs[0]['agency']}.json"
    overlap = aggregate_paths([*counties, again], "某市", output=by_counties)
    assert overlap.to_bytes() == direct.to_bytes()
    assert [f.code.code for f in overlap.findings] == ["aggregate-same-file"]
    assert f"县汇总/甲县.json 所汇总的 {docs[0]['agency']}.xlsx" in overlap.findings[0].message
    # and a province of one city still sums the same members
    province = aggregate_paths([by_counties], "某省", output=tmp_path / "某省.json")
    assert province.document and direct.document
    assert province.document.tables() == direct.document.tables()
    assert province.document.members == direct.document.members


def test_one_summary_twice_is_one_warning_and_two_of_one_name_an_error(
    form: Form, tmp_path: Path
) -> None:
    county = aggregate_paths([EXPECTED], "某县", output=tmp_path / "某县.json")
    write(tmp_path / "a" / "某县.json", county.document.to_json())  # type: ignore[union-attr]
    write(tmp_path / "b" / "某县.json", county.document.to_json())  # type: ignore[union-attr]
    twice = aggregate_paths([tmp_path / "a", tmp_path / "b"], "某市")
    assert twice.ok and len(twice.members) == 3
    assert messages(twice) == [
        f"单位“某县”的同一份报表（某县.json）出现了多次：{tmp_path.as_posix()}/a/某县.json、"
        f"{tmp_path.as_posix()}/b/某县.json，只计一次。"
    ]
    older = aggregate_documents(
        [("教育局.json", read(EXPECTED / "某县教育局_2024.json"))], "某县", file_name="某县.json"
    )
    write(tmp_path / "b" / "某县_旧.json", older.document.to_json())  # type: ignore[union-attr]
    conflict = aggregate_paths([tmp_path / "a", tmp_path / "b"], "某市")
    assert not conflict.ok
    assert messages(conflict)[0] == (
        f"单位“某县”有多份不同的报表：{tmp_path.as_posix()}/a/某县.json、"
        f"{tmp_path.as_posix()}/b/某县.json、{tmp_path.as_posix()}/b/某县_旧.json。"
        "请确认以哪一份为准，移走其余的后重新汇总。"
    )
    assert [f.code.code for f in conflict.findings] == ["aggregate-conflict"]


def test_a_summary_edited_by_hand_is_refused(form: Form, tmp_path: Path) -> None:
    summary = aggregate_paths([EXPECTED], "某县")
    edited = json.loads(summary.to_bytes())
    edited["tables"]["a"]["licensing"]["decisions"] += 1
    write(tmp_path / "县.json", edited)
    assert messages(aggregate_paths([tmp_path], "某市"))[0].startswith(
        "县.json：规范 JSON 不完整或被改动过（“行政许可 · 本年处理决定数量”为 1331，"
        "与成员明细之和不一致（应为 1330））"
    )
    edited = json.loads(summary.to_bytes())
    edited["members"][0]["values"]["a.licensing.decisions"] = 45
    edited["tables"]["a"]["licensing"]["decisions"] += 1
    write(tmp_path / "县.json", edited)
    assert "成员列表与“source/sha256”不符" in messages(aggregate_paths([tmp_path], "某市"))[0]


def test_documents_built_in_memory_give_the_same_summary(tmp_path: Path) -> None:
    """What ``ingest --summary`` will do: the outcomes' documents, floats and all."""
    sources = []
    for path in sorted(SAMPLES.glob("*.xlsx")):
        outcome = check_file(path)
        if outcome.document is not None:
            sources.append((path.name, outcome.document))
    in_memory = aggregate_documents(sources, "某县", file_name="某县_2024_汇总.json")
    from_files = aggregate_paths([EXPECTED], "某县")
    assert in_memory.to_bytes() == from_files.to_bytes()


# ----------------------------------------------------------------------------- inputs
def test_mixed_years_are_an_error_listing_the_files(form: Form, tmp_path: Path) -> None:
    write(tmp_path / "甲_2023.json", document(form, "甲局", {}, year=2023))
    write(tmp_path / "甲_2024.json", document(form, "甲局", {}, year=2024))
    write(tmp_path / "乙_2024.json", document(form, "乙局", {}, year=2024))
    summary = aggregate_paths([tmp_path], "某县")
    assert messages(summary) == [
        "汇总的文档必须是同一格式、同一年度，本次有："
        "2023 年度（政府信息公开工作年度报告（2021年格式））1 份：甲_2023.json；"
        "2024 年度（政府信息公开工作年度报告（2021年格式））2 份：乙_2024.json、甲_2024.json。"
        "请按年度分别汇总。"
    ]
    assert not summary.ok and summary.members == []


def test_mixed_formats_are_an_error_listing_the_files(form: Form) -> None:
    """Only one format exists today; a second one is made by renaming the first."""
    import dataclasses

    other = dataclasses.replace(form, id="gk2030", name="政府信息公开工作年度报告（2030年格式）")
    data = Canonical.build(
        form, Meta(2030, "某县", None, None, "x.xlsx", "0" * 64), with_totals(form, {})
    )
    docs = [Document("旧.json", form, data, ()), Document("新.json", other, data, ())]
    finding = _mixed(docs)
    assert finding is not None and finding.message == (
        "汇总的文档必须是同一格式、同一年度，本次有："
        "2030 年度（政府信息公开工作年度报告（2021年格式））1 份：旧.json；"
        "2030 年度（政府信息公开工作年度报告（2030年格式））1 份：新.json。请按年度分别汇总。"
    )


def test_what_is_not_a_document_is_named_and_passed_over(form: Form, tmp_path: Path) -> None:
    write(tmp_path / "甲.json", document(form, "甲局", {"a.licensing.decisions": 3}))
    (tmp_path / "说明.txt").write_text("不是 JSON", encoding="utf-8")
    (tmp_path / "笔记.json").write_text('{"note": 1}', encoding="utf-8")
    (tmp_path / "旧格式.json").write_text('{"format": "gk2019"}', encoding="utf-8")
    (tmp_path / "列表.json").write_text("[1, 2]", encoding="utf-8")
    (tmp_path / "~$锁.json").write_text("x", encoding="utf-8")  # an Office lock file
    for path in EXPECTED.glob("*.json"):  # report.json and the documents it lists
        shutil.copy(path, tmp_path / path.name)
    summary = aggregate_paths([tmp_path], "某县")
    assert summary.ok and len(summary.members) == 4
    assert messages(summary) == [
        # JSON that is not a document, in file order (a .json that is not JSON stops it:
        # test_a_json_file_that_is_not_json_stops_the_summary)
        "列表.json：不是本工具输出的规范 JSON（内容不是一个 JSON 对象），未计入汇总。",
        "旧格式.json：不是本工具输出的规范 JSON（报表格式“gk2019”本工具不认识，本工具支持 gk2021），未计入汇总。",
        "笔记.json：不是本工具输出的规范 JSON（没有“format”字段），未计入汇总。",
    ]
    assert [(s.display, s.reason) for s in summary.skipped] == [
        ("~$锁.json", "Office 的临时锁文件（对应的报表正在 Excel 或 WPS 中打开），不是报表"),
        ("说明.txt", "不是 JSON 文件"),
        ("report.json", "ingest 的批量报告"),
    ]


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        (lambda d: d.pop("kind"), "文档缺少字段 “kind”"),
        (
            lambda d: d["tables"]["b"]["received"].update(natural_person=-1),
            "“一、本年新收政府信息公开申请数量 · 自然人”为 -1，小于下限 0",
        ),
        (lambda d: d.update(members=[]), "“members”不能为空；“members”不应出现"),
        (lambda d: d.update(kind="summary"), "文档缺少字段 “members”、“completeness”"),
        (lambda d: d["source"].update(sha256="x"), "“source/sha256”格式不对"),
    ],
)
def test_a_broken_document_of_ours_is_an_error(form: Form, edit: Any, problem: str) -> None:
    doc = document(form, "甲局", {"b.received.natural_person": 1})
    edit(doc)
    parsed, finding = parse_document("甲.json", doc)
    assert parsed is None and finding is not None
    assert finding.message == (
        f"甲.json：规范 JSON 不完整或被改动过（{problem}），无法汇总。"
        "请用 gongkai-xlsx ingest（汇总文件用 gongkai-xlsx aggregate）重新生成后再汇总。"
    )


def test_a_sum_above_the_format_limit_is_an_error(form: Form, tmp_path: Path) -> None:
    for name in ("甲局", "乙局"):
        write(tmp_path / f"{name}.json", document(form, name, {"a.licensing.decisions": 999999999}))
    summary = aggregate_paths([tmp_path], "某省")
    assert messages(summary) == [
        "汇总后“主动公开（行政许可 · 本年处理决定数量）”为 1999999998，超过本格式允许的上限 "
        "999999999，无法写成规范 JSON。"
    ]
    assert not summary.ok


# ----------------------------------------------------------------------------- roster
def test_roster_missing_extra_and_completeness(form: Form, tmp_path: Path) -> None:
    for name in ("某县教育局", "某县民政局", "某县科协"):
        write(tmp_path / "in" / f"{name}.json", document(form, name, {"a.licensing.decisions": 1}))
    roster = tmp_path / "名单.csv"
    roster.write_text(
        "单位名称\n某县教育局\n某县　民政局\n某县财政局\n某县教育局\n某县（水利局）\n某县(水利局)\n",
        encoding="utf-8",
    )
    out = tmp_path / "某县.json"
    result = run("aggregate", tmp_path / "in", "-o", out, "--name", "某县", "--roster", roster)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "某县：已汇总 3 个单位的 2024 年度报表（读取 3 份文档）。",
        "  提示 [roster-duplicate] 名单第 7 行“某县(水利局)”与第 6 行“某县（水利局）”是同一单位，只计一次。",
        "  提示 [roster-duplicate] 名单第 5 行“某县教育局”与第 2 行“某县教育局”是同一单位，只计一次。",
        "  提示 [roster-missing] 名单中的单位“某县财政局”没有报表，未计入汇总（未报送）。",
        "  提示 [roster-missing] 名单中的单位“某县（水利局）”没有报表，未计入汇总（未报送）。",
        "  提示 [roster-extra] 某县科协.json：单位“某县科协”不在名单中，已计入汇总；"
        "如不应计入，请移走该文件后重新汇总。",
        # loose JSON: only what was counted is known, not what is still to be fixed
        "名单 名单.csv：已收到 2/4 个单位；未报送 2 个；另有不在名单中的单位 1 个（另计）。",
        "  未报送 2 个：某县财政局、某县（水利局）",
        "  已计入汇总 2 个：某县教育局、某县 民政局",
        "  不在名单中（另计）1 个：某县科协",
        "  读取的文档都不在 ingest 的输出文件夹中（没有 report.json）：只知道哪些单位已计入汇总，"
        "不知道其余单位是否报送了有错误或无法读取的报表（这些报表没有规范 JSON）。",
        f"结果已写入 {out}。",
        "注意：汇总不完整——未报送 2 个单位，均未计入。汇总仍已写入，其中写明了报送情况；"
        "收齐、改好后请重新运行 ingest 和 aggregate（加 --force 覆盖）。",
    ]
    written = read(out)
    assert written["completeness"] == {
        "roster": "名单.csv",
        "expected": 4,
        "submitted": 2,
        "missing": ["某县财政局", "某县（水利局）"],
        "extra": ["某县科协"],
        "agencies": [
            {"name": "某县教育局", "status": "counted", "files": ["某县教育局.json"]},
            {"name": "某县 民政局", "status": "counted", "files": ["某县民政局.json"]},
            {"name": "某县财政局", "status": "missing", "files": []},
            {"name": "某县（水利局）", "status": "missing", "files": []},
        ],
    }
    validate(written, form)
    # the city: its roster names the counties; each county's own 报送 N/M is shown
    city_roster = tmp_path / "市名单.csv"
    city_roster.write_text("某县\n另一县\n", encoding="utf-8")
    result = run(
        "aggregate", out, "-o", tmp_path / "某市.json", "--name", "某市", "--roster", city_roster
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert "  某县.json（某县）：已收到 2/4 个单位；未报送 2 个（名单：名单.csv）" in lines
    at = lines.index("名单 市名单.csv：已收到 1/2 个单位；未报送 1 个。")
    assert lines[at + 1 : at + 3] == ["  未报送 1 个：另一县", "  已计入汇总 1 个：某县"]


def test_a_roster_of_every_agency_matches_the_members_of_summaries(
    form: Form, tmp_path: Path
) -> None:
    county = [document(form, n, {"a.penalty.decisions": 2}) for n in ("甲局", "乙局")]
    for doc in county:
        write(tmp_path / "县" / f"{doc['agency']}.json", doc)
    county_summary = aggregate_paths([tmp_path / "县"], "某县")
    write(tmp_path / "某县.json", county_summary.document.to_json())  # type: ignore[union-attr]
    roster = Roster(entries=[RosterEntry(2, "甲局"), RosterEntry(3, "丙局")], rows=[2, 3])
    docs = [("某县.json", read(tmp_path / "某县.json"))]
    summary = aggregate_documents(docs, "某市", roster=roster, roster_file="名单.xlsx")
    assert summary.completeness is not None and summary.completeness.text == "已收到 1/2 个单位"
    assert messages(summary) == [
        "名单中的单位“丙局”没有报表，未计入汇总（未报送）。",
        "某县.json 所汇总的 乙局.xlsx：单位“乙局”不在名单中，已计入汇总；如不应计入，请移走该文件后重新汇总。",
    ]


def test_agency_key_unifies_how_people_write_one_name() -> None:
    same = [
        "某县（教育局）",
        "某县(教育局)",
        " 某县 （教育局） ",
        "某县\u3000(教育局)",
        "某县【教育局】",
        "某县[教育局]",
        "某县\u200b(教育局)\n",
    ]
    assert {agency_key(n) for n in same} == {"某县(教育局)"}
    assert agency_key("中共某县委“三农”工作办公室") == agency_key('中共某县委"三农"工作办公室')
    assert agency_key("中共某县委《三农》工作办公室") == agency_key("中共某县委「三农」工作办公室")
    assert agency_key("ＣＢＤ管委会") == agency_key("cbd管委会")
    assert agency_key("某县教育局") != agency_key("某县教育厅")
    assert agency_key("某县教育局") != agency_key("某县(教育局)")  # brackets are kept


# ----------------------------------------------------------------------------- schema
def test_the_schema_tells_returns_from_summaries(form: Form) -> None:
    validator = jsonschema.Draft202012Validator(load_committed_schema(form))
    summary = json.loads(aggregate_paths([EXPECTED], "某县").to_bytes())
    assert validator.is_valid(summary)
    stripped = {k: v for k, v in summary.items() if k not in ("members", "completeness")}
    assert not validator.is_valid(stripped)  # a summary cannot pass as a return
    assert not validator.is_valid({**stripped, "kind": "return", "members": summary["members"]})
    assert validator.is_valid({**stripped, "kind": "return"})
    member = summary["members"][0]
    for bad in ({**member, "values": {"b.received.total": 1}}, {**member, "kind": "x"}):
        assert not validator.is_valid({**summary, "members": [bad]})


# ----------------------------------------------------------------------------- hand-edited
INVALID_TAIL = (
    "无法汇总。请用 gongkai-xlsx ingest（汇总文件用 gongkai-xlsx aggregate）重新生成后再汇总。"
)
UNREADABLE_TAIL = (
    "无法汇总：这可能是某个单位的报表，不能少算一个单位。"
    "请用 gongkai-xlsx ingest 重新生成这个文件，或把它移出要汇总的文件夹后再汇总。"
)


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The samples as ``ingest`` writes them: three documents and report.json listing them."""
    out = tmp_path_factory.mktemp("ingested") / "out"
    assert run("ingest", SAMPLES, "-o", out).exit_code == 1  # one sample has errors
    return out


def _county(ingested: Path, tmp_path: Path) -> Path:
    """A fresh copy of the ingest output folder, to edit by hand."""
    return Path(shutil.copytree(ingested, tmp_path / "out"))


def _edit(path: Path, old: str, new: str) -> None:
    """Edit the JSON text as a clerk with a text editor would (once, where ``old`` is)."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def _aggregate_fails(folder: Path, tmp_path: Path, *lines: str) -> None:
    """``aggregate`` run as the coordinator runs it: exit 1, each line shown, nothing written."""
    out = tmp_path / "某县_汇总.json"
    result = run("aggregate", folder, "-o", out, "--name", "某县")
    assert result.exit_code == 1, result.output
    for line in lines:
        assert line in result.stdout.splitlines(), result.stdout
    assert "内部出错" not in result.output and "Traceback" not in result.output
    assert not out.exists()


def test_a_repeated_key_stops_the_summary(ingested: Path, tmp_path: Path) -> None:
    """7 then 8: json.loads keeps the last; canonical JSON has unique keys."""
    county = _county(ingested, tmp_path)
    _edit(county / "某县教育局_2024.json", '"received":{', '"received":{"natural_person":7,')
    _aggregate_fails(
        county,
        tmp_path,
        "  错误 [aggregate-invalid] 某县教育局_2024.json：规范 JSON 不完整或被改动过"
        "（键“tables/b/received/natural_person”出现了 2 次，规范 JSON 的每个键只能出现一次），"
        + INVALID_TAIL,
    )


def test_a_repeated_key_is_found_when_a_text_holds_a_colon(ingested: Path, tmp_path: Path) -> None:
    """A ':' inside a string defeats the quick count of keys: the exact parse still finds
    the repeated key, and without one the document is summed as it is."""
    county = _county(ingested, tmp_path)
    _edit(county / "某县教育局_2024.json", '"contact":"王芳"', '"contact":"王芳:办公室"')
    summary = aggregate_paths([county], "某县")
    assert summary.ok and summary.findings == [] and len(summary.members) == 3
    _edit(county / "某县教育局_2024.json", '"received":{', '"received":{"natural_person":7,')
    _aggregate_fails(
        county,
        tmp_path,
        "  错误 [aggregate-invalid] 某县教育局_2024.json：规范 JSON 不完整或被改动过"
        "（键“tables/b/received/natural_person”出现了 2 次，规范 JSON 的每个键只能出现一次），"
        + INVALID_TAIL,
    )


def test_a_lone_surrogate_is_a_finding_naming_the_file(ingested: Path, tmp_path: Path) -> None:
    county = _county(ingested, tmp_path)
    _edit(county / "某县教育局_2024.json", '"agency":"某县教育局"', '"agency":"某县教育局\\ud800"')
    _aggregate_fails(
        county,
        tmp_path,
        "  错误 [aggregate-invalid] 某县教育局_2024.json：规范 JSON 不完整或被改动过"
        "（“agency”中有不成对的代理字符 \\ud800，不是有效的文字），" + INVALID_TAIL,
    )
    # render reads it with the same reader
    result = run("render", county / "某县教育局_2024.json", "-o", tmp_path / "x.html")
    assert result.exit_code == 2 and "“agency”中有不成对的代理字符 \\ud800" in result.stderr
    assert "内部出错" not in result.output and not (tmp_path / "x.html").exists()


def test_a_json_file_that_is_not_json_stops_the_summary(ingested: Path, tmp_path: Path) -> None:
    """A truncated return (an agency the total would silently miss), and any other .json
    that is not JSON: errors naming the file, exit 1."""
    county = _county(ingested, tmp_path)
    doc = county / "某县教育局_2024.json"
    text = doc.read_text(encoding="utf-8")
    cut = text[: text.index('"phone"')]  # ends after "kind":"return",
    doc.write_text(cut, encoding="utf-8")
    (county / "笔记.json").write_bytes("{}".encode("utf-16"))
    _aggregate_fails(
        county,
        tmp_path,
        "  错误 [aggregate-unreadable] 某县教育局_2024.json：无法读取为 JSON"
        f"（JSON 语法错误，第 1 行第 {len(cut) + 1} 列），" + UNREADABLE_TAIL,
        "  错误 [aggregate-unreadable] 笔记.json：无法读取为 JSON（不是 UTF-8 编码的文本），"
        + UNREADABLE_TAIL,
    )


def test_a_document_the_ingest_report_lists_must_be_there(ingested: Path, tmp_path: Path) -> None:
    """report.json lists every return's output: one deleted, or replaced by JSON that is
    not a document, is an error (read from the folder above: names carry the sub-folder)."""
    county = _county(ingested, tmp_path)
    (county / "某县民政局_2024.json").unlink()
    (county / "某县教育局_2024.json").write_text('{"note": 1}', encoding="utf-8")
    _aggregate_fails(
        tmp_path,
        tmp_path,
        "  错误 [aggregate-listed-missing] out/某县民政局_2024.json：out/report.json "
        "列出了这份报表，文件却不在了，无法汇总：汇总会少算这个单位。"
        "请把文件放回，或重新运行 gongkai-xlsx ingest 后再汇总。",
        "  错误 [aggregate-invalid] out/某县教育局_2024.json：规范 JSON 不完整或被改动过"
        "（没有“format”字段），" + INVALID_TAIL,
    )
    # the same JSON outside an ingest folder is only a note, and the summary is written
    (tmp_path / "out" / "report.json").unlink()
    result = run("aggregate", county, "-o", tmp_path / "s.json", "--name", "某县")
    assert result.exit_code == 0, result.output
    assert (
        "  提示 [aggregate-not-document] 某县教育局_2024.json：不是本工具输出的规范 JSON"
        "（没有“format”字段），未计入汇总。" in result.stdout.splitlines()
    )


def test_an_untouched_ingest_folder_is_summed_without_findings(
    ingested: Path, tmp_path: Path
) -> None:
    summary = aggregate_paths([_county(ingested, tmp_path)], "某县")
    assert summary.ok and summary.findings == [] and len(summary.members) == 3


# ----------------------------------------------------------------------------- CLI
def test_cli_end_to_end(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run("ingest", SAMPLES, "-o", out).exit_code == 1  # one sample has errors
    summary_path = out / "某县_2024_汇总.json"  # inside the folder it reads
    result = run("aggregate", out, "-o", summary_path, "--name", " 某县 ")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "某县：已汇总 3 个单位的 2024 年度报表（读取 3 份文档）。",
        "另有 2 个文件未读取：report.html（ingest 的结果页面）、report.json（ingest 的批量报告）。",
        f"结果已写入 {summary_path}。",
    ]
    first = summary_path.read_bytes()
    assert first == aggregate_paths([EXPECTED], "某县").to_bytes()
    refused = run("aggregate", out, "-o", summary_path, "--name", "某县")
    assert (refused.exit_code, refused.stderr) == (
        2,
        f"错误：{summary_path}：文件已存在。如需覆盖，请加 --force。\n",
    )
    assert summary_path.read_bytes() == first
    again = run("aggregate", out, "-o", summary_path, "--name", "某县", "--force")
    assert again.exit_code == 0
    assert (
        "某县_2024_汇总.json（本次汇总的输出文件）、report.json（ingest 的批量报告）"
        in again.stdout
    )
    assert summary_path.read_bytes() == first  # its own output is not read back in
    assert [p.name for p in out.iterdir() if p.name.startswith(".gk-")] == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--name", "某县"], "请用 -o 指定汇总结果文件，例如 -o 某县_2024_汇总.json。"),
        (
            ["-o", "汇总.json"],
            '请用 --name 给出汇总的名称（写入汇总的填报单位），例如 --name "某县"。',
        ),
        (
            ["-o", "汇总.json", "--name", " \t"],
            '请用 --name 给出汇总的名称（写入汇总的填报单位），例如 --name "某县"。',
        ),
        (
            ["-o", "汇总.txt", "--name", "某县"],
            "汇总.txt：汇总结果文件名应以 .json（规范 JSON）或 .xlsx（可报送上级的汇总表）结尾。",
        ),
    ],
)
def test_cli_usage_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    result = run("aggregate", EXPECTED, *args)
    assert result.exit_code == 2
    assert result.stderr == f"错误：{message}\n"


def test_cli_refuses_inputs_and_outputs_that_make_no_sense(tmp_path: Path) -> None:
    xlsx = SAMPLES / "某县民政局_2024_LibreOffice保存.xlsx"
    result = run("aggregate", xlsx, "-o", tmp_path / "s.json", "--name", "某县")
    assert result.exit_code == 2
    assert result.stderr == (
        f"错误：{xlsx}：aggregate 只读取规范 JSON（.json）。填报的报表请先用 gongkai-xlsx ingest "
        "检查，再汇总它输出的 JSON。\n"
    )
    missing = tmp_path / "没有.json"
    result = run("aggregate", missing, "-o", tmp_path / "s.json", "--name", "某县")
    assert (result.exit_code, result.stderr) == (2, f"错误：{missing}：文件或文件夹不存在。\n")
    victim = tmp_path / "某县民政局_2024.json"
    shutil.copy(EXPECTED / "某县民政局_2024.json", victim)
    result = run("aggregate", EXPECTED, "-o", victim, "--name", "某县")
    assert (
        result.stderr
        == f"错误：{victim}：文件已存在且不是汇总结果，为免覆盖其他数据，请换一个文件名。\n"
    )
    assert victim.read_bytes() == (EXPECTED / "某县民政局_2024.json").read_bytes()
    roster = tmp_path / "名单.csv"
    result = run(
        "aggregate", EXPECTED, "-o", tmp_path / "s.json", "--name", "某县", "--roster", roster
    )
    assert (result.exit_code, result.stderr) == (2, f"错误：{roster}：名单文件不存在。\n")
    (tmp_path / "空").mkdir()
    (tmp_path / "空" / "笔记.json").write_text("{}", encoding="utf-8")
    result = run("aggregate", tmp_path / "空", "-o", tmp_path / "s.json", "--name", "某县")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "  提示 [aggregate-not-document] 笔记.json：不是本工具输出的规范 JSON（没有“format”字段），未计入汇总。",
        "错误：没有找到任何规范 JSON（ingest 输出的 .json 文件或汇总结果）。",
    ]
    assert not (tmp_path / "s.json").exists()


# ----------------------------------------------------------------------------- ingest --summary
def test_ingest_summary_is_committed_with_report_and_equals_aggregate(
    form: Form, tmp_path: Path
) -> None:
    out = tmp_path / "某县"
    result = run("ingest", SAMPLES, "-o", out, "--summary")  # the name: OUT's folder name
    assert result.exit_code == 1  # one sample has errors; the summary is of the other three
    summary_path = out / "某县_2024_汇总.json"
    assert (
        result.stdout.splitlines()[-1]
        == f"某县：已汇总 3 个单位的 2024 年度报表，写入 {summary_path}。"
    )
    report = json.loads((out / "report.json").read_bytes())
    assert report["outputs"] == sorted(
        [
            "互助县城市管理综合行政执法局_2024.json",
            "某县教育局_2024.json",
            "某县民政局_2024.json",
            "report.html",
            summary_path.name,
        ]
    )
    assert sorted(p.name for p in out.iterdir() if not is_bookkeeping(p.name)) == sorted(
        [*report["outputs"], "report.json"]
    )
    written = summary_path.read_bytes()
    assert written == aggregate_paths([out], "某县", output=summary_path).to_bytes()
    assert written == aggregate_paths([EXPECTED], "某县", output=summary_path).to_bytes()
    validate(read(summary_path), form)
    # aggregating OUT elsewhere does not read the summary beside its own returns
    elsewhere = aggregate_paths([out], "某县", output=tmp_path / "别处.json")
    assert elsewhere.findings == [] and len(elsewhere.members) == 3
    assert ("某县_2024_汇总.json", "汇总，其中各单位的报表都在同一文件夹中") in [
        (s.display, s.reason) for s in elsewhere.skipped
    ]
    # a re-run with the same returns leaves every byte as it was
    assert run("ingest", SAMPLES, "-o", out, "--summary", "--name", "某县").exit_code == 1
    assert summary_path.read_bytes() == written


def test_ingest_summary_is_refused_while_an_agency_has_two_returns(
    fill: Any, tmp_path: Path
) -> None:
    returns = tmp_path / "报表"
    returns.mkdir()
    first = fill({"a.licensing.decisions": 1}, name="报表/第一次.xlsx")
    out = tmp_path / "out"
    assert run("ingest", returns, "-o", out, "--summary", "--name", "某县").exit_code == 0
    summary_path = out / "某县_2024_汇总.json"
    assert summary_path.exists()
    # the same file twice counts once: the copy is shown as superseded (issue 14)
    shutil.copy(first, returns / "副本.xlsx")
    again = run("ingest", returns, "-o", out, "--summary", "--name", "某县")
    assert again.exit_code == 0, again.output
    assert "已被新版本取代" in again.stdout
    assert read(summary_path)["tables"]["a"]["licensing"]["decisions"] == 1
    # a different return of the agency arriving in a later run is its current version:
    # the summary takes it, and aggregate of the folder finds no conflict
    fill({"a.licensing.decisions": 2}, name="报表/第二次.xlsx")
    newer = run("ingest", returns, "-o", out, "--summary", "--name", "某县")
    assert newer.exit_code == 0, newer.output
    assert read(summary_path)["tables"]["a"]["licensing"]["decisions"] == 2
    report = json.loads((out / "report.json").read_bytes())
    assert {r["file"]: r["superseded_by"] for r in report["returns"]} == {
        "第一次.xlsx": "副本.xlsx",  # an identical copy: the one kept stands for both
        "副本.xlsx": "第二次.xlsx",
        "第二次.xlsx": None,
    }
    summed = run("aggregate", out, "-o", tmp_path / "汇总.xlsx", "--name", "某县")
    assert summed.exit_code == 0, summed.output


def test_ingest_summary_usage(tmp_path: Path) -> None:
    result = run("ingest", SAMPLES, "-o", tmp_path / "out", "--name", "某县")
    assert (result.exit_code, result.stderr) == (
        2,
        "错误：--name 是汇总的名称，只能与 --summary 一起使用。\n",
    )
    assert not (tmp_path / "out").exists()
    with pytest.raises(UsageError, match="汇总的名称不能为空"):
        ingest(IngestOptions([SAMPLES], tmp_path / "out", summary=True, name=" \t"))
    assert "--summary" in run("ingest", "--help").stdout


def test_one_schema_error_has_one_wording_in_every_command(ingested: Path, tmp_path: Path) -> None:
    """A count typed as text in a hand-edited document: aggregate, render and ``new
    --previous`` word it alike (there used to be “应为整数” in one and “类型不对（应为
    integer）” in another), from documents.schema_problem, the one owner."""
    county = _county(ingested, tmp_path)
    document = county / "某县教育局_2024.json"
    text = document.read_text(encoding="utf-8")
    count = re.search(r'"natural_person":(\d+)', text)
    assert count is not None
    _edit(document, count.group(0), f'"natural_person":"{count.group(1)}"')
    wording = "应为整数或空白"
    aggregated = run("aggregate", county, "-o", tmp_path / "某县_汇总.json", "--name", "某县")
    rendered = run("render", document, "--to", "html", "-o", tmp_path / "报告.html")
    previous = run(
        "new", "2025", "-o", tmp_path / "模板.xlsx", "--agency", "某县教育局", "--previous", county
    )
    said = [aggregated.output, rendered.output, previous.output]
    for output in said:
        assert "类型不对" not in output and "integer" not in output, output
    assert wording in aggregated.output and aggregated.exit_code == 1, aggregated.output
    assert wording in rendered.output and rendered.exit_code == 2, rendered.output
    assert wording in previous.output and previous.exit_code == 0, previous.output  # not used
    where = {m for output in said for m in re.findall(f"“([^”]*)”{wording}", output)}
    assert where == {"三、本年度办理结果 · （一）予以公开 · 自然人"}, said  # one field, one way
