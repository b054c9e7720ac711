"""The library's front door: what the CLI (and any other program) calls.

One function per command, each taking a frozen options object and returning a result
object with its ``exit_code``: :func:`new`, :func:`schema`, :func:`check`,
:func:`annotate`, :func:`ingest`, :func:`aggregate`, :func:`render`. Files are written
only where the command's purpose is to write them, and always atomically. Errors a person
can cause or must act on are :class:`~gongkai_xlsx.errors.GongkaiError` (most of them
:class:`UsageError`) with a Chinese message and the exit code they mean. The building
blocks the commands are made of (:func:`new_template`, :func:`check_file`…) are here too,
for programs and tests. Each command lives in its own module of this package.
"""

from __future__ import annotations

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
from gongkai_xlsx.api._annotate import AnnotateOptions, AnnotateResult, annotate, annotate_return
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
