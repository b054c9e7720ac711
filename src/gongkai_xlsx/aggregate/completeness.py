"""A summary against a roster: who has sent (报送 N/M), who is missing, who is extra.

A roster may name the agencies themselves (a county's bureaus) or the level below (a
city's counties, whose summaries are the inputs): a roster entry counts as sent when it
names an input (a return's agency, a summary's name) or any member of one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from gongkai_xlsx.agency import agency_key
from gongkai_xlsx.aggregate.members import Member
from gongkai_xlsx.catalogue import Code
from gongkai_xlsx.findings import Finding
from gongkai_xlsx.roster import Roster


@dataclass(frozen=True)
class Completeness:
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


class Submitted(Protocol):
    """What a roster is checked against: a :class:`~gongkai_xlsx.aggregate.read.Document`,
    or a return of an ``ingest`` batch (its agency only: ``kind`` return, no members)."""

    @property
    def kind(self) -> str: ...

    @property
    def agency(self) -> str: ...

    @property
    def display(self) -> str: ...

    @property
    def members(self) -> Sequence[Member]: ...


def check_roster(
    roster: Roster, roster_file: str, documents: Sequence[Submitted]
) -> tuple[Completeness, list[Finding]]:
    """Match ``documents`` against ``roster`` by :func:`agency_key`."""
    findings: list[Finding] = []
    listed: dict[str, tuple[int, str]] = {}  # key → (row, name as written)
    rows = roster.rows or list(range(1, len(roster.names) + 1))
    for row, name in zip(rows, roster.names, strict=True):
        key = agency_key(name)
        if key in listed:
            first_row, first = listed[key]
            findings.append(
                Finding(
                    Code.ROSTER_DUPLICATE,
                    actual=row,
                    detail=name,
                    expected=f"第 {first_row} 行“{first}”",
                )
            )
        else:
            listed[key] = (row, name)
    by_name = {name: row for row, name in zip(rows, roster.names, strict=True)}
    for row, name in roster.duplicates:  # written exactly alike: read_roster kept one
        first_row = by_name.get(name, row)
        findings.append(
            Finding(
                Code.ROSTER_DUPLICATE,
                actual=row,
                detail=name,
                expected=f"第 {first_row} 行“{name}”",
            )
        )
    present: set[str] = set()
    extra: dict[str, tuple[str, str]] = {}  # key → (name, file)
    for doc in documents:
        own = agency_key(doc.agency)
        present.add(own)
        present.update(m.key[0] for m in doc.members)
        if own in listed:
            continue
        if doc.kind == "return":
            extra.setdefault(own, (doc.agency, doc.display))
            continue
        unlisted = [m for m in doc.members if m.key[0] not in listed]
        if len(unlisted) == len(doc.members):  # the roster names neither it nor its members
            extra.setdefault(own, (doc.agency, doc.display))
        else:
            for member in unlisted:
                extra.setdefault(member.key[0], (member.agency, member.where))
    missing = [name for key, (_row, name) in listed.items() if key not in present]
    findings += [Finding(Code.ROSTER_MISSING, actual=name) for name in missing]
    findings += [Finding(Code.ROSTER_EXTRA, actual=n, detail=f) for n, f in extra.values()]
    completeness = Completeness(
        roster=roster_file,
        expected=len(listed),
        submitted=len(listed) - len(missing),
        missing=tuple(missing),
        extra=tuple(name for name, _file in extra.values()),
    )
    return completeness, findings
