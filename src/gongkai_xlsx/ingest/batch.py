"""What only the whole batch shows (two returns of one agency, mixed years), and the name
of each passing return's canonical JSON (unique in the folder, stable across re-runs)."""

from __future__ import annotations

from dataclasses import dataclass

from gongkai_xlsx.agency import AgencyKey, agency_key
from gongkai_xlsx.catalogue import Code
from gongkai_xlsx.checks.run import Outcome
from gongkai_xlsx.completeness import Submission
from gongkai_xlsx.findings import Finding, sort_key
from gongkai_xlsx.naming import dedupe, json_file_name
from gongkai_xlsx.text import listed

CODES = (Code.AGENCY_DUPLICATE, Code.YEAR_MIXED)


@dataclass
class Entry:
    """One return of the batch as the parent process keeps it: no document, no workbook."""

    display: str
    outcome: Outcome
    has_document: bool = False
    output: str | None = None  # the canonical JSON's name in OUT
    annotated: str | None = None  # the marked copy's name in the --annotate folder

    @property
    def failed(self) -> bool:
        return bool(self.outcome.errors)


MAX_LISTED = 5  # other files a duplicate-agency hint names; report.json lists them all


@dataclass(frozen=True)
class DuplicateGroup:
    """The readable returns of one agency (by :func:`agency_key`) for one year, more than
    one. ``agency`` is the name as the first of them writes it: what people are shown."""

    key: AgencyKey
    agency: str
    year: int | None
    entries: tuple[Entry, ...]


def named_agency(entry: Entry) -> str | None:
    """The agency the return names on its cover, None when it names none (unreadable,
    or guessed from its file name): only a named return is matched with another return,
    a roster or last year's."""
    o = entry.outcome
    return o.agency if o.readable and o.agency and not o.agency_from_file_name else None


def duplicate_groups(entries: list[Entry]) -> list[DuplicateGroup]:
    """Agencies and years with more than one readable return, by the one agency identity
    the summary, the roster and last year's documents use too."""
    groups: dict[tuple[AgencyKey, int | None], list[tuple[str, Entry]]] = {}
    for entry in entries:
        if agency := named_agency(entry):
            groups.setdefault((agency_key(agency), entry.outcome.year), []).append((agency, entry))
    return [
        DuplicateGroup(key, group[0][0], year, tuple(entry for _agency, entry in group))
        for (key, year), group in groups.items()
        if len(group) > 1
    ]


def submissions(entries: list[Entry]) -> list[Submission]:
    """The returns as ``--roster`` matches them (:mod:`gongkai_xlsx.completeness`):
    every return that names its agency, whatever its status. A return with errors was sent
    all the same: the coordinator asks for its correction rather than for a return. A file
    that could not be read, or whose cover names no agency, names nobody."""
    return [Submission(agency, e.display) for e in entries if (agency := named_agency(e))]


def add_batch_findings(entries: list[Entry], expected_year: int | None) -> None:
    readable = [e for e in entries if e.outcome.readable]
    for duplicate in duplicate_groups(entries):
        group = duplicate.entries
        for entry in group:
            others = [e.display for e in group if e is not entry]
            shown = listed(others, "份", MAX_LISTED)
            if len(others) > MAX_LISTED + 1:
                shown += "，全部见 report.json 的 duplicates"
            entry.outcome.findings.append(
                Finding(
                    Code.AGENCY_DUPLICATE,
                    actual=duplicate.agency,
                    expected=len(group),
                    detail=shown,
                )
            )
    years = sorted({e.outcome.year for e in readable if e.outcome.year})
    if expected_year is None and len(years) > 1:
        listing = "、".join(str(y) for y in years)
        for entry in readable:
            if entry.outcome.year:
                entry.outcome.findings.append(
                    Finding(Code.YEAR_MIXED, actual=entry.outcome.year, detail=listing)
                )
    for entry in entries:
        entry.outcome.findings.sort(key=sort_key)


def name_outputs(entries: list[Entry]) -> None:
    """Each passing return's JSON name: ``单位_年度.json``, ``_2``… for a second one."""
    passing = [e for e in entries if e.has_document and not e.failed]
    names = dedupe([json_file_name(e.outcome.agency or e.display, e.outcome.year) for e in passing])
    for entry, name in zip(passing, names, strict=True):
        entry.output = name
