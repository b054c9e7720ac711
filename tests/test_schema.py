"""The JSON Schema: generated from the definition, committed, and in step with it."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
from typer.testing import CliRunner

from gongkai_xlsx.cli import app
from gongkai_xlsx.definition import Form
from gongkai_xlsx.schema import build_schema, committed_schema_path, schema_text

EXPECTED = Path(__file__).resolve().parent.parent / "samples" / "expected"


def test_committed_schema_matches_the_definition(form: Form) -> None:
    committed = committed_schema_path(form).read_text(encoding="utf-8")
    assert committed == schema_text(form), (
        "schemas/ drifted from templates/: regenerate with "
        "`gongkai-xlsx schema 2024 > schemas/gk2021.schema.json`"
    )


def test_schema_is_valid_draft_2020_12(form: Form) -> None:
    schema = build_schema(form)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)


def test_schema_titles_are_the_official_labels(form: Form) -> None:
    tables = build_schema(form)["properties"]["tables"]["properties"]
    b = tables["b"]
    assert b["title"] == "三、收到和处理政府信息公开申请情况"
    assert b["properties"]["received"]["title"] == "一、本年新收政府信息公开申请数量"
    cell = b["properties"]["received"]["properties"]["natural_person"]
    assert cell == {
        "title": "一、本年新收政府信息公开申请数量 · 自然人",
        "type": ["integer", "null"],
        "minimum": 0,
        "maximum": 999999999,
    }
    total = b["properties"]["results_total"]["properties"]["total"]
    assert total["readOnly"] is True and "maximum" not in total
    assert tables["c"]["properties"]["litigation_direct"]["title"] == "未经复议直接起诉"
    fee = tables["a"]["properties"]["fees"]["properties"]["amount"]
    assert fee["type"] == ["number", "null"] and "multipleOf" not in fee


def test_sample_documents_validate_and_broken_ones_do_not(form: Form) -> None:
    validator = jsonschema.Draft202012Validator(build_schema(form))
    docs = [
        json.loads(p.read_text("utf-8")) for p in EXPECTED.glob("*.json") if p.name != "report.json"
    ]
    assert len(docs) == 3
    for doc in docs:
        validator.validate(doc)
    bad = json.loads(json.dumps(docs[0]))
    bad["tables"]["b"]["received"]["natural_person"] = -1
    assert not validator.is_valid(bad)
    bad["tables"]["b"]["received"]["natural_person"] = 1
    bad["tables"]["b"]["received"]["extra"] = 1
    assert not validator.is_valid(bad)


def test_cli_prints_the_committed_schema(form: Form) -> None:
    result = CliRunner().invoke(app, ["schema", "2024"])
    assert result.exit_code == 0
    assert result.output == committed_schema_path(form).read_text(encoding="utf-8")
    assert CliRunner().invoke(app, ["schema", "2019"]).exit_code == 2
