"""The message helpers every command's printing shares: a finding's line, the status
words, and names listed up to a limit.

Findings and the roster's statuses are loaded where a line is made: every command
imports this module, and ``--help`` and ``new`` print neither (tests/test_startup.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from gongkai_xlsx.terminal import visible
from gongkai_xlsx.text import LIST_LIMIT, listed

if TYPE_CHECKING:
    from gongkai_xlsx.completeness import Completeness
    from gongkai_xlsx.findings import Finding


MAX_LISTED_AGENCIES = 30
MAX_LISTED_HINTS = 30  # a batch with more hints says where to find them instead


def status_text() -> Mapping[str, str]:
    """The status words (正常, 有警告, ...), from the catalogue when a line is made:
    ``new`` and ``--help`` print none and do not load the catalogue."""
    from gongkai_xlsx.catalogue import STATUS_LABELS

    return STATUS_LABELS


def finding_line(f: Finding) -> str:
    return f"  {f.severity.chinese} [{f.code.code}] {f.message}"


class _WithFindings(Protocol):
    """A checked return's outcome (``check``), or a row of the batch report (``ingest``)."""

    @property
    def findings(self) -> Sequence[Finding]: ...


def finding_lines(checked: _WithFindings, warnings: bool = True) -> list[str]:
    """One line a finding; a hint repeated on more than five cells of the return is one
    line naming the cells as ranges (report.json keeps every cell)."""
    from gongkai_xlsx.findings import FindingGroup, group_repeated

    shown = [f for f in checked.findings if warnings or f.is_error]
    return [
        f"  {item.severity.chinese} [{item.code_name}] {item.message}"
        if isinstance(item, FindingGroup)
        else finding_line(item)
        for item in group_repeated(shown)
    ]


def shown_names(
    names: Iterable[str], measure: str, limit: int = LIST_LIMIT, sep: str = "、"
) -> str:
    """Names, escaped for the terminal, listed by :func:`gongkai_xlsx.text.listed`
    (``measure``: the word the sentence counts them in, 份 or 个单位)."""
    return listed((visible(n) for n in names), measure, limit, sep)


def file_names(paths: Iterable[Path], measure: str, limit: int = 3) -> str:
    """The paths' file names, listed as :func:`shown_names` lists names."""
    return shown_names((p.name for p in paths), measure, limit)


def completeness_lines(c: Completeness, where: str = "") -> list[str]:
    """The roster's counts and each status with its agencies, as ``ingest`` and
    ``aggregate`` print them (``where``: what the statuses come from, when not all is
    known)."""
    from gongkai_xlsx.completeness import AGENCY_STATUS_LABELS

    lines = [f"名单 {visible(c.roster)}：{c.lines[0]}。"]
    for status, agencies in c.by_status():
        lines.append(
            f"  {AGENCY_STATUS_LABELS[status]} {len(agencies)} 个："
            f"{shown_names(agencies, '个单位')}"
        )
    if c.extra:
        lines.append(f"  不在名单中（另计）{len(c.extra)} 个：{shown_names(c.extra, '个单位')}")
    if where:
        lines.append(f"  {where}")
    return lines
