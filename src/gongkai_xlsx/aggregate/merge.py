"""One member per (agency, year): the same return found twice is counted once, two
different returns of one member are a conflict."""

from __future__ import annotations

from collections.abc import Iterable

from gongkai_xlsx.catalogue import Code
from gongkai_xlsx.document_members import Member
from gongkai_xlsx.findings import Finding
from gongkai_xlsx.text import listed


def merge(members: Iterable[Member]) -> tuple[list[Member], list[Finding]]:
    """One member per (agency, year), sorted by key: the same file twice (also under
    another name) is a warning and counted once, as the first one found; two different
    files of one member, or one file read with different numbers, are errors."""
    groups: dict[tuple[str, int], list[Member]] = {}
    for member in members:
        groups.setdefault(member.key, []).append(member)
    kept: list[Member] = []
    findings: list[Finding] = []
    for group in groups.values():
        first = group[0]
        kept.append(first)
        if len(group) == 1:
            continue
        places = listed((m.where for m in group), "份", limit=len(group))
        if len({m.sha256 for m in group}) > 1:
            findings.append(Finding(Code.AGGREGATE_CONFLICT, actual=first.agency, detail=places))
        elif any(m.numbers != first.numbers for m in group):
            findings.append(
                Finding(
                    Code.AGGREGATE_SAME_FILE_DIFFERS,
                    actual=first.agency,
                    expected=first.source_file,
                    detail=places,
                )
            )
        else:
            findings.append(
                Finding(
                    Code.AGGREGATE_SAME_FILE,
                    actual=first.agency,
                    expected=first.source_file,
                    detail=places,
                )
            )
    kept.sort(key=lambda m: (*m.key, m.sha256))
    return kept, findings
