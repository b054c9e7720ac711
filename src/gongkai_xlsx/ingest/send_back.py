"""The 退回清单's rows: each agency whose return goes back, with whom to call.

Whom to call comes from the return itself (its cover's 联系人 and 联系电话: the clerk who
filled it in), else from the roster's contact columns; the e-mail only the roster gives.
A return's own pair is taken whole, never mixed with the roster's (a name with another
person's phone would send the call astray). An agency with more than one return to send
back is one row naming them all.
"""

from __future__ import annotations

from collections.abc import Sequence

from gongkai_xlsx.agency import AgencyKey, agency_key
from gongkai_xlsx.catalogue import STATUS_LABELS
from gongkai_xlsx.completeness import NO_AGENCY
from gongkai_xlsx.ingest.batch import Entry, addressee
from gongkai_xlsx.roster import Entry as RosterEntry
from gongkai_xlsx.roster import Roster
from gongkai_xlsx.writer.send_back import SendBackRow

FROM_RETURN, FROM_ROSTER = "报表", "名单"
NOTE = (
    "以下单位的报表需要退回修改：请把“发回的标注副本”中的文件发给该单位，"
    "请其按副本第一页“校验结果”逐项修改后重新报送。"
)


def send_back_rows(entries: Sequence[Entry], roster: Roster | None) -> list[SendBackRow]:
    """One row per agency whose return goes back (it has errors, could not be read, or
    was marked with ``--all``), under the agency it names, else the roster agency its file
    name contains: roster order first, then the others in the order of ``entries``. A
    return that names no agency that way is a row of its own."""
    groups: dict[tuple[AgencyKey | None, str], list[Entry]] = {}
    for entry in entries:
        if entry.failed or entry.annotated:
            agency = addressee(entry, roster) or entry.outcome.agency
            key: tuple[AgencyKey | None, str] = (
                (agency_key(agency), "") if agency else (None, entry.display)
            )
            groups.setdefault(key, []).append(entry)
    listed = roster.entries if roster else []
    order = {agency_key(e.name): i for i, e in enumerate(listed)}
    keys = sorted(groups, key=lambda k: order.get(k[0], len(order)) if k[0] else len(order))
    rows = []
    for key in keys:
        on_roster = roster.entry_for(key[0]) if roster and key[0] else None
        rows.append(_row(groups[key], on_roster))
    return rows


def _row(entries: list[Entry], on_roster: RosterEntry | None) -> SendBackRow:
    first = entries[0].outcome
    own = next(
        (
            (e.outcome.contact, e.outcome.phone)
            for e in entries
            if e.outcome.contact or e.outcome.phone
        ),
        None,
    )
    if own is not None:
        (contact, phone), source = own, FROM_RETURN
    elif on_roster is not None and (on_roster.contact or on_roster.phone):
        contact, phone, source = on_roster.contact, on_roster.phone, FROM_ROSTER
    else:
        contact = phone = source = None
    email = on_roster.email if on_roster else None
    if source is None and email:
        source = FROM_ROSTER
    statuses = [e.outcome.status for e in entries]
    status = next((s for s in ("errors", "unreadable") if s in statuses), statuses[0])
    return SendBackRow(
        agency=(on_roster.name if on_roster else first.agency) or NO_AGENCY,
        status=STATUS_LABELS[status],
        errors=sum(len(e.outcome.errors) for e in entries),
        files=tuple(e.display for e in entries),
        marked=tuple(e.annotated for e in entries if e.annotated),
        contact=contact,
        phone=phone,
        email=email,
        source=source,
    )
