"""Workbook structure protection, which xlsxwriter's public API cannot write.

xlsxwriter has only sheet protection and its author declines to add the workbook-level
lock (jmcnamara/libxlsxwriter#516), so :class:`LockedWorkbook` writes
``<workbookProtection lockStructure="1"/>`` into ``xl/workbook.xml`` where the schema puts
it, right after ``<workbookPr>``, while xlsxwriter writes that part: the zip is written
once, by xlsxwriter, and ``new`` loads no zip editor (a template is the same bytes as
when the element was inserted into the finished zip afterwards). Protection guards
against accidents, not against anyone determined: LibreOffice even drops the structure
lock when it saves.
"""

from __future__ import annotations

import io
from typing import Any

import xlsxwriter

from gongkai_xlsx.writer.xstring import excel_escapes


def legacy_password_hash(password: str) -> str:
    """The 16-bit hash Excel stores for sheet and workbook passwords (ECMA-376 Part 4 §18.2.29).

    Excel hashes the password in the system ANSI code page; only ASCII passwords give the
    same hash everywhere, which is why the CLI accepts ASCII only.
    """
    digest = 0
    for char in reversed(password):
        digest = ((digest >> 14) & 0x01) | ((digest << 1) & 0x7FFF)
        digest ^= ord(char)
    digest = ((digest >> 14) & 0x01) | ((digest << 1) & 0x7FFF)
    digest ^= len(password)
    digest ^= 0xCE4B
    return f"{digest:X}"


class LockedWorkbook(xlsxwriter.Workbook):
    """xlsxwriter's workbook with its structure locked (``password``: optional, ASCII),
    its texts escaped as Excel reads them back (:mod:`gongkai_xlsx.writer.xstring`)."""

    def _store_workbook(self) -> None:
        with excel_escapes():
            super()._store_workbook()

    def __init__(self, out: io.BytesIO, options: dict[str, Any], password: str = "") -> None:
        super().__init__(out, options)
        self.structure_password = password

    def _write_workbook_pr(self) -> None:
        # xlsxwriter's private writer of <workbookPr>; CT_Workbook puts
        # <workbookProtection> right after it.
        super()._write_workbook_pr()
        attributes: list[tuple[str, str | int]] = []
        if self.structure_password:
            attributes.append(("workbookPassword", legacy_password_hash(self.structure_password)))
        attributes.append(("lockStructure", 1))
        self._xml_empty_tag("workbookProtection", attributes)
