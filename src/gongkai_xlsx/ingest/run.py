"""The ingest pipeline, as stages over frozen values:

1. check every file in a bounded worker process (:mod:`gongkai_xlsx.ingest.checking`),
   unless OUT's result cache has its bytes checked already (:mod:`gongkai_xlsx.ingest.cache`);
2. what only the whole batch shows, and the outputs' names (:mod:`gongkai_xlsx.ingest.batch`);
3. the artifacts: marked copies, the 汇总, report.html, the canonical JSON
   (:mod:`gongkai_xlsx.ingest.artifacts`);
4. one short commit (:mod:`gongkai_xlsx.ingest.commit`).

OUT is locked first, before any work, and for the whole run (a second run into it is
refused), and written through :class:`gongkai_xlsx.outputs.OutputDir`, so report.json
always describes exactly the outputs beside it. The parent's memory grows little with
the number of returns: a return's canonical bytes go to a spool folder as soon as they
arrive, and its entry (outcome, findings, names) to a file of records on disk
(:class:`gongkai_xlsx.fsio.Records`), read back by each stage in the batch's order;
what only the whole batch shows (versions, duplicates, output names, the totals) is
found by an 8-byte hash of each return first, and only returns that share one are
grouped. report.json, report.html, the manifest, the journal and the cache are written a
piece at a time from the records, never held whole. What stays in memory per return is
its file's path and name, its output's name, size and digest (the manifest's) and its
first arrival: a few hundred bytes.
"""

from __future__ import annotations

import datetime as _dt
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from gongkai_xlsx.errors import EXIT_FINDINGS, EXIT_OK
from gongkai_xlsx.ingest.artifacts import MARKED, artifacts, marked_copies
from gongkai_xlsx.ingest.batch import Entry, batch
from gongkai_xlsx.ingest.cache import CACHE, MARKED_CACHE, MarkedCopies, ResultCache
from gongkai_xlsx.ingest.checking import Progress, Spool, check_all
from gongkai_xlsx.ingest.collect import Collected, collect
from gongkai_xlsx.ingest.commit import commit
from gongkai_xlsx.ingest.options import RunOptions
from gongkai_xlsx.ingest.report import BatchReport, RunInfo
from gongkai_xlsx.ingest.summary import BatchSummary
from gongkai_xlsx.ingest.worker import Checked, work
from gongkai_xlsx.outputfolder import REPORT_NAME
from gongkai_xlsx.outputs import OutputDir
from gongkai_xlsx.pool import WorkerPool
from gongkai_xlsx.walk import PassedOver, Unreached


@dataclass
class Ingested:
    """What a run did: every return's entry, the report written, what it removed."""

    entries: Sequence[Entry]  # on disk (:class:`~gongkai_xlsx.fsio.Records`): read when asked
    skipped: list[str]
    report: BatchReport
    removed: list[str] = field(default_factory=list)
    summary: BatchSummary | None = None  # asked for with ``summary=`` (ingest --summary)
    # entries of the input (and of ``previous``) the walk could not reach: each an error
    unreached: list[Unreached] = field(default_factory=list)
    passed_over: list[PassedOver] = field(default_factory=list)  # skipped with a note
    reused: int = 0  # files not read again: their results came from OUT's result cache
    marked_made: int = 0  # marked copies made this run
    marked_reused: int = 0  # marked copies OUT held already (same return, marks, program)

    @property
    def failed(self) -> bool:
        """An error in a current return, versions of one return the coordinator must
        choose between, or part of the input not read (the run is not whole)."""
        return bool(self.unreached) or any(e.failed or e.undecided for e in self.entries)

    @property
    def exit_code(self) -> int:
        """1 when the run is not whole (see :attr:`failed`) or the summary asked for was
        not written, else 0."""
        unwritten = self.summary is not None and not self.summary.written
        return EXIT_FINDINGS if self.failed or unwritten else EXIT_OK


def arrival_now() -> str:
    """This run's time, as the arrivals it records say it: now, or ``SOURCE_DATE_EPOCH``
    when set (the reproducible-builds convention: the committed samples are made so)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    if epoch.isdigit():
        when = _dt.datetime.fromtimestamp(int(epoch), _dt.UTC)
    else:
        when = _dt.datetime.now().astimezone()
    return when.isoformat(timespec="microseconds")


NOTHING_MORE = RunOptions()  # check and commit, nothing else


def run(
    paths: Iterable[Path],
    out: Path,
    options: RunOptions = NOTHING_MORE,
    *,
    progress: Progress | None = None,
    collected: Collected | None = None,
) -> Ingested:
    """Check every file under ``paths`` and commit the outputs into ``out`` (see
    :class:`RunOptions`)."""
    paths = [Path(p) for p in paths]
    limits = options.bounds
    info = RunInfo.now(paths, options.year, options.jobs, limits.seconds, limits.memory_mb)
    found = collected or collect(paths, out)
    mounts: dict[str, str | os.PathLike[str]] | None = None
    if options.annotate is not None:
        mounts = {MARKED: options.annotate}
    with OutputDir(out, report=REPORT_NAME, mounts=mounts) as outdir:  # the lock, first
        spool = Spool(outdir.scratch())
        cache = ResultCache(out, Checked)
        jobs = max(1, min(options.jobs, len(found.items)))
        with WorkerPool(  # none when all are cached
            work, jobs, limits, lazy=True, time_for=lambda task: limits.seconds_for(task.path)
        ) as pool:
            checks = check_all(pool, found, options, spool, progress, cache)
            now = arrival_now()
            decided = batch(checks.entries, options.year, outdir.arrivals, now, options.roster)
            checks = replace(checks, entries=decided)
            copies = MarkedCopies(out)
            if mounts is not None:
                copies.open()
                marked = marked_copies(
                    pool,
                    found,
                    checks.entries,
                    options.annotate_all,
                    outdir,
                    options.roster,
                    copies,
                )
                checks = replace(checks, entries=marked)
        made = artifacts(outdir, spool, found, checks, info, options, out)
        kept = cache.write()
        if kept is not None:
            outdir.keep_after_commit(CACHE, kept)
        records = copies.write(outdir.scratch())
        if records is not None:
            outdir.keep_after_commit(MARKED_CACHE, records)
        result = commit(outdir, made, made.arrivals)
    walked = made.walked
    return Ingested(
        made.entries,
        found.skipped,
        made.report,
        list(result.removed),
        made.summary,
        list(walked.unreached),
        list(walked.passed_over),
        cache.reused,
        copies.made,
        copies.reused,
    )
