"""Canonical documents as the aggregator and the previous year read them: found in files
and folders, read by :mod:`gongkai_xlsx.documents` (the one reader: exact numbers, unique
keys, the schema), then checked against their own arithmetic (a document edited by hand
must not be summed as if it were ours).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gongkai_xlsx.canonical import Document as Canonical
from gongkai_xlsx.canonical import members_digest
from gongkai_xlsx.catalogue import Code
from gongkai_xlsx.definition.evaluate import with_totals
from gongkai_xlsx.definition.model import Form
from gongkai_xlsx.document_members import (
    RETURN,
    SUMMARY,
    Member,
    exact,
    return_member,
    sum_inputs,
    summary_members,
)
from gongkai_xlsx.documents import DocumentError, check_document, parse_json, read_bytes
from gongkai_xlsx.findings import Finding
from gongkai_xlsx.outputfolder import PAGE_NAME, is_output_folder
from gongkai_xlsx.walk import Unreached, real_path, walk

JSON_SUFFIX = ".json"


@dataclass(frozen=True)
class Skipped:
    """A file found in a folder and not read, and why (shown as one note)."""

    display: str
    reason: str


@dataclass(frozen=True)
class Document:
    """A canonical document that passed every check, as the aggregator counts it: where it
    was found and its members."""

    display: str
    form: Form
    data: Canonical
    members: tuple[Member, ...]  # a return: itself; a summary: the members it lists

    @property
    def kind(self) -> str:
        return self.data.kind

    @property
    def agency(self) -> str:
        return self.data.agency

    @property
    def year(self) -> int:
        return self.data.year


@dataclass
class JsonFiles:
    """What a walk over an aggregate's (or ``--previous``'s) input gives."""

    found: list[tuple[Path, str]]  # the JSON files, each with the name shown for it
    skipped: list[Skipped]  # files that are not documents: not JSON, ours, an ingest page
    passed_over: list[Skipped]  # entries the walk skips by design (hidden, system, lock)
    unreached: list[Unreached]  # entries the walk could not enter or read: errors


def find_files(paths: Iterable[Path], exclude: Path | None = None) -> JsonFiles:
    """The JSON files under ``paths`` (recursively, sorted) and every other entry with its
    answer; ``exclude`` is the summary being written, never read as an input."""
    excluded = real_path(exclude) if exclude else None
    walked = walk(paths)
    files = JsonFiles(
        [], [], [Skipped(p.display, p.reason) for p in walked.passed_over], walked.unreached
    )
    for file in walked.found:
        path, display = file.path, file.display
        if real_path(path) == excluded:
            files.skipped.append(Skipped(display, "本次汇总的输出文件"))
        elif path.name == PAGE_NAME and is_output_folder(path.parent):
            files.skipped.append(Skipped(display, "ingest 的结果页面"))
        elif path.suffix.lower() != JSON_SUFFIX:
            files.skipped.append(Skipped(display, "不是 JSON 文件"))
        else:
            files.found.append((path, display))
    files.found.sort(key=lambda f: f[1])
    return files


def read_json(path: Path, display: str) -> tuple[Any, Finding | None]:
    """The parsed file (numbers exact), or the error saying why it cannot be read: a file
    that is not JSON may be an agency's truncated return, and a total silently missing an
    agency must not be written; a repeated key or a lone surrogate is a document edited."""
    try:
        return parse_json(read_bytes(path)), None
    except DocumentError as exc:
        code = Code.AGGREGATE_INVALID if exc.kind == "invalid" else Code.AGGREGATE_UNREADABLE
        return None, Finding(code, actual=display, detail=exc.reason)


def _arithmetic_problem(form: Form, data: Canonical, members: list[Member]) -> str | None:
    """Why a valid-looking document is not what this tool writes, or None: totals that are
    not the sum of their parts, a summary whose numbers are not its members' sums."""
    if data.kind == RETURN:
        inputs = {c.id: data.values[c.id] for c in form.input_cells()}
        expected, why = with_totals(form, inputs), "与各项之和不一致"
    else:
        for number, member in enumerate(members, start=1):
            if member.year != data.year:
                return f"第 {number} 个成员的年度为 {member.year}，与汇总年度 {data.year} 不一致"
        if members_digest(members) != data.source.sha256:
            return "成员列表与“source/sha256”不符"
        expected, why = with_totals(form, sum_inputs(form, members)), "与成员明细之和不一致"
    for cell in form.cells:
        if data.values[cell.id] != expected[cell.id]:
            return f"“{cell.label}”为 {data.values[cell.id]}，{why}（应为 {expected[cell.id]}）"
    return None


def parse_document(
    display: str, data: Any, listed: bool = False
) -> tuple[Document | None, Finding | None]:
    """``data`` as a checked :class:`Document`; or a warning (not one of our documents)
    or an error (one of ours, but broken or edited; or any file an ingest report lists as
    one of its outputs, ``listed``: a coordinator's total would miss that agency)."""
    try:
        document = data if isinstance(data, Canonical) else check_document(exact(data))
    except DocumentError as exc:
        code = Code.AGGREGATE_NOT_DOCUMENT
        if exc.kind == "invalid" or listed:
            code = Code.AGGREGATE_INVALID
        return None, Finding(code, actual=display, detail=exc.reason)
    form = document.form
    if document.kind == SUMMARY:
        members = summary_members(document, display)
    else:
        members = [return_member(form, document, display)]
    problem = _arithmetic_problem(form, document, members)
    if problem:
        return None, Finding(Code.AGGREGATE_INVALID, actual=display, detail=problem)
    return Document(display, form, document, tuple(members)), None
