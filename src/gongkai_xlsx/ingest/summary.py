"""``ingest --summary``: the 汇总 of the batch's error-free returns, written beside
report.json in the same output commit.

It is exactly what ``aggregate OUT -o OUT/<name>_<year>_汇总.json --name <name>`` gives
from the same outputs (the canonical bytes spooled by the run are read as the aggregator
reads files, with the aggregator's own rules: :func:`~gongkai_xlsx.aggregate.merge`,
:func:`~gongkai_xlsx.aggregate.summary.one_per_summary`, ...), with one more refusal:
while any agency has two different returns in the batch, failed ones included, no
summary is written, because which one counts is the coordinator's decision, not the
tool's.

The parent's memory stays flat in the number of returns: each document is read, its
members' canonical bytes go to a file in the run's scratch and their numbers into the
running sums (:class:`~gongkai_xlsx.document_members.Sums`), and only each member's
place, a hash of its identity and its agency key (its place in the members' order) are
kept. The summary's JSON is then written a member at a time from that file
(:func:`~gongkai_xlsx.canonical.summary_chunks`): the very bytes the aggregator writes.
"""

from __future__ import annotations

import os
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from gongkai_xlsx.agency import agency_key
from gongkai_xlsx.aggregate import default_file_name, merge
from gongkai_xlsx.aggregate.summary import (
    mixed_finding,
    one_per_summary,
    out_of_range,
    summary_document,
)
from gongkai_xlsx.canonical import Meta, member_bytes, summary_chunks
from gongkai_xlsx.definition.evaluate import with_totals
from gongkai_xlsx.definition.model import Form
from gongkai_xlsx.document_files import Document, parse_document
from gongkai_xlsx.document_members import SUMMARY, Member, Sums
from gongkai_xlsx.documents import parse_json
from gongkai_xlsx.findings import Finding
from gongkai_xlsx.fsio import NewFile, write_atomic_chunks
from gongkai_xlsx.ingest.batch import Entry, duplicate_groups
from gongkai_xlsx.naming import dedupe
from gongkai_xlsx.text import squash_spaces

MEMBERS = "summary-members"  # the scratch file of the members' bytes
WRITTEN = "summary.json"  # the scratch file the summary is written to, then staged


@dataclass(frozen=True)
class Conflict:
    """One agency (as its first return writes it) with different returns in one year."""

    agency: str
    year: int | None
    files: tuple[str, ...]


@dataclass(frozen=True)
class BatchSummary:
    """What ``--summary`` did: the agencies that stopped it (before summing), else what
    the aggregator says of the sum (``findings``, errors first), how many documents were
    read and members counted, and ``file_name``, the summary written (None: none)."""

    name: str
    conflicts: tuple[Conflict, ...] = ()
    findings: tuple[Finding, ...] = ()
    documents: int = 0
    members: int = 0
    year: int | None = None
    file_name: str | None = None

    @property
    def written(self) -> bool:
        return self.file_name is not None

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.is_error]


def conflicts(entries: Sequence[Entry]) -> tuple[Conflict, ...]:
    """The agencies of :func:`duplicate_groups` (the ``agency-duplicate`` hint's own) whose
    returns differ (different SHA-256): the same file twice is one member, summed once."""
    return tuple(
        Conflict(d.agency, d.year, tuple(e.display for e in d.entries))
        for d in duplicate_groups(entries)
        if len({e.outcome.sha256 for e in d.entries}) > 1
    )


def unique_name(wanted: str, taken: Iterable[str]) -> str:
    """``wanted``, or ``wanted`` with ``_2``, ``_3``… as :func:`gongkai_xlsx.naming.dedupe`
    makes it beside the (unique) names ``taken``; only the names that may collide are
    kept (those beginning with its stem, case-insensitively)."""
    stem = wanted.rpartition(".")[0] or wanted
    start = stem.casefold()
    return dedupe([*(t for t in taken if t.casefold().startswith(start)), wanted])[-1]


@dataclass
class _Counted:
    """The documents read so far, kept small: per document the place of its return and
    its (format, year); per member its place in the spool, its document, a hash of its
    identity and its agency key (the members' order); the summaries' documents without
    their members (a few); the running sums of each first-seen member."""

    spool: NewFile
    findings: list[Finding] = field(default_factory=list)
    doc_at: array[int] = field(default_factory=lambda: array("L"))
    doc_kind: array[int] = field(default_factory=lambda: array("L"))
    kinds: dict[tuple[str, int], int] = field(default_factory=dict)
    forms: dict[str, Form] = field(default_factory=dict)
    summaries: dict[int, Document] = field(default_factory=dict)  # document → it, no members
    hashes: array[int] = field(default_factory=lambda: array("q"))
    member_doc: array[int] = field(default_factory=lambda: array("L"))
    offsets: array[int] = field(default_factory=lambda: array("Q"))
    keys: list[bytes] = field(default_factory=list)
    seen: set[int] = field(default_factory=set)
    repeated: set[int] = field(default_factory=set)
    summed: array[int] = field(default_factory=lambda: array("L"))
    sums: Sums = field(default_factory=Sums)
    end: int = 0
    dropped: int = 0  # summaries read twice: counted as one document

    def add(self, at: int, document: Document) -> None:
        number = len(self.doc_at)
        self.doc_at.append(at)
        self.forms[document.form.id] = document.form
        kind = (document.form.id, document.year)
        self.doc_kind.append(self.kinds.setdefault(kind, len(self.kinds)))
        if document.kind == SUMMARY:
            light = replace(document.data, members=())
            self.summaries[number] = Document(document.display, document.form, light, ())
        for member in document.members:
            data = member_bytes(member)
            self.spool.write(data)
            self.offsets.append(self.end)
            self.end += len(data)
            key = agency_key(member.agency)
            h = hash((key, member.year))
            index = len(self.hashes)
            self.hashes.append(h)
            self.member_doc.append(number)
            # one year in every member of a summary: the agency key alone orders them
            self.keys.append(key.encode("utf-8"))
            if h in self.seen:
                self.repeated.add(h)
            else:
                self.seen.add(h)
                self.summed.append(index)
                self.sums.add(member)


class _Members:
    """The spooled members, read back one at a time."""

    def __init__(self, path: Path, counted: _Counted, passing: Sequence[tuple[Entry, Path]]):
        self.fh = open(path, "rb")  # noqa: SIM115 - closed by close()
        self.counted = counted
        self.passing = passing

    def raw(self, index: int) -> bytes:
        offsets = self.counted.offsets
        start = offsets[index]
        end = offsets[index + 1] if index + 1 < len(offsets) else self.counted.end
        self.fh.seek(start)
        return self.fh.read(end - start)

    def member(self, index: int) -> Member:
        """The member as the aggregator reads it: where it was found included."""
        data = parse_json(self.raw(index))
        number = self.counted.member_doc[index]
        display = self.passing[self.counted.doc_at[number]][0].display
        return Member.from_json(data, origin=display, via_summary=number in self.counted.summaries)

    def close(self) -> None:
        self.fh.close()


def summarise(
    name: str,
    passing: Sequence[tuple[Entry, Path]],
    entries: Sequence[Entry],
    scratch: Path,
) -> tuple[BatchSummary, Path | None]:
    """Sum the passing returns (each entry with its spooled canonical JSON); ``entries``
    is the whole batch, for the refusal. ``name`` is the summary's 填报单位. The summary
    is written into ``scratch`` (the run's own), its path returned to be staged."""
    name = squash_spaces(name)
    if not name:
        raise ValueError("汇总名称不能为空")
    refused = conflicts(entries)
    if refused:
        return BatchSummary(name=name, conflicts=refused), None
    years = {entry.outcome.year for entry, _path in passing}
    file_name = None
    if len(years) == 1:  # else the aggregator refuses the mix, naming the files
        taken = (entry.output for entry, _path in passing if entry.output)
        file_name = unique_name(default_file_name(name, years.pop()), taken)
    spooled = scratch / MEMBERS
    counted = _Counted(NewFile(spooled))
    try:
        for at, (entry, path) in enumerate(passing):  # one document at a time
            document, finding = parse_document(entry.display, parse_json(path.read_bytes()))
            if finding:
                counted.findings.append(finding)
            if document:
                counted.add(at, document)
    finally:
        counted.spool.finish()
    members = _Members(spooled, counted, passing)
    try:
        return _finish(name, file_name, counted, members, passing, scratch)
    finally:
        members.close()
        os.unlink(spooled)


def _done(name: str, counted: _Counted, members: int = 0, year: int | None = None) -> BatchSummary:
    findings = sorted(counted.findings, key=lambda f: not f.is_error)  # errors first
    documents = len(counted.doc_at) - counted.dropped
    return BatchSummary(name, (), tuple(findings), documents, members, year)


def _finish(
    name: str,
    file_name: str | None,
    counted: _Counted,
    members: _Members,
    passing: Sequence[tuple[Entry, Path]],
    scratch: Path,
) -> tuple[BatchSummary, Path | None]:
    """What the aggregator does once every document is read, in its order: one format and
    year, one file per summary, one member per agency, the sums in range, the schema."""
    if len(counted.kinds) > 1:
        kinds = {number: kind for kind, number in counted.kinds.items()}
        mixed = mixed_finding(
            (counted.forms[kinds[k][0]], kinds[k][1], passing[at][0].display)
            for at, k in zip(counted.doc_at, counted.doc_kind, strict=True)
        )
        assert mixed is not None
        counted.findings.append(mixed)
        return _done(name, counted), None
    if not counted.doc_at:
        return _done(name, counted), None
    ((form_id, year),) = counted.kinds
    form = counted.forms[form_id]
    file_name = file_name or default_file_name(name, year)
    kept_summaries, repeated_findings = one_per_summary(list(counted.summaries.values()))
    counted.findings += repeated_findings
    live = _live_members(counted, {id(d) for d in kept_summaries})
    kept, merged = _merged(counted, members, live)
    counted.findings += merged
    if counted.summed != kept:  # a member summed that is not counted: sum them again
        counted.sums = Sums()
        for index in kept:
            counted.sums.add(members.member(index))
    inputs = counted.sums.inputs(form)
    counted.findings += out_of_range(form, inputs)
    if any(f.is_error for f in counted.findings):
        return _done(name, counted, len(kept), year), None
    keys = counted.keys
    order = sorted(kept, key=keys.__getitem__)
    del kept
    first = [members.member(order[0])] if order else []
    meta = Meta(year, name, None, None, file_name, "")
    built, problem = summary_document(form, meta, with_totals(form, inputs), first)
    if problem is not None:
        counted.findings.append(problem)
    if built is None:
        return _done(name, counted, len(order), year), None
    path = scratch / WRITTEN
    write_atomic_chunks(path, summary_chunks(built, (members.raw(i) for i in order)))
    done = _done(name, counted, len(order), year)
    return replace(done, file_name=file_name), path


def _live_members(counted: _Counted, kept_summaries: set[int]) -> array[int]:
    """The members of the documents counted (a summary read twice is read once), and
    :attr:`_Counted.repeated` made theirs."""
    dropped = {n for n, d in counted.summaries.items() if id(d) not in kept_summaries}
    counted.dropped = len(dropped)
    if not dropped:
        return array("L", range(len(counted.hashes)))
    live = array("L")
    counted.repeated = set()
    seen: set[int] = set()
    for index, h in enumerate(counted.hashes):
        if counted.member_doc[index] in dropped:
            continue
        if h in seen:
            counted.repeated.add(h)
        seen.add(h)
        live.append(index)
    return live


def _merged(
    counted: _Counted, members: _Members, live: array[int]
) -> tuple[array[int], list[Finding]]:
    """The members counted (in the order read) and what :func:`merge` says of those that
    share an identity: only members whose hash another shares are read back and merged
    (a collision only adds a member to look at)."""
    repeated = counted.repeated
    if not repeated:
        return live, []
    kept = array("L")
    shared: list[int] = []
    for index in live:
        if counted.hashes[index] in repeated:
            shared.append(index)
        else:
            kept.append(index)
    read = [(index, members.member(index)) for index in shared]
    by_id = {id(m): index for index, m in read}
    firsts, findings = merge(m for _index, m in read)
    return array("L", sorted([*kept, *(by_id[id(m)] for m in firsts)])), findings
