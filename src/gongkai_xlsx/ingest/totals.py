"""The totals of a batch's clean returns (no errors), for report.html: the 汇总 the page
shows in the official layout.

The summing is the aggregator's (:func:`gongkai_xlsx.document_members.sum_numbers`: exact,
blank in every return stays blank; totals recomputed from the definition); what is decided
here is only which returns are summed. Each (format, year) is summed on its own (a batch
may mix years: the sums of two formats mean nothing). An agency with two copies of one
file (the same SHA-256) is counted once; an agency with two different clean returns is
left out until the coordinator decides which one counts, and the page says so.

Memory stays flat in the number of returns, and the documents are not read again: each
return's input cells came with it from its worker (as its canonical bytes give them back)
and wait on disk; they are read back one return at a time, and only the running sums are
kept.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from gongkai_xlsx.agency import agency_key
from gongkai_xlsx.canonical import Value, nested
from gongkai_xlsx.definition.evaluate import with_totals
from gongkai_xlsx.definition.load import load_form
from gongkai_xlsx.definition.model import Form
from gongkai_xlsx.document_members import sum_numbers
from gongkai_xlsx.ingest.batch import NO_HASH, Entry, repeated_hashes


class CleanReturn(Protocol):
    """What the totals read of a clean return: its entry, its input cells."""

    @property
    def entry(self) -> Entry: ...

    @property
    def numbers(self) -> tuple[Value, ...]: ...


@dataclass(frozen=True)
class Clean:
    """One clean return as the totals need it: its entry and its input cells in the form's
    order (:func:`gongkai_xlsx.document_members.return_numbers`)."""

    entry: Entry
    numbers: tuple[Value, ...]


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


def _member_key(clean: CleanReturn) -> tuple[str, str, int] | None:
    """Whose return ``clean`` is, by format, agency and year (None: nothing to sum)."""
    o = clean.entry.outcome
    if o.form_id is None or o.year is None or not o.agency:
        return None  # a clean return always has them; nothing to sum otherwise
    return (o.form_id, agency_key(o.agency), o.year)


def clean_totals(returns: Sequence[CleanReturn]) -> Totals:
    """Sum ``returns`` (passing returns, in the batch's order) by format and year.

    ``returns`` may be read from disk (a run's): they are read again when summed, and
    only their places are kept meanwhile (never a document: each return's numbers); only returns whose member another shares (by
    a hash: a collision only adds a return to look at) are grouped by their keys."""
    totals = Totals(given=len(returns))
    hashes = array("q")
    forms: dict[tuple[str, int], int] = {}  # each (format, year), and a number for it
    kinds = array("L")
    for clean in returns:
        key = _member_key(clean)
        hashes.append(hash(key) if key is not None else NO_HASH)
        kinds.append(forms.setdefault((key[0], key[2]), len(forms)) if key is not None else 0)
    repeated = repeated_hashes(hashes)
    by_member: dict[tuple[str, str, int], list[int]] = {}
    chosen = array("L")  # in the batch's order
    for index, h in enumerate(hashes):
        if h == NO_HASH:
            continue
        if h not in repeated:
            chosen.append(index)
            continue
        key = _member_key(returns[index])
        assert key is not None
        group = by_member.setdefault(key, [])
        group.append(index)
    for (_form_id, _key, year), group in by_member.items():
        if len(group) > 1:
            shared = [returns[i].entry for i in group]  # each read once
            agency = Agency(shared[0].outcome.agency or "", year, tuple(e.display for e in shared))
            if len({e.outcome.sha256 for e in shared}) > 1:
                totals.left_out.append(agency)
                continue
            totals.counted_once.append(agency)
        chosen.append(group[0])
    order = sorted(chosen)
    for (form_id, year), kind in sorted(forms.items(), key=lambda g: (g[0][1], g[0][0])):
        members = [i for i in order if kinds[i] == kind]
        if not members:
            continue  # every return of it left out
        form = load_form(form_id)
        cells = with_totals(form, sum_numbers(form, (returns[i].numbers for i in members)))
        document = {"tables": nested(cells)}
        totals.groups.append(Group(form, year, len(members), document))
    return totals
