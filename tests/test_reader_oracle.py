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
from functools import cache
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from oracle.judge import Observed, accepted_unshown, read_as_the_checks_accept
from oracle.variants import VARIANTS

WITNESS = Path(__file__).parent / "oracle" / "witness.json"


@cache
def cases() -> dict[str, dict[str, Any]]:
    return {c["case"]: c for c in json.loads(WITNESS.read_text(encoding="utf-8"))["cases"]}


def observed(case: dict[str, Any]) -> dict[tuple[str, str], Observed]:
    """What LibreOffice and Gnumeric saw at each watched cell of a recorded case."""
    lo = case["libreoffice"]["default"]
    gn = case.get("gnumeric") or {}
    lo_cells = {(c["sheet"], c["cell"]): c for c in lo.get("cells", [])}
    gn_cells = {(c["sheet"], c["cell"]): c for c in gn.get("cells", [])}
    return {
        at: (lo_cells.get(at), lo["loaded"], gn_cells.get(at), bool(gn.get("loaded")))
        for at in (tuple(c) for c in case["cells"])
    }


@pytest.mark.parametrize("case_id", sorted(set(cases()) & set(VARIANTS)))
def test_a_value_is_read_only_when_both_witnesses_show_it(case_id: str) -> None:
    case = cases()[case_id]
    variant = VARIANTS[case_id]()
    ret, accepted, findings = read_as_the_checks_accept(variant.data, f"{case_id}.xlsx")
    wrong = accepted_unshown(ret, accepted, findings, observed(case), everywhere=False)
    assert not wrong, f"{case_id} {case['construct']}: " + "; ".join(wrong)


def test_every_case_of_the_study_is_covered() -> None:
    assert set(cases()) - {"base"} <= set(VARIANTS)
