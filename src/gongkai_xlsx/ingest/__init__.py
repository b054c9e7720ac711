"""Ingest a batch of returns, the coordinator's main job.

    collect (which files) → worker (each file read and checked in a bounded child
    process) → batch (what only the whole batch shows; output names) → report
    (report.json) → run (the pipeline: the pool, the output folder committed whole)

:func:`gongkai_xlsx.api.ingest` is the front door; the CLI calls only that.
"""
