"""The witness study's facts still hold: a few recorded cases of ``tests/oracle/witness.json``
(written by ``scripts/witness.py``) re-run in one LibreOffice session and in Gnumeric, and
compared with what was recorded. The reader's rules cite these facts; when LibreOffice,
Gnumeric or the template change what a person sees, this fails instead of the facts going
stale (regenerate with ``python scripts/witness.py`` and read the diff of WITNESS.md)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from oracle import gnumeric
from oracle.observe import Record, gnumeric_facts, lo_facts, observe
from oracle.variants import VARIANTS

RECORDED = {
    r["case"]: r
    for r in json.loads(
        (Path(__file__).parent / "oracle" / "witness.json").read_text(encoding="utf-8")
    )["cases"]
}
# Cases the reader's decisions hang on: prefix parsing of v (1_000 → 1, 12abc → 12),
# digits Python would accept (full-width → 0), a Boolean spelt "true", v and is together,
# a cell written twice, a merge over an input, a zip holding the sheet twice, and a shared
# formula's child calculated on opening or shown empty without its master.
CASES = ("A13", "A16", "A25", "B11", "B23", "C04", "D01", "E01", "I02", "I03")

pytestmark = pytest.mark.libreoffice


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Record]:
    variants = [VARIANTS[case]() for case in CASES]
    records = observe(
        variants, tmp_path_factory.mktemp("witness"), with_gnumeric=gnumeric.available()
    )
    return {r["case"]: r for r in records}


def test_cases_are_recorded() -> None:
    assert set(CASES) <= set(RECORDED)
    for case in CASES:
        variant = VARIANTS[case]()
        assert RECORDED[case]["cells"] == [list(c) for c in variant.cells]
        assert RECORDED[case]["construct"] == variant.construct


@pytest.mark.parametrize("case", CASES)
def test_libreoffice_still_shows_what_was_recorded(case: str, fresh: dict[str, Any]) -> None:
    for mode in ("default", "recalc"):
        now = lo_facts(fresh[case]["libreoffice"][mode])
        assert now == lo_facts(RECORDED[case]["libreoffice"][mode]), mode
    if "libreoffice_resaved" in RECORDED[case]:
        assert fresh[case]["libreoffice_resaved"] == RECORDED[case]["libreoffice_resaved"]


def test_recalc_mode_is_switched_in_the_running_soffice(fresh: dict[str, Any]) -> None:
    """With recalculation the total is the sum. Without it LibreOffice keeps a formula's
    cached result, except for array formulas, which it always computes when it opens a
    file: the template's totals are array formulas (they count numbers typed as text, as
    ingest does), so both modes show the sum, never the cached blank."""
    observed = fresh["C04"]["libreoffice"]  # D6 written 5 then 7; E6 = 7
    total = {m: next(c for c in observed[m]["cells"] if c["type"] == "formula") for m in observed}
    assert total["recalc"]["value"] == 14
    assert total["default"]["value"] == 14


@pytest.mark.parametrize("case", CASES)
def test_gnumeric_still_shows_what_was_recorded(case: str, fresh: dict[str, Any]) -> None:
    if not gnumeric.available():
        if os.environ.get("GONGKAI_REQUIRE_LIBREOFFICE"):  # scripts/test.sh installs it
            pytest.fail("Gnumeric (ssconvert) is required but missing")
        pytest.skip("Gnumeric (ssconvert) is not installed")
    assert gnumeric_facts(fresh[case]["gnumeric"]) == gnumeric_facts(RECORDED[case]["gnumeric"])
