"""Regenerate ``samples/expected/annotated/``: the marked copy of the sample with B1 broken.

    python scripts/make_annotated_sample.py

It is what ``gongkai-xlsx annotate samples/某县交通运输局_2024_B1不平衡.xlsx -o
samples/expected/annotated/`` writes (the same bytes: marking is deterministic), i.e. what the
agency gets back. ``scripts/make_samples.py`` runs it after rewriting the samples;
tests/test_annotate.py fails when the committed copy is stale.
"""

from __future__ import annotations

from pathlib import Path

from gongkai_xlsx.api import annotate_return

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "samples" / "某县交通运输局_2024_B1不平衡.xlsx"
# as ``ingest --annotate`` names it for sending: the agency, 退回修改 and the day it
# arrived (scripts/make_samples.py runs ingest with SOURCE_DATE_EPOCH set to that day)
ARRIVED = "20250120"
SOURCE_DATE_EPOCH = "1737331200"  # 2025-01-20T00:00:00Z
TARGET = ROOT / "samples" / "expected" / "annotated" / f"某县交通运输局_退回修改_{ARRIVED}.xlsx"


def main() -> Path:
    TARGET.parent.mkdir(exist_ok=True)
    result = annotate_return(SOURCE, TARGET, force=True)
    assert result.written == TARGET, "the B1 sample has findings, so it must be marked"
    return TARGET


if __name__ == "__main__":
    print(main().relative_to(ROOT))
