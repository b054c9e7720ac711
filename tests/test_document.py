"""The canonical Document: frozen, exact (never a float), and the same after a trip
through its bytes; amounts stay Decimals from the workbook to the published report."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import pytest
import rfc8785
from conftest import Filler
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_property import returns

from gongkai_xlsx.aggregate import aggregate_paths
from gongkai_xlsx.api import IngestOptions, check_file, ingest
from gongkai_xlsx.canonical import Document, Member, Meta, Place
from gongkai_xlsx.definition import Form
from gongkai_xlsx.definition.evaluate import with_totals
from gongkai_xlsx.documents import read
from gongkai_xlsx.render.request import render_file

FEES = "a.fees.amount"


def _numbers(document: Document) -> list[Any]:
    found: list[Any] = list(document.values.values())
    for member in document.members or ():
        found += list(member.values.values())
    return found


def _document(form: Form, values: dict[str, Any], agency: str = "某县教育局") -> Document:
    meta = Meta(2024, agency, "王芳", None, f"{agency}.xlsx", "0" * 64)
    return Document.build(form, meta, with_totals(form, values))


def test_a_document_is_frozen(form: Form) -> None:
    document = _document(form, {FEES: Decimal("250.83")})
    with pytest.raises(dataclasses.FrozenInstanceError):
        document.agency = "别的单位"  # type: ignore[misc]
    with pytest.raises(TypeError):
        document.values[FEES] = Decimal(1)  # type: ignore[index]
    member = Member("甲局", 2024, "return", "甲.xlsx", "1" * 64, {FEES: Decimal("0.1")})
    with pytest.raises(TypeError):
        member.values[FEES] = Decimal(1)  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        member.year = 2025  # type: ignore[misc]


def test_a_float_is_refused_at_construction(form: Form) -> None:
    with pytest.raises(TypeError, match="float"):
        _document(form, {FEES: 0.1})
    with pytest.raises(TypeError, match="float"):
        Member("甲局", 2024, "return", "甲.xlsx", "1" * 64, {FEES: 0.1})  # type: ignore[dict-item]
    with pytest.raises(TypeError):
        _document(form, {FEES: True})  # a bool is no count either
    with pytest.raises(TypeError):
        _document(form, {FEES: Decimal("NaN")})


def test_an_integral_amount_is_held_as_the_integer_its_json_reads_back_as(form: Form) -> None:
    document = _document(form, {FEES: Decimal("12.0000")})
    assert document.values[FEES] == 12 and type(document.values[FEES]) is int
    assert b'"amount":12}' in document.to_json_bytes()


def test_where_a_value_came_from_is_kept_apart_from_the_value(fill: Filler) -> None:
    outcome = check_file(fill({FEES: 250.83}))
    document = outcome.document
    assert document is not None
    assert document.places[FEES] == Place("“主动公开”工作表 B16")
    assert document.values[FEES] == Decimal("250.83") and type(document.values[FEES]) is Decimal
    assert b"B16" not in document.to_json_bytes()  # the JSON holds values, not places
    assert read(document.to_json_bytes()) == document  # places are not compared


@st.composite
def documents(draw: st.DrawFn, form: Form) -> Document:
    """A random return, or a summary of random members."""
    values = draw(returns(form))
    agency = draw(st.text(min_size=1, max_size=12).filter(lambda t: t.strip()))
    contact = draw(st.none() | st.text(max_size=12))
    meta = Meta(2024, agency, contact, None, "某县/教育局.xlsx", "a" * 64)
    if not draw(st.booleans()):
        return Document.build(form, meta, with_totals(form, values))  # type: ignore[arg-type]
    members = [
        Member(
            f"第{i}局",
            2024,
            "return",
            f"{i}.xlsx",
            f"{i:064x}",
            {k: v for k, v in draw(returns(form)).items() if v is not None},  # type: ignore[misc]
        )
        for i in range(draw(st.integers(1, 3)))
    ]
    completeness = draw(
        st.none()
        | st.just(
            {"roster": "名单.xlsx", "expected": 4, "submitted": 3, "missing": ["丁局"], "extra": []}
        )
    )
    return Document.build(
        form,
        meta,
        with_totals(form, values),  # type: ignore[arg-type]
        members,
        completeness,
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_document_read_back_from_its_bytes_is_the_same_document(
    form: Form, data: st.DataObject
) -> None:
    document = data.draw(documents(form))
    raw = document.to_json_bytes()
    assert raw == rfc8785.dumps(orjson.loads(raw))  # RFC 8785, by the reference
    again = read(raw)
    assert again == document
    assert again.to_json_bytes() == raw
    assert not any(isinstance(v, float) for v in _numbers(again))


def test_decimal_amounts_end_to_end(fill: Filler, tmp_path: Path) -> None:
    """0.1 + 0.2 and four-decimal 万元 amounts from three workbooks, through ingest, the
    canonical JSON, 汇总 and the published table: exact, never a float."""
    amounts = {
        "甲局": Decimal("0.1"),
        "乙局": Decimal("0.2"),
        "丙局": Decimal("0.0001"),
        "丁局": Decimal("1234.5678"),
    }
    assert 0.1 + 0.2 + 0.0001 == 0.30010000000000003  # what floats would give
    for agency, amount in amounts.items():
        fill({FEES: float(amount)}, fields={"agency": agency}, name=f"{agency}.xlsx")
    out = tmp_path / "out"
    done = ingest(IngestOptions([tmp_path / f"{a}.xlsx" for a in amounts], out))
    assert len(done.entries) == 4 and not any(e.outcome.errors for e in done.entries)
    read_back = {read(p).agency: read(p) for p in out.glob("*局_2024.json")}
    for agency, amount in amounts.items():
        value = read_back[agency].values[FEES]
        assert value == amount and type(value) is Decimal
        assert not any(isinstance(v, float) for v in _numbers(read_back[agency]))
    summary = aggregate_paths([out], "某县", output=tmp_path / "某县.json")
    assert summary.ok and summary.document is not None
    total = summary.document.values[FEES]
    assert total == Decimal("1234.8679") and type(total) is Decimal
    assert all(type(v) is not float for v in _numbers(summary.document))
    assert b'"fees":{"amount":1234.8679}' in summary.to_bytes()
    (tmp_path / "某县.json").write_bytes(summary.to_bytes())
    assert read(tmp_path / "某县.json") == summary.document
    page = render_file(tmp_path / "某县.json", "html", tmp_path / "某县.html")
    assert ">1234.8679<" in page.data.decode("utf-8")
    partial = aggregate_paths(
        [out / "甲局_2024.json", out / "乙局_2024.json", out / "丙局_2024.json"], "某县"
    )
    assert partial.document is not None and partial.document.values[FEES] == Decimal("0.3001")
    assert b'"amount":0.3001}' in partial.to_bytes()
