"""The ingest pipeline: collect, check every file in a bounded worker process, add the
batch's own findings, and commit the outputs into OUT as one whole.

Memory stays flat in the number of returns: a return's canonical bytes go to a spool
folder as soon as they arrive, and only the report's rows are kept. OUT is locked for the
whole run (a second run into it is refused) and written through
:class:`gongkai_xlsx.outputs.OutputDir`, so report.json always describes exactly the
outputs beside it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gongkai_xlsx.catalogue import Code
from gongkai_xlsx.checks.run import Outcome
from gongkai_xlsx.findings import Finding
from gongkai_xlsx.fsio import write_atomic
from gongkai_xlsx.ingest.batch import Entry, add_batch_findings, name_outputs
from gongkai_xlsx.ingest.collect import REPORT_NAME, Collected, Item, collect
from gongkai_xlsx.ingest.report import RunInfo, report, report_bytes
from gongkai_xlsx.ingest.summary import BatchSummary, summarise
from gongkai_xlsx.ingest.worker import Checked, Task, check_task
from gongkai_xlsx.outputs import OutputDir
from gongkai_xlsx.pool import Failure, Limits, WorkerPool
from gongkai_xlsx.reader.model import Source
from gongkai_xlsx.text import file_name_text

_LIMIT_TEXT = {
    "time": "超过时间上限（{seconds:g} 秒）",
    "memory": "超过内存上限（{memory} MB）",
    "crash": "读取程序异常退出",
}


class InterruptedAfterCommit(KeyboardInterrupt):
    """Ctrl-C came while the outputs were being committed: they are complete, the run's."""


@dataclass
class Ingested:
    """What a run did: every return's entry, the report written, what it removed."""

    entries: list[Entry]
    skipped: list[str]
    report: dict[str, Any]
    removed: list[str] = field(default_factory=list)
    summary: BatchSummary | None = None  # asked for with ``summary=`` (ingest --summary)

    @property
    def failed(self) -> bool:
        return any(e.failed for e in self.entries)


def failed_check(item: Item, failure: Failure, limits: Limits) -> Checked:
    """A file whose reading exceeded a bound or killed its worker: a finding for it alone."""
    detail = _LIMIT_TEXT[failure.kind].format(
        seconds=limits.seconds, memory=limits.memory_mb or "∞"
    )
    source = Source(file_name_text(item.path.name), None, 0)
    finding = Finding(Code.FILE_LIMIT, detail=detail)
    return Checked(Outcome(source=source, path=item.path, findings=[finding]))


def run(
    paths: Iterable[Path],
    out: Path,
    *,
    year: int | None = None,
    jobs: int = 1,
    limits: Limits | None = None,
    progress: Callable[[Entry], None] | None = None,
    collected: Collected | None = None,
    summary: str | None = None,
) -> Ingested:
    """``summary``: the name of the 汇总 of the error-free returns to write beside
    report.json (:mod:`gongkai_xlsx.ingest.summary`); None for none."""
    limits = limits or Limits()
    paths = [Path(p) for p in paths]
    info = RunInfo.now(paths, year, jobs, limits.seconds, limits.memory_mb)
    found = collected or collect(paths, out)
    with OutputDir(out, manifest=REPORT_NAME) as outdir:
        spool = outdir.scratch()
        entries: list[Entry | None] = [None] * len(found.items)
        tasks = (Task(os.fspath(item.path), year) for item in found.items)
        with WorkerPool(check_task, max(1, min(jobs, len(found.items))), limits) as pool:
            for index, result in pool.run(tasks):
                item = found.items[index]
                checked = (
                    result if isinstance(result, Checked) else failed_check(item, result, limits)
                )
                entry = Entry(item.display, checked.outcome, checked.canonical is not None)
                if checked.canonical is not None:
                    write_atomic(spool / f"{index}.json", checked.canonical)
                entries[index] = entry
                if progress is not None:
                    progress(entry)
        done = [e for e in entries if e is not None]
        add_batch_findings(done, year)
        name_outputs(done)
        for index, entry in enumerate(entries):
            if entry is not None and entry.output:
                outdir.stage_file(entry.output, spool / f"{index}.json")
        outputs = sorted(e.output for e in done if e.output)
        summarised = None
        if summary is not None:
            passing = [(e, spool / f"{i}.json") for i, e in enumerate(entries) if e and e.output]
            summarised = summarise(summary, passing, done)
            if summarised.written and summarised.summary is not None:
                outdir.stage(summarised.summary.file_name, summarised.summary.to_bytes())
                outputs = sorted([*outputs, summarised.summary.file_name])
        data = report(done, found.skipped, outputs, info)
        try:
            result = outdir.commit(report_bytes(data), outputs)
        except KeyboardInterrupt:  # held back during the commit, raised after its end
            if outdir.committed:
                raise InterruptedAfterCommit() from None
            raise
    return Ingested(done, found.skipped, data, list(result.removed), summarised)
