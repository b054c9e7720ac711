"""One return through every check: its findings, and the numbers of a return that passed.

The order is the code's: the cover, then the inputs, whose parsed numbers (totals
recomputed) are handed as arguments to the checks of the totals, the rules and a summary's
members. No check reads what another one left behind.

A return with any error gets its findings and no numbers: canonical data is data that
passed (the document is made by :mod:`gongkai_xlsx.ingest.checked`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from gongkai_xlsx.canonical import Document
from gongkai_xlsx.catalogue import Code
from gongkai_xlsx.checks import inputs, members, meta, rules, stray, totals
from gongkai_xlsx.checks.numbers import parse_text
from gongkai_xlsx.definition import names
from gongkai_xlsx.definition.evaluate import Values, with_totals
from gongkai_xlsx.findings import Finding, HasFindings, sort_key
from gongkai_xlsx.reader.model import Return, Source

CODES: tuple[Code, ...] = ()  # each check module declares its own


def sorted_findings(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """Findings in the order every output shows them (errors first, then by place; a
    stable sort, so findings at one place keep the order they were found in)."""
    return tuple(sorted(findings, key=sort_key))


@dataclass(frozen=True)
class Outcome(HasFindings):
    """Everything known about one return after checking (plain data, picklable, frozen:
    a later stage that adds a finding makes a new outcome, see :meth:`adding`)."""

    source: Source
    path: Path | None = None
    findings: tuple[Finding, ...] = ()
    document: Document | None = None
    form_id: str | None = None
    agency: str | None = None
    year: int | None = None
    agency_from_file_name: bool = False
    # the cover's 联系人 and 联系电话, kept for a return with errors too (it has no
    # document): whom to call about a return that goes back
    contact: str | None = None
    phone: str | None = None
    saved: str | None = None  # when the workbook says it was saved (docProps/core.xml)
    # a return whose cover could not be read: the agency its template was made for, as
    # the package's custom property (new --agency, --roster) still says
    package_agency: str | None = None
    # the sheet parts the reader accepted as well-formed UTF-8 XML (Return.well_formed):
    # the marked copy of the same bytes does not check them again
    well_formed: tuple[str, ...] = ()

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

    def adding(self, findings: Iterable[Finding]) -> Outcome:
        """This outcome with ``findings`` more, all in the outputs' order."""
        added = tuple(findings)
        if not added:
            return self
        return replace(self, findings=sorted_findings((*self.findings, *added)))


@dataclass(frozen=True)
class Verdict:
    """Every check of one return: its outcome, and the numbers of every cell (totals
    recomputed) when it has no error and says its year and agency, else None."""

    outcome: Outcome
    values: Values | None = None


def _checked(ret: Return, path: Path | None) -> Verdict:
    """A return whose form is unknown or could not be located: the reader's findings."""
    form_id = ret.form.id if ret.form is not None else None
    findings = sorted_findings(ret.findings)
    # a file not read at all: the agency its template was made for, if the package says
    agency = parse_text(ret.properties.get(names.PROP_AGENCY)) if form_id is None else None
    return Verdict(
        Outcome(
            ret.source,
            path,
            findings,
            form_id=form_id,
            saved=ret.saved,
            package_agency=agency,
            well_formed=ret.well_formed,
        )
    )


def check_values(
    ret: Return, expected_year: int | None = None, path: Path | None = None
) -> Verdict:
    """Every check of ``ret`` (see :class:`Verdict`). The document is made from the
    numbers by :mod:`gongkai_xlsx.ingest.checked`, not here."""
    form = ret.form
    if form is None or not ret.located:
        return _checked(ret, path)
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
    outcome = Outcome(
        ret.source,
        path,
        sorted_findings((*ret.findings, *(ret.place(f) for f in found))),
        form_id=form.id,
        agency=cover.agency,
        year=cover.year,
        agency_from_file_name=cover.agency_from_file_name,
        contact=_field(ret, "contact"),
        phone=_field(ret, "phone"),
        saved=ret.saved,
        well_formed=ret.well_formed,
    )
    passed = not outcome.errors and cover.year is not None and cover.agency
    return Verdict(outcome, values if passed else None)


def _field(ret: Return, key: str) -> str | None:
    """A cover text field as the document keeps it (a phone typed as a number: digits)."""
    return parse_text(ret.fields[key].value if key in ret.fields else None)


def check_return(
    ret: Return, expected_year: int | None = None, path: Path | None = None
) -> Outcome:
    """The outcome of every check of ``ret`` (without its document)."""
    return check_values(ret, expected_year, path).outcome
