"""The 汇总 itself: documents in, one summary document (and everything said about it) out.

The summary is a canonical document of the same format (``kind: "summary"``), valid
against the same schema, so it can be rendered like a return and aggregated again. Its
numbers are the exact sums of its members' input cells, totals recomputed from the
definition; its ``members`` list every counted return with its numbers; its ``source``
holds its file name and the SHA-256 of its members list.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import orjson

from gongkai_xlsx.agency import agency_key
from gongkai_xlsx.aggregate.merge import merge
from gongkai_xlsx.canonical import Document as Canonical
from gongkai_xlsx.canonical import Meta, dumps, first_error
from gongkai_xlsx.catalogue import Code
from gongkai_xlsx.completeness import (
    Completeness,
    Named,
    Received,
    RosterMatch,
    Submission,
    match_roster,
)
from gongkai_xlsx.definition.evaluate import Values, with_totals
from gongkai_xlsx.definition.model import Form
from gongkai_xlsx.document_files import (
    Document,
    Skipped,
    find_files,
    parse_document,
    read_json,
)
from gongkai_xlsx.document_members import SUMMARY, Member, sum_inputs
from gongkai_xlsx.documents import schema_problem
from gongkai_xlsx.findings import Finding, HasFindings
from gongkai_xlsx.naming import safe_stem
from gongkai_xlsx.outputfolder import is_report, listed_documents, report_received
from gongkai_xlsx.roster import Roster, read_roster
from gongkai_xlsx.text import listed, squash_spaces


@dataclass
class Summary(HasFindings):
    """Everything one aggregation produced.

    ``document`` is the summary (None when an error stops it); ``cells`` every cell of it
    (inputs summed, totals recomputed: what an xlsx summary fills in); ``members`` the
    counted members with their numbers (the rows of 汇总明细); ``documents`` the inputs
    that were read; ``skipped`` files passed over; ``findings`` errors and warnings.
    """

    name: str
    file_name: str
    form: Form | None = None
    year: int | None = None
    documents: list[Document] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    members: list[Member] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    roster_match: RosterMatch | None = None
    # what the roster's statuses are known from: the files ingest reports received (its
    # report.json), and the documents read that no report lists (loose JSON, summaries)
    reported: tuple[Submission, ...] = ()
    unreported: tuple[str, ...] = ()
    cells: Values | None = None
    document: Canonical | None = None

    @property
    def ok(self) -> bool:
        return self.document is not None

    @property
    def completeness(self) -> Completeness | None:
        """报送 N/M against the roster given (None without one)."""
        return self.roster_match.completeness if self.roster_match else None

    @property
    def inputs_completeness(self) -> list[tuple[Document, Completeness]]:
        """The inputs that are summaries made against a roster, with their own 报送 N/M."""
        return [
            (d, Completeness.from_json(d.data.to_json()["completeness"]))
            for d in self.documents
            if d.kind == SUMMARY and d.data.completeness
        ]

    def to_bytes(self) -> bytes:
        """The summary's canonical bytes (RFC 8785), as written to SUMMARY.json."""
        if self.document is None:
            raise ValueError("no summary: an error stopped it")
        return self.document.to_json_bytes()


def default_file_name(name: str, year: int | None) -> str:
    return f"{safe_stem(name)}_{year}_汇总.json" if year else f"{safe_stem(name)}_汇总.json"


def _mixed(documents: Sequence[Document]) -> Finding | None:
    return mixed_finding((d.form, d.year, d.display) for d in documents)


def mixed_finding(documents: Iterable[tuple[Form, int, str]]) -> Finding | None:
    """The error for documents (each its form, year and name shown) of more than one
    format or year, listing the files of each; None when they are of one."""
    groups: dict[tuple[str, int], list[str]] = {}
    forms: dict[str, Form] = {}
    for form, year, display in documents:
        groups.setdefault((form.id, year), []).append(display)
        forms[form.id] = form
    if len(groups) < 2:
        return None
    detail = "；".join(
        f"{year} 年度（{forms[fid].name}）{len(files)} 份：{listed(files, '份')}"
        for (fid, year), files in sorted(groups.items(), key=lambda g: (g[0][1], g[0][0]))
    )
    return Finding(Code.AGGREGATE_MIXED, detail=detail)


def one_per_summary(documents: list[Document]) -> tuple[list[Document], list[Finding]]:
    """One summary file given twice is one warning (not one per member) and read once;
    two different summaries under one name (an old one left beside the new one) are an
    error: their members cannot both be right."""
    groups: dict[tuple[str, int], list[Document]] = {}
    for doc in documents:
        if doc.kind == SUMMARY:
            groups.setdefault((agency_key(doc.agency), doc.year), []).append(doc)
    findings: list[Finding] = []
    dropped: set[int] = set()
    for group in groups.values():
        if len(group) < 2:
            continue
        first = group[0]
        places = listed((d.display for d in group), "份", limit=len(group))
        if len({d.data.source.sha256 for d in group}) > 1:
            findings.append(Finding(Code.AGGREGATE_CONFLICT, actual=first.agency, detail=places))
        else:
            findings.append(
                Finding(
                    Code.AGGREGATE_SAME_FILE,
                    actual=first.agency,
                    expected=first.data.source.file,
                    detail=places,
                )
            )
        # read once either way: a conflict stops the summary, and the other summary's
        # members would only repeat it once per member
        dropped.update(id(d) for d in group[1:])
    return [d for d in documents if id(d) not in dropped], findings


def _submissions(
    documents: Iterable[Document], reported: Sequence[Submission], listed: Collection[str]
) -> list[Submission]:
    """What was received, as the roster sees it: each file an ingest report lists, with
    the status it had there (the documents of its folder are those files' JSON), then
    each other document read, counted (a summary with the agencies it counts)."""
    return [
        *reported,
        *(
            Submission(d.agency, d.display)
            if d.kind != SUMMARY
            else Submission(
                d.agency,
                d.display,
                summary=True,
                members=tuple(Named(m.agency, m.where) for m in d.members),
            )
            for d in documents
            if d.display not in listed
        ),
    ]


def out_of_range(form: Form, inputs: Values) -> list[Finding]:
    """An error for each summed input cell above what the cell may hold."""
    findings = []
    for cell in form.input_cells():
        value = inputs[cell.id]
        if value is not None and value > cell.kind.maximum:
            findings.append(
                Finding(
                    Code.AGGREGATE_OUT_OF_RANGE,
                    sheet=form.table(cell.table).sheet,
                    row_label=cell.row_label,
                    column_label=cell.column_label,
                    actual=value,
                    expected=cell.kind.maximum,
                )
            )
    return findings


def aggregate_documents(
    sources: Iterable[tuple[str, Any]],
    name: str,
    *,
    roster: Roster | None = None,
    roster_file: str | None = None,
    file_name: str | None = None,
    skipped: Iterable[Skipped] = (),
    findings: Iterable[Finding] = (),
    listed: Collection[str] = (),
    reported: Sequence[Submission] = (),
) -> Summary:
    """Sum documents given as (name shown for it, parsed JSON) pairs.

    ``sources`` may be returns or summaries of one format and year (documents built in
    memory by ``ingest`` are accepted as they are: floats are read as the decimals they
    print as). ``findings`` and ``skipped`` from reading the files are carried into the
    result; ``listed`` names the sources an ingest report lists as its outputs (not a
    document of ours is then an error, not a note). Never raises for bad documents: each
    is a finding.
    """
    name = squash_spaces(name)
    if not name:
        raise ValueError("汇总名称不能为空")
    summary = Summary(name=name, file_name=file_name or "", skipped=list(skipped))
    summary.findings.extend(findings)
    for display, data in sources:
        document, finding = parse_document(display, data, display in listed)
        if finding:
            summary.findings.append(finding)
        if document:
            summary.documents.append(document)
    mixed = _mixed(summary.documents)
    if mixed:
        summary.findings.append(mixed)
        return _done(summary)
    if not summary.documents:
        return _done(summary)
    form = summary.form = summary.documents[0].form
    year = summary.year = summary.documents[0].year
    summary.file_name = file_name or default_file_name(name, year)
    summary.documents, repeated = one_per_summary(summary.documents)
    summary.findings += repeated
    summary.members, merged = merge(m for d in summary.documents for m in d.members)
    summary.findings += merged
    summary.reported = tuple(reported)
    summary.unreported = tuple(d.display for d in summary.documents if d.display not in listed)
    if roster is not None:
        summary.roster_match = match_roster(
            roster, roster_file or "名单", _submissions(summary.documents, reported, listed)
        )
        summary.findings += summary.roster_match.findings
    inputs = sum_inputs(form, summary.members)
    summary.findings += out_of_range(form, inputs)
    if summary.errors:
        return _done(summary)
    summary.cells = with_totals(form, inputs)
    built, problem = summary_document(
        form,
        Meta(year, name, None, None, summary.file_name, ""),
        summary.cells,
        summary.members,
        summary.completeness.to_json() if summary.completeness else None,
    )
    if problem is not None:
        summary.findings.append(problem)
    summary.document = built
    return _done(summary)


def summary_document(
    form: Form,
    meta: Meta,
    cells: Values,
    members: Sequence[Member],
    completeness: dict[str, Any] | None = None,
) -> tuple[Canonical | None, Finding | None]:
    """The summary document of ``cells`` and ``members``, or the schema's error. A guard,
    not expected to fire: every part was checked before. Each member passed the schema
    when its document was read, so the first stands for all (validating thousands of
    members again would double the time of a large summary); ``members`` may be that first
    alone when the members list is written from elsewhere (``ingest --summary``'s spool)."""
    built = Canonical.build(form, meta, cells, members, completeness)
    shape = {**built.to_json(), "members": [m.to_json() for m in members[:1]]}
    error = first_error(form, orjson.loads(dumps(shape)))
    if error is not None:
        return None, Finding(
            Code.SCHEMA_INVALID, row_label="汇总", detail=schema_problem(form, error)
        )
    return built, None


def _done(summary: Summary) -> Summary:
    summary.findings.sort(key=lambda f: not f.is_error)  # errors first, otherwise as found
    return summary


def aggregate_paths(
    paths: Iterable[Path],
    name: str,
    *,
    output: Path | None = None,
    roster: Path | None = None,
) -> Summary:
    """Sum the canonical JSON files and folders ``paths``.

    ``output`` (the file the summary will be written to) is not read even when it lies in
    a folder read, and names the summary's ``source.file``. A folder that cannot be
    opened, a path too long to open, a shortcut in place of a file are errors. An ingest
    ``report.json`` is passed over, but each document it lists must be there and be one
    (else an error: a total silently missing an agency must not be written); a ``.json``
    file that is not JSON at all is an error too, other JSON that is not a canonical
    document a warning. Raises :class:`~gongkai_xlsx.roster.RosterError` (Chinese) when
    the roster cannot be read.
    """
    agencies = read_roster(roster) if roster is not None else None
    files = find_files(paths, exclude=output)
    skipped = [*files.passed_over, *files.skipped]
    loaded: list[tuple[Path, str, Any]] = []
    # part of the input not read is an error: a total silently missing an agency is wrong
    findings: list[Finding] = [u.finding() for u in files.unreached]
    listed: dict[Path, tuple[str, str]] = {}  # a listed document → (its name, the report)
    reported: list[Submission] = []  # every file the reports say their runs received
    for path, display in files.found:
        data, finding = read_json(path, display)
        if finding:
            findings.append(finding)
        elif is_report(data):
            skipped.append(Skipped(display, "ingest 的批量报告"))
            reported += [
                Submission(agency or "", file, status=cast(Received, status))
                for file, agency, status in report_received(data)
            ]
            folder = display.rpartition("/")[0]
            for listed_name in listed_documents(data):
                shown = f"{folder}/{listed_name}" if folder else listed_name
                listed[path.parent.joinpath(*listed_name.split("/"))] = (shown, display)
        else:
            loaded.append((path, display, data))
    for document, (shown, report) in listed.items():
        if not document.is_file():
            findings.append(Finding(Code.AGGREGATE_LISTED_MISSING, actual=shown, expected=report))
    listed_shown = {display for path, display, _data in loaded if path in listed}
    beside = _summaries_beside_their_returns(loaded)
    skipped += [Skipped(d, "汇总，其中各单位的报表都在同一文件夹中") for d in beside]
    sources = [(display, data) for _path, display, data in loaded if display not in beside]
    return aggregate_documents(
        sources,
        name,
        roster=agencies,
        roster_file=roster.name if roster is not None else None,
        file_name=output.name if output is not None else None,
        skipped=skipped,
        findings=findings,
        listed=listed_shown,
        reported=reported,
    )


def _summaries_beside_their_returns(loaded: list[tuple[Path, str, Any]]) -> set[str]:
    """Summaries whose every member is a return document in the summary's own folder
    (what ``ingest --summary`` writes beside the returns): reading them too would add
    nothing but one "counted once" warning per member."""

    def field(data: Any, *keys: str) -> Any:
        for key in keys:
            data = data.get(key) if isinstance(data, dict) else None
        return data

    returns: dict[Path, set[Any]] = {}
    for path, _display, data in loaded:
        if field(data, "kind") == "return":
            returns.setdefault(path.parent, set()).add(field(data, "source", "sha256"))
    found = set()
    for path, display, data in loaded:
        members = field(data, "members")
        if field(data, "kind") != SUMMARY or not isinstance(members, list) or not members:
            continue
        here = returns.get(path.parent, set())
        if all(field(m, "source", "sha256") in here for m in members):
            found.add(display)
    return found


def write_summary(summary: Summary, path: Path) -> None:
    """Write the summary's canonical bytes to ``path`` atomically (never half a file)."""
    from gongkai_xlsx.fsio import write_atomic  # the one atomic writer

    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, summary.to_bytes())
