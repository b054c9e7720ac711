"""``new``: one template (for an agency, or to be filled in), or one per roster agency."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from gongkai_xlsx import oserrors
from gongkai_xlsx.api._common import Progress, default_jobs, form_for, no_progress, previous_for
from gongkai_xlsx.definition.model import Form
from gongkai_xlsx.errors import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, Interrupted, UsageError
from gongkai_xlsx.fsio import write_atomic
from gongkai_xlsx.naming import dedupe, template_file_name
from gongkai_xlsx.text import clean_name, listed
from gongkai_xlsx.writer import TemplateOptions, write_template
from gongkai_xlsx.writer.options import agency_problem, password_problem
from gongkai_xlsx.writer.workbook import template_bytes

# Loaded only when asked for (``--previous``, ``--roster``): a plain ``new`` must not pay
# for last year's documents and their schema validator (tests/test_startup.py).
if TYPE_CHECKING:
    from gongkai_xlsx.previous import Prefill
    from gongkai_xlsx.roster import Entry as RosterEntry
    from gongkai_xlsx.writer.stencil import TemplateStencil


@dataclass(frozen=True)
class NewOptions:
    """The ``new`` command as asked: one template (``output``, ``agency``) or, with
    ``roster``, one per agency in ``out_dir``; ``previous`` prefills 二、上年结转."""

    year: int
    output: Path | None = None
    agency: str | None = None
    password: str = ""
    roster: Path | None = None
    out_dir: Path | None = None
    force: bool = False
    previous: Path | None = None
    jobs: int | None = None  # worker processes for a roster's templates; None: one per CPU


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


@dataclass(frozen=True)
class NewResult:
    """What ``new`` did: ``made`` for one template, ``roster`` for a roster run."""

    options: NewOptions
    made: Made | None = None
    roster: RosterResult | None = None

    @property
    def exit_code(self) -> int:
        """Whether the folder now holds one template per roster name: 0 yes (written now
        or kept from an earlier run), 1 some could not be written, 2 none could."""
        if self.roster is None or not self.roster.failed:
            return EXIT_OK
        return EXIT_FINDINGS if self.roster.written else EXIT_USAGE


def new(options: NewOptions, progress: Progress = no_progress) -> NewResult:
    """The ``new`` command: the options checked together, then :func:`new_template`, or
    :func:`plan_roster` and :func:`write_roster` (``progress`` sized to the roster). A
    Ctrl-C during a roster run is :class:`Interrupted`: the templates written are whole."""
    o = options
    if o.roster is not None:
        if o.out_dir is None:
            raise UsageError("按名单生成时请用 --out-dir 指定输出文件夹。")
        if o.output is not None or o.agency is not None:
            raise UsageError("--roster 不能与 -o 或 --agency 同时使用。")
        plan = plan_roster(o.year, o.roster, o.out_dir, o.password, o.force, o.previous)
        with progress(len(plan.items)) as advance:
            try:
                jobs = o.jobs or default_jobs()
                return NewResult(o, roster=write_roster(plan, progress=advance, jobs=jobs))
            except KeyboardInterrupt:
                raise Interrupted(
                    "已中断：已生成的模板都是完整的；重新运行同一命令会跳过已存在的文件。"
                ) from None
    if o.out_dir is not None:
        raise UsageError("--out-dir 只能与 --roster 一起使用；单个文件请用 -o。")
    made = new_template(o.year, o.output, o.agency, o.password, o.force, o.previous)
    return NewResult(o, made=made)


def _write(form: Form, options: TemplateOptions, path: Path) -> None:
    try:
        write_template(form, options, path)
    except OSError as exc:
        raise UsageError(f"{path}：无法写入（{oserrors.reason(exc, oserrors.WRITE)}）。") from exc


def _check_password(password: str) -> None:
    problem = password_problem(password)
    if problem:
        raise UsageError(problem)


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
    form = form_for(year)
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
        from gongkai_xlsx.previous import prefill_for

        prefill, reason = prefill_for(form, previous_for(previous), agency, year)
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


MAX_LISTED = 10


def _refuse_bad_names(form: Form, roster_path: Path, entries: list[RosterEntry]) -> None:
    """Refuse the whole roster, before anything is written, if a name cannot be used:
    the coordinator fixes the roster once instead of finding a half-made folder."""
    problems = [(e.row, p) for e in entries if (p := agency_problem(form, e.name))]
    if not problems:
        return
    shown = listed((f"第 {row} 行：{p}" for row, p in problems), "行", MAX_LISTED, sep="；")
    raise UsageError(
        f"{roster_path}：名单中有 {len(problems)} 个单位名称不能使用（{shown}）。"
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
    from gongkai_xlsx.previous import prefill_for
    from gongkai_xlsx.roster import read_roster

    _check_password(password)
    form = form_for(year)
    agencies = read_roster(roster)
    _refuse_bad_names(form, Path(roster), agencies.entries)
    last_year = previous_for(previous) if previous is not None else None
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"{out_dir}：不是文件夹。")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(
            f"{out_dir}：无法创建输出文件夹（{oserrors.reason(exc, oserrors.MAKE_FOLDER)}）。"
        ) from exc
    file_names = dedupe([template_file_name(year, e.name) for e in agencies.entries])
    items = [(e, out_dir / n) for e, n in zip(agencies.entries, file_names, strict=True)]
    prefills = (
        tuple(prefill_for(form, last_year, e.name, year) for e in agencies.entries)
        if last_year is not None
        else ()
    )
    return RosterPlan(form, year, password, force, items, agencies.duplicates, prefills)


MIN_COPIES = 3  # below this, building a stencil (two templates) costs more than it saves

_Group = tuple[tuple[str, str, str], ...] | None  # the prefill a template has, or none


def _group(prefill: Prefill | None) -> _Group:
    """Which stencil a template can be copied from: those of agencies with the same numbers
    prefilled (often all 0: nothing was left over) differ only by the name."""
    if prefill is None:
        return None
    return tuple(sorted((k, type(v).__name__, str(v)) for k, v in prefill.values.items()))


class _RosterTemplates:
    """The templates of a roster run: each group of at least :data:`MIN_COPIES` agencies
    whose templates differ only by the name gets a stencil, and each of them a copy with
    its name put in (:class:`~gongkai_xlsx.writer.stencil.TemplateStencil`, about 1 ms);
    any other template is built from scratch (about 30 ms)."""

    def __init__(self, plan: RosterPlan, prefills: list[Prefill | None]) -> None:
        self.plan = plan
        self._sizes = Counter(_group(p) for p in prefills)
        self._stencils: dict[_Group, TemplateStencil | None] = {}

    def copy(self, agency: str, prefill: Prefill | None) -> bytes | None:
        """The template as a copy of its group's stencil, or None: build it."""
        group = _group(prefill)
        if self._sizes[group] < MIN_COPIES:
            return None
        if group not in self._stencils:
            from gongkai_xlsx.writer.stencil import TemplateStencil

            values, note = (prefill.values, prefill.note) if prefill else (None, None)
            self._stencils[group] = TemplateStencil.build(
                self.plan.form, self.plan.year, self.plan.password, values, note
            )
        stencil = self._stencils[group]
        return stencil.copy_for(agency) if stencil is not None else None

    def options(self, agency: str, prefill: Prefill | None) -> TemplateOptions:
        return _options(self.plan.year, agency, self.plan.password, prefill)


MIN_POOL = 20  # templates to build from scratch before starting workers pays off


def write_roster(
    plan: RosterPlan, progress: Callable[[], None] | None = None, jobs: int = 1
) -> RosterResult:
    """Write the planned templates. A file that cannot be written is recorded in
    ``failed`` and the run goes on with the others; ``progress`` is called per agency.
    Copies are written first; the templates built from scratch are built by ``jobs``
    worker processes when there are enough of them (:data:`MIN_POOL`)."""
    result = RosterResult(
        duplicates=plan.duplicates,
        cleaned=[e for e, _ in plan.items if e.removed],
        total=len(plan.items),
    )
    prefills = plan.prefills or ((None, None),) * len(plan.items)
    written = [not path.is_dir() and (plan.force or not path.exists()) for _, path in plan.items]
    templates = _RosterTemplates(
        plan, [p for w, (p, _) in zip(written, prefills, strict=True) if w]
    )
    done: dict[int, str | None] = {}  # item → None written, or why it could not be
    to_build: list[int] = []

    def write(index: int, data: bytes) -> None:
        try:
            write_atomic(plan.items[index][1], data)
            done[index] = None
        except OSError as exc:
            done[index] = oserrors.reason(exc, oserrors.WRITE)
        if progress is not None:
            progress()

    for index, (entry, path) in enumerate(plan.items):
        prefill, reason = prefills[index]
        if plan.prefills and prefill is None:
            if reason is None:
                result.without_previous.append(entry.name)
            else:
                result.not_prefilled.append((entry.name, reason))
        if written[index]:
            copy = templates.copy(entry.name, prefill)
            if copy is None:
                to_build.append(index)
            else:
                write(index, copy)
            continue
        if path.is_dir():
            done[index] = "这是一个文件夹"
        if progress is not None:
            progress()
    tasks = [
        (plan.form.id, templates.options(plan.items[i][0].name, prefills[i][0])) for i in to_build
    ]
    if jobs > 1 and len(to_build) >= MIN_POOL:
        from gongkai_xlsx.pool import Failure, WorkerPool
        from gongkai_xlsx.writer.stencil import built

        with WorkerPool(built, min(jobs, len(to_build))) as pool:
            for k, outcome in pool.run(tasks):
                if isinstance(outcome, Failure):
                    done[to_build[k]] = f"生成模板时出错：{outcome.detail}"
                    if progress is not None:
                        progress()
                else:
                    write(to_build[k], outcome)
    else:
        for index, (_, options) in zip(to_build, tasks, strict=True):
            write(index, template_bytes(plan.form, options))
    for index, (_, path) in enumerate(plan.items):
        if index not in done:
            result.kept.append(path)
        elif (why := done[index]) is not None:
            result.failed.append((path, why))
        else:
            result.written.append(path)
            if prefills[index][0] is not None:
                result.prefilled.append(path)
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
