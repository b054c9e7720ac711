"""The library's front door: what the CLI (and any other program) calls.

Functions here take paths and return result objects; files are written only where the
function's purpose is to write them (templates, a batch's outputs), and always atomically.
Errors a user can cause are :class:`UsageError` with a Chinese message.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gongkai_xlsx.aggregate import Summary, aggregate_paths, write_summary, write_summary_xlsx
from gongkai_xlsx.annotate import AnnotateError, marks_from_findings
from gongkai_xlsx.catalogue import STATUS_LABELS
from gongkai_xlsx.checks.run import Outcome
from gongkai_xlsx.definition import names
from gongkai_xlsx.definition.load import UnsupportedYearError, form_for_year
from gongkai_xlsx.definition.model import Form
from gongkai_xlsx.documents import DocumentError, parse_json, read_bytes, read_own
from gongkai_xlsx.findings import Finding
from gongkai_xlsx.fsio import write_atomic
from gongkai_xlsx.ingest.batch import Entry
from gongkai_xlsx.ingest.checked import check_and_build
from gongkai_xlsx.ingest.collect import Collected, Item, collect
from gongkai_xlsx.ingest.report import outcome_row
from gongkai_xlsx.ingest.run import Ingested, InterruptedAfterCommit, failed_check, run
from gongkai_xlsx.ingest.worker import Marked, MarkTask, Task, check_task, not_marked, work
from gongkai_xlsx.naming import dedupe, template_file_name
from gongkai_xlsx.outputs import OutputConflict, OutputLocked
from gongkai_xlsx.pool import Failure, Limits, WorkerPool
from gongkai_xlsx.previous import Prefill, Previous, PreviousError, prefill_for, read_previous
from gongkai_xlsx.reader import read_return
from gongkai_xlsx.render.request import RenderError, render_file
from gongkai_xlsx.roster import Entry as RosterEntry
from gongkai_xlsx.roster import RosterError, read_roster
from gongkai_xlsx.schema import schema_text
from gongkai_xlsx.text import clean_name, file_name_text, squash_spaces, text_width
from gongkai_xlsx.writer import TemplateOptions, TemplateOptionsError, write_template
from gongkai_xlsx.writer.options import agency_problem, password_problem


class UsageError(ValueError):
    """Bad input from the person at the keyboard; the message is Chinese and says what to do."""


_OS_REASONS = {
    errno.ENOENT: "路径不存在或无法在其中创建文件",
    errno.EACCES: "没有写入权限",
    errno.EPERM: "没有写入权限",
    errno.ENOTDIR: "路径中有一部分是文件而不是文件夹",
    errno.EEXIST: "路径中有同名文件",
    errno.EISDIR: "这是一个文件夹",
    errno.ENAMETOOLONG: "文件名过长",
    errno.ENOSPC: "磁盘空间不足",
    errno.EROFS: "磁盘是只读的",
}


def os_reason(exc: OSError) -> str:
    """An operating-system error in words a coordinator understands."""
    return _OS_REASONS.get(exc.errno or 0, f"系统错误 {exc.errno}：{exc.strerror}")


def _write(form: Form, options: TemplateOptions, path: Path) -> None:
    try:
        write_template(form, options, path)
    except TemplateOptionsError as exc:
        raise UsageError(str(exc)) from exc
    except OSError as exc:
        raise UsageError(f"{path}：无法写入（{os_reason(exc)}）。") from exc


DEFAULT_TIME_LIMIT = 10.0  # seconds per file: a 20 KB return takes about 2 ms
DEFAULT_MEMORY_LIMIT = 512  # MB per worker above its start: a return needs about 2 MB


def limits(seconds: float | None = None, memory_mb: int | None = None) -> Limits:
    """The per-file bounds, checked (a bound must be positive)."""
    seconds = DEFAULT_TIME_LIMIT if seconds is None else seconds
    memory_mb = DEFAULT_MEMORY_LIMIT if memory_mb is None else memory_mb
    if not seconds > 0:
        raise UsageError("时间上限必须大于 0 秒，例如 --time-limit 10。")
    if memory_mb < 16:
        raise UsageError("内存上限至少 16 MB，例如 --memory-limit 512。")
    return Limits(seconds=seconds, memory_mb=memory_mb)


def default_jobs() -> int:
    return os.cpu_count() or 1


def _inside(path: Path, folder: Path) -> bool:
    try:
        return path.resolve().is_relative_to(folder.resolve())
    except (OSError, RuntimeError):
        return False


def _check_annotate_folder(folder: Path, paths: list[Path], out: Path) -> None:
    """The marked copies' folder: not OUT itself, and not among the returns being read
    (the next run would read the marked copies as returns), unless inside OUT, which a
    run never reads."""
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{folder}：标注副本的位置已存在且不是文件夹。")
    if folder.resolve() == out.resolve():
        raise UsageError(
            f"{folder}：标注副本要放在另一个文件夹，不能与输出文件夹相同，"
            f"例如 --annotate {out.as_posix().rstrip('/')}_退回/。"
        )
    for path in paths:
        if path.is_dir() and _inside(folder, path) and not _inside(folder, out):
            raise UsageError(
                f"{folder}：标注副本的文件夹不能放在要收集的 {path} 中，否则下次收集会把"
                "标注副本当成报表读入。请换一个文件夹。"
            )


def collect_returns(paths: list[Path], out: Path) -> Collected:
    """The files an ingest of ``paths`` into ``out`` would read (to size a progress bar);
    :class:`UsageError` when a path is missing, OUT is a file, or nothing is found."""
    paths = [Path(p) for p in paths]
    out = Path(out)
    for path in paths:
        if not (path.exists() or path.is_symlink()):
            raise UsageError(f"{path}：文件或文件夹不存在。")
    if out.exists() and not out.is_dir():
        raise UsageError(f"{out}：输出位置已存在且不是文件夹。")
    found = collect(paths, out)
    if not found.items:
        unread = "".join(f"\n{u.finding().message}" for u in found.unreached)
        raise UsageError("没有找到任何报表文件（.xlsx 等电子表格）。" + unread)
    return found


def ingest(
    paths: list[Path],
    out: Path,
    *,
    year: int | None = None,
    jobs: int | None = None,
    bounds: Limits | None = None,
    progress: Callable[[Entry], None] | None = None,
    collected: Collected | None = None,
    annotate: Path | None = None,
    annotate_all: bool = False,
    previous: Path | None = None,
    roster: Path | None = None,
    summary: str | None = None,
) -> Ingested:
    """Check every return under ``paths`` (each in a bounded worker process) and commit
    their canonical JSON, report.json and report.html into ``out`` as one whole. With
    ``previous`` (last year's output folder), each passing return is also compared with
    last year's document of its agency (warnings); with ``roster`` (a file as for
    :func:`new_from_roster`), both reports say which agencies of it sent no return; with
    ``annotate``, marked copies are written there in the same commit; with ``summary`` (its
    name, e.g. 某县), also the 汇总 of the error-free returns, unless an agency has two
    different returns (``Ingested.summary`` says what happened). Raises
    :class:`UsageError` for what the person can fix (no return found, the roster cannot be
    read, OUT is a file or in use by another run, OUT cannot be written, no usable
    ``previous``)."""
    paths = [Path(p) for p in paths]
    out = Path(out)
    if year is not None:
        _form(year)  # --year 2019 is refused here, not told to every agency
    if annotate is not None:
        _check_annotate_folder(Path(annotate), paths, out)
    if summary is not None and not squash_spaces(summary):
        raise UsageError('汇总的名称不能为空，例如 --name "某县"。')
    found = collected or collect_returns(paths, out)
    last_year = _previous(previous, out) if previous is not None else None
    try:
        agencies = read_roster(roster) if roster is not None else None
    except RosterError as exc:
        raise UsageError(str(exc)) from exc
    try:
        return run(
            paths,
            out,
            year=year,
            jobs=jobs or default_jobs(),
            limits=bounds or limits(),
            progress=progress,
            collected=found,
            annotate=Path(annotate) if annotate is not None else None,
            annotate_all=annotate_all,
            previous=last_year,
            roster=agencies,
            roster_file=file_name_text(Path(roster).name) if roster is not None else "名单",
            summary=squash_spaces(summary) if summary is not None else None,
        )
    except OutputLocked as exc:
        raise UsageError(str(exc)) from None
    except OutputConflict as exc:
        raise UsageError(str(exc)) from None
    except OSError as exc:
        raise UsageError(f"{out}：无法写入结果（{os_reason(exc)}），输出文件夹保持原样。") from exc


def _previous(path: Path, out: Path | None = None) -> Previous:
    """Last year's documents under ``path``; :class:`UsageError` when there are none, or
    when ``path`` is this run's own output folder (its documents are this year's)."""
    path = Path(path)
    if out is not None and path.resolve() == Path(out).resolve():
        raise UsageError(
            f"{path}：--previous 应是上一年度的结果文件夹，不能是本次的输出文件夹（-o）。"
        )
    try:
        return read_previous(path)
    except PreviousError as exc:
        raise UsageError(str(exc)) from None


def default_summary_name(out: Path) -> str:
    """The name of ``ingest --summary``'s summary when ``--name`` is not given: the output
    folder's own name (``-o 某县/`` gives 某县; ``-o .`` the current folder's)."""
    name = squash_spaces(Path(os.path.abspath(out)).name)
    if not name:
        raise UsageError('无法从输出文件夹得出汇总的名称，请用 --name 给出，例如 --name "某县"。')
    return name


def check_bounded(
    path: Path, expected_year: int | None = None, bounds: Limits | None = None
) -> Outcome:
    """Read and check one return in a child process within the per-file bounds (what the
    ``check`` command does: a hostile file must not hang or exhaust the coordinator's PC)."""
    path = Path(path)
    if expected_year is not None:
        _form(expected_year)
    bounds = bounds or limits()
    with WorkerPool(check_task, 1, bounds) as pool:
        return _checked_in(pool, path, expected_year, bounds)


def _checked_in(
    pool: WorkerPool[Any, Any], path: Path, expected_year: int | None, bounds: Limits
) -> Outcome:
    """One return read and checked by ``pool``'s worker; a limit it overran is its finding."""
    _, result = next(pool.run([Task(os.fspath(path), expected_year)]))
    if isinstance(result, Failure):
        checked = failed_check(Item(path, file_name_text(path.name)), result, bounds)
    else:
        checked = result
    checked.outcome.document = read_own(checked.canonical) if checked.canonical else None
    return checked.outcome


def schema_for_year(year: int) -> str:
    """The JSON Schema of the canonical documents of ``year``'s format, as committed."""
    return schema_text(_form(year))


def check_file(path: Path, expected_year: int | None = None) -> Outcome:
    """Read and check one return in this process (no bounds: for trusted files and tests);
    never raises for a bad file."""
    path = Path(path)
    return check_and_build(read_return(path), expected_year, path)


def _check_password(password: str) -> None:
    problem = password_problem(password)
    if problem:
        raise UsageError(problem)


def _form(year: int) -> Form:
    try:
        return form_for_year(year)
    except UnsupportedYearError as exc:
        raise UsageError(str(exc)) from exc


@dataclass(frozen=True)
class Made:
    """A template written by :func:`new_template`; ``removed`` names what was taken out of
    the agency name as given (line breaks, invisible characters), for a hint."""

    path: Path
    agency: str | None
    removed: tuple[str, ...] = ()
    # with ``previous``: last year's file 二、上年结转 was prefilled from, or why nothing
    # was prefilled (both None: last year has no document of this agency)
    prefilled_from: str | None = None
    not_prefilled: str | None = None


def new_template(
    year: int,
    output: Path | None = None,
    agency: str | None = None,
    password: str = "",
    force: bool = False,
    previous: Path | None = None,
) -> Made:
    """Write one template; the default file name comes from the year (and agency). With
    ``previous`` (last year's output folder), the cells of 二、上年结转 are prefilled from
    the agency's last-year 四、结转下年度继续办理, still open for the agency to correct."""
    _check_password(password)
    form = _form(year)
    if previous is not None and agency is None:
        raise UsageError(
            "--previous 要按单位名称查找上年的报表：请同时给出 --agency（或用 --roster 按名单生成）。"
        )
    removed: list[str] = []
    if agency is not None:
        agency, removed = clean_name(agency)
        if not agency:
            raise UsageError(
                "--agency 不能只有空格：请写本单位全称；不加 --agency 则生成由各单位自己填写名称的模板。"
            )
        problem = agency_problem(form, agency)
        if problem:
            raise UsageError(f"--agency：{problem}")
    path = Path(output) if output else Path(template_file_name(year, agency))
    if path.is_dir():
        path = path / template_file_name(year, agency)
    if path.suffix.lower() != ".xlsx":
        raise UsageError(
            f"{path}：模板是 Excel 工作簿，文件名应以 .xlsx 结尾（否则 Excel 会提示格式与扩展名不符）。"
        )
    if path.exists() and not force:
        raise UsageError(f"{path}：文件已存在。如需覆盖，请加 --force。")
    prefill, reason = None, None
    if previous is not None:
        assert agency is not None
        prefill, reason = prefill_for(form, _previous(previous), agency, year)
    _write(form, _options(year, agency, password, prefill), path)
    return Made(path, agency, tuple(removed), prefill.source if prefill else None, reason)


def _options(
    year: int, agency: str | None, password: str, prefill: Prefill | None
) -> TemplateOptions:
    """A template's options, with last year's numbers prefilled (open, with the note)."""
    if prefill is None:
        return TemplateOptions(year=year, agency=agency, password=password)
    return TemplateOptions(
        year=year, agency=agency, password=password, prefill=prefill.values, note=prefill.note
    )


@dataclass
class RosterResult:
    """What a roster run did, agency by agency: each entry of the roster is in exactly one
    of ``written``, ``kept`` (the file existed and ``force`` was not given) and ``failed``
    (path and the reason in Chinese); ``duplicates`` are roster rows repeating a name,
    ``cleaned`` the entries whose name had line breaks or invisible characters removed."""

    written: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)
    failed: list[tuple[Path, str]] = field(default_factory=list)
    duplicates: list[tuple[int, str]] = field(default_factory=list)
    cleaned: list[RosterEntry] = field(default_factory=list)
    total: int = 0  # entries of the roster, duplicates not counted
    # with ``previous``: the templates written with last year's numbers prefilled, the
    # agencies last year has no document of, and those whose document could not be used
    prefilled: list[Path] = field(default_factory=list)
    without_previous: list[str] = field(default_factory=list)
    not_prefilled: list[tuple[str, str]] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        """Every agency of the roster has its template in the folder now."""
        return not self.failed


MAX_LISTED = 10


def _refuse_bad_names(form: Form, roster_path: Path, entries: list[RosterEntry]) -> None:
    """Refuse the whole roster, before anything is written, if a name cannot be used:
    the coordinator fixes the roster once instead of finding a half-made folder."""
    problems = [(e.row, p) for e in entries if (p := agency_problem(form, e.name))]
    if not problems:
        return
    listed = "；".join(f"第 {row} 行：{p}" for row, p in problems[:MAX_LISTED])
    more = f"；另有 {len(problems) - MAX_LISTED} 行" if len(problems) > MAX_LISTED else ""
    raise UsageError(
        f"{roster_path}：名单中有 {len(problems)} 个单位名称不能使用（{listed}{more}）。"
        "请修改名单后重新运行；本次没有生成任何模板。"
    )


@dataclass(frozen=True)
class RosterPlan:
    """A roster run checked and ready: every name usable, each with its file path."""

    form: Form
    year: int
    password: str
    force: bool
    items: list[tuple[RosterEntry, Path]]
    duplicates: list[tuple[int, str]]
    # with ``previous``: per item, its prefill or why there is none (see prefill_for)
    prefills: tuple[tuple[Prefill | None, str | None], ...] = ()


def plan_roster(
    year: int,
    roster: Path,
    out_dir: Path,
    password: str = "",
    force: bool = False,
    previous: Path | None = None,
) -> RosterPlan:
    """Read and check a roster run without writing a template: a name the template cannot
    carry, an unreadable roster or an unusable folder (or ``previous``) is a
    :class:`UsageError` here, so a run either starts with every name usable or not at
    all. Creates ``out_dir``. With ``previous``, each agency's 二、上年结转 is prefilled
    from its last-year document (see :func:`new_template`)."""
    _check_password(password)
    form = _form(year)
    try:
        agencies = read_roster(roster)
    except RosterError as exc:
        raise UsageError(str(exc)) from exc
    _refuse_bad_names(form, Path(roster), agencies.entries)
    last_year = _previous(previous) if previous is not None else None
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"{out_dir}：不是文件夹。")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"{out_dir}：无法创建输出文件夹（{os_reason(exc)}）。") from exc
    file_names = dedupe([template_file_name(year, e.name) for e in agencies.entries])
    items = [(e, out_dir / n) for e, n in zip(agencies.entries, file_names, strict=True)]
    prefills = (
        tuple(prefill_for(form, last_year, e.name, year) for e in agencies.entries)
        if last_year is not None
        else ()
    )
    return RosterPlan(form, year, password, force, items, agencies.duplicates, prefills)


def write_roster(plan: RosterPlan, progress: Callable[[], None] | None = None) -> RosterResult:
    """Write the planned templates. A file that cannot be written is recorded in
    ``failed`` and the run goes on with the others; ``progress`` is called per agency."""
    result = RosterResult(
        duplicates=plan.duplicates,
        cleaned=[e for e, _ in plan.items if e.removed],
        total=len(plan.items),
    )
    for index, (entry, path) in enumerate(plan.items):
        prefill, reason = plan.prefills[index] if plan.prefills else (None, None)
        if plan.prefills and prefill is None:
            if reason is None:
                result.without_previous.append(entry.name)
            else:
                result.not_prefilled.append((entry.name, reason))
        if path.is_dir():
            result.failed.append((path, "这是一个文件夹"))
        elif path.exists() and not plan.force:
            result.kept.append(path)
        else:
            options = _options(plan.year, entry.name, plan.password, prefill)
            try:
                write_template(plan.form, options, path)
                result.written.append(path)
                if prefill is not None:
                    result.prefilled.append(path)
            except OSError as exc:
                result.failed.append((path, os_reason(exc)))
        if progress is not None:
            progress()
    return result


def new_from_roster(
    year: int,
    roster: Path,
    out_dir: Path,
    password: str = "",
    force: bool = False,
    previous: Path | None = None,
) -> RosterResult:
    """One template per agency of the roster, the agency name filled in and locked:
    :func:`plan_roster`, then :func:`write_roster`."""
    return write_roster(plan_roster(year, roster, out_dir, password, force, previous))


def is_summary_file(path: Path) -> bool:
    """An earlier summary (JSON, or a summary workbook) may be overwritten by a new one;
    any other file is someone's data."""
    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        return read_return(path).properties.get(names.PROP_KIND) == names.KIND_SUMMARY
    try:
        data = parse_json(read_bytes(path))
    except DocumentError:
        return False
    return isinstance(data, dict) and data.get("kind") == "summary"


def save_summary(summary: Summary, path: Path) -> None:
    """Write ``summary`` atomically: canonical JSON, or for ``.xlsx`` the summary workbook
    the next level ingests. :class:`UsageError` when it cannot be written (or the workbook
    cannot carry it, e.g. a name over 100 characters)."""
    path = Path(path)
    try:
        if path.suffix.lower() == ".xlsx":
            write_summary_xlsx(summary, path)
        else:
            write_summary(summary, path)
    except TemplateOptionsError as exc:
        raise UsageError(f"{path}：{exc}") from exc
    except OSError as exc:
        raise UsageError(f"{path}：无法写入汇总结果（{os_reason(exc)}）。") from exc


@dataclass
class AnnotateResult:
    """What ``annotate_return`` did: the check's outcome, the findings it marked and the
    marked copy (None when the file could not be read, had nothing to mark, or could not
    be marked: then ``problem`` is the ``annotate-failed`` finding saying why)."""

    outcome: Outcome
    findings: list[Finding]
    written: Path | None
    problem: Finding | None = None


def annotate_return(
    source: Path,
    output: Path,
    expected_year: int | None = None,
    force: bool = False,
    bounds: Limits | None = None,
) -> AnnotateResult:
    """Check ``source`` and write its marked copy at ``output`` (a folder: the same file
    name inside it). Nothing is written for a file that could not be read or that has
    no findings. Both steps run in a worker process within ``bounds``, as ``ingest
    --annotate`` runs them: marking reads every member of the zip, and a member that
    inflates far beyond what its header says must cost a finding, not the PC's memory."""
    source, output = Path(source), Path(output)
    if output.is_dir():
        output = output / source.name
    if output.suffix.lower() != ".xlsx":
        raise UsageError(f"{output}：标注副本是 Excel 工作簿，文件名应以 .xlsx 结尾。")
    if output.resolve() == source.resolve():
        raise UsageError(f"{output}：不能覆盖报回的原文件，请另给一个文件名或文件夹。")
    if output.exists() and not force:
        raise UsageError(f"{output}：文件已存在。如需覆盖，请加 --force。")
    if expected_year is not None:
        _form(expected_year)
    bounds = bounds or limits()
    with WorkerPool(work, 1, bounds) as pool:
        outcome = _checked_in(pool, source, expected_year, bounds)
        findings = outcome.findings
        if not outcome.readable or not findings:
            return AnnotateResult(outcome, findings, None)
        assert outcome.form_id is not None and outcome.sha256 is not None
        marks = tuple(marks_from_findings(findings))
        task = MarkTask(os.fspath(source), outcome.sha256, outcome.form_id, marks)
        _, marked = next(pool.run([task]))
    problem = not_marked(marked)
    if problem is not None or not isinstance(marked, Marked) or marked.data is None:
        return AnnotateResult(outcome, findings, None, problem)
    try:
        write_atomic(output, marked.data)
    except OSError as exc:
        raise UsageError(f"{output}：无法写入（{os_reason(exc)}）。") from exc
    return AnnotateResult(outcome, findings, output)


__all__ = [
    "DEFAULT_MEMORY_LIMIT",
    "DEFAULT_TIME_LIMIT",
    "STATUS_LABELS",
    "AnnotateError",
    "AnnotateResult",
    "Entry",
    "Finding",
    "Ingested",
    "InterruptedAfterCommit",
    "Outcome",
    "RenderError",
    "RosterError",
    "RosterPlan",
    "RosterResult",
    "Summary",
    "UsageError",
    "aggregate_paths",
    "annotate_return",
    "check_bounded",
    "check_file",
    "collect_returns",
    "default_summary_name",
    "file_name_text",
    "ingest",
    "is_summary_file",
    "limits",
    "new_from_roster",
    "new_template",
    "os_reason",
    "outcome_row",
    "plan_roster",
    "render_file",
    "save_summary",
    "schema_for_year",
    "squash_spaces",
    "text_width",
    "write_atomic",
    "write_roster",
    "write_summary",
]
