"""Structure-aware fuzzing of the reader, bounded, in every test run.

Each example takes one of the committed samples or the witness study's base return,
applies one to four mutation operators (:mod:`fuzz.mutate`: cell types, values, formulas,
shared formulas, references, rows, inline strings, merges, styles, defined names, sheets,
number formats, shared strings, properties, parts, truncation, flipped bytes), and holds
the mutant to :func:`fuzz.properties.check_mutant`: no exception, a bounded time, both
tokenizers agreeing, and every value read without an error at its cell equal to an
independent reading of the file. A second test respells the XML only (whitespace inside tags, quotes,
comments, CDATA, character references, attribute order, another namespace's attributes):
the reading must then be the original's, finding for finding.

Hypothesis runs derandomized, so every run tests the same examples (1,000 and 250, about
30 s on two cores); ``GONGKAI_FUZZ_EXAMPLES`` raises their number for a longer campaign
and ``GONGKAI_FUZZ_SEED`` (non-zero) picks other ones, e.g.
``GONGKAI_FUZZ_EXAMPLES=20000 GONGKAI_FUZZ_SEED=7 pytest tests/test_fuzz.py``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from hypothesis import HealthCheck, given, note, seed, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent))
from fuzz.corpus import SAMPLES, bases
from fuzz.mutate import OPERATORS, mutate
from fuzz.properties import check_mutant, read_and_check

EXAMPLES = int(os.environ.get("GONGKAI_FUZZ_EXAMPLES", "1000"))
RESPELT_EXAMPLES = max(1, EXAMPLES // 4)
SEED = int(os.environ.get("GONGKAI_FUZZ_SEED", "0"))
BASE_NAMES = (*sorted(p.name for p in SAMPLES.glob("*.xlsx")), "variant-base.xlsx")
steps = st.lists(
    st.tuples(st.sampled_from(OPERATORS), st.integers(0, 2**32 - 1)), min_size=1, max_size=4
)


@seed(SEED)
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=SEED == 0,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(base=st.sampled_from(BASE_NAMES), steps=steps)
def test_every_mutant_is_read_within_bounds_and_as_the_file_holds(
    base: str, steps: list[tuple[str, int]]
) -> None:
    data, done = mutate(bases()[base], steps)
    note(f"{base}: {done}")
    check_mutant(data)


def test_the_bases_are_samples_and_the_variant_base() -> None:
    assert len(BASE_NAMES) == 5 and set(bases()) == set(BASE_NAMES)


RESPELLINGS = ("xml_spelling", "cell_syntax")
"""Operators that change how the XML is written, never what it means."""


@seed(SEED)
@settings(
    max_examples=RESPELT_EXAMPLES,
    deadline=None,
    derandomize=SEED == 0,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    base=st.sampled_from(BASE_NAMES),
    steps=st.lists(
        st.tuples(st.sampled_from(RESPELLINGS), st.integers(0, 2**32 - 1)), min_size=1, max_size=3
    ),
)
def test_a_respelt_file_is_read_as_the_original(base: str, steps: list[tuple[str, int]]) -> None:
    data, done = mutate(bases()[base], steps)
    note(f"{base}: {done}")
    ours, original = check_mutant(data), read_and_check(bases()[base])
    assert ours.ret.cells == original[0].cells
    assert ours.ret.fields == original[0].fields
    assert ours.ret.properties == original[0].properties
    assert ours.outcome.findings == original[1].findings
