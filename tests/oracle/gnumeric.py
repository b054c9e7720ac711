"""Gnumeric as a second, independent witness of what a spreadsheet application shows.

Gnumeric's ``ssconvert`` (Debian package ``gnumeric``) loads an xlsx with its own reader,
so where it and LibreOffice agree on a file, the reading does not hang on one code base.
``witness`` converts each file three ways, each a plain ``ssconvert`` a person could run:

- to Gnumeric's own XML (``Gnumeric_XmlIO:sax:0``): what was loaded, without any
  recalculation: each cell's value type and raw content, number format, sheet visibility,
  merged ranges;
- to one CSV per sheet with ``format=preserve`` (``-S``, ``Gnumeric_stf:stf_assistant``):
  the text each cell shows, formatted, with cached formula results as in the file;
- the same with ``--recalc``: what it shows once every formula is recalculated, plus the
  raw recalculated values (``format=raw``).

Nothing is installed or left running; each conversion has its own temporary folder.
"""

from __future__ import annotations

import contextlib
import csv
import os
import shutil
import subprocess
import tempfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypedDict

from gongkai_xlsx.cellref import from_a1, to_a1

TIMEOUT_S = 120.0
"""Per ssconvert run."""
OUTPUT_LIMIT = 20_000_000
"""Bytes of output after which a conversion is stopped (the first rows are kept)."""
_NS = {"gnm": "http://www.gnumeric.org/v10.dtd"}
# Gnumeric's value.h: the ValueType attribute of a constant cell.
VALUE_TYPES = {
    "10": "empty",
    "20": "boolean",
    "40": "number",
    "50": "error",
    "60": "text",
    "70": "cellrange",
    "80": "array",
}
_HIDDEN = {
    "GNM_SHEET_VISIBILITY_VISIBLE": "visible",
    "GNM_SHEET_VISIBILITY_HIDDEN": "hidden",
    "GNM_SHEET_VISIBILITY_VERY_HIDDEN": "veryHidden",
}


class GnumericCell(TypedDict, total=False):
    """What Gnumeric shows in one cell; see ``witness``."""

    sheet: str
    cell: str
    found: bool
    type: str
    raw: str | None
    format: str | None
    merge: str | None
    covered: bool
    shown: str | None
    shown_recalc: str | None
    raw_recalc: str | None


class GnumericResult(TypedDict, total=False):
    """One file; see ``witness``."""

    src: str
    loaded: bool
    error: str | None
    warnings: list[str]
    sheets: list[dict[str, str]]
    cells: list[GnumericCell]
    csv_cut: str


def available() -> bool:
    """Tell whether ``ssconvert`` (Gnumeric) is installed."""
    return shutil.which("ssconvert") is not None


def version() -> str:
    """``ssconvert --version``'s first line, e.g. ``ssconvert version '1.12.55'``."""
    out = subprocess.run(
        ["ssconvert", "--version"], capture_output=True, text=True, timeout=60, check=False
    )
    return (out.stdout or out.stderr).strip().splitlines()[0]


class _Run:
    """One finished ssconvert: its messages, exit code, and whether it was cut short."""

    def __init__(self, code: int | None, messages: list[str], cut: str | None) -> None:
        self.code, self.messages, self.cut = code, messages, cut


def _size(folder: Path) -> int:
    """Bytes in ``folder`` now; ssconvert renames its temporary files as it writes."""
    total = 0
    for f in folder.iterdir():
        with contextlib.suppress(FileNotFoundError):
            total += f.stat().st_size if f.is_file() else 0
    return total


def _ssconvert(args: list[str], cwd: Path, outdir: Path) -> _Run:
    """Run ssconvert; stop it when its output passes ``OUTPUT_LIMIT`` bytes or ``TIMEOUT_S``.

    A sheet with a cell at XFD1048576 makes a CSV of 1,048,576 rows of 16,384 fields
    (about 50 GB): the rows that matter come first, so the output is cut and kept.
    """
    env = {**os.environ, "HOME": str(cwd), "GSETTINGS_BACKEND": "memory"}
    log = cwd / "ssconvert.log"
    with log.open("w+", encoding="utf-8", errors="replace") as out:
        proc = subprocess.Popen(
            ["ssconvert", *args],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=cwd,
            env=env,
        )
        cut = None
        deadline = time.monotonic() + TIMEOUT_S
        while proc.poll() is None:
            size = _size(outdir)
            if size > OUTPUT_LIMIT:
                cut = f"output cut at {OUTPUT_LIMIT // 1_000_000} MB"
            elif time.monotonic() > deadline:
                cut = f"timed out after {TIMEOUT_S:.0f} s"
            if cut:
                proc.kill()
                break
            time.sleep(0.05)
        proc.wait()
        out.seek(0)
        text = out.read()
    seen: dict[str, None] = {}  # ssconvert repeats its warnings; keep each once, in order
    for line in text.splitlines():
        if line.strip():
            seen.setdefault(line.strip(), None)
    return _Run(None if cut else proc.returncode, list(seen), cut)


def _read_csv(path: Path) -> list[list[str]]:
    """Rows of a CSV; a row cut in the middle (output limit) is dropped."""
    rows: list[list[str]] = []
    with path.open(encoding="utf-8", errors="replace", newline="") as f:
        try:
            for row in csv.reader(f):
                rows.append(row)
        except csv.Error:
            pass
    return rows


def _csv_sheets(src: Path, tmp: Path, fmt: str, recalc: bool) -> tuple[_Sheets, _Run]:
    """Every sheet as CSV rows (``%n``: sheet index), plus how the conversion went."""
    outdir = tmp / f"csv-{fmt}-{int(recalc)}"
    outdir.mkdir()
    args = ["-S", "-T", "Gnumeric_stf:stf_assistant"]
    args += ["-O", f"format={fmt} quoting-mode=always separator=, eol=unix"]
    if recalc:
        args.append("--recalc")
    run = _ssconvert([*args, str(src), str(outdir / "sheet.%n.csv")], tmp, outdir)
    sheets = _Sheets()
    for n in range(10_000):
        path = outdir / f"sheet.{n}.csv"
        if not path.is_file():
            break
        sheets.append(_read_csv(path))
        path.unlink()  # keep the disk free while the next sheet is read
    # ssconvert writes each file under a temporary name (.gsf-save-*) and renames it when
    # done: a cut conversion leaves the sheet it was writing there.
    for partial in outdir.glob(".gsf-save-*"):
        if run.cut:
            sheets.cut = len(sheets)
            sheets.append(_read_csv(partial))
        partial.unlink()
    return sheets, run


def _shown(rows: list[list[str]] | None, ref: str) -> str | None:
    """The CSV text at ``ref``; None where the export holds no such row (it was cut)."""
    row, col = from_a1(ref)
    if rows is None:
        return None
    if row < len(rows):
        return rows[row][col] if col < len(rows[row]) else ""
    return ""


class _Sheets(list[list[list[str]]]):
    """CSV rows per sheet; ``cut`` is the index of a sheet whose export was stopped."""

    cut: int | None = None


def _native(src: Path, tmp: Path) -> tuple[ET.Element | None, _Run]:
    outdir = tmp / "native"
    outdir.mkdir()
    out = outdir / "native.xml"
    run = _ssconvert(["-T", "Gnumeric_XmlIO:sax:0", str(src), str(out)], tmp, outdir)
    ok = run.cut is None and out.is_file() and out.stat().st_size > 0
    return (ET.parse(out).getroot() if ok else None), run


def _merges(sheet: ET.Element) -> list[tuple[int, int, int, int]]:
    spans = []
    for m in sheet.iterfind("gnm:MergedRegions/gnm:Merge", _NS):
        first, _, last = (m.text or "").partition(":")
        r0, c0 = from_a1(first)
        r1, c1 = from_a1(last or first)
        spans.append((r0, c0, r1, c1))
    return spans


def _describe(sheet: ET.Element, ref: str) -> GnumericCell:
    row, col = from_a1(ref)
    out: GnumericCell = {"found": True, "type": "empty", "raw": None, "format": None}
    for cell in sheet.iterfind("gnm:Cells/gnm:Cell", _NS):
        if int(cell.get("Row", "-1")) == row and int(cell.get("Col", "-1")) == col:
            if cell.get("ExprID") is not None or (cell.text or "").startswith("="):
                out["type"] = "formula"
            else:
                out["type"] = VALUE_TYPES.get(cell.get("ValueType", ""), cell.get("ValueType", "?"))
            out["raw"] = cell.text
            out["format"] = cell.get("ValueFormat")
            break
    for region in sheet.iterfind("gnm:Styles/gnm:StyleRegion", _NS):
        a = region.attrib
        if int(a["startRow"]) <= row <= int(a["endRow"]) and int(a["startCol"]) <= col <= int(
            a["endCol"]
        ):
            style = region.find("gnm:Style", _NS)
            if out["format"] is None and style is not None:
                out["format"] = style.get("Format")
            break
    for r0, c0, r1, c1 in _merges(sheet):
        if r0 <= row <= r1 and c0 <= col <= c1:
            out["merge"] = f"{to_a1(r0, c0)}:{to_a1(r1, c1)}"
            out["covered"] = (row, col) != (r0, c0)
            break
    else:
        out["merge"], out["covered"] = None, False
    return out


def witness_one(src: str | os.PathLike[str], cells: Sequence[Sequence[str]]) -> GnumericResult:
    """What Gnumeric shows for one file; see ``witness``."""
    path = Path(src).resolve()
    result: GnumericResult = {"src": str(path), "loaded": False, "error": None, "warnings": []}
    with tempfile.TemporaryDirectory(prefix="gk-gnumeric-") as tmp_name:
        tmp = Path(tmp_name)
        root, run = _native(path, tmp)
        result["warnings"] = run.messages
        if root is None:
            why = run.cut or f"exited {run.code}"
            return {**result, "error": f"ssconvert {why}: " + " | ".join(run.messages)}
        result["loaded"] = True
        sheets = root.findall("gnm:Sheets/gnm:Sheet", _NS)
        names = [s.findtext("gnm:Name", "", _NS) for s in sheets]
        result["sheets"] = [
            {"name": n, "visibility": _HIDDEN.get(s.get("Visibility", ""), s.get("Visibility", ""))}
            for n, s in zip(names, sheets, strict=True)
        ]
        shown, run = _csv_sheets(path, tmp, "preserve", recalc=False)
        shown_recalc, run_recalc = _csv_sheets(path, tmp, "preserve", recalc=True)
        raw_recalc, _ = _csv_sheets(path, tmp, "raw", recalc=True)
        cuts = {run.cut, run_recalc.cut} - {None}
        if cuts:
            result["csv_cut"] = ", ".join(sorted(c for c in cuts if c))
        observed: list[GnumericCell] = []
        for sheet_name, ref in cells:
            entry: GnumericCell = {"sheet": sheet_name, "cell": ref}
            if sheet_name not in names:
                observed.append({**entry, "found": False})
                continue
            i = names.index(sheet_name)
            try:
                entry.update(_describe(sheets[i], ref))
            except ValueError:  # not an A1 reference Gnumeric's grid can hold
                observed.append({**entry, "found": False})
                continue
            for key, table in (
                ("shown", shown),
                ("shown_recalc", shown_recalc),
                ("raw_recalc", raw_recalc),
            ):
                rows = table[i] if i < len(table) else None
                if rows is not None and table.cut == i and from_a1(ref)[0] >= len(rows):
                    rows = None  # the export stopped before this row
                entry[key] = _shown(rows, ref)  # type: ignore[literal-required]
            observed.append(entry)
        result["cells"] = observed
    return result


def witness(
    files: Sequence[tuple[str | os.PathLike[str], Sequence[Sequence[str]]]], jobs: int = 2
) -> list[GnumericResult]:
    """What Gnumeric shows for each ``(path, [(sheet, A1), ...])``, in order.

    Each result: ``{"src", "loaded", "error", "warnings": [ssconvert's messages],
    "sheets": [{"name", "visibility": visible|hidden|veryHidden}], "cells": [...]}``; each
    cell: ``{"sheet", "cell", "found", "type": empty|number|text|boolean|error|formula,
    "raw": the loaded content (no recalculation), "format": its number format or None,
    "merge": "A6:C6" or None, "covered": inside a merge but not its top-left,
    "shown": the displayed text, "shown_recalc": displayed after --recalc,
    "raw_recalc": the unformatted value after --recalc}``; the three are None where the
    CSV export was stopped before the cell's row, or the sheet was not exported. ``csv_cut`` is set when a CSV
    export was stopped (``OUTPUT_LIMIT``, ``TIMEOUT_S``): its first rows are still read.
    ``jobs`` conversions run at once.
    """
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        return list(pool.map(lambda f: witness_one(f[0], f[1]), files))
