"""The reader against LibreOffice and Gnumeric on a committed corpus of fuzz mutants
(tests/fuzz/corpus, written by scripts/make_fuzz_corpus.py): in every mutant, every input
cell of the form is an error at that cell (or the file has a file-level error), or the
value both applications show there, as recorded in oracle.json; and a mutant LibreOffice
does not open is refused with a file-level error.

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
    assert len(files) >= 88
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


@pytest.mark.parametrize(
    "ident", sorted(i for i, m in mutants().items() if not m["libreoffice"]["loaded"])
)
def test_a_file_libreoffice_does_not_open_is_refused(ident: str) -> None:
    """What LibreOffice refuses to open (a zip member compressed with bzip2 or LZMA, a zip
    comment past 512 bytes, a package it cannot make sense of) shows no number at all: the
    reader refuses the file, with a file-level error saying why, whatever Gnumeric shows."""
    data = (CORPUS / f"{ident}.xlsx").read_bytes()
    _ret, _accepted, findings = read_as_the_checks_accept(data, f"{ident}.xlsx")
    assert [f for f in findings if f.is_error and f.cell is None], mutants()[ident]["done"]


def test_the_corpus_has_files_libreoffice_refuses_for_each_zip_operator() -> None:
    """The zip operators' mutants include files LibreOffice refuses (issue 12, class 3)."""
    refused = {m["steps"][0][0] for m in mutants().values() if not m["libreoffice"]["loaded"]}
    assert {"zip_method", "zip_comment"} <= refused


RECHECK = (
    *("00-number-format", "08-row-remove", "16-row-duplicate", "24-cell-type", "32-sheet-name"),
    "51-value-child",  # class 1 of issue 12: LibreOffice and Gnumeric disagree at two cells
    "68-shared-formula",  # class 2: LibreOffice calculates the shared formula, Gnumeric not
    "86-zip-comment",  # class 3: a 513-byte zip comment, LibreOffice refuses, Gnumeric opens
)
"""Mutants whose observations are re-run live: five spread over the first forty, one of
each class of the mutants added for issue 12."""


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    chosen = [ident for ident in RECHECK if ident in mutants()]
    files = []
    for ident in chosen:
        cells = [*input_cells(), *(tuple(c) for c in mutants()[ident]["extra_cells"])]
        files.append((CORPUS / f"{ident}.xlsx", cells))
    seen = observe(files, with_gnumeric=gnumeric.available())
    return dict(zip(chosen, seen, strict=True))


@pytest.mark.libreoffice
def test_libreoffice_and_gnumeric_still_show_what_was_recorded(fresh: dict[str, Any]) -> None:
    assert len(fresh) == len(RECHECK)
    for ident, (lo, gn) in fresh.items():
        assert lo == mutants()[ident]["libreoffice"], ident
        if gn is None:
            if os.environ.get("GONGKAI_REQUIRE_LIBREOFFICE"):  # scripts/test.sh installs it
                pytest.fail("Gnumeric (ssconvert) is required but missing")
            continue
        assert gn == mutants()[ident]["gnumeric"], ident
