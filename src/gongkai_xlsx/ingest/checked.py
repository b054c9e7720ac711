"""One return checked, and the canonical :class:`~gongkai_xlsx.canonical.Document` of a
return that passed: the small stage between the checks (which only find) and the batch.

The document is made by the document model (:meth:`Document.build`) from the numbers the
checks accepted, the cover's contact fields and, for a summary workbook, the members its
汇总明细 lists; each value keeps where it was found (a :class:`Place`). A document that
fails the committed schema is a finding (a guard: every number was checked already).
"""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache
from pathlib import Path

from gongkai_xlsx.canonical import Document, Meta, Place, document_errors
from gongkai_xlsx.catalogue import Code
from gongkai_xlsx.checks.run import Outcome, check_values
from gongkai_xlsx.definition.evaluate import Values
from gongkai_xlsx.findings import Finding
from gongkai_xlsx.reader.model import Return

CODES = (Code.SCHEMA_INVALID,)  # the canonical document itself


@lru_cache(maxsize=8192)  # a form's few hundred cells, where every return has them
def _place(sheet: str, ref: str) -> Place:
    """Where a value was read, in words (frozen: one for every return)."""
    return Place(f"“{sheet}”工作表 {ref}")


def document_of(ret: Return, outcome: Outcome, values: Values) -> Document:
    """The document of ``ret``, which passed its checks with ``values``."""
    assert ret.form is not None and outcome.year is not None and outcome.agency
    places = {k: _place(r.sheet, r.ref) for k, r in ret.cells.items()}
    meta = Meta(
        outcome.year,
        outcome.agency,
        outcome.contact,
        outcome.phone,
        ret.source.name,
        ret.source.sha256 or "",
        places,
    )
    completeness = dict(ret.completeness) if ret.completeness is not None else None
    return Document.build(ret.form, meta, values, ret.members, completeness)


def _schema_findings(ret: Return, document: Document) -> list[Finding]:
    """Where ``document`` fails the committed schema (a guard: every number was checked)."""
    assert ret.form is not None
    found = []
    for json_path, message in document_errors(ret.form, document):
        cell_id = ".".join(json_path[1:]) if json_path[:1] == ["tables"] else None
        finding = Finding(
            Code.SCHEMA_INVALID,
            cell_id=cell_id,
            row_label=None if cell_id else "/".join(json_path) or "文档",
            detail=message[:200],
        )
        found.append(ret.place(finding))
    return found


def check_and_build(
    ret: Return, expected_year: int | None = None, path: Path | None = None
) -> Outcome:
    """Every check of ``ret``, and its document when it passed (``outcome.document``)."""
    verdict = check_values(ret, expected_year, path)
    if verdict.values is None or ret.form is None:
        return verdict.outcome
    document = document_of(ret, verdict.outcome, verdict.values)
    outcome = verdict.outcome.adding(_schema_findings(ret, document))
    return outcome if outcome.errors else replace(outcome, document=document)
