"""Ingest a batch of returns, the coordinator's main job, as stages over frozen values.

    collect (which files) → run (the pipeline: OUT locked first) →
    1. checking, worker (each file read and checked in a bounded child process)
    2. batch (what only the whole batch shows; output names)
    3. artifacts (marked copies, the 汇总, report.json's data, report.html, the JSON)
    4. commit (the output folder committed whole)

:func:`gongkai_xlsx.api.ingest` is the front door; the CLI calls only that.
"""
