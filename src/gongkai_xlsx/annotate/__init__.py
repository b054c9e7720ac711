"""Marked copies: a return sent back to its agency with the problems marked in it.

``annotate_workbook(data, marks, form)`` takes the bytes of a returned .xlsx and one
:class:`Mark` per finding and gives the bytes of the marked copy;
``write_annotated(source, target, marks, form)`` does the same file to file,
atomically. What the copy shows the clerk:

- every cell of a finding has a red fill (errors) or an orange fill (warnings only),
  and a comment (批注, author ``gongkai-xlsx``) whose first line is ``gongkai-xlsx:``
  followed by one line per finding, ``错误：…`` / ``提示：…``;
- findings without a cell are commented on the cover's 填报单位 field (no fill:
  there is nothing to fix in that cell) and listed on the results sheet;
- a new first sheet ``校验结果``, the active tab, protected like the other sheets
  (a copy of the cover's ``<sheetProtection>``): a title, how to resubmit, and one
  row per finding (级别, 位置 as an internal link to the cell, 说明).

What stays as the agency sent it: every zip member we do not need to touch keeps its
name, its place and its bytes (after decompression). The parts we touch are edited as
text, minimally:

- ``xl/styles.xml``: fills, fonts, one border and cell formats appended, counts updated;
- each marked sheet: only the ``s`` attribute of the marked ``<c>`` elements (an empty
  ``<c r=".." s=".."/>`` is added for a marked cell the XML did not have), a
  ``<legacyDrawing>`` at its schema place when the sheet had no comments, an
  ``xmlns:r`` declaration when the root lacked it;
- every sheet whose tab was selected: ``tabSelected`` removed (else two tabs would be
  selected, i.e. grouped, and typing would change both);
- the sheet's comments part and VML drawing: created, or ours added to the sheet's own;
- ``xl/workbook.xml``: one ``<sheet>`` in front, ``localSheetId`` and
  ``activeTab``/``firstSheet`` renumbered, one defined name (below);
- ``xl/_rels/workbook.xml.rels``, the sheet's rels, ``[Content_Types].xml``: entries added;
- ``docProps/app.xml``: the sheet (and the name) added to TitlesOfParts/HeadingPairs when
  those lists describe the workbook, else left alone.

Values, types, formulas, validations, conditional formats, defined names, document
properties (``docProps/custom.xml`` is never touched) and every protection element
(``<workbookProtection>``, ``<sheetProtection>`` with their hashes) are not changed.

The contract with ingest (how a marked copy that comes back is recognised)
---------------------------------------------------------------------------
A workbook is a marked copy when it has a workbook-level defined name
``gongkai.annotated`` (:data:`~gongkai_xlsx.definition.names.MARK_NAME`) whose target is
``'校验结果'!$A$1``; that sheet (:data:`~gongkai_xlsx.definition.names.RESULTS_SHEET`)
holds in A1 the fixed text :data:`~gongkai_xlsx.definition.names.RESULTS_TITLE`.
The reader already collects single-cell names into ``RawWorkbook.names``, so the test
is ``raw.names.get(MARK_NAME) == (RESULTS_SHEET, "A1")``; LibreOffice keeps both the
name and the sheet on re-save. Ingest should then skip that sheet (no ``sheet-extra``).
Comments and fills are never read as findings. No document property is added.

A marked copy marked again (the agency fixed some cells and sent it back) first loses
the old marks: cells wearing a marking fill (recognised by its colour) get back the
format that equals theirs but for the fill (as whichever program re-saved the file
numbered it), comments that begin with ``gongkai-xlsx:`` and their boxes are removed,
our block appended to an agency's comment is cut off (LibreOffice keeps the text but
drops comment authors, so the text is what identifies ours), and the results sheet is
rewritten in place and put first again.

Public API: :class:`Mark`, :func:`marks_from_findings`, :func:`annotate_workbook`,
:func:`write_annotated`, :func:`is_marked_copy`, :class:`AnnotateError`.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from pathlib import Path

from gongkai_xlsx.annotate.engine import AnnotateError, mark_package
from gongkai_xlsx.annotate.marks import Mark, cover_places, marks_from_findings
from gongkai_xlsx.annotate.workbook import WorkbookXml
from gongkai_xlsx.definition.model import Form
from gongkai_xlsx.definition.names import MARK_NAME, RESULTS_SHEET, quote_sheet
from gongkai_xlsx.fsio import write_atomic
from gongkai_xlsx.ooxml.package import Package, PackageError

__all__ = [
    "AnnotateError",
    "Mark",
    "annotate_workbook",
    "is_marked_copy",
    "marks_from_findings",
    "write_annotated",
]


def annotate_workbook(
    data: bytes,
    marks: Sequence[Mark],
    form: Form | None = None,
    *,
    well_formed: Collection[str] = (),
) -> bytes:
    """The marked copy of ``data``; ``form`` (the return's form) places the cover's
    fields. Raises :class:`AnnotateError` (Chinese message) for a file it cannot mark.
    ``well_formed``: only from the reader, the sheet parts it accepted in these very bytes
    (``Return.well_formed``, ``Outcome.well_formed``): those are not checked again."""
    cover = cover_places(form) if form else None
    return mark_package(data, marks, cover, well_formed)


def write_annotated(
    source: Path, target: Path, marks: Sequence[Mark], form: Form | None = None
) -> Path:
    """Write the marked copy of ``source`` at ``target`` through the one atomic writer: a
    failed run leaves no half-written copy, and the copy gets the umask's permissions."""
    source, target = Path(source), Path(target)
    data = annotate_workbook(source.read_bytes(), marks, form)
    write_atomic(target, data)
    return target


def is_marked_copy(data: bytes) -> bool:
    """Is this xlsx a marked copy (the contract above), read from the zip directly?"""
    try:
        pkg = Package(data)
        office = [r for r in pkg.relationships("") if r.type.endswith("/officeDocument")]
        wb = WorkbookXml(pkg.text(office[0].target))
    except (PackageError, IndexError, ValueError):
        return False
    target = (wb.defined_name(MARK_NAME) or "").replace("$", "").strip()
    # LibreOffice writes the sheet name unquoted when it needs no quotes.
    pointed = target in (f"{quote_sheet(RESULTS_SHEET)}!A1", f"{RESULTS_SHEET}!A1")
    return pointed and any(s.name == RESULTS_SHEET for s in wb.sheets())
