"""One return through every check: its findings, and the numbers of a return that passed.

The order is the code's: the cover, then the inputs, whose parsed numbers (totals
recomputed) are handed as arguments to the checks of the totals, the rules and a summary's
members. No check reads what another one left behind.

A return with any error gets its findings and no numbers: canonical data is data that
passed (the document is made by :mod:`gongkai_xlsx.ingest.checked`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from gongkai_xlsx.canonical import Document
from gongkai_xlsx.catalogue import Code
from gongkai_xlsx.checks import inputs, members, meta, rules, stray, totals
from gongkai_xlsx.definition.evaluate import Values, with_totals
from gongkai_xlsx.findings import Finding, HasFindings, sort_key
from gongkai_xlsx.reader.model import Return, Source

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
    cover = meta.check(ret, form, expected_year)
    parsed = inputs.check(ret, form)
    values = with_totals(form, dict(parsed.values))
    found = [
        *cover.findings,
        *parsed.findings,
        *totals.check(ret, form, parsed.values, parsed.as_text, values),
        *stray.check(ret, form),
        *rules.check(form, values, parsed.unreadable),
        *members.check(form, ret.members, parsed.values, parsed.unreadable),
    ]
    outcome.findings += [ret.place(f) for f in found]
    outcome.year, outcome.agency = cover.year, cover.agency
    outcome.agency_from_file_name = cover.agency_from_file_name
    outcome.findings.sort(key=sort_key)
    if outcome.errors or cover.year is None or not cover.agency:
        return outcome, None
    return outcome, values


def check_return(
    ret: Return, expected_year: int | None = None, path: Path | None = None
) -> Outcome:
    """The outcome of every check of ``ret`` (without its document)."""
    return check_values(ret, expected_year, path)[0]
