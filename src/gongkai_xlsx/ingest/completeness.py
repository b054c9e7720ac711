"""A batch against the coordinator's roster (``ingest --roster``): who has sent a return,
who has not, and who sent one without being on the roster.

The matching is the aggregator's (:func:`gongkai_xlsx.aggregate.check_roster`, by
:func:`gongkai_xlsx.agency.agency_key`), over every return that names its agency, whatever
its status: a return with errors was sent all the same, and the coordinator asks for its
correction rather than for a return. A file that could not be read, or whose cover names
no agency, names nobody and cannot be matched.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from gongkai_xlsx.aggregate import Completeness, Member, check_roster
from gongkai_xlsx.ingest.batch import Entry
from gongkai_xlsx.roster import Roster

RETURN = "return"


@dataclass(frozen=True)
class Sent:
    """A return of the batch as the roster check sees it (an agency, no numbers)."""

    agency: str
    display: str
    kind: str = RETURN
    members: Sequence[Member] = ()


def roster_completeness(roster: Roster, roster_file: str, entries: Iterable[Entry]) -> Completeness:
    """The roster's agencies with and without a return in ``entries``, and the extra ones."""
    sent = [
        Sent(e.outcome.agency, e.display)
        for e in entries
        if e.outcome.agency and not e.outcome.agency_from_file_name
    ]
    completeness, _findings = check_roster(roster, roster_file, sent)
    return completeness
