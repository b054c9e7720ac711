"""``ingest --summary``: the 汇总 of the batch's error-free returns, written beside
report.json in the same output commit.

It is exactly what ``aggregate OUT -o OUT/<name>_<year>_汇总.json --name <name>`` gives
from the same outputs (the canonical bytes spooled by the run are summed as the aggregator
sums files), with one more refusal: while any agency has two different returns in the
batch, failed ones included, no summary is written, because which one counts is the
coordinator's decision, not the tool's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from gongkai_xlsx.aggregate import Summary, aggregate_documents, default_file_name
from gongkai_xlsx.documents import parse_json
from gongkai_xlsx.ingest.batch import Entry, duplicate_groups
from gongkai_xlsx.naming import dedupe


@dataclass(frozen=True)
class Conflict:
    """One agency (as its first return writes it) with different returns in one year."""

    agency: str
    year: int | None
    files: tuple[str, ...]


@dataclass(frozen=True)
class BatchSummary:
    """What ``--summary`` did: the summary (None when refused before summing), and the
    agencies that stopped it. Written only when :attr:`written`."""

    name: str
    summary: Summary | None = None
    conflicts: tuple[Conflict, ...] = ()

    @property
    def written(self) -> bool:
        return self.summary is not None and self.summary.ok

    @property
    def file_name(self) -> str | None:
        return self.summary.file_name if self.written and self.summary else None


def conflicts(entries: Sequence[Entry]) -> tuple[Conflict, ...]:
    """The agencies of :func:`duplicate_groups` (the ``agency-duplicate`` hint's own) whose
    returns differ (different SHA-256): the same file twice is one member, summed once."""
    return tuple(
        Conflict(d.agency, d.year, tuple(e.display for e in d.entries))
        for d in duplicate_groups(entries)
        if len({e.outcome.sha256 for e in d.entries}) > 1
    )


def summarise(
    name: str, passing: Sequence[tuple[Entry, Path]], entries: Sequence[Entry]
) -> BatchSummary:
    """Sum the passing returns (each entry with its spooled canonical JSON); ``entries``
    is the whole batch, for the refusal. ``name`` is the summary's 填报单位."""
    refused = conflicts(entries)
    if refused:
        return BatchSummary(name=name, conflicts=refused)
    years = {entry.outcome.year for entry, _path in passing}
    taken = [entry.output for entry, _path in passing if entry.output]
    file_name = None
    if len(years) == 1:  # else the aggregator refuses the mix, naming the files
        wanted = default_file_name(name, years.pop())
        file_name = dedupe([*taken, wanted])[-1]
    # parsed as the aggregator reads each: never every parsed document at once
    sources = ((entry.display, parse_json(path.read_bytes())) for entry, path in passing)
    return BatchSummary(name, aggregate_documents(sources, name, file_name=file_name))
