"""The oracle rule, shared by the witness study's test (tests/test_reader_oracle.py) and the
fuzz corpus's (tests/test_fuzz_oracle.py): a value is accepted only when it is the value
LibreOffice AND Gnumeric show in that cell; anything else must be an error at the cell or
a file-level error.

What a witness shows is read from one observed cell as the harnesses report it
(``harness.witness`` for LibreOffice, ``gnumeric.witness`` for Gnumeric), reduced to what a
person reads there: a number, nothing, or other text.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from gongkai_xlsx.catalogue import Code
from gongkai_xlsx.checks import inputs, meta
from gongkai_xlsx.checks.numbers import parse_number
from gongkai_xlsx.definition import load_form
from gongkai_xlsx.definition.model import Kind
from gongkai_xlsx.findings import Finding
from gongkai_xlsx.reader import Return, read_return

FORM = load_form("gk2021")
COUNT = FORM.kinds["count"]
NOT_LOADED = "（未能打开）"
NO_SHEET = "（没有该工作表）"
COVERED = "（被合并单元格遮住）"

Shown = Decimal | str | None
Observed = tuple[Mapping[str, Any] | None, bool, Mapping[str, Any] | None, bool]
"""What the witnesses saw at one cell: LibreOffice's cell and whether the file loaded
there, then Gnumeric's."""


def shown_number(text: str | None, kind: Kind = COUNT) -> Shown:
    """What a person reads in a cell's displayed text: a number of the cell's ``kind``
    (by the tool's own rules for typed text: full-width digits, thousands separators),
    nothing (no text, or a mark for "nothing here" such as ``/``), or other text."""
    if text is None or not text.strip():
        return None
    parsed = parse_number(text, kind)
    if parsed.code is Code.BLANK_MARKER:
        return None
    if parsed.value is None:
        return text
    return Decimal(parsed.value)


def libreoffice_shows(
    cell: Mapping[str, Any] | None, loaded: bool = True, kind: Kind = COUNT
) -> Shown:
    """One cell of ``harness.witness`` (None: not observed because the file did not load)."""
    if not loaded or cell is None:
        return NOT_LOADED
    if not cell["found"]:
        return NO_SHEET
    if cell.get("covered"):
        return COVERED
    return shown_number(cell.get("string"), kind) if cell.get("type") != "empty" else None


def gnumeric_shows(
    cell: Mapping[str, Any] | None, loaded: bool = True, kind: Kind = COUNT
) -> Shown:
    """One cell of ``gnumeric.witness``."""
    if not loaded or cell is None:
        return NOT_LOADED
    if not cell["found"]:
        return NO_SHEET
    if cell.get("covered"):
        return COVERED
    return shown_number(cell.get("shown"), kind)


def read_as_the_checks_accept(
    data: bytes, name: str
) -> tuple[Return, dict[str, Any], list[Finding]]:
    """The return, the input values the checks accept (cell id → value; a cell the
    checks could not read is left out) and every finding of the reader and the checks."""
    ret = read_return(data, name)
    findings = list(ret.findings)
    if ret.form is None or not ret.located:
        return ret, {}, findings
    cover = meta.check(ret, ret.form)
    parsed = inputs.check(ret, ret.form)
    findings += [ret.place(f) for f in (*cover.findings, *parsed.findings)]
    accepted = {cid: v for cid, v in parsed.values.items() if cid not in parsed.unreadable}
    return ret, accepted, findings


def accepted_unshown(
    ret: Return,
    accepted: Mapping[str, Any],
    findings: list[Finding],
    observed: Mapping[tuple[str, str], Observed],
    everywhere: bool = True,
) -> list[str]:
    """Every input cell accepted without an error at it (and without a file-level error)
    whose value is not what both witnesses show; ``observed`` gives what each saw by
    (sheet, A1), read with the cell's own kind (a count, an amount). With
    ``everywhere``, a cell accepted at a place nobody observed is reported too; without,
    only the observed cells are judged."""
    if any(f.is_error and f.cell is None for f in findings):
        return []
    errors_at = {(f.sheet, f.cell) for f in findings if f.is_error}
    wrong = []
    for cell_id, value in accepted.items():
        read = ret.cells[cell_id]
        at = (read.sheet, read.ref)
        if at in errors_at or FORM.cell(cell_id).computed:
            continue
        ours = None if value is None else Decimal(value)
        if at not in observed:
            if not everywhere:
                continue
            wrong.append(f"{read.sheet}!{read.ref} ({cell_id}) read as {ours}: nobody observed it")
            continue
        lo_cell, lo_loaded, gn_cell, gn_loaded = observed[at]
        kind = FORM.cell(cell_id).kind
        lo = libreoffice_shows(lo_cell, lo_loaded, kind)
        gn = gnumeric_shows(gn_cell, gn_loaded, kind)
        if (ours, ours) != (lo, gn):
            wrong.append(
                f"{read.sheet}!{read.ref} ({cell_id}) read as {ours}, LibreOffice shows "
                f"{lo!r}, Gnumeric {gn!r}, and no error was reported"
            )
    return wrong
