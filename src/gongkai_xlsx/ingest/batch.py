"""What only the whole batch shows (two returns of one agency, mixed years), and the name
of each passing return's canonical JSON (unique in the folder, stable across re-runs).

The second stage of a run (:mod:`gongkai_xlsx.ingest.run`): it is given the frozen
entries of the first and returns new ones, each the file's own outcome with the batch's
findings added (:meth:`Outcome.adding`) and, for a passing return, its output's name.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import cast

from gongkai_xlsx.agency import AgencyKey, agency_key
from gongkai_xlsx.catalogue import Code
from gongkai_xlsx.checks.run import Outcome
from gongkai_xlsx.completeness import Received, Submission
from gongkai_xlsx.findings import Finding
from gongkai_xlsx.naming import dedupe, json_file_name
from gongkai_xlsx.text import listed

CODES = (Code.AGENCY_DUPLICATE, Code.YEAR_MIXED)


@dataclass(frozen=True)
class Entry:
    """One return of the batch as the parent process keeps it: no document, no workbook.
    Frozen: a stage that adds to it (a batch finding, an output name, a marked copy)
    makes a new entry."""

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


def duplicate_groups(entries: Sequence[Entry]) -> list[DuplicateGroup]:
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


def submissions(entries: Sequence[Entry], skipped: Sequence[str] = ()) -> list[Submission]:
    """What was received, as ``--roster`` matches it (:mod:`gongkai_xlsx.completeness`):
    every return with its status (a return with errors was sent all the same: the
    coordinator asks for its correction rather than for a return), and every file that is
    not a spreadsheet (a PDF, a photo) as one that could not be read. A file whose cover
    names no agency (unreadable, or 填报单位 empty) names none here: the roster matches it
    by its file name."""
    return [
        *(Submission(named_agency(e) or "", e.display, status=received_status(e)) for e in entries),
        *(Submission("", display, status="unreadable", maybe=True) for display in skipped),
    ]


def received_status(entry: Entry) -> Received:
    """A return's status as the roster counts it."""
    status = entry.outcome.status
    return cast(Received, status if status in ("ok", "warnings", "errors") else "unreadable")


def _duplicate_findings(entries: Sequence[Entry]) -> dict[int, list[Finding]]:
    """The ``agency-duplicate`` hint of each return of a duplicate group, by position."""
    found: dict[int, list[Finding]] = {}
    position = {id(entry): index for index, entry in enumerate(entries)}
    for duplicate in duplicate_groups(entries):
        group = duplicate.entries
        for entry in group:
            others = [e.display for e in group if e is not entry]
            shown = listed(others, "份", MAX_LISTED)
            if len(others) > MAX_LISTED + 1:
                shown += "，全部见 report.json 的 duplicates"
            finding = Finding(
                Code.AGENCY_DUPLICATE, actual=duplicate.agency, expected=len(group), detail=shown
            )
            found.setdefault(position[id(entry)], []).append(finding)
    return found


def _year_mix_findings(
    entries: Sequence[Entry], expected_year: int | None
) -> dict[int, list[Finding]]:
    """The ``year-mixed`` hint of each readable return when no year was asked for and
    the batch holds several, by position."""
    readable = [(i, e) for i, e in enumerate(entries) if e.outcome.readable]
    years = sorted({e.outcome.year for _i, e in readable if e.outcome.year})
    if expected_year is not None or len(years) < 2:
        return {}
    listing = "、".join(str(y) for y in years)
    return {
        i: [Finding(Code.YEAR_MIXED, actual=e.outcome.year, detail=listing)]
        for i, e in readable
        if e.outcome.year
    }


def with_batch_findings(entries: Sequence[Entry], expected_year: int | None) -> tuple[Entry, ...]:
    """``entries`` with what only the batch shows added (new entries; ``expected_year``:
    the year asked for, None when the batch may mix them)."""
    duplicates = _duplicate_findings(entries)
    mixed = _year_mix_findings(entries, expected_year)
    return tuple(
        replace(entry, outcome=entry.outcome.adding([*duplicates.get(i, ()), *mixed.get(i, ())]))
        for i, entry in enumerate(entries)
    )


def with_output_names(entries: Sequence[Entry]) -> tuple[Entry, ...]:
    """``entries`` with each passing return's JSON name: ``单位_年度.json``, ``_2``… for a
    second one (new entries)."""
    passing = [i for i, e in enumerate(entries) if e.has_document and not e.failed]
    names = dedupe(
        [
            json_file_name(entries[i].outcome.agency or entries[i].display, entries[i].outcome.year)
            for i in passing
        ]
    )
    named = dict(zip(passing, names, strict=True))
    return tuple(
        replace(entry, output=named[i]) if i in named else entry for i, entry in enumerate(entries)
    )


def batch(entries: Sequence[Entry], expected_year: int | None) -> tuple[Entry, ...]:
    """The second stage: the batch's own findings (hints), then the outputs' names."""
    return with_output_names(with_batch_findings(entries, expected_year))
