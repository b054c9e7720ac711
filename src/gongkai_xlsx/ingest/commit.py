"""The last stage of a run: one short commit of everything staged, report.json last
(:meth:`gongkai_xlsx.outputs.OutputDir.commit`)."""

from __future__ import annotations

from collections.abc import Mapping

from gongkai_xlsx.fsio import write_atomic_chunks
from gongkai_xlsx.ingest.artifacts import Artifacts
from gongkai_xlsx.outputs import CommitResult, OutputDir


class InterruptedAfterCommit(KeyboardInterrupt):
    """Ctrl-C came while the outputs were being committed: they are complete, the run's."""


def commit(
    outdir: OutputDir, made: Artifacts, arrivals: Mapping[str, str] | None = None
) -> CommitResult:
    """Put the staged outputs of ``made`` in place with its report; Ctrl-C during the
    commit is held back to its end, then raised (as :class:`InterruptedAfterCommit` once
    the new outputs are the folder's). ``arrivals``: the input files' first arrivals the
    folder keeps (None: the previous)."""
    try:
        report = outdir.scratch() / "report.json"  # written a row at a time
        write_atomic_chunks(report, made.report.json_chunks())
        return outdir.commit(report, made.outputs, arrivals)
    except KeyboardInterrupt:
        if outdir.committed:
            raise InterruptedAfterCommit() from None
        raise
