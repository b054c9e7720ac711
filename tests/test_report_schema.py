"""report.json has a committed JSON Schema: the description and the file never drift, and
every report the samples and the batch tests produce is valid against it."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from gongkai_xlsx.ingest.report_schema import (
    committed_report_schema_path,
    report_schema,
    report_schema_text,
)

EXPECTED = Path(__file__).resolve().parent.parent / "samples" / "expected"


def validate_report(report: dict) -> None:
    jsonschema.Draft202012Validator(report_schema()).validate(report)


def test_the_committed_report_schema_is_current() -> None:
    committed = committed_report_schema_path().read_text(encoding="utf-8")
    assert committed == report_schema_text(), "regenerate schemas/report.schema.json"


def test_the_sample_report_is_valid() -> None:
    validate_report(json.loads((EXPECTED / "report.json").read_text(encoding="utf-8")))


def test_a_report_with_every_kind_of_entry_is_valid(tmp_path: Path) -> None:
    from gongkai_xlsx import api

    inbox = tmp_path / "in"
    inbox.mkdir()
    for sample in sorted((EXPECTED.parent).glob("*.xlsx")):
        (inbox / sample.name).write_bytes(sample.read_bytes())
        (inbox / f"copy-{sample.name}").write_bytes(sample.read_bytes())  # identical copies
    (inbox / "empty.xlsx").write_bytes(b"")
    (inbox / "notes.txt").write_text("x", encoding="utf-8")
    done = api.ingest(
        api.IngestOptions([inbox], tmp_path / "out", jobs=1, annotate=tmp_path / "back")
    )
    assert done.report.counts.superseded == 4  # each copy counts once: superseded rows
    validate_report(json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8")))
