"""The reader against its witnesses: for every odd construct of the witness study
(tests/oracle/WITNESS.md), each input cell is either a finding or exactly the number that
LibreOffice AND Gnumeric show there (their recorded observations, tests/oracle/witness.json;
tests/test_witness.py keeps a subset of them checked against the live applications).

This is the rule of the reader: a number is accepted only when it is the number the
applications show in that cell; where they might differ, it is an error at the cell.
"""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from oracle.variants import VARIANTS

from gongkai_xlsx.checks import inputs, meta
from gongkai_xlsx.checks.context import Context
from gongkai_xlsx.checks.numbers import parse_number
from gongkai_xlsx.definition import load_form
from gongkai_xlsx.definition.layout import layout_of
from gongkai_xlsx.findings import Finding
from gongkai_xlsx.reader import read_return

WITNESS = Path(__file__).parent / "oracle" / "witness.json"
FORM = load_form("gk2021")
AT = {
    (s, f"{chr(65 + c)}{r + 1}"): cid for cid, (s, r, c) in layout_of(FORM).cell_positions.items()
}
COUNT = FORM.kinds["count"]


@cache
def cases() -> dict[str, dict[str, Any]]:
    return {c["case"]: c for c in json.loads(WITNESS.read_text(encoding="utf-8"))["cases"]}


def shown_number(text: str | None) -> Decimal | str | None:
    """What a person reads in a cell's displayed text: a number (by the tool's own rules
    for typed text: full-width digits, thousands separators), nothing, or other text."""
    if text is None or not text.strip():
        return None
    parsed = parse_number(text, COUNT)
    if parsed.value is None:
        return text
    return Decimal(parsed.value)


def libreoffice_shows(case: dict[str, Any], sheet: str, ref: str) -> Decimal | str | None:
    mode = case["libreoffice"]["default"]
    if not mode["loaded"]:
        return "（未能打开）"
    cell = next(c for c in mode["cells"] if (c["sheet"], c["cell"]) == (sheet, ref))
    if not cell["found"]:
        return "（没有该工作表）"
    if cell["covered"]:
        return "（被合并单元格遮住）"
    return shown_number(cell["string"]) if cell["type"] != "empty" else None


def gnumeric_shows(case: dict[str, Any], sheet: str, ref: str) -> Decimal | str | None:
    result = case.get("gnumeric") or {}
    if not result.get("loaded"):
        return "（未能打开）"
    cell = next(c for c in result["cells"] if (c["sheet"], c["cell"]) == (sheet, ref))
    if not cell["found"]:
        return "（没有该工作表）"
    if cell["covered"]:
        return "（被合并单元格遮住）"
    return shown_number(cell.get("shown"))


def read_as_the_checks_accept(data: bytes, name: str) -> tuple[dict[str, Any], list[Finding]]:
    ret = read_return(data, name)
    findings = list(ret.findings)
    if ret.form is None or not ret.located:
        return {}, findings
    ctx = Context(ret=ret, form=ret.form)
    for check in (meta, inputs):
        findings += [ret.place(f) for f in check.check(ctx)]
    accepted = {cid: v for cid, v in ctx.inputs.items() if cid not in ctx.unreadable}
    return accepted, findings


def test_every_witness_case_but_the_base_has_its_variant() -> None:
    assert set(cases()) - set(VARIANTS) == {"base"}  # base: the unmutated return itself


@pytest.mark.parametrize("case_id", sorted(set(cases()) & set(VARIANTS)))
def test_a_value_is_read_only_when_both_witnesses_show_it(case_id: str) -> None:
    case = cases()[case_id]
    variant = VARIANTS[case_id]()
    accepted, findings = read_as_the_checks_accept(variant.data, f"{case_id}.xlsx")
    file_level = [f for f in findings if f.is_error and f.cell is None]
    for sheet, ref in (tuple(c) for c in case["cells"]):
        cell_id = AT.get((sheet, ref))
        if cell_id is None or FORM.cell(cell_id).computed:
            continue  # totals are recomputed, never read
        at_cell = [f for f in findings if f.is_error and (f.sheet, f.cell) == (sheet, ref)]
        if file_level or at_cell or cell_id not in accepted:
            continue  # a finding: the clerk is told, nothing is read
        ours = accepted[cell_id]
        ours = None if ours is None else Decimal(ours)
        lo, gn = libreoffice_shows(case, sheet, ref), gnumeric_shows(case, sheet, ref)
        assert (ours, ours) == (lo, gn), (
            f"{case_id} {case['construct']}: {sheet}!{ref} read as {ours}, "
            f"LibreOffice shows {lo!r}, Gnumeric {gn!r}, and no error was reported"
        )


def test_every_case_of_the_study_is_covered() -> None:
    assert set(cases()) - {"base"} <= set(VARIANTS)
