"""``ingest --previous`` keeps the parent flat (issue 16, item 5): last year's documents
wait on disk, and the parent holds only a sorted array of their agencies' hashes and their
places (16 bytes a document), reading an agency's documents back when its return is
compared. Memory is measured by the objects Python allocates (tracemalloc), never by time."""

from __future__ import annotations

import shutil
from pathlib import Path

import traced
from batch_data import FORM, synthetic_batch

from gongkai_xlsx.agency import agency_key
from gongkai_xlsx.previous import Previous, match, read_previous


def _kept(folder: Path) -> tuple[int, int]:
    """The bytes last year's documents in ``folder`` keep once read and looked up once
    (caches warmed), and how many documents there are."""
    documents: list[int] = []

    def read() -> Previous:
        previous = read_previous(folder)
        previous.by_agency.get("某县第00000局", [])
        return previous

    kept = traced.kept(lambda: read, lambda previous: documents.append(previous.documents))
    assert len(set(documents)) == 1
    return kept, documents[0]


def test_last_years_documents_wait_on_disk(tmp_path: Path) -> None:
    """A few dozen bytes a document (about 25 measured), not its numbers, name and file
    (about 960 bytes packed, 3.2 KB as a tuple of numbers)."""
    small, big = tmp_path / "small", tmp_path / "big"
    small.mkdir()
    big.mkdir()
    synthetic_batch(120, small)
    synthetic_batch(1200, big)
    (kept_small, n_small), (kept_big, n_big) = _kept(small), _kept(big)
    assert n_big > 1000
    assert (kept_big - kept_small) / (n_big - n_small) < 200


def test_each_agency_finds_its_own_document_among_a_thousand(tmp_path: Path) -> None:
    """Every agency of a large folder is found with exactly its own document, a copy in
    a subfolder is still one document, and an agency last year had not is none."""
    folder = tmp_path / "上年"
    folder.mkdir()
    entries, _clean = synthetic_batch(1000, folder)
    shutil.copytree(folder, folder / "副本", ignore=shutil.ignore_patterns("副本"))
    previous = read_previous(folder)
    files = sorted(p for p in folder.glob("*.json"))
    assert previous.documents == len(files) > 800
    passing = [e for e in entries if e.output]
    for entry in passing:
        agency = entry.outcome.agency
        assert agency is not None
        last, finding = match(previous, agency, 2025, FORM)
        assert finding is None and last is not None
        assert last.agency == agency and last.year == 2024
        assert len(previous.by_agency[agency_key(agency)]) == 1
    assert match(previous, "某县第99999局", 2025, FORM) == (None, None)
    assert len(previous.by_agency) == len(passing)
