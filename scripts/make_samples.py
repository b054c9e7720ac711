"""Regenerate ``samples/``: real-looking filled returns and their expected outputs.

    python scripts/make_samples.py

Writes four returns into ``samples/``, the marked copy of the B1 sample into
``samples/expected/annotated/`` (scripts/make_annotated_sample.py) and runs ``gongkai-xlsx ingest
samples/ -o samples/expected``. The committed files have fixed bytes (their SHA-256 is recorded in the
expected JSON), so run this only when the form or the outputs change on purpose, and
commit the result. Needs LibreOffice (one sample is filled and saved by LibreOffice Calc).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "scripts"))

from libreoffice import harness  # noqa: E402
from make_annotated_sample import SOURCE_DATE_EPOCH  # noqa: E402
from make_annotated_sample import main as make_annotated_sample  # noqa: E402

from gongkai_xlsx.cellref import to_a1  # noqa: E402
from gongkai_xlsx.definition import load_form  # noqa: E402
from gongkai_xlsx.definition.layout import layout_of  # noqa: E402
from gongkai_xlsx.writer import TemplateOptions, write_template  # noqa: E402

SAMPLES = ROOT / "samples"
FORM = load_form("gk2021")
LAYOUT = layout_of(FORM)

# The seed report (shared/format/seed-report.txt): only table A has numbers; every other
# cell of the published tables is blank, and blank stays null.
SEED = {
    "agency": "互助县城市管理综合行政执法局",
    "values": {"a.licensing.decisions": 44, "a.penalty.decisions": 31, "a.fees.amount": 250.83},
}

# B1 broken in two columns: 自然人 (差 3) and 商业企业 (差 -3); the 总计 column still balances.
B1_BROKEN = {
    "agency": "某县交通运输局",
    "fields": {"contact": "李明", "phone": "0972-8321234"},
    "values": {
        "a.normative_documents.issued": 2,
        "a.normative_documents.in_force": 17,
        "a.licensing.decisions": 1536,
        "a.penalty.decisions": 212,
        "a.coercion.decisions": 9,
        "a.fees.amount": 0,
        "b.received.natural_person": 20,
        "b.received.commercial_enterprise": 3,
        "b.carried_over.natural_person": 2,
        "b.disclosed.natural_person": 10,
        "b.disclosed.commercial_enterprise": 2,
        "b.partially_disclosed.natural_person": 3,
        "b.withheld_third_party_rights.natural_person": 1,
        "b.unavailable_not_held.natural_person": 4,
        "b.unavailable_not_held.commercial_enterprise": 1,
        "b.carried_forward.natural_person": 1,
        "b.carried_forward.commercial_enterprise": 3,
        "c.review.upheld": 1,
    },
}

# Numbers typed as text, full-width digits, thousands separators and "nothing here" marks.
TEXT = {
    "agency": "某县教育局",
    "fields": {"contact": "王芳", "phone": 13800000000},
    "values": {
        "a.normative_documents.issued": "１２",
        "a.normative_documents.repealed": " 3 ",
        "a.normative_documents.in_force": "４５",
        "a.licensing.decisions": "１，２００",
        "a.penalty.decisions": "12.0",
        "a.coercion.decisions": "/",
        "a.fees.amount": "无",
        "b.received.natural_person": "8",
        "b.disclosed.natural_person": 6,
        "b.unavailable_not_held.natural_person": "２",
        "b.carried_over.natural_person": "—",
        "c.review.upheld": "-",
    },
}

# Filled and saved by LibreOffice Calc (recalculated), as an agency using it would.
LIBREOFFICE = {
    "agency": "某县民政局",
    "fields": {"contact": "赵强", "phone": "0972-8325678"},
    "values": {
        "a.normative_documents.issued": 1,
        "a.normative_documents.repealed": 0,
        "a.normative_documents.in_force": 9,
        "a.licensing.decisions": 86,
        "a.penalty.decisions": 4,
        "a.coercion.decisions": 0,
        "a.fees.amount": 12.5,
        "b.received.natural_person": 14,
        "b.received.legal_service_agency": 1,
        "b.carried_over.natural_person": 1,
        "b.disclosed.natural_person": 7,
        "b.partially_disclosed.natural_person": 2,
        "b.withheld_internal_affairs.natural_person": 1,
        "b.unavailable_not_held.natural_person": 3,
        "b.declined_repeated.natural_person": 1,
        "b.disclosed.legal_service_agency": 1,
        "b.carried_forward.natural_person": 1,
        "c.review.upheld": 1,
        "c.litigation_direct.pending": 1,
    },
}


def _position(cell_id: str) -> tuple[str, str]:
    sheet, r, c = LAYOUT.cell_positions[cell_id]
    return sheet, to_a1(r, c)


def _field(key: str) -> tuple[str, str]:
    sheet, r, c = LAYOUT.field_positions[key]
    return sheet, to_a1(r, c)


def _openpyxl_fill(template: Path, dest: Path, spec: dict) -> None:
    import openpyxl

    wb = openpyxl.load_workbook(template)
    for cell_id, value in spec["values"].items():
        sheet, ref = _position(cell_id)
        wb[sheet][ref] = value
    for key, value in spec.get("fields", {}).items():
        sheet, ref = _field(key)
        wb[sheet][ref] = value
    wb.save(dest)


def make_returns() -> list[Path]:
    """The sample returns, filled anew (their bytes, so their hashes, change each time)."""
    made: list[Path] = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for name, spec, via_libreoffice in (
            ("互助县城市管理综合行政执法局_2024.xlsx", SEED, False),
            ("某县交通运输局_2024_B1不平衡.xlsx", B1_BROKEN, False),
            ("某县教育局_2024_文本数字.xlsx", TEXT, False),
            ("某县民政局_2024_LibreOffice保存.xlsx", LIBREOFFICE, True),
        ):
            template = work / f"template-{len(made)}.xlsx"
            write_template(FORM, TemplateOptions(2024, agency=spec["agency"]), template)
            dest = SAMPLES / name
            if via_libreoffice:
                entries = [(*_position(k), v) for k, v in spec["values"].items()]
                entries += [(*_field(k), v) for k, v in spec.get("fields", {}).items()]
                harness.fill(template, dest, entries)
            else:
                _openpyxl_fill(template, dest, spec)
            made.append(dest)
    return made


def ingest_samples() -> Path:
    """samples/expected: exactly what ``ingest --annotate`` writes for the samples."""
    expected = SAMPLES / "expected"
    shutil.rmtree(expected, ignore_errors=True)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "gongkai_xlsx.cli",
            "ingest",
            str(SAMPLES),
            "-o",
            str(expected),
            "--annotate",
            str(expected / "annotated"),  # inside OUT, which no walk reads
        ],
        check=False,
        env={**os.environ, "SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH},  # the day they arrived
    )
    return expected


def main() -> None:
    """``--expected-only``: keep the returns, write samples/expected again (after a change
    to the reader, the checks or the reports)."""
    made = [] if "--expected-only" in sys.argv else make_returns()
    made.append(ingest_samples())
    made.append(make_annotated_sample())  # what `annotate` writes: the same bytes
    for path in made:
        print(path.relative_to(ROOT))


if __name__ == "__main__":
    main()
