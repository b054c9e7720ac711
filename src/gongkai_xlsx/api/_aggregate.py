"""``aggregate``: canonical documents summed into a 汇总 (JSON, or the summary workbook)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from gongkai_xlsx import oserrors
from gongkai_xlsx.aggregate import Summary, aggregate_paths, write_summary, write_summary_xlsx
from gongkai_xlsx.definition import names
from gongkai_xlsx.documents import DocumentError, parse_json, read_bytes
from gongkai_xlsx.errors import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, UsageError
from gongkai_xlsx.reader import read_return
from gongkai_xlsx.text import squash_spaces
from gongkai_xlsx.writer import TemplateOptionsError

NOTHING_FOUND = "没有找到任何规范 JSON（ingest 输出的 .json 文件或汇总结果）。"


@dataclass(frozen=True)
class AggregateOptions:
    """The ``aggregate`` command as asked: the documents' files and folders, the summary's
    file (``.json`` or ``.xlsx``) and name, a roster to compare with, and whether an
    earlier summary at that path may be replaced."""

    paths: list[Path]
    output: Path | None
    name: str | None
    roster: Path | None = None
    force: bool = False


@dataclass(frozen=True)
class AggregateResult:
    """The summary and whether it was written to ``output``; when not, ``refused`` says
    why (nothing found, or the summary has errors)."""

    summary: Summary
    output: Path
    written: bool
    refused: str | None = None

    @property
    def exit_code(self) -> int:
        if self.written:
            return EXIT_OK
        return EXIT_USAGE if self.nothing_found else EXIT_FINDINGS

    @property
    def nothing_found(self) -> bool:
        return not self.summary.documents and not self.summary.errors


def _check_usage(options: AggregateOptions) -> tuple[Path, str]:
    """(output, name) once the command line makes sense; UsageError otherwise."""
    out, name = options.output, options.name
    if out is None:
        raise UsageError("请用 -o 指定汇总结果文件，例如 -o 某县_2024_汇总.json。")
    if not squash_spaces(name or ""):
        raise UsageError('请用 --name 给出汇总的名称（写入汇总的填报单位），例如 --name "某县"。')
    if out.suffix.lower() not in (".json", ".xlsx"):
        raise UsageError(
            f"{out}：汇总结果文件名应以 .json（规范 JSON）或 .xlsx（可报送上级的汇总表）结尾。"
        )
    if out.is_dir():
        raise UsageError(f"{out}：这是文件夹，请给出汇总结果的文件名（.json 或 .xlsx）。")
    if out.exists() and not is_summary_file(out):
        raise UsageError(f"{out}：文件已存在且不是汇总结果，为免覆盖其他数据，请换一个文件名。")
    if out.exists() and not options.force:  # an earlier summary, perhaps already sent up
        raise UsageError(f"{out}：文件已存在。如需覆盖，请加 --force。")
    for path in options.paths:
        if not path.exists():
            raise UsageError(f"{path}：文件或文件夹不存在。")
        if path.is_file() and path.suffix.lower() != ".json":
            raise UsageError(
                f"{path}：aggregate 只读取规范 JSON（.json）。填报的报表请先用 gongkai-xlsx ingest "
                "检查，再汇总它输出的 JSON。"
            )
    return out, squash_spaces(name or "")


def aggregate(options: AggregateOptions) -> AggregateResult:
    """The ``aggregate`` command: the output must be a new file or, with ``force``, an
    earlier summary (never someone's data), the inputs ``.json``; the summary is written
    only when it has no error."""
    output, title = _check_usage(options)
    summary = aggregate_paths(
        [Path(p) for p in options.paths], title, output=output, roster=options.roster
    )
    if not summary.documents and not summary.errors:
        return AggregateResult(summary, output, False, NOTHING_FOUND)
    if not summary.ok:
        refused = f"汇总未完成（错误 {len(summary.errors)} 项），没有写入 {output}。"
        return AggregateResult(summary, output, False, refused)
    save_summary(summary, output)
    return AggregateResult(summary, output, True)


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
        raise UsageError(
            f"{path}：无法写入汇总结果（{oserrors.reason(exc, oserrors.WRITE)}）。"
        ) from exc


def known_from(summary: Summary) -> str:
    """What the roster's statuses are known from, and what cannot be known (the terminal
    and the desk say it alike)."""
    if summary.reported and not summary.unreported:
        return "各单位的状态按 ingest 输出文件夹中的 report.json：有错误或无法读取的报表没有规范 JSON，但报告中列出了它们。"
    if summary.reported:
        return (
            f"另有 {len(summary.unreported)} 份文档不在 ingest 的输出文件夹中（单独的 JSON 或下级的汇总）："
            "只知道它们已计入汇总，不知道这些单位是否还有待修改或无法读取的报表。"
        )
    return (
        "读取的文档都不在 ingest 的输出文件夹中（没有 report.json）：只知道哪些单位已计入汇总，"
        "不知道其余单位是否报送了有错误或无法读取的报表（这些报表没有规范 JSON）。"
    )


RERUN = "收齐、改好后请重新运行 ingest 和 aggregate（加 --force 覆盖）。"  # the terminal's way


def incomplete_warning(summary: Summary, then: str = RERUN) -> str | None:
    """The warning of a summary written while agencies are missing or to be fixed (the
    terminal and the desk say it alike; ``then``: how to make it again where it is read)."""
    c = summary.completeness
    if c is None or not c.pending:
        return None
    parts = []
    if c.missing:
        parts.append(f"未报送 {len(c.missing)} 个单位")
    if c.to_fix:
        parts.append(f"{c.to_fix} 个单位的报表有错误待修改")
    if c.unreadable:
        parts.append(f"{c.unreadable} 个单位的报表无法读取")
    return (
        f"注意：汇总不完整——{'，'.join(parts)}，均未计入。汇总仍已写入，其中写明了报送情况；" + then
    )
