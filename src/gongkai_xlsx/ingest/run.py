"""The ingest pipeline: collect, check every file in a bounded worker process, add the
batch's own findings, and commit the outputs into OUT as one whole.

Memory stays flat in the number of returns: a return's canonical bytes go to a spool
folder as soon as they arrive, and only the report's rows are kept (the totals of the clean
returns that report.html shows are summed back from the spool, one document at a time).
OUT is locked for the whole run (a second run into it is refused) and written through
:class:`gongkai_xlsx.outputs.OutputDir`, so report.json always describes exactly the
outputs beside it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from gongkai_xlsx.annotate import marks_from_findings
from gongkai_xlsx.catalogue import Code
from gongkai_xlsx.checks.run import Outcome
from gongkai_xlsx.completeness import match_roster
from gongkai_xlsx.errors import EXIT_FINDINGS, EXIT_OK
from gongkai_xlsx.findings import Finding, sort_key
from gongkai_xlsx.fsio import write_atomic
from gongkai_xlsx.ingest.batch import Entry, add_batch_findings, name_outputs, submissions
from gongkai_xlsx.ingest.collect import REPORT_NAME, Collected, Item, collect
from gongkai_xlsx.ingest.page import PAGE_NAME, page_bytes
from gongkai_xlsx.ingest.previous import Comparison
from gongkai_xlsx.ingest.report import BatchReport, Outputs, RunInfo, batch_report
from gongkai_xlsx.ingest.summary import BatchSummary, summarise
from gongkai_xlsx.ingest.totals import Clean, clean_totals
from gongkai_xlsx.ingest.worker import Checked, Marked, MarkTask, Task, not_marked, work
from gongkai_xlsx.outputs import OutputDir
from gongkai_xlsx.pool import Failure, Limits, WorkerPool
from gongkai_xlsx.previous import Previous
from gongkai_xlsx.reader.model import Source
from gongkai_xlsx.roster import Roster
from gongkai_xlsx.text import file_name_text
from gongkai_xlsx.walk import PassedOver, Unreached

_LIMIT_TEXT = {
    "time": "超过时间上限（{seconds:g} 秒）",
    "memory": "超过内存上限（{memory} MB）",
}


class InterruptedAfterCommit(KeyboardInterrupt):
    """Ctrl-C came while the outputs were being committed: they are complete, the run's."""


@dataclass
class Ingested:
    """What a run did: every return's entry, the report written, what it removed."""

    entries: list[Entry]
    skipped: list[str]
    report: BatchReport
    removed: list[str] = field(default_factory=list)
    summary: BatchSummary | None = None  # asked for with ``summary=`` (ingest --summary)
    # entries of the input (and of ``previous``) the walk could not reach: each an error
    unreached: list[Unreached] = field(default_factory=list)
    passed_over: list[PassedOver] = field(default_factory=list)  # skipped with a note

    @property
    def failed(self) -> bool:
        """An error in a return, or part of the input not read (the run is not whole)."""
        return bool(self.unreached) or any(e.failed for e in self.entries)

    @property
    def exit_code(self) -> int:
        """1 when the run is not whole (see :attr:`failed`) or the summary asked for was
        not written, else 0."""
        unwritten = self.summary is not None and not self.summary.written
        return EXIT_FINDINGS if self.failed or unwritten else EXIT_OK


CODES = (Code.FILE_LIMIT, Code.WORKER_CRASH, Code.ANNOTATE_FAILED)
MARKED = "annotated"  # the mount key of the marked copies' folder


def _relative_to(folder: Path, out: Path) -> str:
    """``folder`` as report.json records it: relative to OUT where it can be."""
    try:
        return Path(os.path.relpath(os.path.abspath(folder), os.path.abspath(out))).as_posix()
    except ValueError:  # another drive on Windows
        return os.path.abspath(folder)


def _marked_copies(
    pool: WorkerPool[Any, Any],
    found: Collected,
    entries: list[Entry | None],
    annotate_all: bool,
    outdir: OutputDir,
) -> list[str]:
    """Stage a marked copy of each readable return to send back, made in the workers from
    the bytes that were checked (all findings, the batch's own included)."""
    chosen = [
        (index, entry)
        for index, entry in enumerate(entries)
        if entry is not None
        and entry.outcome.readable
        and entry.outcome.sha256
        and (entry.failed or (annotate_all and entry.outcome.findings))
    ]
    tasks = (
        MarkTask(
            os.fspath(found.items[index].path),
            entry.outcome.sha256 or "",
            entry.outcome.form_id or "",
            tuple(marks_from_findings(entry.outcome.findings)),
        )
        for index, entry in chosen
    )
    names = []
    for k, result in pool.run(tasks):
        index, entry = chosen[k]
        problem = not_marked(result)
        if problem is None and isinstance(result, Marked) and result.data is not None:
            name = found.items[index].relative
            outdir.stage(f"@{MARKED}/{name}", result.data)
            entry.annotated = name
            names.append(f"@{MARKED}/{name}")
        elif problem is not None:
            entry.outcome.findings.append(problem)
            entry.outcome.findings.sort(key=sort_key)
    return names


def failed_check(item: Item, failure: Failure, limits: Limits) -> Checked:
    """A file whose reading exceeded a bound or killed its worker: a finding for it alone.
    A crash (the worker died, or the program raised) is the program's fault, not the
    file's, and says so: the file may be perfectly good."""
    if failure.kind == "crash":
        finding = Finding(Code.WORKER_CRASH, detail=failure.detail)
    else:
        detail = _LIMIT_TEXT[failure.kind].format(
            seconds=limits.seconds, memory=limits.memory_mb or "∞"
        )
        finding = Finding(Code.FILE_LIMIT, detail=detail)
    source = Source(file_name_text(item.path.name), None, 0)
    return Checked(Outcome(source=source, path=item.path, findings=[finding]))


def _spooled(spool: Path, index: int) -> Path:
    """Where the canonical bytes of the batch's ``index``-th file wait for the commit."""
    return spool / f"{index}.json"


def walk_answers(
    found: Collected, previous: Previous | None
) -> tuple[list[Unreached], list[PassedOver]]:
    """What the walks of the input and of last year's folder could not reach or passed
    over, the latter shown under that folder's path."""
    unreached, passed_over = list(found.unreached), list(found.passed_over)
    if previous is not None:
        where = "/".join(file_name_text(p) for p in previous.path.as_posix().split("/"))
        where = where.rstrip("/") + "/"
        unreached += [replace(u, display=where + u.display) for u in previous.unreached]
        passed_over += [PassedOver(where + p.display, p.reason) for p in previous.passed_over]
    return unreached, passed_over


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


def run(
    paths: Iterable[Path],
    out: Path,
    options: RunOptions = RunOptions(),
    *,
    progress: Callable[[Entry], None] | None = None,
    collected: Collected | None = None,
) -> Ingested:
    """Check every file under ``paths`` and commit the outputs into ``out`` (see
    :class:`RunOptions`)."""
    year, jobs, annotate, annotate_all = (
        options.year,
        options.jobs,
        options.annotate,
        options.annotate_all,
    )
    previous, roster, roster_file, summary = (
        options.previous,
        options.roster,
        options.roster_file,
        options.summary,
    )
    limits = options.limits or Limits()
    paths = [Path(p) for p in paths]
    info = RunInfo.now(paths, year, jobs, limits.seconds, limits.memory_mb)
    found = collected or collect(paths, out)
    comparison = Comparison.of(previous) if previous is not None else None
    mounts = {MARKED: annotate} if annotate is not None else None
    with OutputDir(out, report=REPORT_NAME, mounts=mounts) as outdir:
        spool = outdir.scratch()
        entries: list[Entry | None] = [None] * len(found.items)
        tasks = (Task(os.fspath(item.path), year) for item in found.items)
        with WorkerPool(work, max(1, min(jobs, len(found.items))), limits) as pool:
            for index, result in pool.run(tasks):
                item = found.items[index]
                checked = (
                    result if isinstance(result, Checked) else failed_check(item, result, limits)
                )
                entry = Entry(item.display, checked.outcome, checked.canonical is not None)
                if checked.canonical is not None:
                    if comparison is not None:
                        comparison.compare(checked.outcome, checked.canonical, checked.places)
                    write_atomic(_spooled(spool, index), checked.canonical)
                entries[index] = entry
                if progress is not None:
                    progress(entry)
            done = [e for e in entries if e is not None]
            add_batch_findings(done, year)
            name_outputs(done)
            marked = _marked_copies(pool, found, entries, annotate_all, outdir) if mounts else []
        outputs = sorted([*(e.output for e in done if e.output), *marked, PAGE_NAME])
        # the returns with an output, each with its canonical bytes in the spool
        passing = [(e, _spooled(spool, i)) for i, e in enumerate(entries) if e and e.output]
        summarised = None
        if summary is not None:
            summarised = summarise(summary, passing, done)
            if summarised.written and summarised.summary is not None:
                outdir.stage(summarised.summary.file_name, summarised.summary.to_bytes())
                outputs = sorted([*outputs, summarised.summary.file_name])
        recorded = {MARKED: _relative_to(annotate, out)} if annotate is not None else None
        matched = (
            match_roster(roster, roster_file, submissions(done)) if roster is not None else None
        )
        unreached, passed_over = walk_answers(found, previous)
        data = batch_report(
            done,
            run=info,
            outputs=Outputs.of(outputs, recorded),
            skipped=found.skipped,
            unreached=unreached,
            passed_over=passed_over,
            roster=matched,
            previous=comparison.result() if comparison is not None else None,
        )
        clean = [Clean(entry, path) for entry, path in passing]
        outdir.stage(PAGE_NAME, page_bytes(data, clean_totals(clean)))
        for entry, path in passing:  # last: the summary and the totals read the spool
            assert entry.output is not None
            outdir.stage_file(entry.output, path, move=True)
        try:
            result = outdir.commit(data.to_json_bytes(), outputs)
        except KeyboardInterrupt:  # held back during the commit, raised after its end
            if outdir.committed:
                raise InterruptedAfterCommit() from None
            raise
    return Ingested(
        done, found.skipped, data, list(result.removed), summarised, unreached, passed_over
    )
