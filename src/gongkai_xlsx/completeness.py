"""A roster against what was sent: who has sent (报送 N/M), who has not, who is not on it.

The one place a roster is matched, for ``ingest --roster`` and ``aggregate --roster``
alike: each command gives the :class:`Submission` it has (``ingest`` every return that
names its agency, errors or not; ``aggregate`` the documents it read), and both get the
same frozen :class:`RosterMatch` back. Names are matched by
:func:`gongkai_xlsx.agency.agency_key`, the one agency identity.

A roster may name the agencies themselves (a county's bureaus) or the level below (a
city's counties, whose summaries are the inputs): a roster entry counts as sent when it
names a submission (a return's agency, a summary's name) or any member of one.

What an agency's status is (未报送, 已收到但无法读取, 有错误（待退回）, 有提示, 通过) is
decided in one place, :attr:`Listed.status`, from the submissions matched to it; the
counts every view shows (已收到 N/M, of which 待修改 K and 无法读取 U; 未报送 L; off the
roster apart) are :class:`Completeness`, made from those statuses only. A file that names
no agency (a return whose 填报单位 is empty, a .xls, a PDF) is matched by its file name
when the name contains one roster agency (:func:`agency_in_file_name`). Callers give the
current version of each return only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any, Literal, cast

from gongkai_xlsx.agency import AgencyKey, agency_key
from gongkai_xlsx.catalogue import AGENCY_STATUS_LABELS as CATALOGUE_AGENCY_LABELS
from gongkai_xlsx.catalogue import Code
from gongkai_xlsx.findings import Finding
from gongkai_xlsx.roster import Roster

# What a roster check says (``aggregate`` shows them; ``ingest`` keeps the counts only).
CODES = (Code.ROSTER_DUPLICATE, Code.ROSTER_EXTRA, Code.ROSTER_MISSING)

# What was received of one file, as its checks left it; ``counted``: a document counted in
# a summary whose checks are not known here (loose JSON, a summary's members).
Received = Literal["ok", "warnings", "errors", "unreadable", "counted"]
# An agency of the roster: the one status every view shows, worst first.
AgencyStatus = Literal["missing", "unreadable", "errors", "warnings", "ok", "counted"]
AGENCY_STATUSES: tuple[AgencyStatus, ...] = (
    "missing",
    "unreadable",
    "errors",
    "warnings",
    "ok",
    "counted",
)
AGENCY_STATUS_LABELS = cast(dict[AgencyStatus, str], CATALOGUE_AGENCY_LABELS)
assert tuple(AGENCY_STATUS_LABELS) == AGENCY_STATUSES
NO_AGENCY = "（未填写）"  # the agency column of a return whose 填报单位 is empty


@dataclass(frozen=True)
class Named:
    """An agency a summary counts (one of its members), and where it was found."""

    agency: str
    where: str


@dataclass(frozen=True)
class Submission:
    """What was sent, as the roster sees it: a return (its agency, no members) or a
    summary (its name and the agencies it counts)."""

    agency: str  # "" when the file names none: matched by its file name then
    display: str  # the file, for messages
    summary: bool = False
    members: tuple[Named, ...] = ()
    status: Received = "counted"
    maybe: bool = False  # a file that may not be a return at all (a PDF, a text): counted
    # only when its file name names a roster agency, else passed over here


@dataclass(frozen=True)
class Listed:
    """One agency of the roster and what was sent for it: the submissions that name it,
    or the summaries that count it among their members (by the file shown)."""

    row: int  # as Excel numbers it
    name: str  # as the roster writes it
    matched: tuple[str, ...]
    received: tuple[Received, ...] = ()  # the status of each of ``matched``
    # whom to call, from the roster's contact columns (None: not given)
    contact: str | None = None
    phone: str | None = None
    email: str | None = None

    @property
    def sent(self) -> bool:
        """Whether the agency has sent anything (readable or not)."""
        return bool(self.matched)

    @property
    def status(self) -> AgencyStatus:
        """The agency's one status. A readable return decides over a file that could not
        be read (a fixed return supersedes a first attempt); of readable ones the worst
        decides (errors, then hints)."""
        if not self.matched:
            return "missing"
        got = set(self.received) or {"counted"}
        for status in ("errors", "warnings", "ok", "counted", "unreadable"):
            if status in got:
                return cast(AgencyStatus, status)
        return "unreadable"

    @property
    def label(self) -> str:
        return AGENCY_STATUS_LABELS[self.status]


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
    expected: int  # agencies on the roster (M)
    submitted: int  # of those, that sent anything, readable or not (N)
    missing: tuple[str, ...]  # as the roster writes them (L of them)
    extra: tuple[str, ...]  # as the documents write them: counted apart
    # Known when the statuses are (None: a summary of the earlier version, which kept
    # only N/M): of the N, those to be fixed (K) and those that could not be read (U),
    # and every roster agency with its status.
    to_fix: int | None = None
    unreadable: int | None = None
    agencies: tuple[AgencyLine, ...] = ()

    @property
    def statuses_known(self) -> bool:
        return self.to_fix is not None and self.unreadable is not None

    @property
    def pending(self) -> int:
        """Agencies whose return is still to come or to be fixed (K + U + L)."""
        return (self.to_fix or 0) + (self.unreadable or 0) + len(self.missing)

    @property
    def text(self) -> str:
        """已收到 N/M 个单位（其中待修改 K 个、无法读取 U 个）：the one wording of the counts.
        A part that is 0 is left out, the parenthesis too when both are (“其中待修改 0
        个、无法读取 0 个” reads as if something were wrong)."""
        line = f"已收到 {self.submitted}/{self.expected} 个单位"
        if self.statuses_known:
            parts = [
                f"{what} {n} 个"
                for what, n in (("待修改", self.to_fix), ("无法读取", self.unreadable))
                if n
            ]
            if parts:
                line += f"（其中{'、'.join(parts)}）"
        return line

    @property
    def lines(self) -> tuple[str, ...]:
        """The counts as one line, the missing and the agencies off the roster after it."""
        line = self.text + f"；未报送 {len(self.missing)} 个"
        if self.extra:
            line += f"；另有不在名单中的单位 {len(self.extra)} 个（另计）"
        return (line,)

    def by_status(self) -> tuple[tuple[AgencyStatus, tuple[str, ...]], ...]:
        """The roster's agencies grouped by status, in :data:`AGENCY_STATUSES`' order (the
        missing alone when the statuses are not known)."""
        if not self.agencies:
            return (("missing", self.missing),) if self.missing else ()
        return tuple(
            (status, names)
            for status in AGENCY_STATUSES
            if (names := tuple(a.name for a in self.agencies if a.status == status))
        )

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "roster": self.roster,
            "expected": self.expected,
            "submitted": self.submitted,
            "missing": list(self.missing),
            "extra": list(self.extra),
        }
        if self.statuses_known:
            data["to_fix"] = self.to_fix
            data["unreadable"] = self.unreadable
        if self.agencies:
            data["agencies"] = [a.to_json() for a in self.agencies]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Completeness:
        """From a document's or report's ``completeness``; one of the earlier version
        (N/M only) has no statuses."""
        return cls(
            roster=data["roster"],
            expected=data["expected"],
            submitted=data["submitted"],
            missing=tuple(data["missing"]),
            extra=tuple(data["extra"]),
            to_fix=data.get("to_fix"),
            unreadable=data.get("unreadable"),
            agencies=tuple(AgencyLine.from_json(a) for a in data.get("agencies") or ()),
        )


@dataclass(frozen=True)
class AgencyLine:
    """One agency of the roster as the counts keep it: its name and status, and the
    files received for it."""

    name: str
    status: AgencyStatus
    files: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return AGENCY_STATUS_LABELS[self.status]

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "status": self.status, "files": list(self.files)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AgencyLine:
        status = data["status"]
        if status not in AGENCY_STATUSES:
            raise ValueError(f"unknown agency status {status!r}")
        return cls(data["name"], cast(AgencyStatus, status), tuple(data.get("files") or ()))


@dataclass(frozen=True)
class RosterMatch:
    """A roster matched against the submissions: every agency of the roster once (the
    first row of a name written twice), the agencies not on it, and what is said."""

    roster: str  # the roster's file name
    agencies: tuple[Listed, ...]
    extra: tuple[OffRoster, ...]
    duplicates: tuple[Finding, ...]  # roster rows naming an agency of an earlier row
    # files naming no agency, matched by file name: the file → the roster's name
    suggested: tuple[tuple[str, str], ...] = ()
    unplaced: tuple[str, ...] = ()  # files naming no agency, and no roster agency by name
    # the roster's contact columns ("contact", "phone", "email"), in that order
    contact_columns: tuple[str, ...] = ()
    statuses_known: bool = True  # every file's status is known (no counted document)

    @property
    def missing(self) -> tuple[Listed, ...]:
        return tuple(a for a in self.agencies if not a.sent)

    @property
    def has_contacts(self) -> bool:
        return bool(self.contact_columns)

    def suggested_for(self, display: str) -> str | None:
        """The roster agency the file name of an unnamed ``display`` suggests."""
        return dict(self.suggested).get(display)

    @property
    def completeness(self) -> Completeness:
        missing = self.missing
        statuses = [a.status for a in self.agencies]
        return Completeness(
            roster=self.roster,
            expected=len(self.agencies),
            submitted=len(self.agencies) - len(missing),
            missing=tuple(a.name for a in missing),
            extra=tuple(e.agency for e in self.extra),
            # known only when every file's checks are: a counted document (loose JSON, a
            # summary's member) may stand beside a return of its agency not counted
            to_fix=statuses.count("errors") if self.statuses_known else None,
            unreadable=statuses.count("unreadable") if self.statuses_known else None,
            agencies=tuple(AgencyLine(a.name, a.status, a.matched) for a in self.agencies),
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


def agency_in_file_name(keys: Iterable[AgencyKey], display: str) -> AgencyKey | None:
    """The roster agency a file's name contains (its last part, by :func:`agency_key`):
    the longest one, so 某县教育局 wins over 教育局; None when none or two equally long."""
    own = agency_key(PurePosixPath(display).stem)
    found = sorted((k for k in keys if k and k in own), key=len, reverse=True)
    if not found or (len(found) > 1 and len(found[1]) == len(found[0])):
        return None
    return found[0]


def match_roster(
    roster: Roster, roster_file: str, submissions: Iterable[Submission]
) -> RosterMatch:
    """Match ``submissions`` against ``roster`` by :func:`agency_key`; one naming no
    agency by the roster agency its file name contains."""
    listed, duplicates = _listed(roster)
    matched: dict[AgencyKey, dict[str, Received]] = {}
    extra: dict[AgencyKey, OffRoster] = {}
    suggested: dict[str, str] = {}
    unplaced: list[str] = []
    for sent in submissions:
        if not sent.agency.strip():
            key = agency_in_file_name(listed, sent.display)
            if key is None:
                if not sent.maybe:
                    unplaced.append(sent.display)
            else:
                matched.setdefault(key, {})[sent.display] = sent.status
                suggested[sent.display] = listed[key][1]
            continue
        own = agency_key(sent.agency)
        matched.setdefault(own, {})[sent.display] = sent.status
        for member in sent.members:
            matched.setdefault(agency_key(member.agency), {})[member.where] = "counted"
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
    entries = {agency_key(e.name): e for e in reversed(roster.entries)}  # first row wins
    agencies = tuple(
        Listed(
            row,
            name,
            tuple(got := matched.get(key, {})),
            tuple(got.values()),
            entries[key].contact,
            entries[key].phone,
            entries[key].email,
        )
        for key, (row, name) in listed.items()
    )
    return RosterMatch(
        roster_file,
        agencies,
        tuple(extra.values()),
        tuple(duplicates),
        tuple(suggested.items()),
        tuple(unplaced),
        roster.contact_columns,
        all(status != "counted" for a in agencies for status in a.received),
    )
