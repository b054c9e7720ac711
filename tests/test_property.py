"""Property-based round trips through real files (filled with openpyxl: LibreOffice is too
slow per example): random valid numbers come back unchanged, and any single input change
that breaks B1 is caught in the right column."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from conftest import balanced
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gongkai_xlsx.api import check_file
from gongkai_xlsx.canonical import value_at
from gongkai_xlsx.cellref import to_a1
from gongkai_xlsx.definition import Form
from gongkai_xlsx.definition.evaluate import with_totals
from gongkai_xlsx.definition.layout import Layout

MAX = 999_999_999
SETTINGS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@st.composite
def returns(draw: st.DrawFn, form: Form) -> dict[str, object]:
    values: dict[str, object] = {}
    for cell in form.input_cells():
        if cell.kind.type == "integer":
            # keep B small enough that the balancing above stays within the limit
            top = 50_000_000 if cell.table == "b" else MAX
            values[cell.id] = draw(st.none() | st.integers(0, top))
        else:
            cents = draw(st.none() | st.integers(0, 99_999_999_999))
            values[cell.id] = None if cents is None else Decimal(cents).scaleb(-4)
    return balanced(form, values)


def _write(template: bytes, layout: Layout, values: dict[str, object], dest: Path) -> Path:
    wb = openpyxl.load_workbook(io.BytesIO(template))
    for cell_id, value in values.items():
        if value is None:
            continue
        sheet, r, c = layout.cell_positions[cell_id]
        wb[sheet][to_a1(r, c)] = float(value) if isinstance(value, Decimal) else value
    wb.save(dest)
    return dest


@pytest.fixture(scope="module")
def template_bytes(template_2024: Path) -> bytes:
    return template_2024.read_bytes()


def test_random_valid_returns_come_back_unchanged(
    form: Form, layout: Layout, template_bytes: bytes, tmp_path: Path
) -> None:
    @SETTINGS
    @given(values=returns(form))
    def check(values: dict[str, object]) -> None:
        path = _write(template_bytes, layout, values, tmp_path / "r.xlsx")
        outcome = check_file(path)
        assert outcome.errors == [], [f.message for f in outcome.errors]
        expected = with_totals(form, values)  # type: ignore[arg-type]
        for cell in form.cells:
            got = value_at(outcome.document, cell)  # type: ignore[arg-type]
            want = expected[cell.id]
            assert got == want, cell.id
            assert not isinstance(got, float), cell.id  # amounts exact, never a float

    check()


def test_any_single_change_that_breaks_b1_is_caught_in_its_column(
    form: Form, layout: Layout, template_bytes: bytes, tmp_path: Path
) -> None:
    b_inputs = [c for c in form.input_cells() if c.table == "b"]
    b1 = next(r for r in form.rules if r.id == "B1")

    @SETTINGS
    @given(values=returns(form), which=st.sampled_from(b_inputs), delta=st.integers(1, 1000))
    def check(values: dict[str, object], which, delta: int) -> None:
        changed = dict(values)
        changed[which.id] = (changed.get(which.id) or 0) + delta
        path = _write(template_bytes, layout, changed, tmp_path / "r.xlsx")
        outcome = check_file(path)
        row_key = which.id.split(".")[1]
        sign = 1 if row_key in b1.left else -1
        col_key = which.id.split(".")[2]
        _, r, c = layout.cell_positions[f"b.carried_forward.{col_key}"]
        assert [[f.code.code, f.cell, f.actual - f.expected] for f in outcome.errors] == [
            ["balance", to_a1(r, c), sign * delta],
        ]  # actual: the left side's sum, expected: the right side's
        assert outcome.document is None

    check()
