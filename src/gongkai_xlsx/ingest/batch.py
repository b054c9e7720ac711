"""What only the whole batch shows (the versions of each agency's return, two returns of
one agency, mixed years), and the name of each passing return's canonical JSON (unique in
the folder, stable across re-runs).

The second stage of a run (:mod:`gongkai_xlsx.ingest.run`): it is given the frozen
entries of the first and returns new ones, each the file's own outcome with the batch's
findings added (:meth:`Outcome.adding`) and, for a passing return, its output's name.
"""

from __future__ import annotations

import sys
from array import array
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from pathlib import PurePosixPath
from typing import TypeVar, cast, overload

from gongkai_xlsx.agency import AgencyKey, agency_key
from gongkai_xlsx.catalogue import Code
from gongkai_xlsx.checks.run import Outcome
from gongkai_xlsx.completeness import Received, Submission, agency_in_file_name
from gongkai_xlsx.findings import Finding
from gongkai_xlsx.fsio import Records
from gongkai_xlsx.ingest.versions import Version, versions
from gongkai_xlsx.naming import dedupe, json_file_name
from gongkai_xlsx.outputs.manifest import Arrivals
from gongkai_xlsx.reader.sniff import SPREADSHEET_SUFFIXES
from gongkai_xlsx.roster import Roster
from gongkai_xlsx.text import listed

CODES = (Code.AGENCY_DUPLICATE, Code.YEAR_MIXED)
_T = TypeVar("_T")


class View(Sequence[_T]):
    """``size`` values, each made by ``get`` from its place when it is read: what is kept
    on disk (:class:`~gongkai_xlsx.fsio.Records`) seen as the stages need it, never all
    held."""

    def __init__(self, size: int, get: Callable[[int], _T]) -> None:
        self.size = size
        self.get = get

    def __len__(self) -> int:
        return self.size

    @overload
    def __getitem__(self, k: int) -> _T: ...

    @overload
    def __getitem__(self, k: slice) -> list[_T]: ...

    def __getitem__(self, k: int | slice) -> _T | list[_T]:
        if isinstance(k, slice):
            return [self.get(i) for i in range(*k.indices(self.size))]
        if not -self.size <= k < self.size:
            raise IndexError(k)
        return self.get(k % self.size)

    def __iter__(self) -> Iterator[_T]:
        return map(self.get, range(self.size))


@dataclass(frozen=True, slots=True)
class Entry:
    """One return of the batch as the parent process keeps it: no document, no workbook.
    Frozen: a stage that adds to it (a batch finding, an output name, a marked copy)
    makes a new entry."""

    display: str
    outcome: Outcome
    has_document: bool = False
    output: str | None = None  # the canonical JSON's name in OUT
    annotated: str | None = None  # the marked copy's name in the --annotate folder
    mtime: int | None = None  # the file's time (whole seconds): weak, see ingest.versions
    arrived: str | None = None  # when the output folder first saw these bytes
    superseded_by: str | None = None  # the file that replaced it (a newer version, a copy)
    undecided: tuple[str, ...] = ()  # versions it arrived with that nothing orders

    def __reduce__(self) -> tuple[type[Entry], tuple[object, ...]]:
        """Pickled as its fields in order, made again by its constructor: a run's stages
        read each entry back from disk many times, and the state dataclasses give a
        slotted class looks its fields up again on every load (half the cost)."""
        return (Entry, tuple(getattr(self, name) for name in _ENTRY_FIELDS))

    @property
    def current(self) -> bool:
        """The agency's return as every count sees it: not superseded by another version,
        not among versions the coordinator still has to choose between."""
        return self.superseded_by is None and not self.undecided

    @property
    def failed(self) -> bool:
        """An error of the agency's current return (a superseded version counts no more)."""
        return bool(self.outcome.errors) and self.superseded_by is None


_ENTRY_FIELDS = tuple(f.name for f in fields(Entry))

MAX_LISTED = 5  # other files a duplicate-agency hint names; report.json lists them all


@dataclass(frozen=True)
class DuplicateGroup:
    """The readable returns of one agency (by :func:`agency_key`) for one year, more than
    one. ``agency`` is the name as the first of them writes it: what people are shown."""

    key: AgencyKey
    agency: str
    year: int | None
    entries: tuple[Entry, ...]
    indexes: tuple[int, ...] = ()  # the entries' places in the batch


def named_agency(entry: Entry) -> str | None:
    """The agency the return names on its cover, None when it names none (unreadable,
    or guessed from its file name): only a named return is matched with another return,
    a roster or last year's."""
    o = entry.outcome
    return o.agency if o.readable and o.agency and not o.agency_from_file_name else None


def duplicate_groups(
    entries: Sequence[Entry], each: Callable[[Entry], None] | None = None
) -> list[DuplicateGroup]:
    """Agencies and years with more than one readable current return, by the one agency
    identity the summary, the roster and last year's documents use too (with versions
    decided, only returns of one agency for several years, or ones the coordinator still
    has to choose between). Only the places of the entries are kept while they are
    grouped (``entries`` may be on disk: :class:`~gongkai_xlsx.fsio.Records`). ``each``:
    shown every entry as this pass reads it (a caller's own pass over them, done in this
    one: 10,000 entries read from disk once, not twice)."""
    if each is None:
        return _duplicates(entries, array("q", (_duplicate_hash(e) for e in entries)))
    hashes = array("q")
    for entry in entries:
        hashes.append(_duplicate_hash(entry))
        each(entry)
    return _duplicates(entries, hashes)


def _duplicate_hash(entry: Entry) -> int:
    """What :func:`duplicate_groups` groups a return by, as a hash (NO_HASH: in none)."""
    agency = named_agency(entry) if entry.superseded_by is None else None
    return hash((agency_key(agency), entry.outcome.year)) if agency else NO_HASH


def _duplicates(entries: Sequence[Entry], hashes: array[int]) -> list[DuplicateGroup]:
    """:func:`duplicate_groups`, given each entry's :func:`_duplicate_hash`."""
    repeated = repeated_hashes(hashes)  # a collision only adds a return to look at
    groups: dict[tuple[AgencyKey, int | None], list[int]] = {}
    for index, h in enumerate(hashes):
        if h != NO_HASH and h in repeated:
            entry = entries[index]
            agency = named_agency(entry) or ""
            groups.setdefault((agency_key(agency), entry.outcome.year), []).append(index)
    found = []
    for (key, year), group in groups.items():
        if len(group) > 1:
            members = tuple(entries[i] for i in group)
            name = named_agency(members[0]) or ""
            found.append(DuplicateGroup(key, name, year, members, tuple(group)))
    return found


def submissions(entries: Sequence[Entry], skipped: Sequence[str] = ()) -> Records[Submission]:
    """What was received, as ``--roster`` matches it (:mod:`gongkai_xlsx.completeness`):
    every return with its status (a return with errors was sent all the same: the
    coordinator asks for its correction rather than for a return), and every file that is
    not a spreadsheet (a PDF, a photo) as one that could not be read. A version superseded
    by a newer one (or an identical copy) is not a submission: the agency's current
    return is; versions the coordinator still has to choose between were sent all the
    same. A file whose cover names no agency (unreadable, or 填报单位 empty) names the
    agency its package's property names, else none: the roster matches it by its file
    name. Kept on disk (one per return), read back as they are reported."""
    found: Records[Submission] = Records()
    for e in entries:
        add_submission(found, e)
    add_skipped(found, skipped)
    return found


def add_submission(found: Records[Submission], e: Entry) -> None:
    """Add what ``e`` is to :func:`submissions` (a pass over the entries made anyway can
    make them: a run's 10,000 are read from disk once)."""
    if e.superseded_by is None:
        agency = named_agency(e) or package_agency(e) or ""
        found.append(Submission(agency, e.display, status=received_status(e)))


def add_skipped(found: Records[Submission], skipped: Sequence[str]) -> None:
    """Add to :func:`submissions` the files that are not spreadsheets, after the returns."""
    for display in skipped:
        found.append(Submission("", display, status="unreadable", maybe=True))


def received_status(entry: Entry) -> Received:
    """A return's status as the roster counts it."""
    status = entry.outcome.status
    return cast(Received, status if status in ("ok", "warnings", "errors") else "unreadable")


def _duplicate_findings(groups: Sequence[DuplicateGroup]) -> dict[int, list[Finding]]:
    """The ``agency-duplicate`` hint of each return of a duplicate group, by position."""
    found: dict[int, list[Finding]] = {}
    for duplicate in groups:
        group = duplicate.entries
        for index, entry in zip(duplicate.indexes, group, strict=True):
            others = [e.display for e in group if e is not entry]
            shown = listed(others, "份", MAX_LISTED)
            if len(others) > MAX_LISTED + 1:
                shown += "，全部见 report.json 的 duplicates"
            finding = Finding(
                Code.AGENCY_DUPLICATE, actual=duplicate.agency, expected=len(group), detail=shown
            )
            found.setdefault(index, []).append(finding)
    return found


def _readable_year(entry: Entry) -> int:
    """The year of a readable current return (0: none), as the ``year-mixed`` hint sees it."""
    e = entry
    return e.outcome.year or 0 if e.outcome.readable and e.superseded_by is None else 0


def _year_mix_findings(readable: array[int], expected_year: int | None) -> dict[int, list[Finding]]:
    """The ``year-mixed`` hint of each readable return (``readable``: each one's
    :func:`_readable_year`) when no year was asked for and the batch holds several, by
    position."""
    if expected_year is not None:
        return {}
    years = sorted(set(readable) - {0})
    if len(years) < 2:
        return {}
    listing = "、".join(str(y) for y in years)
    return {
        i: [Finding(Code.YEAR_MIXED, actual=year, detail=listing)]
        for i, year in enumerate(readable)
        if year
    }


def with_batch_findings(entries: Sequence[Entry], expected_year: int | None) -> Records[Entry]:
    """``entries`` with what only the batch shows added (new entries, on disk;
    ``expected_year``: the year asked for, None when the batch may mix them)."""
    duplicates = _duplicate_findings(duplicate_groups(entries))
    years = array("i", (_readable_year(e) for e in entries))
    mixed = _year_mix_findings(years, expected_year)
    return Records(
        values=(
            _with_hints(entry, duplicates.get(i, ()), mixed.get(i, ()))
            for i, entry in enumerate(entries)
        )
    )


def _with_hints(entry: Entry, *found: Sequence[Finding]) -> Entry:
    """``entry`` with the batch's hints ``found`` added (itself when there are none)."""
    added = [f for group in found for f in group]
    return replace(entry, outcome=entry.outcome.adding(added)) if added else entry


def _wanted_name(e: Entry) -> str | None:
    """The JSON name a passing current return asks for (None: it gets none)."""
    if e.has_document and not e.failed and e.current:
        return json_file_name(e.outcome.agency or e.display, e.outcome.year)
    return None


def with_output_names(entries: Sequence[Entry]) -> Records[Entry]:
    """``entries`` with each passing return's JSON name: ``单位_年度.json``, ``_2``… for a
    second one (new entries, on disk). When no two names are alike (by a hash of each,
    8 bytes a return) each is its own, and no list of them is held; else they are
    made unique together (:func:`gongkai_xlsx.naming.dedupe`)."""
    names = _unique_names(entries, array("q", (_name_hash(e) for e in entries)))
    return Records(values=(_named(e, _output_of(i, e, names)) for i, e in enumerate(entries)))


def _name_hash(entry: Entry) -> int:
    """The hash :func:`dedupe` compares ``entry``'s wanted name by (NO_HASH: none)."""
    name = _wanted_name(entry)
    return hash(name.casefold()) if name is not None else NO_HASH


def _unique_names(entries: Sequence[Entry], hashes: array[int]) -> dict[int, str] | None:
    """The names made unique together, by position, when two wanted names are alike
    (``hashes``: each entry's :func:`_name_hash`); None when each is its own."""
    repeated = repeated_hashes(hashes)
    repeated.discard(NO_HASH)
    if not repeated:  # dedupe would change nothing
        return None
    wanted = [_wanted_name(e) for e in entries]
    passing = [i for i, name in enumerate(wanted) if name is not None]
    names = dedupe([cast(str, wanted[i]) for i in passing])
    return dict(zip(passing, names, strict=True))


def _output_of(index: int, entry: Entry, names: dict[int, str] | None) -> str | None:
    return _wanted_name(entry) if names is None else names.get(index)


def _named(entry: Entry, output: str | None) -> Entry:
    return replace(entry, output=output) if output is not None else entry


def package_agency(entry: Entry) -> str | None:
    """The agency a return whose cover could not be read was made for, as its package's
    custom property still says (``new --agency``/``--roster``): surer than its file
    name."""
    return None if named_agency(entry) else entry.outcome.package_agency


def _agency_of(entry: Entry, roster: Roster | None) -> AgencyKey | None:
    """Whose return ``entry`` is, for its versions: the agency its cover (or, the cover
    left empty, the template's agency property) names; for a return that could not be
    read, the agency property its package still carries; else the roster agency its file
    name contains; else nobody's."""
    if agency := named_agency(entry) or package_agency(entry):
        return agency_key(agency)
    if roster is None:
        return None
    return agency_in_file_name((agency_key(e.name) for e in roster.entries), entry.display)


def addressee(entry: Entry, roster: Roster | None) -> str | None:
    """Whom ``entry``'s return goes back to, by name: the agency it names; else the
    roster agency its file name contains (an unnamed return, a .xls, a PDF); else None."""
    if agency := named_agency(entry):
        return agency
    key = _agency_of(entry, roster)
    listed = roster.entry_for(key) if roster is not None and key is not None else None
    return listed.name if listed is not None else package_agency(entry)


def _versioned(
    entries: Sequence[Entry], arrivals: Mapping[str, str], now: str, roster: Roster | None
) -> Sequence[Entry]:
    """``entries`` with their versions decided (:func:`gongkai_xlsx.ingest.versions.versions`):
    each one's arrival, the file that superseded it, or the versions it could not be
    ordered against (new entries, each made as it is read: nothing written).

    Only a return that shares its agency or its bytes with another can be a version of
    it: those are found first by a hash of each (8 bytes a return; a collision only adds
    a return to look at), and only they are handed to :func:`versions` (no display: an
    index says which file). Every other return arrived when its bytes first did."""
    agencies = array("q")
    shas = array("q")
    for e in entries:
        agency = _agency_of(e, roster)
        agencies.append(hash(agency) if agency is not None else NO_HASH)
        shas.append(hash(e.outcome.sha256) if e.outcome.sha256 else NO_HASH)
    same_agency, same_bytes = repeated_hashes(agencies), repeated_hashes(shas)
    candidates = [
        i
        for i, (a, h) in enumerate(zip(agencies, shas, strict=True))
        if (a != NO_HASH and a in same_agency) or (h != NO_HASH and h in same_bytes)
    ]
    del agencies, shas, same_agency, same_bytes

    def version(i: int, e: Entry) -> Version:
        agency = _agency_of(e, roster)
        return Version(
            i,
            "",
            e.outcome.sha256,
            AgencyKey(sys.intern(agency)) if agency is not None else None,
            PurePosixPath(e.display).suffix.lower() in SPREADSHEET_SUFFIXES,
            e.mtime,
            e.outcome.saved,
            e.outcome.year,
            e.outcome.readable,
        )

    decided = versions([version(i, entries[i]) for i in candidates], arrivals, now)
    undecided = {i: u.indexes for u in decided.undecided for i in u.indexes}
    displays = {k: entries[k].display for k in (*decided.superseded.values(), *undecided)}

    def arrived(i: int, entry: Entry) -> str:
        if i in decided.arrived:
            return decided.arrived[i]
        sha = entry.outcome.sha256
        return arrivals.get(sha, now) if sha else now

    def versioned(i: int) -> Entry:
        entry = entries[i]
        return replace(
            entry,
            arrived=arrived(i, entry),
            superseded_by=displays[decided.superseded[i]] if i in decided.superseded else None,
            undecided=tuple(displays[k] for k in undecided.get(i, ()) if k != i),
        )

    return View(len(entries), versioned)


def with_versions(
    entries: Sequence[Entry], arrivals: Mapping[str, str], now: str, roster: Roster | None
) -> Records[Entry]:
    """``entries`` with their versions decided (new entries, on disk): see
    :func:`_versioned`."""
    return Records(values=_versioned(entries, arrivals, now, roster))


NO_HASH = -1  # no agency, no bytes: in no group (hash() never gives -1)


def repeated_hashes(hashes: array[int]) -> set[int]:
    """The hashes found more than once."""
    seen: set[int] = set()
    repeated = set()
    for h in hashes:
        if h in seen:
            repeated.add(h)
        else:
            seen.add(h)
    return repeated


def arrivals_of(
    entries: Sequence[Entry],
    arrivals: Mapping[str, str],
    each: Callable[[int, Entry], None] | None = None,
) -> Arrivals:
    """The arrivals the output folder keeps after this batch: the earlier ones, and the
    first arrival of each file of the batch, packed (10,000 files, a few times). ``each``:
    shown every entry (and its place) as this pass reads it, a caller's pass done in it."""

    def pairs() -> Iterator[tuple[str, str]]:
        for i, e in enumerate(entries):
            if each is not None:
                each(i, e)
            if e.outcome.sha256 and e.arrived:
                yield e.outcome.sha256, e.arrived

    return Arrivals(arrivals, pairs())


def batch(
    entries: Sequence[Entry],
    expected_year: int | None,
    arrivals: Mapping[str, str] | None = None,
    now: str = "",
    roster: Roster | None = None,
) -> Sequence[Entry]:
    """The second stage: the versions of each agency's return (``arrivals``: the output
    folder's record, ``now``: this run's time), the batch's own findings (hints), then the
    outputs' names. One pass finds what each needs (by hashes), one writes the new
    entries: each entry is read three times and written once, whatever the batch."""
    decided = _versioned(entries, arrivals or {}, now, roster)
    duplicate, years, names = array("q"), array("i"), array("q")
    for entry in decided:
        duplicate.append(_duplicate_hash(entry))
        years.append(_readable_year(entry))
        names.append(_name_hash(entry))  # the hints added next change no name
    duplicates = _duplicate_findings(_duplicates(decided, duplicate))
    mixed = _year_mix_findings(years, expected_year)
    del duplicate, years
    unique = _unique_names(decided, names)
    del names

    def final(i: int, entry: Entry) -> Entry:
        entry = _with_hints(entry, duplicates.get(i, ()), mixed.get(i, ()))
        return _named(entry, _output_of(i, entry, unique))

    return Records(values=(final(i, e) for i, e in enumerate(decided)))
