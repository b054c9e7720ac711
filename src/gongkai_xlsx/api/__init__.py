"""The library's front door: what the CLI (and any other program) calls.

One function per command, each taking a frozen options object and returning a result
object with its ``exit_code``: :func:`new`, :func:`schema`, :func:`check`,
:func:`annotate`, :func:`ingest`, :func:`aggregate`, :func:`render`. Files are written
only where the command's purpose is to write them, and always atomically. Errors a person
can cause or must act on are :class:`~gongkai_xlsx.errors.GongkaiError` (most of them
:class:`UsageError`) with a Chinese message and the exit code they mean. The building
blocks the commands are made of (:func:`new_template`, :func:`check_file`…) are here too,
for programs and tests. Each command lives in its own module of this package.

The commands load lazily (PEP 562): ``import gongkai_xlsx.api`` costs nothing, and a name
imports only the module it lives in, so ``new`` never loads the reader, the schema
validator or python-docx (tests/test_startup.py).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from gongkai_xlsx.loading import modules_loading

if TYPE_CHECKING:
    from gongkai_xlsx.aggregate import Summary, aggregate_paths, write_summary
    from gongkai_xlsx.api._aggregate import (
        AggregateOptions,
        AggregateResult,
        aggregate,
        incomplete_warning,
        is_summary_file,
        known_from,
        save_summary,
    )
    from gongkai_xlsx.api._annotate import (
        AnnotateOptions,
        AnnotateResult,
        annotate,
        annotate_return,
    )
    from gongkai_xlsx.api._check import CheckOptions, CheckResult, check, check_bounded, check_file
    from gongkai_xlsx.api._common import (
        DEFAULT_MEMORY_LIMIT,
        DEFAULT_TIME_LIMIT,
        Advance,
        Progress,
        default_jobs,
        limits,
        no_progress,
    )
    from gongkai_xlsx.api._ingest import (
        IngestOptions,
        collect_returns,
        default_summary_name,
        ingest,
        removed_outputs,
    )
    from gongkai_xlsx.api._new import (
        Made,
        NewOptions,
        NewResult,
        RosterPlan,
        RosterResult,
        new,
        new_from_roster,
        new_template,
        plan_roster,
        write_roster,
    )
    from gongkai_xlsx.api._render import RenderOptions, RenderResult, render
    from gongkai_xlsx.api._schema import SchemaOptions, SchemaResult, schema, schema_for_year
    from gongkai_xlsx.checks.run import Outcome
    from gongkai_xlsx.errors import GongkaiError, Interrupted, UsageError
    from gongkai_xlsx.findings import Finding
    from gongkai_xlsx.ingest.batch import Entry
    from gongkai_xlsx.ingest.report import BatchReport, ReturnRow, YearComparison
    from gongkai_xlsx.ingest.run import Ingested

# Where each name lives: loaded on first use.
_WHERE: dict[str, str] = {
    "Summary": "gongkai_xlsx.aggregate",
    "aggregate_paths": "gongkai_xlsx.aggregate",
    "write_summary": "gongkai_xlsx.aggregate",
    "AggregateOptions": "gongkai_xlsx.api._aggregate",
    "AggregateResult": "gongkai_xlsx.api._aggregate",
    "aggregate": "gongkai_xlsx.api._aggregate",
    "incomplete_warning": "gongkai_xlsx.api._aggregate",
    "is_summary_file": "gongkai_xlsx.api._aggregate",
    "known_from": "gongkai_xlsx.api._aggregate",
    "save_summary": "gongkai_xlsx.api._aggregate",
    "AnnotateOptions": "gongkai_xlsx.api._annotate",
    "AnnotateResult": "gongkai_xlsx.api._annotate",
    "annotate": "gongkai_xlsx.api._annotate",
    "annotate_return": "gongkai_xlsx.api._annotate",
    "CheckOptions": "gongkai_xlsx.api._check",
    "CheckResult": "gongkai_xlsx.api._check",
    "check": "gongkai_xlsx.api._check",
    "check_bounded": "gongkai_xlsx.api._check",
    "check_file": "gongkai_xlsx.api._check",
    "DEFAULT_MEMORY_LIMIT": "gongkai_xlsx.api._common",
    "DEFAULT_TIME_LIMIT": "gongkai_xlsx.api._common",
    "Advance": "gongkai_xlsx.api._common",
    "Progress": "gongkai_xlsx.api._common",
    "default_jobs": "gongkai_xlsx.api._common",
    "limits": "gongkai_xlsx.api._common",
    "no_progress": "gongkai_xlsx.api._common",
    "IngestOptions": "gongkai_xlsx.api._ingest",
    "collect_returns": "gongkai_xlsx.api._ingest",
    "default_summary_name": "gongkai_xlsx.api._ingest",
    "ingest": "gongkai_xlsx.api._ingest",
    "removed_outputs": "gongkai_xlsx.api._ingest",
    "Made": "gongkai_xlsx.api._new",
    "NewOptions": "gongkai_xlsx.api._new",
    "NewResult": "gongkai_xlsx.api._new",
    "RosterPlan": "gongkai_xlsx.api._new",
    "RosterResult": "gongkai_xlsx.api._new",
    "new": "gongkai_xlsx.api._new",
    "new_from_roster": "gongkai_xlsx.api._new",
    "new_template": "gongkai_xlsx.api._new",
    "plan_roster": "gongkai_xlsx.api._new",
    "write_roster": "gongkai_xlsx.api._new",
    "RenderOptions": "gongkai_xlsx.api._render",
    "RenderResult": "gongkai_xlsx.api._render",
    "render": "gongkai_xlsx.api._render",
    "SchemaOptions": "gongkai_xlsx.api._schema",
    "SchemaResult": "gongkai_xlsx.api._schema",
    "schema": "gongkai_xlsx.api._schema",
    "schema_for_year": "gongkai_xlsx.api._schema",
    "Outcome": "gongkai_xlsx.checks.run",
    "GongkaiError": "gongkai_xlsx.errors",
    "Interrupted": "gongkai_xlsx.errors",
    "UsageError": "gongkai_xlsx.errors",
    "Finding": "gongkai_xlsx.findings",
    "Entry": "gongkai_xlsx.ingest.batch",
    "BatchReport": "gongkai_xlsx.ingest.report",
    "ReturnRow": "gongkai_xlsx.ingest.report",
    "YearComparison": "gongkai_xlsx.ingest.report",
    "Ingested": "gongkai_xlsx.ingest.run",
}


def __getattr__(name: str) -> Any:
    """Load ``name`` from its module on first use (and keep it here)."""
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    with modules_loading():  # a command's modules: no collection while they load
        value = getattr(importlib.import_module(where), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_WHERE])


__all__ = [
    "DEFAULT_MEMORY_LIMIT",
    "DEFAULT_TIME_LIMIT",
    "Advance",
    "AggregateOptions",
    "AggregateResult",
    "AnnotateOptions",
    "AnnotateResult",
    "BatchReport",
    "CheckOptions",
    "CheckResult",
    "Entry",
    "Finding",
    "GongkaiError",
    "IngestOptions",
    "Ingested",
    "Interrupted",
    "Made",
    "NewOptions",
    "NewResult",
    "Outcome",
    "Progress",
    "RenderOptions",
    "RenderResult",
    "ReturnRow",
    "RosterPlan",
    "RosterResult",
    "SchemaOptions",
    "SchemaResult",
    "Summary",
    "UsageError",
    "YearComparison",
    "aggregate",
    "aggregate_paths",
    "annotate",
    "annotate_return",
    "check",
    "check_bounded",
    "check_file",
    "collect_returns",
    "default_jobs",
    "default_summary_name",
    "incomplete_warning",
    "ingest",
    "is_summary_file",
    "known_from",
    "limits",
    "new",
    "new_from_roster",
    "new_template",
    "no_progress",
    "plan_roster",
    "removed_outputs",
    "render",
    "save_summary",
    "schema",
    "schema_for_year",
    "write_roster",
    "write_summary",
]
