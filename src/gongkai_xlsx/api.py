"""The library's front door: what the CLI (and any other program) calls.

Functions here take paths and return result objects; files are written only where the
function's purpose is to write them (templates, a batch's outputs), and always atomically.
Errors a user can cause are :class:`UsageError` with a Chinese message.
"""

from __future__ import annotations

import errno
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from gongkai_xlsx.checks.run import Outcome, check_return
from gongkai_xlsx.definition.load import UnsupportedYearError, form_for_year
from gongkai_xlsx.definition.model import Form
from gongkai_xlsx.naming import dedupe, template_file_name
from gongkai_xlsx.reader import read_return
from gongkai_xlsx.roster import Entry, RosterError, read_roster
from gongkai_xlsx.text import clean_name
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


def check_file(path: Path, expected_year: int | None = None) -> Outcome:
    """Read and check one return; never raises for a bad file."""
    return check_return(read_return(Path(path)), expected_year)


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


def new_template(
    year: int,
    output: Path | None = None,
    agency: str | None = None,
    password: str = "",
    force: bool = False,
) -> Made:
    """Write one template; the default file name comes from the year (and agency)."""
    _check_password(password)
    form = _form(year)
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
    _write(form, TemplateOptions(year=year, agency=agency, password=password), path)
    return Made(path, agency, tuple(removed))


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
    cleaned: list[Entry] = field(default_factory=list)
    total: int = 0  # entries of the roster, duplicates not counted

    @property
    def complete(self) -> bool:
        """Every agency of the roster has its template in the folder now."""
        return not self.failed


MAX_LISTED = 10


def _refuse_bad_names(form: Form, roster_path: Path, entries: list[Entry]) -> None:
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
    items: list[tuple[Entry, Path]]
    duplicates: list[tuple[int, str]]


def plan_roster(
    year: int, roster: Path, out_dir: Path, password: str = "", force: bool = False
) -> RosterPlan:
    """Read and check a roster run without writing a template: a name the template cannot
    carry, an unreadable roster or an unusable folder is a :class:`UsageError` here, so a
    run either starts with every name usable or not at all. Creates ``out_dir``."""
    _check_password(password)
    form = _form(year)
    try:
        agencies = read_roster(roster)
    except RosterError as exc:
        raise UsageError(str(exc)) from exc
    _refuse_bad_names(form, Path(roster), agencies.entries)
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"{out_dir}：不是文件夹。")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"{out_dir}：无法创建输出文件夹（{os_reason(exc)}）。") from exc
    file_names = dedupe([template_file_name(year, e.name) for e in agencies.entries])
    items = [(e, out_dir / n) for e, n in zip(agencies.entries, file_names, strict=True)]
    return RosterPlan(form, year, password, force, items, agencies.duplicates)


def write_roster(plan: RosterPlan, progress: Callable[[], None] | None = None) -> RosterResult:
    """Write the planned templates. A file that cannot be written is recorded in
    ``failed`` and the run goes on with the others; ``progress`` is called per agency."""
    result = RosterResult(
        duplicates=plan.duplicates,
        cleaned=[e for e, _ in plan.items if e.removed],
        total=len(plan.items),
    )
    for entry, path in plan.items:
        if path.is_dir():
            result.failed.append((path, "这是一个文件夹"))
        elif path.exists() and not plan.force:
            result.kept.append(path)
        else:
            options = TemplateOptions(plan.year, agency=entry.name, password=plan.password)
            try:
                write_template(plan.form, options, path)
                result.written.append(path)
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
) -> RosterResult:
    """One template per agency of the roster, the agency name filled in and locked:
    :func:`plan_roster`, then :func:`write_roster`."""
    return write_roster(plan_roster(year, roster, out_dir, password, force))
