"""The formulas prepared when the package was built are xlsxwriter's own preparation.

``new`` takes each template formula's prepared form from a committed table
(src/gongkai_xlsx/writer/prepared_formulas.py) instead of running xlsxwriter's ~150
regular expressions over it. These tests prove the table can never go stale unnoticed:
every formula the current definitions produce is in it, with exactly the text xlsxwriter
itself makes of it; a formula not in it is prepared by xlsxwriter; and the committed file
is what the generator writes now.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest
from project_scripts import script

from gongkai_xlsx.definition.load import available_formats, form_for_year, load_form
from gongkai_xlsx.writer import TemplateOptions, prepared, prepared_formulas
from gongkai_xlsx.writer import workbook as template_workbook
from gongkai_xlsx.writer.workbook import (
    template_bytes,
    xlsxwriter_array_verdicts,
    xlsxwriter_preparations,
)

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("format_id", available_formats())
def test_every_formula_of_the_definition_is_in_the_table_as_xlsxwriter_prepares_it(
    format_id: str,
) -> None:
    own = xlsxwriter_preparations(load_form(format_id))
    assert len(own) > 100  # the template's formulas, validations and conditional formats
    assert sum(len(formula) for formula, _, _ in own) > 100_000
    for (formula, expand, future), text in own.items():
        assert prepared.looked_up(formula, expand, future) == text, formula[:80]


@pytest.mark.parametrize("format_id", available_formats())
def test_every_array_formula_is_in_the_table_as_xlsxwriter_judges_it(format_id: str) -> None:
    """The worksheet skips xlsxwriter's dynamic-array search only for the array formulas
    the table lists, and the table lists exactly those xlsxwriter finds nothing in."""
    verdicts = xlsxwriter_array_verdicts(load_form(format_id))
    assert len(verdicts) > 50 and not any(verdicts.values())
    for formula, dynamic in verdicts.items():
        assert prepared.plain_array(formula) is not dynamic, formula[:80]
    assert not prepared.plain_array("{=SORT(A1:A3)}")  # not in the table: xlsxwriter looks
    assert prepared.array_key("{=A1}") != prepared.formula_key("{=A1}", False, False)


def test_a_formula_not_in_the_table_is_prepared_by_xlsxwriter() -> None:
    """The table is keyed by the formula's text, flags and xlsxwriter's version: anything
    else finds nothing, and the worksheet asks xlsxwriter (which adds ``_xlfn.``)."""
    formula = "=XLOOKUP(1,A1:A3,B1:B3)+IFS(A1>0,1,TRUE,0)"
    assert prepared.looked_up(formula, True, False) is None
    ws = template_workbook._Worksheet()
    assert (
        ws._prepare_formula(formula, True)
        == "_xlfn.XLOOKUP(1,A1:A3,B1:B3)+_xlfn.IFS(A1>0,1,TRUE,0)"
    )
    key = prepared.formula_key(formula, True, False)
    assert key != prepared.formula_key(formula, False, False)
    assert key != prepared.formula_key(formula + " ", True, False)


def test_the_table_is_used_and_changes_nothing_in_the_template(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A template written with the table is the template written by xlsxwriter alone,
    part for part; and with the table, xlsxwriter prepares no template formula itself."""
    form = form_for_year(2024)
    options = TemplateOptions(year=2024, agency="某县交通运输局")
    asked: list[str] = []
    real = template_workbook._Worksheet._xlsxwriters

    def counted(self, formula, expand):  # type: ignore[no-untyped-def]
        asked.append(formula)
        return real(self, formula, expand)

    monkeypatch.setattr(template_workbook._Worksheet, "_prepared", {})
    monkeypatch.setattr(template_workbook._Worksheet, "_xlsxwriters", counted)
    with_table = template_bytes(form, options)
    assert asked == []
    monkeypatch.setattr(prepared_formulas, "UNCHANGED", frozenset())
    monkeypatch.setattr(prepared_formulas, "CHANGED", {})
    monkeypatch.setattr(template_workbook._Worksheet, "_prepared", {})
    alone = template_bytes(form, options)
    assert len(asked) > 100

    def parts(data: bytes) -> dict[str, bytes]:
        """Each part's bytes; the creation time (a second apart) aside."""
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            found = {name: z.read(name) for name in z.namelist()}
        found["docProps/core.xml"] = re.sub(
            rb"\d{4}-\d\d-\d\dT[\d:]+Z", b"T", found["docProps/core.xml"]
        )
        return found

    assert parts(with_table) == parts(alone)


def test_the_committed_table_is_what_the_generator_writes_now() -> None:
    committed = (ROOT / "src" / "gongkai_xlsx" / "writer" / "prepared_formulas.py").read_text(
        encoding="utf-8"
    )
    assert committed == script("make_prepared_formulas").table_text(), (
        "run: python scripts/make_prepared_formulas.py"
    )
