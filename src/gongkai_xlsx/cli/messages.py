"""The message helpers every command's printing shares: a finding's line, the status
words, and names listed up to a limit."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from gongkai_xlsx.catalogue import STATUS_LABELS
from gongkai_xlsx.findings import Finding
from gongkai_xlsx.terminal import visible

STATUS_TEXT = STATUS_LABELS
MAX_LISTED_AGENCIES = 30
MAX_LISTED_HINTS = 30  # a batch with more hints says where to find them instead


def finding_line(f: Finding) -> str:
    return f"  {f.severity.chinese} [{f.code.code}] {f.message}"


class _WithFindings(Protocol):
    """A checked return's outcome (``check``), or a row of the batch report (``ingest``)."""

    @property
    def findings(self) -> Sequence[Finding]: ...


def finding_lines(checked: _WithFindings, warnings: bool = True) -> list[str]:
    return [finding_line(f) for f in checked.findings if warnings or f.is_error]


def shown_names(names: list[str], limit: int = 5) -> str:
    """Names (escaped for the terminal) up to ``limit``, then how many there are."""
    shown = "、".join(visible(n) for n in names[:limit])
    return shown + (f" 等 {len(names)} 份" if len(names) > limit else "")


def shown(items: list[str], limit: int = 5) -> str:
    return "、".join(items[:limit]) + ("等" if len(items) > limit else "")


def file_names(paths: list[Path], limit: int = 3) -> str:
    listed = "、".join(p.name for p in paths[:limit])
    return listed + (f"等 {len(paths)} 个文件" if len(paths) > limit else "")
