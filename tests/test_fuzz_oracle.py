"""The reader against LibreOffice and Gnumeric on a committed corpus of fuzz mutants
(tests/fuzz/corpus, written by scripts/make_fuzz_corpus.py): in every mutant, every input
cell of the form is an error at that cell (or the file has a file-level error), or the
value both applications show there, as recorded in oracle.json.

The witnesses are too slow to run per fuzz example, so they ran once per mutant; the test
marked ``libreoffice`` re-runs them on a few mutants and fails when what they show has
changed (regenerate the corpus then, and read the diff of oracle.json).
"""

from __future__ import annotations

import hashlib
import os
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from fuzz.corpus import (
    CORPUS,
    gnumeric_cell,
    layout_fingerprint,
    libreoffice_cell,
    load_oracle,
    observe,
)
from fuzz.mutate import input_cells
from oracle import gnumeric
from oracle.judge import Observed, accepted_unshown, read_as_the_checks_accept


@cache
def mutants() -> dict[str, dict[str, Any]]:
    return {m["id"]: m for m in load_oracle()["mutants"]}


def observed(mutant: dict[str, Any]) -> dict[tuple[str, str], Observed]:
    """What LibreOffice and Gnumeric saw at every cell they looked at."""
    lo, gn = mutant["libreoffice"], mutant["gnumeric"]
    cells = [*input_cells(), *(tuple(c) for c in mutant["extra_cells"])]
    return {
        (s, r): (
            libreoffice_cell(lo, s, r),
            lo["loaded"],
            gnumeric_cell(gn, s, r),
            bool(gn and gn["loaded"]),
        )
        for s, r in cells
    }


def test_the_corpus_is_the_recorded_one() -> None:
    oracle = load_oracle()
    assert oracle["layout"] == layout_fingerprint(), "the form moved: regenerate the corpus"
    files = {p.stem for p in CORPUS.glob("*.xlsx")}
    assert files == set(mutants())
    assert len(files) >= 30
    for ident, mutant in mutants().items():
        data = (CORPUS / f"{ident}.xlsx").read_bytes()
        assert hashlib.sha256(data).hexdigest() == mutant["sha256"], ident


@pytest.mark.parametrize("ident", sorted(mutants()))
def test_every_input_cell_is_a_finding_or_what_both_applications_show(ident: str) -> None:
    mutant = mutants()[ident]
    data = (CORPUS / f"{ident}.xlsx").read_bytes()
    ret, accepted, findings = read_as_the_checks_accept(data, f"{ident}.xlsx")
    wrong = accepted_unshown(ret, accepted, findings, observed(mutant))
    assert not wrong, f"{ident} {mutant['done']}: " + "; ".join(wrong)


RECHECK = 5
"""Mutants whose observations are re-run live (spread over the corpus)."""


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    chosen = sorted(mutants())[:: max(1, len(mutants()) // RECHECK)][:RECHECK]
    files = []
    for ident in chosen:
        cells = [*input_cells(), *(tuple(c) for c in mutants()[ident]["extra_cells"])]
        files.append((CORPUS / f"{ident}.xlsx", cells))
    seen = observe(files, with_gnumeric=gnumeric.available())
    return dict(zip(chosen, seen, strict=True))


@pytest.mark.libreoffice
def test_libreoffice_and_gnumeric_still_show_what_was_recorded(fresh: dict[str, Any]) -> None:
    assert len(fresh) == RECHECK
    for ident, (lo, gn) in fresh.items():
        assert lo == mutants()[ident]["libreoffice"], ident
        if gn is None:
            if os.environ.get("GONGKAI_REQUIRE_LIBREOFFICE"):  # scripts/test.sh installs it
                pytest.fail("Gnumeric (ssconvert) is required but missing")
            continue
        assert gn == mutants()[ident]["gnumeric"], ident
