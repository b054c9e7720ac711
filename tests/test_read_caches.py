"""The worker remembers, by their bytes or value, what a batch's returns repeat (a cell's
<f>/<v> content, a shared string of rich text, a stored number's interpretation and how its
format shows it). A reading with everything remembered must be the reading of a fresh
process, finding for finding and byte for byte."""

from __future__ import annotations

from pathlib import Path

import pytest

from gongkai_xlsx.checks import numbers
from gongkai_xlsx.definition import load_form
from gongkai_xlsx.ingest.worker import Task, check_task
from gongkai_xlsx.reader import (
    cellvalue,
    numfmt,
    parts,
    sheet_cells,
    sheet_fast,
    sheet_findings,
    sheetxml,
)
from gongkai_xlsx.reader.sheet_cells import MAX_CELL_CHARS
from gongkai_xlsx.reader.sheetxml import scan_sheet

SAMPLES = sorted((Path(__file__).parent.parent / "samples").glob("*.xlsx"))


def _forget() -> None:
    sheet_fast._plain_cached.cache_clear()
    parts._runs_cached.cache_clear()
    parts._shown_cached.cache_clear()
    numbers._parse_float.cache_clear()
    numbers._parse_nonzero.cache_clear()
    numfmt.verdict.cache_clear()
    cellvalue._double_remembered.cache_clear()
    cellvalue._index_remembered.cache_clear()
    sheet_findings._digit_remembered.cache_clear()
    sheet_findings._key_remembered.cache_clear()
    sheet_cells._unescape_text_cached.cache_clear()
    sheet_fast._ROWS.clear()
    sheet_fast._ROWS.size = 0
    sheet_fast._ONCE.clear()
    sheetxml._merges_cached.cache_clear()
    parts.styles.cache_clear()  # and each Styles' formats by style index with it


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_a_return_read_again_with_everything_remembered_is_read_alike(path: Path) -> None:
    _forget()
    fresh = check_task(Task(str(path)))
    for other in SAMPLES:  # the caches now hold what every sample repeats
        check_task(Task(str(other)))
    again = check_task(Task(str(path)))
    assert again.canonical == fresh.canonical
    assert again.outcome == fresh.outcome and again.places == fresh.places


def test_minus_zero_is_not_taken_for_zero() -> None:
    """0.0 == -0.0 and both hash alike: a cache keyed by the float would answer for -0.0
    with what it remembered for 0.0."""
    kind = load_form("gk2021").input_cells()[0].kind
    _forget()
    fresh = numbers._parse(-0.0, kind)
    numbers.parse_number(0.0, kind)
    assert numbers.parse_number(-0.0, kind) == fresh
    assert numbers.parse_number(0.0, kind) == numbers._parse(0.0, kind)


def test_a_departure_from_the_grammar_is_found_every_time() -> None:
    """A shared string outside the grammar raises inside the remembered reading; what
    raises is not remembered, so the second table with it is judged as the first."""
    table = (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b"<si><r><t>a</t></r><r><t>b</t><t>c</t></r></si><si><r><t>ok</t></r></si></sst>"
    )
    _forget()
    first, second = parts.shared_strings(table), parts.shared_strings(table)
    assert first.bad == second.bad and set(first.bad) == {0}
    assert list(first) == list(second)


def test_a_cell_cut_at_excel_s_limit_is_marked_so_every_time() -> None:
    """Such a content is longer than what is remembered: read in full each time."""
    long_text = "1" * (MAX_CELL_CHARS + 5)
    sheet = (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<sheetData><row r="1"><c r="A1" t="str"><v>{long_text}</v></c></row></sheetData>'
        "</worksheet>"
    ).encode()
    _forget()
    scans = [scan_sheet(sheet, "x") for _ in range(2)]
    for scan in scans:
        cell = scan.cells["A1"]
        assert cell.too_long and cell.v is not None and len(cell.v) == MAX_CELL_CHARS
    assert scans[0].cells == scans[1].cells == scan_sheet(sheet, "x", force_exact=True).cells
