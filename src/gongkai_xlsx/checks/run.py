"""One return through every check: its findings, and the numbers of a return that passed.

A return with any error gets its findings and no numbers: canonical data is data that
passed (the document is made by :mod:`gongkai_xlsx.ingest.checked`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from gongkai_xlsx.canonical import Document
from gongkai_xlsx.catalogue import Code
from gongkai_xlsx.checks import inputs, members, meta, rules, stray, totals
from gongkai_xlsx.checks.context import Context
from gongkai_xlsx.definition.evaluate import Values
from gongkai_xlsx.findings import Finding, HasFindings, sort_key
from gongkai_xlsx.reader.model import Return, Source

CHECKS = (meta, inputs, totals, stray, rules, members)
CODES: tuple[Code, ...] = ()  # each check module declares its own


@dataclass
class Outcome(HasFindings):
    """Everything known about one return after checking (plain data, picklable)."""

    source: Source
    path: Path | None = None
    findings: list[Finding] = field(default_factory=list)
    document: Document | None = None
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


def check_values(
    ret: Return, expected_year: int | None = None, path: Path | None = None
) -> tuple[Outcome, Values | None]:
    """Every check of ``ret``: its outcome (findings sorted), and the numbers of every cell
    (totals recomputed) when it has no error and says its year and agency, else None. The
    document is made from them by :mod:`gongkai_xlsx.ingest.checked`, not here."""
    outcome = Outcome(source=ret.source, path=path, findings=list(ret.findings))
    form = ret.form
    if form is not None:
        outcome.form_id = form.id
    if form is None or not ret.located:
        outcome.findings.sort(key=sort_key)
        return outcome, None
    ctx = Context(ret=ret, form=form, expected_year=expected_year)
    for check in CHECKS:
        outcome.findings += [ret.place(f) for f in check.check(ctx)]
    outcome.year, outcome.agency = ctx.year, ctx.agency
    outcome.agency_from_file_name = ctx.agency_from_file_name
    outcome.findings.sort(key=sort_key)
    if outcome.errors or ctx.year is None or not ctx.agency:
        return outcome, None
    return outcome, ctx.values


def check_return(
    ret: Return, expected_year: int | None = None, path: Path | None = None
) -> Outcome:
    """The outcome of every check of ``ret`` (without its document)."""
    return check_values(ret, expected_year, path)[0]
