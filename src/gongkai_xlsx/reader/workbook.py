"""The spreadsheet backend: an xlsx file → :class:`RawWorkbook`, the one shape every later
stage reads. Only this module imports a spreadsheet library, so a faster backend
(python-calamine for the values plus the zip's own XML for names and properties) can
replace it without touching the checks.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path
from typing import Any

import openpyxl

from gongkai_xlsx.cellref import from_a1, to_a1

MAX_ROWS = 2000  # a return has ~40 rows; names pointing further are not followed
MAX_COLS = 100


def _detail(exc: Exception) -> str:
    """Chinese for the clerk; the library's own English words only as the exception type."""
    return f"工作簿内容无法解析：{type(exc).__name__}"


class UnreadableWorkbook(Exception):
    """The backend could not parse a file that looked like an xlsx; ``detail`` says why."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


@dataclass
class RawWorkbook:
    """What was in the file, before anything is interpreted.

    ``values`` holds, per sheet, the non-empty cells within the read window, keyed by A1
    reference; formula cells hold their cached result (which may be missing or stale).
    ``names`` maps workbook-level defined names that point at one cell to (sheet, A1).
    ``formulas`` holds the formula text of formula cells (a clerk may type ``=12+3``).
    """

    sheets: list[str]
    names: dict[str, tuple[str, str]] = field(default_factory=dict)
    formulas: dict[str, dict[str, str]] = field(default_factory=dict)  # sheet → {A1: "=…"}
    extent: dict[str, tuple[int, int]] = field(default_factory=dict)  # sheet → (rows, cols) read
    properties: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, Any]] = field(default_factory=dict)

    def value(self, sheet: str, ref: str) -> Any:
        return self.values.get(sheet, {}).get(ref)


_SINGLE_CELL = re.compile(r"^(?:'((?:[^']|'')+)'|([^'!:]+))!\$?([A-Z]{1,3})\$?([0-9]+)$")


def _single_cell_target(text: str) -> tuple[str, str] | None:
    """``'依申请公开'!$D$6`` → (sheet, "D6"); None for ranges, formulas and broken names.

    A regex instead of openpyxl's formula tokenizer: it is a third of the read time."""
    match = _SINGLE_CELL.match(text.strip())
    if match is None:
        return None
    quoted, bare, col, row = match.groups()
    sheet = quoted.replace("''", "'") if quoted is not None else bare
    return sheet, f"{col}{row}"


_FORMULA_CELL = re.compile(rb"<c\b([^>]*?)(?<!/)>\s*<f\b([^>]*?)(?:/>|>([^<]*)</f>)", re.S)
_REF_ATTR = re.compile(rb'\br="([A-Z]{1,3}[0-9]+)"')


def _formula_cells(xml: bytes) -> dict[str, str]:
    """{A1: formula} of one sheet's XML. openpyxl gives either the cached values or the
    formulas, not both; scanning the XML for ``<f>`` costs far less than a second read."""
    found: dict[str, str] = {}
    for match in _FORMULA_CELL.finditer(xml):
        ref = _REF_ATTR.search(match.group(1))
        if ref is not None:
            text = unescape((match.group(3) or b"").decode("utf-8", "replace"))
            found[ref.group(1).decode()] = "=" + text if text else "=（共享公式）"
    return found


def _property_text(value: Any) -> str:
    """Custom properties as text; LibreOffice turns a stored 2024 into the float 2024.0."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_workbook(path: Path, sheets: list[str], max_row: int, max_col: int) -> RawWorkbook:
    """Read the cells of ``sheets`` (those present) within ``max_row`` × ``max_col``.

    The window bounds the work a hostile file can cause: a sheet with a cell at XFD1048576
    is read no further than the window.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about extensions it drops
            wb = openpyxl.load_workbook(path, read_only=True, data_only=True, keep_links=False)
    except Exception as exc:  # any parser failure is a bad file, not a crash
        raise UnreadableWorkbook(_detail(exc)) from exc
    try:
        raw = RawWorkbook(sheets=list(wb.sheetnames))
        for name, defined in wb.defined_names.items():
            target = _single_cell_target(defined.attr_text or "")
            if target is not None:
                raw.names[name] = target
        for prop in getattr(wb.custom_doc_props, "props", []):
            raw.properties[prop.name] = _property_text(prop.value)
        for sheet in sheets:
            if sheet not in raw.sheets:
                continue
            ws = wb[sheet]
            cells: dict[str, Any] = {}
            # Rows inserted above the table move the named cells down: read as far as the
            # names point, within a hard bound (a hostile name must not cost a huge read).
            named = [from_a1(ref) for s, ref in raw.names.values() if s == sheet]
            rows_needed = min(max([max_row, *(r + 1 for r, _ in named)]), MAX_ROWS)
            cols_needed = min(max([max_col, *(c + 1 for _, c in named)]), MAX_COLS)
            raw.extent[sheet] = (rows_needed, cols_needed)
            rows = ws.iter_rows(
                min_row=1, max_row=rows_needed, max_col=cols_needed, values_only=True
            )
            for r, row in enumerate(rows):
                for c, value in enumerate(row):
                    if value is not None and value != "":
                        cells[to_a1(r, c)] = value
            raw.values[sheet] = cells
            path = getattr(ws, "_worksheet_path", None)
            if path:
                raw.formulas[sheet] = _formula_cells(wb._archive.read(path))
        return raw
    except Exception as exc:
        raise UnreadableWorkbook(_detail(exc)) from exc
    finally:
        wb.close()
