"""A batch of any size without reading any workbook: entries as ingest's parent process
holds them (outcomes with real catalogue findings at real cells of the form) and, for the
clean ones, canonical documents on disk, for the report page's tests and its benchmark.

The mix is a bad January's: most returns pass, some have hints (numbers typed as text,
placeholders), some have errors, a few cannot be read; one return may carry very many
findings (a hostile or badly broken file).
"""

from __future__ import annotations

import hashlib
import random
from decimal import Decimal
from pathlib import Path

from gongkai_xlsx.canonical import Document, Meta, dumps
from gongkai_xlsx.catalogue import Code
from gongkai_xlsx.cellref import to_a1
from gongkai_xlsx.checks.run import Outcome
from gongkai_xlsx.definition import load_form
from gongkai_xlsx.definition.evaluate import with_totals
from gongkai_xlsx.definition.layout import layout_of
from gongkai_xlsx.document_members import return_numbers
from gongkai_xlsx.findings import Finding, sort_key
from gongkai_xlsx.ingest.batch import Entry
from gongkai_xlsx.ingest.totals import Clean
from gongkai_xlsx.reader.model import Source

FORM = load_form("gk2021")
LAYOUT = layout_of(FORM)
INPUTS = FORM.input_cells()


def _cell_finding(code: Code, cell_index: int, actual: object, expected: object) -> Finding:
    cell = INPUTS[cell_index % len(INPUTS)]
    sheet, row, col = LAYOUT.cell_positions[cell.id]
    return Finding(
        code,
        sheet=sheet,
        cell=to_a1(row, col),
        row_label=cell.row_label or None,
        column_label=cell.column_label or None,
        cell_id=cell.id,
        actual=actual,
        expected=expected,
    )


def synthetic_batch(
    count: int,
    folder: Path | None = None,
    *,
    many: int = 0,
    every: int = 0,
    seed: int = 2024,
) -> tuple[list[Entry], list[Clean]]:
    """``count`` entries named 某县第00000局… in file order; with ``folder``, each clean
    return's canonical document written there (returned as :class:`Clean`, as run.py
    hands them to the totals). ``many``: the first return with errors gets that many
    findings; ``every``: each readable return gets that many hints more (a batch filled
    in a template with a flaw)."""
    rng = random.Random(seed)
    entries: list[Entry] = []
    clean: list[Clean] = []
    for i in range(count):
        agency = f"某县第{i:05d}局"
        file = f"{agency}_2024.xlsx"
        digest = hashlib.sha256(file.encode()).hexdigest()
        roll = rng.random()
        findings: list[Finding] = []
        source = Source(file, digest, 20_000)
        if roll < 0.03:
            findings.append(Finding(Code.FILE_CORRUPT, detail="压缩包结构损坏"))
            entries.append(Entry(file, Outcome(source=source, findings=tuple(findings))))
            continue
        if roll < 0.15:
            errors = many if many and not any(e.failed for e in entries) else rng.randint(1, 5)
            for k in range(errors):
                findings.append(_cell_finding(Code.NOT_NUMBER, i + k, "十二", "整数"))
        elif roll < 0.30:
            for k in range(rng.randint(1, 12)):
                findings.append(_cell_finding(Code.NUMBER_AS_TEXT, i + k, "１２", 12))
        for k in range(every):
            findings.append(_cell_finding(Code.BLANK_MARKER, i + 7 * k, "/", None))
        findings.sort(key=sort_key)
        outcome = Outcome(
            source=source, findings=tuple(findings), form_id=FORM.id, agency=agency, year=2024
        )
        passing = not outcome.errors
        entry = Entry(
            file, outcome, has_document=passing, output=f"{agency}_2024.json" if passing else None
        )
        if entry.has_document and folder is not None:
            values: dict[str, int | Decimal] = {}
            for cell in INPUTS:
                if rng.random() < 0.5:
                    continue
                if cell.kind.type == "integer":
                    values[cell.id] = rng.randint(0, 500)
                else:
                    values[cell.id] = Decimal(rng.randint(0, 10**6)) / 100
            meta = Meta(2024, agency, None, None, file, digest)
            path = folder / f"{i}.json"
            document = Document.build(FORM, meta, with_totals(FORM, values))
            path.write_bytes(dumps(document.to_json()))
            clean.append(Clean(entry, return_numbers(FORM, document)))
        entries.append(entry)
    return entries, clean
