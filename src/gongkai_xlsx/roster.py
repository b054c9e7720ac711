"""Read a roster of agencies (CSV or xlsx) for ``gongkai-xlsx new --roster``.

A coordinator's roster comes from Excel: "CSV（逗号分隔）" on Chinese Windows is GBK, other
tools write UTF-8 with or without BOM. Names are taken from the column headed 单位名称, or
the first column; blank rows are skipped; a name given twice is reported and kept once.
Line breaks and invisible characters are taken out of a name (and reported), so no name
reaches a cell or a file name raw; every entry keeps its row number for messages.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from gongkai_xlsx.text import clean_name, squash_spaces

HEADER = "单位名称"
HEADER_WORDS = {"单位名称", "单位", "名称", "机构名称", "部门名称", "单位全称"}


class RosterError(ValueError):
    """The roster cannot be read; the message is Chinese and names the file."""


@dataclass(frozen=True)
class Entry:
    """One agency of the roster: its row (1-based, as Excel numbers it), its name, and
    what was taken out of the name as written (see :func:`gongkai_xlsx.text.clean_name`)."""

    row: int
    name: str
    removed: tuple[str, ...] = ()


@dataclass
class Roster:
    entries: list[Entry] = field(default_factory=list)
    duplicates: list[tuple[int, str]] = field(default_factory=list)  # (row number, name)
    rows: list[int] = field(default_factory=list)  # the row number of each name

    @property
    def names(self) -> list[str]:
        return [e.name for e in self.entries]


def _decode(data: bytes, path: Path) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise RosterError(f"{path}：无法识别文件编码，请另存为“CSV UTF-8（逗号分隔）”或 xlsx 后重试。")


@contextmanager
def _field_limit(limit: int) -> Iterator[None]:
    """Let the csv module read fields up to ``limit`` characters (its default, 131,072,
    ends in csv.Error on a roster with one huge cell; an over-long name is refused later
    with its row number instead)."""
    previous = csv.field_size_limit()
    csv.field_size_limit(max(previous, limit))
    try:
        yield
    finally:
        csv.field_size_limit(previous)


def _rows_from_csv(path: Path) -> list[list[str]]:
    # Old Mac line ends (a lone CR) are a csv.Error for the csv module: make every line
    # end a LF first (a roster has no line breaks inside its cells worth keeping).
    text = _decode(path.read_bytes(), path).replace("\r\n", "\n").replace("\r", "\n")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;，")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        with _field_limit(len(text) + 1):
            return [list(row) for row in reader]
    except csv.Error as exc:
        raise RosterError(
            f"{path}：第 {reader.line_num} 行无法按 CSV 读取（引号或分隔符有误）。"
            "请用 Excel 打开名单，另存为“CSV UTF-8（逗号分隔）”或 xlsx 后重试。"
        ) from exc


def _rows_from_xlsx(path: Path) -> list[list[str]]:
    import openpyxl  # only rosters in xlsx need it

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:
        raise RosterError(
            f"{path}：无法读取名单工作簿（文件已损坏或不是 xlsx 格式）。"
            "请用 Excel 或 WPS 打开名单，另存为 xlsx 或 CSV 后重试。"
        ) from exc
    try:
        ws = wb.worksheets[0]
        ws.reset_dimensions()  # WPS and others write <dimension ref="A1"/>; do not trust it
        return [
            ["" if v is None else str(v) for v in row] for row in ws.iter_rows(values_only=True)
        ]
    finally:
        wb.close()


HEADER_SEARCH_ROWS = 10


def _header(rows: list[list[str]]) -> tuple[int, int]:
    """(column, first data row). The header may sit under a title row ("2025年度…名单"),
    so the first rows are searched for 单位名称 (or a similar word); without one, the
    first column from the first non-blank row holds the names."""
    filled = [i for i, row in enumerate(rows) if any(squash_spaces(c) for c in row)]
    for words in ({HEADER}, HEADER_WORDS):
        for i in filled[:HEADER_SEARCH_ROWS]:
            for j, cell in enumerate(rows[i]):
                if squash_spaces(cell) in words:
                    return j, i + 1
    return 0, filled[0] if filled else 0


def read_roster(path: Path) -> Roster:
    path = Path(path)
    if path.is_dir():
        raise RosterError(
            f"{path}：这是一个文件夹，不是名单文件。请给出名单文件（.csv 或 .xlsx）的路径。"
        )
    if not path.is_file():
        raise RosterError(f"{path}：名单文件不存在。")
    suffix = path.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm"):
            rows = _rows_from_xlsx(path)
        elif suffix in (".csv", ".txt", ".tsv"):
            rows = _rows_from_csv(path)
        else:
            raise RosterError(f"{path}：名单只支持 .csv 或 .xlsx 文件。")
    except OSError as exc:
        raise RosterError(f"{path}：无法打开名单文件（{exc.strerror or '系统错误'}）。") from exc
    column, start = _header(rows)
    roster = Roster()
    seen: set[str] = set()
    for number, row in enumerate(rows[start:], start=start + 1):
        name, removed = clean_name(row[column] if column < len(row) else "")
        if not name:
            continue
        if name in seen:
            roster.duplicates.append((number, name))
            continue
        seen.add(name)
        roster.entries.append(Entry(number, name, tuple(removed)))
        roster.rows.append(number)
    if not roster.entries:
        raise RosterError(f"{path}：名单中没有单位名称（应在“{HEADER}”列或第一列）。")
    return roster
