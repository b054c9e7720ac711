"""Relationships and content types: how the parts of a package name each other.

One reading of a relationships part for the reader and the marked copies alike (expat
checks it is well-formed XML without a DTD first), and one rule for where a Target
points: absolute from the package root (``/xl/worksheets/sheet1.xml``, openpyxl) or
relative to the source part's folder (``worksheets/sheet1.xml``, Excel, LibreOffice).
Targets are taken as written, not percent-decoded: what the reader's witnesses
(tests/oracle, tests/fuzz/reference.py) do.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import quote

from gongkai_xlsx.ooxml.xmltext import elements

REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
REL_TYPE = REL_NS  # relationship types are this URI plus a name
OFFICE_DOCUMENT = f"{REL_TYPE}/officeDocument"
WORKSHEET = f"{REL_TYPE}/worksheet"
SHARED_STRINGS = f"{REL_TYPE}/sharedStrings"
STYLES = f"{REL_TYPE}/styles"
COMMENTS = f"{REL_TYPE}/comments"
VML_DRAWING = f"{REL_TYPE}/vmlDrawing"
EXTENDED_PROPERTIES = f"{REL_TYPE}/extended-properties"
RELS_CONTENT_TYPE = "application/vnd.openxmlformats-package.relationships+xml"
CONTENT_TYPES = "[Content_Types].xml"
EMPTY_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<Relationships xmlns="{PKG_REL}"></Relationships>'
)


@dataclass(frozen=True)
class Relationship:
    id: str
    type: str
    target: str  # resolved part name, no leading slash; "" for external targets
    external: bool = False


def rels_name(part: str) -> str:
    """``xl/worksheets/sheet1.xml`` → ``xl/worksheets/_rels/sheet1.xml.rels``; ``""`` (the
    package itself) → ``_rels/.rels``."""
    folder, _, name = part.rpartition("/")
    return f"{folder}/_rels/{name}.rels" if folder else f"_rels/{name}.rels"


@lru_cache(maxsize=256)
def resolve_target(source: str, target: str) -> str:
    """The part name a Target written in ``source``'s relationships points at (kept:
    every return of a template names the same parts, and normpath is slow)."""
    if target.startswith("/"):
        return target[1:]
    return posixpath.normpath(posixpath.join(posixpath.dirname(source), target)).lstrip("/")


@lru_cache(maxsize=256)
def relative_target(source: str, target: str) -> str:
    """The Target a relationship from ``source`` writes for the part ``target`` (kept:
    :func:`posixpath.relpath` asks the OS for the working folder each time)."""
    folder = posixpath.dirname(source) or "."
    return quote(posixpath.relpath(target, folder), safe="/._-~")


@lru_cache(maxsize=32)
def relationships(data: bytes, source: str) -> tuple[Relationship, ...]:
    """The relationships in ``data``, the relationships part of ``source``. Raises
    :class:`~gongkai_xlsx.ooxml.xmltext.NotWellFormed`. Cached by bytes: every return of
    one template shares them."""
    found = []
    for el in elements(data, PKG_REL):
        if el.path[-1] != "Relationship":
            continue
        target = el.attrs.get("Target", "")
        external = el.attrs.get("TargetMode") == "External"
        target = "" if external else resolve_target(source, target)
        found.append(
            Relationship(el.attrs.get("Id", ""), el.attrs.get("Type", ""), target, external)
        )
    return tuple(found)
