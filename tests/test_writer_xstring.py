"""A name written is the name read back, whatever ``_xHHHH_`` it holds.

Excel reads ``_xHHHH_`` in shared strings and document properties as the character HHHH,
so a literal one must be stored with its underscore escaped (``_x005F_``). xlsxwriter
escapes with one non-overlapping pass and missed the second of two escapes sharing an
underscore: ``某局_x005F_x0041_分局`` came back ``某局_x005FA分局``. The writer escapes
every such underscore (:mod:`gongkai_xlsx.writer.xstring`); the reader decodes as Excel
does (:func:`gongkai_xlsx.ooxml.xmltext.xstring`).
"""

from __future__ import annotations

import random
import re
import zipfile
from pathlib import Path

import pytest
from xlsxwriter.xmlwriter import XMLwriter

from gongkai_xlsx.definition.load import form_for_year
from gongkai_xlsx.definition.names import PROP_AGENCY
from gongkai_xlsx.ooxml.xmltext import xstring
from gongkai_xlsx.reader import read_return
from gongkai_xlsx.writer import TemplateOptions, write_template
from gongkai_xlsx.writer import xstring as writer_xstring
from gongkai_xlsx.writer.xstring import escape, excel_escapes

NAMES = [
    "某局_x0041_分局",
    "某局_x005F_分局",
    "某局_x005F_x0041_分局",  # two escapes sharing an underscore
    "某局_x005f_x005F_x0041_分局",  # three
    "某局_x0041__x0042_分局",
    "_x005F_x0041_局",
]


@pytest.mark.parametrize("name", NAMES)
def test_an_agency_name_with_escapes_reads_back_as_written(name: str, tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    write_template(form_for_year(2024), TemplateOptions(2024, agency=name), path)
    with zipfile.ZipFile(path) as archive:
        parts = {n: archive.read(n).decode("utf-8") for n in archive.namelist()}
    ret = read_return(path)
    assert (ret.fields["agency"].value, ret.properties[PROP_AGENCY]) == (name, name)
    company = re.search(r"<Company>(.*?)</Company>", parts["docProps/app.xml"])
    assert company is not None and xstring(company.group(1)) == name
    # the shared string holds the name once, escaped so that it decodes to it
    assert [
        t
        for t in re.findall(r"<t[^>]*>([^<]*)</t>", parts["xl/sharedStrings.xml"])
        if xstring(t) == name
    ] != []


def test_escape_is_undone_by_the_excel_reading_for_any_text() -> None:
    """Texts made of underscores, x, hex digits and control characters, in every order."""
    rng = random.Random(16)
    alphabet = ["_", "x", "0", "0", "5", "F", "f", "4", "1", "A", "某", "\x07", "\ufffe"]
    for _ in range(20_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 24)))
        assert xstring(escape(text)) == text, repr(text)


def test_a_text_without_overlapping_escapes_is_written_as_xlsxwriter_writes_it() -> None:
    """The template's bytes do not change for any name xlsxwriter already got right."""
    rng = random.Random(61)
    alphabet = ["_", "x", "0", "5", "F", "4", "1", "某", "\x07", "\n"]
    own = XMLwriter._escape_control_characters
    compared = 0
    for _ in range(20_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 20)))
        if re.search(r"_x[0-9A-Fa-f]{4}(_x[0-9A-Fa-f]{4}_|[\x07\n])", text):
            continue  # what xlsxwriter gets wrong: overlapping, or closed by an escape
        assert escape(text) == own(text), repr(text)
        compared += 1
    assert compared > 10_000
    assert escape(7) == own(7) == 7


def test_xlsxwriter_s_own_escape_is_back_after_a_workbook_is_stored(tmp_path: Path) -> None:
    own = XMLwriter.__dict__["_escape_control_characters"]
    with excel_escapes():
        assert XMLwriter._escape_control_characters("_x005F_x0041_") == "_x005F_x005F_x005F_x0041_"
    assert XMLwriter.__dict__["_escape_control_characters"] is own
    with pytest.raises(RuntimeError), excel_escapes():
        raise RuntimeError
    assert XMLwriter.__dict__["_escape_control_characters"] is own
    write_template(form_for_year(2024), TemplateOptions(2024), tmp_path / "t.xlsx")
    assert XMLwriter.__dict__["_escape_control_characters"] is own
    # nested or overlapping (two threads): xlsxwriter's own once the last one leaves
    with excel_escapes():
        with excel_escapes():
            pass
        assert XMLwriter._escape_control_characters("_x0041_x0042_") == "_x005F_x0041_x005F_x0042_"
    assert XMLwriter.__dict__["_escape_control_characters"] is own


def test_templates_written_at_once_in_threads_read_back_as_written(tmp_path: Path) -> None:
    """The desk may write two templates at once: each keeps Excel's escape to its end."""
    from concurrent.futures import ThreadPoolExecutor

    form = form_for_year(2024)

    def write(i: int) -> str:
        name = NAMES[i % len(NAMES)]
        path = tmp_path / f"{i}.xlsx"
        write_template(form, TemplateOptions(2024, agency=name), path)
        return str(read_return(path).properties[PROP_AGENCY])

    with ThreadPoolExecutor(4) as pool:
        read = list(pool.map(write, range(12)))
    assert read == [NAMES[i % len(NAMES)] for i in range(12)]
    assert XMLwriter.__dict__["_escape_control_characters"] is writer_xstring._XLSXWRITERS


@pytest.mark.libreoffice
def test_libreoffice_shows_the_names_as_written(tmp_path: Path) -> None:
    """LibreOffice decodes only ``_x005F_`` (and control characters) in cell text, so it
    showed these names right before the fix too: the cover's 填报单位 still shows each as
    typed (Excel's reading, which decodes every escape, is the reader's, above)."""
    from libreoffice import harness

    from gongkai_xlsx.cellref import to_a1
    from gongkai_xlsx.definition.layout import layout_of

    form = form_for_year(2024)
    sheet, row, col = layout_of(form).field_positions["agency"]
    shown = []
    for i, name in enumerate(NAMES):
        path = tmp_path / f"{i}.xlsx"
        write_template(form, TemplateOptions(2024, agency=name), path)
        cells = harness.inspect(path, [(sheet, to_a1(row, col))])["cells"]
        shown.append(cells[0]["string"])
    assert shown == NAMES
