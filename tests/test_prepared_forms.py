"""The forms prepared when the package was built are the forms built from the definitions.

Every ``new`` needs the year's form and its layout; ``load_form`` takes both from a
committed table (src/gongkai_xlsx/definition/prepared_forms.py, the layout with its form,
pickled, keyed by the SHA-256 of the definition's bytes) instead of parsing the TOML,
building the form and laying it out at every start. These tests prove the table cannot be
wrong unnoticed: each prepared form and layout are, object for object, the ones built from
the definition now; a definition whose bytes differ is built from its TOML, never answered
from the table; and the committed file is what the generator writes.
"""

from __future__ import annotations

import io
import pickle
import re
import zipfile
from pathlib import Path

import pytest
from project_scripts import script

from gongkai_xlsx.definition import load as load_module
from gongkai_xlsx.definition import prepared_forms
from gongkai_xlsx.definition.layout import computed_layout, layout_of
from gongkai_xlsx.definition.load import (
    available_formats,
    build_form,
    prepared_form,
    prepared_layout,
)
from gongkai_xlsx.resources import templates_dir
from gongkai_xlsx.writer import TemplateOptions
from gongkai_xlsx.writer.workbook import template_bytes

ROOT = Path(__file__).resolve().parent.parent


def _parts(data: bytes) -> dict[str, bytes]:
    """Each part's bytes; the creation time (a second apart) aside."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        found = {name: z.read(name) for name in z.namelist()}
    found["docProps/core.xml"] = re.sub(
        rb"\d{4}-\d\d-\d\dT[\d:]+Z", b"T", found["docProps/core.xml"]
    )
    return found


@pytest.mark.parametrize("format_id", available_formats())
def test_the_prepared_form_is_the_form_built_from_the_definition(format_id: str) -> None:
    raw = (templates_dir() / f"{format_id}.toml").read_bytes()
    digest, stored = prepared_forms.FORMS[format_id]
    # the table holds, byte for byte, the pickle of what the TOML builds and lays out now:
    # the same objects, fields and shared references
    assert stored == pickle.dumps(prepared_layout(raw), protocol=5)
    prepared = prepared_form(format_id, raw)
    assert prepared is not None and prepared.source_sha256 == digest
    # its layout is the one prepared with it, not computed again
    laid = layout_of(prepared)
    assert laid.form is prepared
    assert pickle.dumps(laid, protocol=5) == pickle.dumps(pickle.loads(stored), protocol=5)
    # and it is the layout computed for the prepared form itself
    again = computed_layout(prepared)
    assert again is not laid
    assert (again.fingerprint, again.cell_positions, again.field_positions) == (
        laid.fingerprint,
        laid.cell_positions,
        laid.field_positions,
    )
    assert again.shadow_positions == laid.shadow_positions
    assert repr(again.sheets) == repr(laid.sheets)
    assert len(prepared.cells) > 100
    # an outline keeps its links: a cell's row is its block's node, a child knows its parent
    first = prepared.cells[0]
    assert first.row is prepared.tables[0].blocks[first.block].row_leaves()[0]
    assert any(c.column.parent is not None for c in prepared.cells)
    fresh = build_form(raw)  # laid out from scratch when it is written
    options = TemplateOptions(year=prepared.first_year, agency="某县交通运输局")
    assert _parts(template_bytes(prepared, options)) == _parts(template_bytes(fresh, options))


def test_load_form_answers_from_the_table_without_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    def refused(raw: bytes) -> None:
        raise AssertionError("built from the TOML")

    monkeypatch.setattr(load_module, "build_form", refused)
    for format_id in available_formats():
        form = load_module.load_form.__wrapped__(format_id)
        assert form.id == format_id


def test_a_changed_definition_is_built_from_its_toml_not_taken_from_the_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One changed character (a kind's error text) is a new digest: the table has nothing
    for it, and the form carries the new text."""
    text = (templates_dir() / "gk2021.toml").read_text(encoding="utf-8")
    old = 'prompt = "请填写0至999999999之间的整数；没有发生请填0。"'
    assert old in text
    changed = text.replace(old, 'prompt = "请填写整数。"', 1)
    (tmp_path / "gk2021.toml").write_text(changed, encoding="utf-8")
    monkeypatch.setattr(load_module, "templates_dir", lambda: tmp_path)
    raw = changed.encode("utf-8")
    assert prepared_form("gk2021", raw) is None
    form = load_module.load_form.__wrapped__("gk2021")
    assert "请填写整数。" in [k.prompt for k in form.kinds.values()]
    assert form.source_sha256 != prepared_forms.FORMS["gk2021"][0]


def test_an_entry_whose_form_is_not_its_digest_s_is_not_used(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The table's key must match the form's own record of its source: a pickled form of
    other bytes filed under this digest is refused, and the TOML is built."""
    raw = (templates_dir() / "gk2021.toml").read_bytes()
    digest, _ = prepared_forms.FORMS["gk2021"]
    other = prepared_layout(raw.replace(b"\n", b"\n\n", 1))
    monkeypatch.setitem(prepared_forms.FORMS, "gk2021", (digest, pickle.dumps(other)))
    assert prepared_form("gk2021", raw) is None
    assert load_module.load_form.__wrapped__("gk2021").source_sha256 == digest


def test_the_committed_table_is_what_the_generator_writes_now() -> None:
    committed = (ROOT / "src" / "gongkai_xlsx" / "definition" / "prepared_forms.py").read_text(
        encoding="utf-8"
    )
    assert committed == script("make_prepared_forms").module_text(), (
        "run: python scripts/make_prepared_forms.py"
    )
