"""The third stage of a run: what is written, staged in OUT for the one commit.

Given the frozen entries of the checks and the batch, it makes the marked copies (in the
workers, from the very bytes that were checked), the 汇总 (``--summary``), the report's
data, report.html (with the totals of the clean returns, summed from the numbers each
worker sent with its return, never from the documents again) and, last, moves each passing
return's canonical bytes from the spool to their output names (the summary reads the spool
before). It returns
what the commit and the front door need as one frozen :class:`Artifacts`.
"""

from __future__ import annotations

import hashlib
import os
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import Any, TypeVar

from gongkai_xlsx.annotate import marks_from_findings
from gongkai_xlsx.canonical import Value
from gongkai_xlsx.catalogue import Code
from gongkai_xlsx.completeness import Submission, match_roster
from gongkai_xlsx.fsio import Records, write_atomic_chunks
from gongkai_xlsx.ingest.batch import (
    Entry,
    View,
    add_skipped,
    add_submission,
    addressee,
    arrivals_of,
)
from gongkai_xlsx.ingest.cache import MarkedCopies, marked_key
from gongkai_xlsx.ingest.checking import Checks, Spool, Spooled
from gongkai_xlsx.ingest.collect import Collected
from gongkai_xlsx.ingest.options import RunOptions
from gongkai_xlsx.ingest.page import page_chunks
from gongkai_xlsx.ingest.previous import previous_section
from gongkai_xlsx.ingest.report import BatchReport, Outputs, RunInfo, batch_report
from gongkai_xlsx.ingest.send_back import NOTE, send_back_rows
from gongkai_xlsx.ingest.summary import BatchSummary, summarise
from gongkai_xlsx.ingest.totals import clean_totals
from gongkai_xlsx.ingest.worker import Marked, MarkTask, not_marked
from gongkai_xlsx.naming import dedupe, safe_stem
from gongkai_xlsx.outputfolder import PAGE_NAME
from gongkai_xlsx.outputs import OutputDir
from gongkai_xlsx.outputs.manifest import Arrivals
from gongkai_xlsx.outputs.names import file_digest
from gongkai_xlsx.pool import WorkerPool
from gongkai_xlsx.previous import Previous
from gongkai_xlsx.roster import Roster
from gongkai_xlsx.text import file_name_text
from gongkai_xlsx.walk import PassedOver, Unreached
from gongkai_xlsx.writer.send_back import send_back_bytes, send_back_names

CODES = (Code.ANNOTATE_FAILED,)
MARKED = "annotated"  # the mount key of the marked copies' folder
_T = TypeVar("_T")


Passing = Sequence[tuple[Entry, Path]]  # each return with an output, and its spooled bytes


@dataclass(frozen=True)
class Walked:
    """What the walks of the input and of last year's folder could not reach (errors)
    or passed over (notes), the latter's under that folder's path."""

    unreached: tuple[Unreached, ...] = ()
    passed_over: tuple[PassedOver, ...] = ()


@dataclass(frozen=True)
class Artifacts:
    """What the third stage staged: the entries as reported (marked copies named, their
    failures added), the batch report (report.json's data), every output the commit puts in place beside it
    (sorted), the summary asked for, and what the walks could not reach."""

    entries: Sequence[Entry]  # on disk (:class:`~gongkai_xlsx.fsio.Records`) in a run
    report: BatchReport
    outputs: tuple[str, ...]
    summary: BatchSummary | None
    walked: Walked
    # the first arrivals OUT keeps after the commit (found in the stage's pass over the
    # entries); None: the previous ones
    arrivals: Arrivals | None = None


def walk_answers(found: Collected, previous: Previous | None) -> Walked:
    """What the walks of the input and of last year's folder could not reach or passed
    over, the latter shown under that folder's path."""
    unreached, passed_over = list(found.unreached), list(found.passed_over)
    if previous is not None:
        where = "/".join(file_name_text(p) for p in previous.path.as_posix().split("/"))
        where = where.rstrip("/") + "/"
        unreached += [replace(u, display=where + u.display) for u in previous.unreached]
        passed_over += [PassedOver(where + p.display, p.reason) for p in previous.passed_over]
    return Walked(tuple(unreached), tuple(passed_over))


def _to_mark(entry: Entry, annotate_all: bool) -> bool:
    """A readable current return to send back: with errors, or (``annotate_all``) any
    finding. A superseded version goes back no more."""
    o = entry.outcome
    wanted = entry.failed or (annotate_all and o.findings)
    return bool(o.readable and o.sha256 and entry.superseded_by is None and wanted)


def marked_names(entries: Iterable[Entry], roster: Roster | None = None) -> list[str]:
    """Each marked copy's name, named for sending: ``<单位>_退回修改_<到达日期>.xlsx``
    (the agency it names, else the roster agency its file name contains; the date the
    version first arrived, so a re-run gives the same name), ``_2``… where
    two would be alike."""
    names = []
    for entry in entries:
        o = entry.outcome
        agency = addressee(entry, roster) or o.agency or PurePosixPath(entry.display).stem
        day = (entry.arrived or "")[:10].replace("-", "")
        suffix = PurePosixPath(entry.display).suffix.lower() or ".xlsx"
        names.append(f"{safe_stem(agency)}_退回修改_{day}{suffix}")
    return dedupe(names)


def marked_copies(
    pool: WorkerPool[Any, Any],
    found: Collected,
    entries: Sequence[Entry],
    annotate_all: bool,
    outdir: OutputDir,
    roster: Roster | None = None,
    copies: MarkedCopies | None = None,
) -> Sequence[Entry]:
    """Stage a marked copy of each readable return to send back, made in the workers from
    the bytes that were checked (all findings, the batch's own included): ``entries``
    with each copy's name, or the finding saying why there is none (new entries, on
    disk). With ``copies`` (the last run's, :class:`~gongkai_xlsx.ingest.cache.MarkedCopies`),
    a copy OUT already holds, made from the same bytes, marks and program, is staged as
    it is instead of being made again."""
    chosen = [index for index, entry in enumerate(entries) if _to_mark(entry, annotate_all)]
    names = dict(zip(chosen, marked_names((entries[i] for i in chosen), roster), strict=True))

    def key(index: int) -> str:
        outcome = entries[index].outcome
        marks = marks_from_findings(outcome.findings)
        return marked_key(outcome.sha256 or "", outcome.form_id or "", marks)

    def task(index: int) -> MarkTask:
        outcome = entries[index].outcome
        return MarkTask(
            os.fspath(found.items[index].path),
            outcome.sha256 or "",
            outcome.form_id or "",
            tuple(marks_from_findings(outcome.findings)),
            outcome.well_formed,
        )

    changed: dict[int, Entry] = {}
    to_make = []
    for index in chosen:
        if copies is not None and _kept_copy(copies, key(index), outdir, names[index]):
            changed[index] = replace(entries[index], annotated=names[index])
        else:
            to_make.append(index)
    tasks = (task(index) for index in to_make)
    for k, result in pool.run(tasks):
        index = to_make[k]
        entry = entries[index]
        problem = not_marked(result)
        if problem is None and isinstance(result, Marked) and result.data is not None:
            name = names[index]
            outdir.stage(f"@{MARKED}/{name}", result.data)
            changed[index] = replace(entry, annotated=name)
            if copies is not None:
                digest = hashlib.sha256(result.data).hexdigest()
                copies.keep(key(index), len(result.data), digest, made=True)
        elif problem is not None:
            changed[index] = replace(entry, outcome=entry.outcome.adding([problem]))
    if not changed:
        return entries
    return Records(values=(changed.get(i, entry) for i, entry in enumerate(entries)))


def _kept_copy(copies: MarkedCopies, key: str, outdir: OutputDir, name: str) -> bool:
    """Stage the marked copy OUT holds at ``name`` as it is, when the last run made it
    for ``key`` and it still has those bytes (a copy the user changed is made again)."""
    recorded = copies.get(key)
    if recorded is None:
        return False
    output = f"@{MARKED}/{name}"
    path = outdir.places.out(output)
    if file_digest(path) != recorded:
        return False
    outdir.stage_file(output, path)
    copies.keep(key, *recorded, made=False)
    return True


def _summary(
    outdir: OutputDir, name: str | None, passing: Passing, entries: Sequence[Entry]
) -> BatchSummary | None:
    """The 汇总 asked for (``name``; None: none), staged when it is written."""
    if name is None:
        return None
    summarised, written = summarise(name, passing, entries, outdir.scratch())
    if written is not None and summarised.file_name is not None:  # written a member at a time
        outdir.stage_file(summarised.file_name, written, move=True)
    return summarised


def _send_back_list(outdir: OutputDir, entries: Sequence[Entry], options: RunOptions) -> list[str]:
    """Stage the 退回清单 beside the marked copies (none when nothing goes back): the
    output's name, in a list to add to the outputs."""
    rows = send_back_rows(entries, options.roster)
    if not rows:
        return []
    taken = {e.annotated for e in entries if e.annotated}
    name = next(n for n in send_back_names() if n not in taken)
    outdir.stage(f"@{MARKED}/{name}", send_back_bytes(rows, NOTE))
    return [f"@{MARKED}/{name}"]


def _relative_to(folder: Path, out: Path) -> str:
    """``folder`` as report.json records it: relative to OUT where it can be."""
    try:
        return Path(os.path.relpath(os.path.abspath(folder), os.path.abspath(out))).as_posix()
    except ValueError:  # another drive on Windows
        return os.path.abspath(folder)


def _report_data(
    checks: Checks,
    skipped: Sequence[str],
    outputs: Sequence[str],
    info: RunInfo,
    options: RunOptions,
    out: Path,
    walked: Walked,
    received: Records[Submission],
) -> BatchReport:
    """The batch report, built once: the entries, the outputs, the roster's and last
    year's; ``received``: the :func:`~gongkai_xlsx.ingest.batch.submissions` of the
    entries and ``skipped``."""
    entries = checks.entries
    recorded = {MARKED: _relative_to(options.annotate, out)} if options.annotate else None
    matched = (
        match_roster(options.roster, options.roster_file, received)
        if options.roster is not None
        else None
    )
    current = (  # read back a return at a time
        c for c, e in zip(checks.compared, entries, strict=False) if c is not None and e.current
    )
    compared = previous_section(options.previous, current) if options.previous is not None else None
    return batch_report(
        entries,
        run=info,
        outputs=Outputs.of(outputs, recorded),
        skipped=skipped,
        unreached=walked.unreached,
        passed_over=walked.passed_over,
        roster=matched,
        previous=compared,
        received=received,
    )


class _CleanAt:
    """A clean return as :func:`~gongkai_xlsx.ingest.totals.clean_totals` reads it, each
    half read from disk only when asked: the totals look at every return's entry once and
    at the numbers of those summed once, not at both twice (10,000 returns)."""

    __slots__ = ("_entries", "_index", "_spooled")

    def __init__(self, entries: Sequence[Entry], spooled: Sequence[Spooled], index: int) -> None:
        self._entries, self._spooled, self._index = entries, spooled, index

    @property
    def entry(self) -> Entry:
        return self._entries[self._index]

    @property
    def numbers(self) -> tuple[Value, ...]:
        return self._spooled[self._index].numbers


def artifacts(
    outdir: OutputDir,
    spool: Spool,
    found: Collected,
    checks: Checks,
    info: RunInfo,
    options: RunOptions,
    out: Path,
) -> Artifacts:
    """Stage every output but report.json (whose batch report comes back, for the commit) in
    ``outdir``; ``checks``: the entries after the batch stage and the marked copies."""
    entries = checks.entries
    indexes = array("L")
    made: list[str] = []  # the outputs' names, each one string shared by every list of them
    marked: list[str] = []
    received: Records[Submission] = Records()  # the entries' submissions (see submissions)

    def each(i: int, e: Entry) -> None:
        add_submission(received, e)
        if e.output:
            indexes.append(i)
            made.append(e.output)
        if e.annotated:
            marked.append(f"@{MARKED}/{e.annotated}")

    arrivals = arrivals_of(entries, outdir.arrivals, each)  # one pass: these, and the above
    add_skipped(received, found.skipped)

    def passing_at(k: int) -> tuple[Entry, Path]:
        return entries[indexes[k]], spool.path(indexes[k])

    passing = View(len(indexes), passing_at)
    summarised = _summary(outdir, options.summary, passing, entries)
    written = [summarised.file_name] if summarised and summarised.file_name else []
    if options.annotate is not None:
        written += _send_back_list(outdir, entries, options)
    outputs = tuple(sorted([*made, *marked, PAGE_NAME, *written]))
    walked = walk_answers(found, options.previous)
    data = _report_data(checks, found.skipped, outputs, info, options, out, walked, received)
    spooled = checks.spooled

    def clean_at(k: int) -> _CleanAt:
        return _CleanAt(entries, spooled, indexes[k])

    totals = clean_totals(View(len(indexes), clean_at))
    page = outdir.scratch() / PAGE_NAME  # written a row at a time
    write_atomic_chunks(page, (text.encode("utf-8") for text in page_chunks(data, totals)))
    outdir.stage_file(PAGE_NAME, page, move=True)
    for index, name in zip(indexes, made, strict=True):  # last: the summary reads it
        bytes_of = spooled[index]
        outdir.stage_file(name, spool.file(index), True, (bytes_of.size, bytes_of.sha256))
    return Artifacts(entries, data, outputs, summarised, walked, arrivals)
