"""The totals of a batch's clean returns (no errors), for report.html: the 汇总 the page
shows in the official layout.

The summing is the aggregator's (:func:`gongkai_xlsx.aggregate.sum_inputs`: exact,
blank in every return stays blank; totals recomputed from the definition); what is decided
here is only which returns are summed. Each (format, year) is summed on its own (a batch
may mix years: the sums of two formats mean nothing). An agency with two copies of one
file (the same SHA-256) is counted once; an agency with two different clean returns is
left out until the coordinator decides which one counts, and the page says so.

Memory stays flat in the number of returns: the canonical documents are read back one at
a time from where the run spooled them, and only the running sums are kept.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gongkai_xlsx.agency import agency_key
from gongkai_xlsx.aggregate import Member, sum_inputs
from gongkai_xlsx.canonical import nested
from gongkai_xlsx.definition.evaluate import with_totals
from gongkai_xlsx.definition.load import load_form
from gongkai_xlsx.definition.model import Form
from gongkai_xlsx.document_members import return_member
from gongkai_xlsx.documents import read_own
from gongkai_xlsx.ingest.batch import Entry


@dataclass(frozen=True)
class Clean:
    """One clean return as the totals need it: its entry and where its canonical bytes are."""

    entry: Entry
    document: Path


@dataclass(frozen=True)
class Group:
    """The sums of the clean returns of one format and year: ``document`` holds ``tables``
    (every cell, totals included), what :func:`gongkai_xlsx.render.tables_html` draws."""

    form: Form
    year: int
    returns: int
    document: dict[str, Any]


@dataclass(frozen=True)
class Agency:
    """An agency whose clean returns were not simply summed, with their files."""

    agency: str
    year: int
    files: tuple[str, ...]


@dataclass
class Totals:
    given: int = 0  # clean returns given
    groups: list[Group] = field(default_factory=list)
    counted_once: list[Agency] = field(default_factory=list)  # one file given several times
    left_out: list[Agency] = field(default_factory=list)  # different returns of one agency

    @property
    def returns(self) -> int:
        return sum(g.returns for g in self.groups)


def _members(form: Form, chosen: Iterable[Clean]) -> Iterator[Member]:
    """Each chosen return's member, read from its spooled document when it is needed."""
    for clean in chosen:
        document = read_own(clean.document.read_bytes())
        yield return_member(form, document, clean.entry.display)


def clean_totals(returns: Iterable[Clean]) -> Totals:
    """Sum ``returns`` (passing returns, in the batch's order) by format and year."""
    totals = Totals()
    by_member: dict[tuple[str, str, int], list[Clean]] = {}
    for clean in returns:
        totals.given += 1
        o = clean.entry.outcome
        if o.form_id is None or o.year is None or not o.agency:
            continue  # a clean return always has them; nothing to sum otherwise
        by_member.setdefault((o.form_id, agency_key(o.agency), o.year), []).append(clean)
    chosen: dict[tuple[str, int], list[Clean]] = {}
    for (form_id, _key, year), group in by_member.items():
        first = group[0]
        if len(group) > 1:
            agency = Agency(
                first.entry.outcome.agency or "", year, tuple(c.entry.display for c in group)
            )
            if len({c.entry.outcome.sha256 for c in group}) > 1:
                totals.left_out.append(agency)
                continue
            totals.counted_once.append(agency)
        chosen.setdefault((form_id, year), []).append(first)
    for (form_id, year), members in sorted(chosen.items(), key=lambda g: (g[0][1], g[0][0])):
        form = load_form(form_id)
        cells = with_totals(form, sum_inputs(form, _members(form, members)))
        document = {"tables": nested(cells)}
        totals.groups.append(Group(form, year, len(members), document))
    return totals
