"""The canonical bytes are RFC 8785 (JSON Canonicalization Scheme), proved against the
``rfc8785`` reference implementation rather than assumed.

``canonical.dumps`` uses orjson with sorted keys because it is ~100x faster. The two agree
only where the document keeps to what this tool emits: ASCII keys, integers below 2^53,
amounts of at most four decimals below 10^9 (never an integral float: orjson writes 1.0,
RFC 8785 writes 1), strings without lone surrogates. These tests hold each condition:
every amount from 0.0001 to 20 exhaustively, every amount within 2,000 steps of each power
of ten and of the maximum, random amounts over the whole range, and whole documents.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import orjson
import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from gongkai_xlsx.canonical import Document, Meta, document_errors, json_number, read_back
from gongkai_xlsx.definition import Form
from gongkai_xlsx.definition.evaluate import with_totals
from gongkai_xlsx.document_members import return_numbers
from gongkai_xlsx.documents import read

SAMPLES = Path(__file__).resolve().parents[1] / "samples" / "expected"
MAX_UNITS = 9_999_999_999_999  # 999999999.9999 in units of 0.0001, the form's largest amount


def amount(units: int) -> Decimal:
    return Decimal(units).scaleb(-4)


def plain(value: Decimal) -> bytes:
    """The decimal as a person writes it, no trailing zeros: what both must print."""
    text = format(value.normalize(), "f")
    return text.encode()


def agree(units: int) -> None:
    number = json_number(amount(units))
    ours, reference = orjson.dumps(number), rfc8785.dumps(number)
    assert ours == reference == plain(amount(units)), units


def test_every_amount_up_to_twenty_is_written_alike():
    for units in range(0, 200_001):
        agree(units)


def test_amounts_near_every_power_of_ten_and_the_maximum_are_written_alike():
    edges = [10**e for e in range(0, 14)] + [MAX_UNITS]
    for edge in edges:
        for units in range(max(0, edge - 2_000), min(MAX_UNITS, edge + 2_000) + 1):
            agree(units)


@settings(max_examples=3_000, deadline=None)
@given(st.integers(0, MAX_UNITS))
def test_random_amounts_over_the_whole_range_are_written_alike(units):
    agree(units)


@settings(max_examples=500, deadline=None)
@given(st.integers(0, 2**53 - 1))
def test_whole_numbers_are_written_alike(n):
    assert orjson.dumps(n) == rfc8785.dumps(n) == str(n).encode()


def test_an_amount_that_is_whole_becomes_an_integer():
    # orjson writes the float 5.0 as "5.0", RFC 8785 as "5": json_number must never leave one
    assert orjson.dumps(5.0) != rfc8785.dumps(5.0)
    for text in ["5", "5.0000", "0.0000", "999999999.0000"]:
        assert isinstance(json_number(Decimal(text)), int)


# Text of XML 1.0 (what a cell can hold): no lone surrogates, no C0 control other than tab,
# newline and carriage return, plus the characters JSON must escape.
XML_TEXT = st.text(
    st.characters(blacklist_categories=("Cs",), min_codepoint=0x20)
    | st.sampled_from(['"', "\\", "/", "\t", "\n", "\r", "\x7f", "\u2028", "\u2029"]),
    max_size=60,
)


@pytest.fixture(scope="module")
def documents(form: Form):
    def make(agency: str, contact: str | None, values: dict[str, object]) -> Document:
        meta = Meta(2024, agency, contact, "0971-1234567", "某县/教育局.xlsx", "0" * 64)
        return Document.build(form, meta, with_totals(form, values))  # type: ignore[arg-type]

    return make


@settings(max_examples=40, deadline=None)
@given(
    seeds=st.lists(st.none() | st.integers(0, MAX_UNITS), min_size=1, max_size=8),
    agency=XML_TEXT,
    contact=st.none() | XML_TEXT,
)
def test_whole_documents_are_rfc8785(form, documents, seeds, agency, contact):
    values: dict[str, object] = {}
    for i, cell in enumerate(form.input_cells()):
        seed = seeds[i % len(seeds)]
        seed = None if seed is None else (seed * (i + 1)) % (MAX_UNITS + 1)
        if cell.kind.type == "integer":
            values[cell.id] = None if seed is None else seed % 1_000_000_000
        else:
            values[cell.id] = None if seed is None else amount(seed)
    ours = documents(agency, contact, values).to_json_bytes()
    # the reference given the same JSON values (amounts as the doubles JSON holds)
    assert ours == rfc8785.dumps(orjson.loads(ours))


def exactly(value: object) -> object:
    """A value with what equality hides: its type, and a Decimal's digits and exponent
    (``Decimal("1.10") == Decimal("1.1")``, but they print differently)."""
    return (type(value), value.as_tuple() if isinstance(value, Decimal) else value)


@settings(max_examples=60, deadline=None)
@given(seeds=st.lists(st.none() | st.integers(0, MAX_UNITS), min_size=1, max_size=8))
def test_read_back_is_what_the_bytes_give_back(form, documents, seeds):
    """The numbers a worker sends with a return (the run's totals sum them, never the
    document again) are exactly what the document's bytes give back when read: trailing
    zeros dropped (1.10 is read back as 1.1), whole amounts integers."""
    values: dict[str, object] = {}
    for i, cell in enumerate(form.input_cells()):
        seed = seeds[i % len(seeds)]
        seed = None if seed is None else (seed * (i + 7)) % (MAX_UNITS + 1)
        if cell.kind.type == "integer":
            values[cell.id] = None if seed is None else seed % 1_000_000_000
        else:  # as the reader may hold them: with trailing zeros
            values[cell.id] = None if seed is None else Decimal(f"{amount(seed):.4f}")
    document = documents("某县教育局", None, values)
    again = read(document.to_json_bytes())
    assert [exactly(v) for v in return_numbers(form, document)] == [
        exactly(again.values[cell.id]) for cell in form.input_cells()
    ]
    for value, back in [("1.10", "1.1"), ("0.0001", "0.0001"), ("12.5000", "12.5"), ("5.00", 5)]:
        one = documents("甲局", None, {FEES: Decimal(value)})
        as_read = read(one.to_json_bytes()).values[FEES]
        expected = Decimal(back) if isinstance(back, str) else back
        assert exactly(read_back(one.values[FEES])) == exactly(as_read) == exactly(expected)


FEES = "a.fees.amount"


def test_every_key_a_document_can_hold_is_ascii(form, documents):
    document = documents("某县教育局", None, {}).to_json()
    keys: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            keys.extend(node)
            for child in node.values():
                walk(child)

    walk(document)
    assert len(keys) > len(form.cells)
    assert all(key.isascii() for key in keys), [k for k in keys if not k.isascii()]


RETURNS = sorted(p for p in SAMPLES.glob("*.json") if p.name != "report.json")


@pytest.mark.parametrize("path", RETURNS, ids=lambda p: p.name)
def test_the_committed_samples_are_rfc8785(path):
    data = path.read_bytes()
    assert data.rstrip(b"\n") == rfc8785.dumps(json.loads(data))


def test_the_schema_guard_checks_exact_numbers_without_parsing_the_bytes_again(form: Form):
    """document_errors checks a document's JSON values, amounts as Decimal: a clean one
    passes, an amount a hair above its cell's maximum (which a double would round onto
    the maximum) and a count above its maximum fail, each at its path."""
    amount = next(c for c in form.input_cells() if c.kind.type == "decimal")
    count = next(c for c in form.input_cells() if c.kind.type == "integer")
    meta = Meta(2024, "某局", None, None, "某局.xlsx", "0" * 64)
    clean = Document.build(form, meta, with_totals(form, {amount.id: Decimal("12.3456")}))
    assert document_errors(form, clean) == []
    values = {amount.id: amount.kind.maximum + Decimal("1e-20"), count.id: 10**12}
    bad = Document.build(form, meta, with_totals(form, values))
    paths = sorted(".".join(path[1:]) for path, _message in document_errors(form, bad))
    assert paths == sorted([amount.id, count.id])
