"""One return through every check: values, totals, rules, metadata, schema.

A return with any error gets its findings and no canonical document: canonical data is
data that passed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gongkai_xlsx.canonical import Meta, build_document, schema_errors
from gongkai_xlsx.catalogue import Code
from gongkai_xlsx.checks.cells import (
    read_inputs,
    removed_formulas,
    stale_totals,
    stray_numbers,
)
from gongkai_xlsx.checks.rules import evaluate_rules
from gongkai_xlsx.checks.values import parse_text, parse_year
from gongkai_xlsx.definition import names
from gongkai_xlsx.definition.evaluate import with_totals
from gongkai_xlsx.findings import Finding, sort_key
from gongkai_xlsx.reader import RawReturn
from gongkai_xlsx.text import clean, file_name_text


@dataclass
class Outcome:
    """Everything known about one return after checking."""

    path: Path
    sha256: str
    findings: list[Finding] = field(default_factory=list)
    document: dict[str, Any] | None = None
    form_id: str | None = None
    agency: str | None = None
    year: int | None = None
    agency_from_file_name: bool = False

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.is_error]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if not f.is_error]

    @property
    def readable(self) -> bool:
        return self.form_id is not None

    @property
    def status(self) -> str:
        if self.errors:
            return "errors" if self.readable else "unreadable"
        return "warnings" if self.warnings else "ok"


def _meta(ret: RawReturn, outcome: Outcome, expected_year: int | None) -> None:
    assert ret.workbook is not None and ret.form is not None
    form = ret.form
    props = ret.workbook.properties

    def on_cover(key: str, code: Code, **values: Any) -> Finding:
        """A finding at a cover field, labelled as the definition labels it."""
        sheet, ref, _ = ret.field_value(key)
        label = next(f.label for f in form.cover.fields if f.key == key)
        return Finding(code, sheet=sheet, cell=ref, row_label=label, **values)

    raw_year = ret.field_value("year")[2]
    cover_year = parse_year(raw_year)
    prop_year = parse_year(props.get(names.PROP_YEAR))
    year = prop_year or cover_year
    cover_shown = cover_year if cover_year is not None else parse_text(raw_year)
    if prop_year and cover_shown is not None and cover_year != prop_year:
        outcome.findings.append(
            on_cover("year", Code.YEAR_DIFFERS, actual=cover_shown, expected=prop_year)
        )
    elif prop_year and cover_shown is None:  # the locked year was cleared
        outcome.findings.append(on_cover("year", Code.LABEL_CHANGED, expected=prop_year))
    if year is None:
        outcome.findings.append(Finding(Code.YEAR_UNKNOWN))
    elif year < form.first_year:
        outcome.findings.append(
            Finding(Code.YEAR_INVALID, actual=year, expected=f"{form.first_year} 年及以后")
        )
    elif expected_year is not None and year != expected_year:
        outcome.findings.append(Finding(Code.YEAR_MISMATCH, actual=year, expected=expected_year))
    outcome.year = year

    cover_agency = parse_text(ret.field_value("agency")[2])
    prop_agency = parse_text(props.get(names.PROP_AGENCY))
    agency = cover_agency or prop_agency
    if cover_agency and prop_agency and clean(cover_agency) != clean(prop_agency):
        outcome.findings.append(
            on_cover("agency", Code.AGENCY_DIFFERS, actual=cover_agency, expected=prop_agency)
        )
    elif prop_agency and not cover_agency:  # the locked agency was cleared
        outcome.findings.append(on_cover("agency", Code.LABEL_CHANGED, expected=prop_agency))
    if not agency:
        agency = file_name_text(ret.path.stem)
        outcome.agency_from_file_name = True
        outcome.findings.append(on_cover("agency", Code.AGENCY_MISSING, actual=agency))
    outcome.agency = agency


def check_return(ret: RawReturn, expected_year: int | None = None) -> Outcome:
    outcome = Outcome(path=ret.path, sha256=ret.sha256, findings=list(ret.findings))
    if ret.form is not None:
        outcome.form_id = ret.form.id
    if ret.form is None or ret.cell_map is None:
        outcome.findings.sort(key=sort_key)
        return outcome
    form = ret.form
    _meta(ret, outcome, expected_year)
    inputs, value_findings = read_inputs(ret)
    values = with_totals(form, inputs)
    outcome.findings += value_findings
    at = {place: cell_id for cell_id, place in ret.cell_map.cells.items()}

    def ids(findings: list[Finding], code: Code | None = None) -> set[str]:
        return {
            at[(f.sheet, f.cell)]
            for f in findings
            if (f.sheet, f.cell) in at and (f.code is code if code else f.is_error)
        }

    removed = removed_formulas(ret, values)
    outcome.findings += removed
    # Excel's SUM ignores a number typed as text: a total showing exactly that is explained
    # by the number-as-text warning, any other difference is still a total-mismatch.
    as_text = ids(value_findings, Code.NUMBER_AS_TEXT)
    shown = with_totals(form, {k: (None if k in as_text else v) for k, v in inputs.items()})
    outcome.findings += stale_totals(
        ret, values, frozenset(ids(removed, Code.FORMULA_REMOVED)), shown if as_text else None
    )
    outcome.findings += stray_numbers(ret)
    unreadable = frozenset(ids(value_findings))
    outcome.findings += evaluate_rules(form, values, ret.cell_map.cells, unreadable)
    if not outcome.errors and outcome.year is not None and outcome.agency:
        contact = parse_text(ret.field_value("contact")[2])
        phone = parse_text(ret.field_value("phone")[2])
        source = file_name_text(ret.path.name)
        meta = Meta(outcome.year, outcome.agency, contact, phone, source, ret.sha256)
        document = build_document(form, meta, values)
        for path, message in schema_errors(form, document):
            cell_id = ".".join(path[1:]) if path[:1] == ["tables"] else None
            sheet, ref = ret.cell_map.cells.get(cell_id, (None, None)) if cell_id else (None, None)
            outcome.findings.append(
                Finding(
                    Code.SCHEMA_INVALID,
                    sheet=sheet,
                    cell=ref,
                    row_label="/".join(path) or "文档",
                    detail=message[:200],
                )
            )
        if not outcome.errors:
            outcome.document = document
    outcome.findings.sort(key=sort_key)
    return outcome
