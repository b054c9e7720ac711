"""What a run of ``ingest`` is asked to do, resolved: the one value every stage of
:mod:`gongkai_xlsx.ingest.run` reads its settings from."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from gongkai_xlsx.pool import Limits
from gongkai_xlsx.previous import Previous
from gongkai_xlsx.roster import Roster


@dataclass(frozen=True)
class RunOptions:
    """What a run does beyond checking each file, already resolved by the front door
    (:func:`gongkai_xlsx.api.ingest`): the roster read, last year's documents found.
    ``annotate``: the folder for marked copies of the returns to send back (those with
    errors; with ``annotate_all`` also those with only warnings), one commit with OUT.
    ``summary``: the name of the 汇总 of the error-free returns to write beside report.json
    (:mod:`gongkai_xlsx.ingest.summary`); None for none."""

    year: int | None = None
    jobs: int = 1
    limits: Limits | None = None
    annotate: Path | None = None
    annotate_all: bool = False
    previous: Previous | None = None
    roster: Roster | None = None
    roster_file: str = "名单"
    summary: str | None = None

    @property
    def bounds(self) -> Limits:
        """The per-file bounds: those given, else the defaults."""
        return self.limits or Limits()
