"""A roster against what was sent: who has sent (报送 N/M), who has not, who is not on it.

The one place a roster is matched, for ``ingest --roster`` and ``aggregate --roster``
alike: each command gives the :class:`Submission` it has (``ingest`` every return that
names its agency, errors or not; ``aggregate`` the documents it read), and both get the
same frozen :class:`RosterMatch` back. Names are matched by
:func:`gongkai_xlsx.agency.agency_key`, the one agency identity.

A roster may name the agencies themselves (a county's bureaus) or the level below (a
city's counties, whose summaries are the inputs): a roster entry counts as sent when it
names a submission (a return's agency, a summary's name) or any member of one.

What an agency's status is (sent, sent with errors, …) is decided in one place:
:attr:`Listed.sent`, from the submissions matched to it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from gongkai_xlsx.agency import AgencyKey, agency_key
from gongkai_xlsx.catalogue import Code
from gongkai_xlsx.findings import Finding
from gongkai_xlsx.roster import Roster

# What a roster check says (``aggregate`` shows them; ``ingest`` keeps the counts only).
CODES = (Code.ROSTER_DUPLICATE, Code.ROSTER_EXTRA, Code.ROSTER_MISSING)


@dataclass(frozen=True)
class Named:
    """An agency a summary counts (one of its members), and where it was found."""

    agency: str
    where: str


@dataclass(frozen=True)
class Submission:
    """What was sent, as the roster sees it: a return (its agency, no members) or a
    summary (its name and the agencies it counts)."""

    agency: str
    display: str  # the file, for messages
    summary: bool = False
    members: tuple[Named, ...] = ()


@dataclass(frozen=True)
class Listed:
    """One agency of the roster and what was sent for it: the submissions that name it,
    or the summaries that count it among their members (by the file shown)."""

    row: int  # as Excel numbers it
    name: str  # as the roster writes it
    matched: tuple[str, ...]

    @property
    def sent(self) -> bool:
        """Whether the agency has sent: the one definition of its status."""
        return bool(self.matched)


@dataclass(frozen=True)
class OffRoster:
    """An agency that sent something but is not on the roster, as it writes its name."""

    agency: str
    where: str


@dataclass(frozen=True)
class Completeness:
    """The counts a report keeps of a roster check (report.json's ``roster``, a summary's
    ``completeness``): also read back from a summary made elsewhere, which keeps no more."""

    roster: str  # the roster's file name
    expected: int  # agencies on the roster
    submitted: int  # of those, with a document
    missing: tuple[str, ...]  # as the roster writes them
    extra: tuple[str, ...]  # as the documents write them

    @property
    def text(self) -> str:
        return f"报送 {self.submitted}/{self.expected}"

    def to_json(self) -> dict[str, Any]:
        return {
            "roster": self.roster,
            "expected": self.expected,
            "submitted": self.submitted,
            "missing": list(self.missing),
            "extra": list(self.extra),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Completeness:
        return cls(
            roster=data["roster"],
            expected=data["expected"],
            submitted=data["submitted"],
            missing=tuple(data["missing"]),
            extra=tuple(data["extra"]),
        )


@dataclass(frozen=True)
class RosterMatch:
    """A roster matched against the submissions: every agency of the roster once (the
    first row of a name written twice), the agencies not on it, and what is said."""

    roster: str  # the roster's file name
    agencies: tuple[Listed, ...]
    extra: tuple[OffRoster, ...]
    duplicates: tuple[Finding, ...]  # roster rows naming an agency of an earlier row

    @property
    def missing(self) -> tuple[Listed, ...]:
        return tuple(a for a in self.agencies if not a.sent)

    @property
    def completeness(self) -> Completeness:
        missing = self.missing
        return Completeness(
            roster=self.roster,
            expected=len(self.agencies),
            submitted=len(self.agencies) - len(missing),
            missing=tuple(a.name for a in missing),
            extra=tuple(e.agency for e in self.extra),
        )

    @property
    def findings(self) -> list[Finding]:
        """Repeated roster rows, then the missing agencies, then the extra ones."""
        return [
            *self.duplicates,
            *(Finding(Code.ROSTER_MISSING, actual=a.name) for a in self.missing),
            *(Finding(Code.ROSTER_EXTRA, actual=e.agency, detail=e.where) for e in self.extra),
        ]


def _listed(roster: Roster) -> tuple[dict[AgencyKey, tuple[int, str]], list[Finding]]:
    """The roster's agencies by key (first row, name as written), and its repeated rows:
    those written otherwise first, then those written exactly alike (the order of today's
    messages)."""
    listed = {agency_key(e.name): (e.row, e.name) for e in roster.entries}
    repeats: list[tuple[bool, Finding]] = []
    for row, name in roster.duplicates:
        first_row, first = listed.get(agency_key(name), (row, name))
        finding = Finding(
            Code.ROSTER_DUPLICATE, actual=row, detail=name, expected=f"第 {first_row} 行“{first}”"
        )
        repeats.append((name == first, finding))
    repeats.sort(key=lambda repeat: repeat[0])  # stable: each kind in row order
    return listed, [finding for _exact, finding in repeats]


def match_roster(
    roster: Roster, roster_file: str, submissions: Iterable[Submission]
) -> RosterMatch:
    """Match ``submissions`` against ``roster`` by :func:`agency_key`."""
    listed, duplicates = _listed(roster)
    matched: dict[AgencyKey, list[str]] = {}
    extra: dict[AgencyKey, OffRoster] = {}
    for sent in submissions:
        own = agency_key(sent.agency)
        matched.setdefault(own, []).append(sent.display)
        for member in sent.members:
            matched.setdefault(agency_key(member.agency), []).append(member.where)
        if own in listed:
            continue
        if not sent.summary:
            extra.setdefault(own, OffRoster(sent.agency, sent.display))
            continue
        unlisted = [m for m in sent.members if agency_key(m.agency) not in listed]
        if len(unlisted) == len(sent.members):  # the roster names neither it nor its members
            extra.setdefault(own, OffRoster(sent.agency, sent.display))
        else:
            for member in unlisted:
                extra.setdefault(agency_key(member.agency), OffRoster(member.agency, member.where))
    agencies = tuple(
        Listed(row, name, tuple(dict.fromkeys(matched.get(key, ()))))
        for key, (row, name) in listed.items()
    )
    return RosterMatch(roster_file, agencies, tuple(extra.values()), tuple(duplicates))


def roster_name_in(roster: Roster, file_name: str) -> str | None:
    """The roster agency whose name ``file_name`` contains (by :func:`agency_key`), as the
    roster writes it: the longest such name, None when none or two equally long ones
    are contained. How a file that names no agency inside (an unnamed return, a .xls, a
    PDF) is matched to the roster."""
    text = agency_key(file_name)
    found = sorted(
        (
            (len(key), name)
            for key, (_row, name) in _listed(roster)[0].items()
            if key and key in text
        ),
        reverse=True,
    )
    if not found or (len(found) > 1 and found[0][0] == found[1][0]):
        return None
    return found[0][1]
