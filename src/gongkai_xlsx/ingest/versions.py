"""Versions of a return: which file is an agency's return when it sent more than one.

Every return of one agency in the input is a version of it, whatever subfolder it is in;
the agency's current version is the one that arrived last. Arrival is not a file's time:
the output folder records, by SHA-256, the run that first saw each file
(:attr:`gongkai_xlsx.outputs.OutputDir.arrivals`). File times and the workbook's saved time
(``docProps/core.xml``) are weak (a download sets the first, opening an old version and
saving sets both, clerks' clocks are wrong), so they only order versions that first
arrived in the same run; where they do not decide, the coordinator must choose
(:class:`Undecided`), which is not the agency's error.

This module is the one place versions are grouped: a pure function over frozen
:class:`Version` values and the arrivals, so that ``ingest``, its summary, the page's
totals, ``aggregate`` (which reads only the current versions' JSON) and ``--previous``
all see the same current return of each agency.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from gongkai_xlsx.agency import AgencyKey


@dataclass(frozen=True, slots=True)
class Version:
    """One file of the batch as versions see it: where it is in the batch, its bytes'
    SHA-256 (None: not read at all), the agency it is a return of (None: nobody can
    tell), whether it is a workbook (a PDF or a photo is not: a workbook beside it is the
    agency's return), its file time (whole seconds) and its saved time."""

    index: int
    display: str
    sha256: str | None
    agency: AgencyKey | None
    workbook: bool = True
    mtime: int | None = None
    saved: str | None = None
    year: int | None = None  # the report year (None: not read): each year's return apart
    readable: bool = True  # False: a file that could not be read (known by its name or package)


@dataclass(frozen=True)
class Undecided:
    """Versions of one agency that arrived in one run and that neither their file times
    nor their saved times order: the coordinator chooses (by the indexes of the batch)."""

    agency: AgencyKey
    indexes: tuple[int, ...]


@dataclass(frozen=True)
class Versions:
    """What :func:`versions` decided: each superseded file and the one that replaced it
    (an identical copy is replaced by the copy kept), the versions nobody could order,
    and when each file arrived (by index)."""

    superseded: Mapping[int, int] = field(default_factory=dict)
    undecided: tuple[Undecided, ...] = ()
    arrived: Mapping[int, str] = field(default_factory=dict)

    def current(self, index: int) -> bool:
        """Whether the file at ``index`` counts: not superseded, and not among versions
        still to be chosen between."""
        return index not in self.superseded and not any(index in u.indexes for u in self.undecided)


def arrival_time(stamp: str) -> _dt.datetime:
    """An arrival as a time to compare (arrivals are ISO 8601 with their UTC offset; one
    that is not sorts first, as the oldest)."""
    try:
        when = _dt.datetime.fromisoformat(stamp)
    except ValueError:
        return _dt.datetime.min.replace(tzinfo=_dt.UTC)
    return when if when.tzinfo else when.replace(tzinfo=_dt.UTC)


def _saved_time(stamp: str | None) -> _dt.datetime | None:
    if not stamp:
        return None
    try:
        when = _dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=_dt.UTC)


def _later(one: Version, other: Version) -> bool | None:
    """Whether ``one`` is the later version by the weak times (True / False), or None
    when they do not say (equal, unknown, or one time says one way and the other the
    other way)."""
    votes = set()
    pairs = ((one.mtime, other.mtime), (_saved_time(one.saved), _saved_time(other.saved)))
    for mine, theirs in pairs:
        if mine is None or theirs is None or mine == theirs:
            continue
        votes.add(mine > theirs)  # type: ignore[operator]
    return votes.pop() if len(votes) == 1 else None


def _latest(candidates: Sequence[Version]) -> Version | None:
    """The one version later than every other by the weak times, None when there is none."""
    for one in candidates:
        if all(_later(one, other) is True for other in candidates if other is not one):
            return one
    return None


def versions(batch: Sequence[Version], arrivals: Mapping[str, str], now: str) -> Versions:
    """Decide the current version of each agency in ``batch`` (in the batch's order).

    ``arrivals``: the first arrival of each SHA-256 the output folder recorded; a file
    not in it arrives ``now``. Identical copies count once (the first in the batch's
    order is kept). Then, per agency: a workbook beats a file that is not one; the last
    arrival wins; versions that arrived together are ordered by their file and saved
    times, and are :class:`Undecided` where those do not decide. Returns of one agency
    for different years are not versions of each other."""
    arrived = {v.index: arrivals.get(v.sha256, now) if v.sha256 else now for v in batch}
    superseded: dict[int, int] = {}
    kept: dict[str, int] = {}
    distinct: list[Version] = []
    for version in batch:
        if version.sha256 is not None and version.sha256 in kept:
            superseded[version.index] = kept[version.sha256]
            continue
        if version.sha256 is not None:
            kept[version.sha256] = version.index
        distinct.append(version)
    groups: dict[tuple[AgencyKey, int | None], list[Version]] = {}
    latest: dict[AgencyKey, int] = {}  # the agency's latest report year in the batch
    for version in distinct:
        if version.agency is not None and version.year is not None:
            latest[version.agency] = max(version.year, latest.get(version.agency, version.year))
    for version in distinct:
        if version.agency is not None:
            # a return of each year is its own; a file whose year is unknown (not read) is
            # a version of the agency's latest year's return
            year = version.year if version.year is not None else latest.get(version.agency)
            groups.setdefault((version.agency, year), []).append(version)
    undecided = []
    for (agency, _year), group in groups.items():
        if len(group) < 2:
            continue
        workbooks = [v for v in group if v.workbook] or group
        # A file that could not be read competes only by arriving later than every
        # readable version: beside one that arrived with it, it stays to be looked at
        # (it may not even be this agency's: a damaged copy), never replacing it.
        read = [v for v in workbooks if v.readable]
        contenders = read or workbooks
        if read:
            newest_read = max(arrival_time(arrived[v.index]) for v in read)
            late = [v for v in workbooks if arrival_time(arrived[v.index]) > newest_read]
            contenders = late or read
        newest = max(arrival_time(arrived[v.index]) for v in contenders)
        apart = [
            v for v in workbooks if v not in contenders and arrival_time(arrived[v.index]) >= newest
        ]
        group = [v for v in group if v not in apart]
        last = [v for v in contenders if arrival_time(arrived[v.index]) == newest]
        chosen = last[0] if len(last) == 1 else _latest(last)
        if chosen is None:
            undecided.append(Undecided(agency, tuple(v.index for v in last)))
            older = [v for v in group if v not in last]
            replacing = last[-1].index  # shown as replaced by one of those to choose from
        else:
            older = [v for v in group if v is not chosen]
            replacing = chosen.index
        for version in older:
            superseded[version.index] = replacing
    return Versions(superseded, tuple(undecided), arrived)
