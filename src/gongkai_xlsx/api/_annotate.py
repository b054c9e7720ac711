"""``annotate``: the marked copy of one return, to send back to its agency."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from gongkai_xlsx import oserrors
from gongkai_xlsx.annotate import marks_from_findings
from gongkai_xlsx.api._check import checked_in
from gongkai_xlsx.api._common import form_for, limits
from gongkai_xlsx.checks.run import Outcome
from gongkai_xlsx.errors import EXIT_FINDINGS, EXIT_OK, UsageError
from gongkai_xlsx.findings import Finding
from gongkai_xlsx.fsio import write_atomic
from gongkai_xlsx.ingest.worker import Checked, Marked, MarkTask, not_marked, work
from gongkai_xlsx.pool import Limits, WorkerPool


@dataclass(frozen=True)
class AnnotateOptions:
    """The ``annotate`` command as asked: the return, where its copy goes (a file, or a
    folder for the same name inside it), the year it must be, the per-file bounds."""

    file: Path
    output: Path
    year: int | None = None
    force: bool = False
    time_limit: float | None = None
    memory_limit: int | None = None


@dataclass
class AnnotateResult:
    """What ``annotate_return`` did: the check's outcome, the findings it marked and the
    marked copy (None when the file could not be read, had nothing to mark, or could not
    be marked: then ``problem`` is the ``annotate-failed`` finding saying why)."""

    outcome: Outcome
    findings: list[Finding]
    written: Path | None
    problem: Finding | None = None

    @property
    def exit_code(self) -> int:
        """0 when the copy was written or nothing needed marking, 1 when the return could
        not be read or marked."""
        return EXIT_OK if self.outcome.readable and self.problem is None else EXIT_FINDINGS


def annotate(options: AnnotateOptions) -> AnnotateResult:
    """The ``annotate`` command: a folder or a missing file is a usage error."""
    file = Path(options.file)
    if file.is_dir():
        raise UsageError(f"{file}：这是文件夹，不是文件。")
    if not file.is_file():
        raise UsageError(f"{file}：文件不存在。")
    bounds = limits(options.time_limit, options.memory_limit)
    return annotate_return(file, options.output, options.year, options.force, bounds)


def annotate_return(
    source: Path,
    output: Path,
    expected_year: int | None = None,
    force: bool = False,
    bounds: Limits | None = None,
) -> AnnotateResult:
    """Check ``source`` and write its marked copy at ``output`` (an existing folder: the
    return's name, as .xlsx, inside it). Nothing is written for a file that could not be
    read or that has no findings. The return is checked before the output is looked at:
    a .xls or a photo is said to be one, not that its copy's name is wrong. Both steps
    run in a worker process within ``bounds``, as ``ingest --annotate`` runs them: marking
    reads every member of the zip, and a member that inflates far beyond what its header
    says must cost a finding, not the PC's memory."""
    source, output = Path(source), Path(output)
    if output.is_dir():
        output = output / f"{source.stem}.xlsx"
    if expected_year is not None:
        form_for(expected_year)
    bounds = bounds or limits()
    with WorkerPool(work, 1, bounds, time_for=lambda t: bounds.seconds_for(t.path)) as pool:
        outcome = checked_in(pool, source, expected_year, bounds)
        findings = list(outcome.findings)
        if not outcome.readable or not findings:
            return AnnotateResult(outcome, findings, None)
        _check_output(source, output, force)
        assert outcome.form_id is not None and outcome.sha256 is not None
        marks = tuple(marks_from_findings(findings))
        task = MarkTask(
            os.fspath(source), outcome.sha256, outcome.form_id, marks, outcome.well_formed
        )
        _, marked = next(pool.run([task]))
    assert not isinstance(marked, Checked)  # the answer to a MarkTask
    problem = not_marked(marked)
    if problem is not None or not isinstance(marked, Marked) or marked.data is None:
        return AnnotateResult(outcome, findings, None, problem)
    try:
        write_atomic(output, marked.data)
    except OSError as exc:
        raise UsageError(f"{output}：无法写入（{oserrors.reason(exc, oserrors.WRITE)}）。") from exc
    return AnnotateResult(outcome, findings, output)


def _check_output(source: Path, output: Path, force: bool) -> None:
    """The marked copy's path: an .xlsx (or an existing folder, handled before), never the
    return itself, not an existing file unless ``force``."""
    if output.suffix.lower() != ".xlsx":
        if not output.suffix:
            raise UsageError(
                f"{output}：没有这个文件夹。请给出已有的文件夹，或以 .xlsx 结尾的文件名。"
            )
        raise UsageError(f"{output}：标注副本是 Excel 工作簿，文件名应以 .xlsx 结尾。")
    if output.resolve() == source.resolve():
        raise UsageError(f"{output}：不能覆盖报回的原文件，请另给一个文件名或文件夹。")
    if output.exists() and not force:
        raise UsageError(f"{output}：文件已存在。如需覆盖，请加 --force。")
