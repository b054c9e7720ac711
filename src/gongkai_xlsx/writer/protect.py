"""Workbook structure protection, which xlsxwriter cannot write.

xlsxwriter has only sheet protection and its author declines to add the workbook-level
lock (jmcnamara/libxlsxwriter#516), so we insert ``<workbookProtection lockStructure="1"/>``
into ``xl/workbook.xml`` of the bytes xlsxwriter wrote (in memory). Protection guards against
accidents, not against anyone determined: LibreOffice even drops the structure lock when it
saves.
"""

from __future__ import annotations

import re

from gongkai_xlsx.ooxml.package import Package


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


WORKBOOK = "xl/workbook.xml"  # where xlsxwriter writes it
_WORKBOOK_PR = re.compile(rb"<workbookPr\b[^>]*/>|<workbookPr\b[^>]*>.*?</workbookPr>", re.S)


def add_structure_lock(data: bytes, password: str = "") -> bytes:
    """The xlsx ``data`` with the workbook structure locked (in memory: the caller writes
    the result through the one atomic writer)."""
    attrs = b'lockStructure="1"'
    if password:
        attrs = f'workbookPassword="{legacy_password_hash(password)}" '.encode() + attrs
    element = b"<workbookProtection " + attrs + b"/>"
    package = Package(data)  # every other part kept as xlsxwriter wrote it
    part = package.read(WORKBOOK)
    match = _WORKBOOK_PR.search(part)
    if match is None:
        raise ValueError("xl/workbook.xml has no <workbookPr>: cannot lock structure")
    package.write(WORKBOOK, part[: match.end()] + element + part[match.end() :])
    return package.to_bytes()
