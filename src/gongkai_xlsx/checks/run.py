"""One return through every check, then the canonical document of a return that passed.

A return with any error gets its findings and no canonical document: canonical data is
data that passed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gongkai_xlsx.canonical import Meta, build_document, build_summary_document, schema_errors
from gongkai_xlsx.catalogue import Code
from gongkai_xlsx.checks import inputs, members, meta, rules, stray, totals
from gongkai_xlsx.checks.context import Context
from gongkai_xlsx.checks.numbers import parse_text
from gongkai_xlsx.findings import Finding, HasFindings, sort_key
from gongkai_xlsx.reader.model import Return, Source

CHECKS = (meta, inputs, totals, stray, rules, members)
CODES = (Code.SCHEMA_INVALID,)  # the canonical document itself


@dataclass
class Outcome(HasFindings):
    """Everything known about one return after checking (plain data, picklable)."""

    source: Source
    path: Path | None = None
    findings: list[Finding] = field(default_factory=list)
    document: dict[str, Any] | None = None
    form_id: str | None = None
    agency: str | None = None
    year: int | None = None
    agency_from_file_name: bool = False

    @property
    def sha256(self) -> str | None:
        return self.source.sha256

    @property
    def readable(self) -> bool:
        return self.form_id is not None

    @property
    def status(self) -> str:
        if self.errors:
            return "errors" if self.readable else "unreadable"
        return "warnings" if self.warnings else "ok"


def check_return(
    ret: Return, expected_year: int | None = None, path: Path | None = None
) -> Outcome:
    outcome = Outcome(source=ret.source, path=path, findings=list(ret.findings))
    form = ret.form
    if form is not None:
        outcome.form_id = form.id
    if form is None or not ret.located:
        outcome.findings.sort(key=sort_key)
        return outcome
    ctx = Context(ret=ret, form=form, expected_year=expected_year)
    for check in CHECKS:
        outcome.findings += [ret.place(f) for f in check.check(ctx)]
    outcome.year, outcome.agency = ctx.year, ctx.agency
    outcome.agency_from_file_name = ctx.agency_from_file_name
    if not outcome.errors and ctx.year is not None and ctx.agency:
        contact = parse_text(ret.fields["contact"].value if "contact" in ret.fields else None)
        phone = parse_text(ret.fields["phone"].value if "phone" in ret.fields else None)
        doc_meta = Meta(
            ctx.year, ctx.agency, contact, phone, ret.source.name, ret.source.sha256 or ""
        )
        if ret.members is not None:  # a summary workbook: its members, and their digest
            listed = [m.to_json() for m in ret.members]
            completeness = dict(ret.completeness) if ret.completeness is not None else None
            document = build_summary_document(form, doc_meta, ctx.values, listed, completeness)
        else:
            document = build_document(form, doc_meta, ctx.values)
        for json_path, message in schema_errors(form, document):
            cell_id = ".".join(json_path[1:]) if json_path[:1] == ["tables"] else None
            outcome.findings.append(
                ret.place(
                    Finding(
                        Code.SCHEMA_INVALID,
                        cell_id=cell_id,
                        row_label=None if cell_id else "/".join(json_path) or "文档",
                        detail=message[:200],
                    )
                )
            )
        if not outcome.errors:
            outcome.document = document
    outcome.findings.sort(key=sort_key)
    return outcome
