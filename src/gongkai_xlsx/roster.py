"""Read a roster of agencies (CSV or xlsx) for ``gongkai-xlsx new --roster``.

A coordinator's roster comes from Excel: "CSV（逗号分隔）" on Chinese Windows is GBK, other
tools write UTF-8 with or without BOM. Names are taken from the column headed 单位名称, or
the first column; blank rows are skipped; a name given twice is reported and kept once.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from gongkai_xlsx.text import squash_spaces

HEADER = "单位名称"
HEADER_WORDS = {"单位名称", "单位", "名称", "机构名称", "部门名称", "单位全称"}


class RosterError(ValueError):
    """The roster cannot be read; the message is Chinese and names the file."""


@dataclass
class Roster:
    names: list[str] = field(default_factory=list)
    duplicates: list[tuple[int, str]] = field(default_factory=list)  # (row number, name)
    rows: list[int] = field(default_factory=list)  # the row number of each name


def _decode(data: bytes, path: Path) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise RosterError(f"{path}：无法识别文件编码，请另存为“CSV UTF-8（逗号分隔）”或 xlsx 后重试。")


def _rows_from_csv(path: Path) -> list[list[str]]:
    text = _decode(path.read_bytes(), path)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;，")
    except csv.Error:
        dialect = csv.excel
    return [list(row) for row in csv.reader(io.StringIO(text), dialect)]


def _rows_from_xlsx(path: Path) -> list[list[str]]:
    import openpyxl  # only rosters in xlsx need it

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:
        raise RosterError(f"{path}：无法读取名单工作簿（{type(exc).__name__}）。") from exc
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
    filled = [i for i, row in enumerate(rows) if any(row)][:HEADER_SEARCH_ROWS]
    for words in ({HEADER}, HEADER_WORDS):
        for i in filled:
            for j, cell in enumerate(rows[i]):
                if cell in words:
                    return j, i + 1
    return 0, filled[0] if filled else 0


def read_roster(path: Path) -> Roster:
    path = Path(path)
    if not path.is_file():
        raise RosterError(f"{path}：名单文件不存在。")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        rows = _rows_from_xlsx(path)
    elif suffix in (".csv", ".txt", ".tsv"):
        rows = _rows_from_csv(path)
    else:
        raise RosterError(f"{path}：名单只支持 .csv 或 .xlsx 文件。")
    rows = [[squash_spaces(c) for c in row] for row in rows]
    column, start = _header(rows)
    roster = Roster()
    seen: set[str] = set()
    for number, row in enumerate(rows[start:], start=start + 1):
        name = row[column] if column < len(row) else ""
        if not name:
            continue
        if name in seen:
            roster.duplicates.append((number, name))
            continue
        seen.add(name)
        roster.names.append(name)
        roster.rows.append(number)
    if not roster.names:
        raise RosterError(f"{path}：名单中没有单位名称（应在“{HEADER}”列或第一列）。")
    return roster
