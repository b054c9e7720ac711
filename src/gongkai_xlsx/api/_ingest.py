"""``ingest``: a batch of returns checked and committed into an output folder."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from gongkai_xlsx import oserrors
from gongkai_xlsx.api._common import (
    Progress,
    default_jobs,
    form_for,
    limits,
    no_progress,
    previous_for,
)
from gongkai_xlsx.errors import Interrupted, UsageError
from gongkai_xlsx.ingest.artifacts import MARKED
from gongkai_xlsx.ingest.collect import Collected, collect
from gongkai_xlsx.ingest.commit import InterruptedAfterCommit
from gongkai_xlsx.ingest.options import RunOptions
from gongkai_xlsx.ingest.run import Ingested, run
from gongkai_xlsx.roster import read_roster
from gongkai_xlsx.text import file_name_text, squash_spaces
from gongkai_xlsx.writer.send_back import is_send_back_name


@dataclass(frozen=True)
class IngestOptions:
    """The ``ingest`` command as asked. ``jobs`` 0 (or None): one per CPU; the bounds
    None: the defaults. ``annotate``: the folder for marked copies; ``previous``: last
    year's output folder; ``roster``: a roster file; ``summary``: also write the 汇总 of
    the error-free returns, named ``name`` (default: the output folder's name)."""

    paths: list[Path]
    out: Path
    year: int | None = None
    jobs: int | None = None
    time_limit: float | None = None
    memory_limit: int | None = None
    annotate: Path | None = None
    annotate_all: bool = False
    previous: Path | None = None
    roster: Path | None = None
    summary: bool = False
    name: str | None = None


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
    """The files an ingest of ``paths`` into ``out`` would read; :class:`UsageError` when
    a path is missing, OUT is a file, or nothing is found."""
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


def default_summary_name(out: Path) -> str:
    """The name of ``ingest --summary``'s summary when ``--name`` is not given: the output
    folder's own name (``-o 某县/`` gives 某县; ``-o .`` the current folder's)."""
    name = squash_spaces(Path(os.path.abspath(out)).name)
    if not name:
        raise UsageError('无法从输出文件夹得出汇总的名称，请用 --name 给出，例如 --name "某县"。')
    return name


def _summary_name(options: IngestOptions) -> str | None:
    if options.name is not None and not options.summary:
        raise UsageError("--name 是汇总的名称，只能与 --summary 一起使用。")
    if not options.summary:
        return None
    name = options.name if options.name is not None else default_summary_name(options.out)
    if not squash_spaces(name):
        raise UsageError('汇总的名称不能为空，例如 --name "某县"。')
    return squash_spaces(name)


def ingest(options: IngestOptions, progress: Progress = no_progress) -> Ingested:
    """The ``ingest`` command: check every return under ``paths`` (each in a bounded
    worker process) and commit their canonical JSON, report.json and report.html into
    ``out`` as one whole. With ``previous`` (last year's output folder), each passing
    return is also compared with last year's document of its agency (warnings); with
    ``roster``, both reports say which agencies of it sent no return; with ``annotate``,
    marked copies are written there in the same commit; with ``summary``, also the 汇总
    of the error-free returns, unless an agency has two different returns
    (``Ingested.summary`` says what happened). ``progress`` is given the number of
    returns found. Raises :class:`UsageError` for what the person can fix (no return
    found, the roster cannot be read, OUT is a file or in use by another run, OUT cannot
    be written, no usable ``previous``), :class:`Interrupted` on Ctrl-C."""
    paths = [Path(p) for p in options.paths]
    out = Path(options.out)
    bounds = limits(options.time_limit, options.memory_limit)
    summary = _summary_name(options)
    found = collect_returns(paths, out)
    if options.year is not None:
        form_for(options.year)  # --year 2019 is refused here, not told to every agency
    annotate = Path(options.annotate) if options.annotate is not None else None
    if annotate is not None:
        _check_annotate_folder(annotate, paths, out)
    last_year = previous_for(options.previous, out) if options.previous is not None else None
    roster = options.roster
    agencies = read_roster(roster) if roster is not None else None
    run_options = RunOptions(
        year=options.year,
        jobs=options.jobs or default_jobs(),
        limits=bounds,
        annotate=annotate,
        annotate_all=options.annotate_all,
        previous=last_year,
        roster=agencies,
        roster_file=file_name_text(Path(roster).name) if roster is not None else "名单",
        summary=summary,
    )
    with progress(len(found.items)) as advance:
        try:
            return run(paths, out, run_options, progress=advance, collected=found)
        except InterruptedAfterCommit:
            raise Interrupted(
                f"已中断：本次结果已完整写入 {out}（report.json），未在终端列出。"
            ) from None
        except KeyboardInterrupt:
            raise Interrupted("已中断：输出文件夹保持上次的结果，没有写入任何新结果。") from None
        except OSError as exc:
            raise UsageError(
                f"{out}：无法写入结果（{oserrors.reason(exc, oserrors.WRITE)}），输出文件夹保持原样。"
            ) from exc


def removed_outputs(removed: Sequence[str]) -> tuple[list[str], list[str], list[str]]:
    """What the run removed of the previous run's outputs (``removed``:
    :attr:`Ingested.removed`), as the person finds them: (results in OUT, marked copies
    and 退回清单 in the --annotate folder), each relative to its own folder. report.json's
    mount name (``@annotated/…``) is never shown to a person."""
    prefix = f"@{MARKED}/"
    mounted = [n.removeprefix(prefix) for n in removed if n.startswith(prefix)]
    lists = [n for n in mounted if is_send_back_name(n)]
    copies = [n for n in mounted if n not in lists]
    return [n for n in removed if not n.startswith(prefix)], copies, lists
