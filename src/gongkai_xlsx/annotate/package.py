"""The xlsx as a zip of parts (OPC): read every member, change a few, write a new zip.

Members keep their names, their order and their bytes; a changed part keeps its place,
new parts go at the end. Part names are matched case-insensitively, as OPC requires.
Relationship targets are resolved the way OPC does (relative to the source part's
folder, or absolute from the package root), so a workbook whose rels say
``/xl/worksheets/sheet1.xml`` (openpyxl) and one that says ``worksheets/sheet1.xml``
(Excel, LibreOffice) are handled alike.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from dataclasses import dataclass
from urllib.parse import quote, unquote

from gongkai_xlsx.ooxml import xmledit as xt
from gongkai_xlsx.reader.sniff import unopenable_zip

REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
REL_TYPE = REL_NS  # relationship types are this URI plus a name
OFFICE_DOCUMENT = f"{REL_TYPE}/officeDocument"
WORKSHEET = f"{REL_TYPE}/worksheet"
STYLES = f"{REL_TYPE}/styles"
COMMENTS = f"{REL_TYPE}/comments"
VML_DRAWING = f"{REL_TYPE}/vmlDrawing"
EXTENDED_PROPERTIES = f"{REL_TYPE}/extended-properties"
RELS_CONTENT_TYPE = "application/vnd.openxmlformats-package.relationships+xml"
CONTENT_TYPES = "[Content_Types].xml"


class PackageError(ValueError):
    """The zip is not an xlsx package we can mark (missing or broken structural parts)."""


@dataclass(frozen=True)
class Relationship:
    id: str
    type: str
    target: str  # the part name it points at (no leading slash), or the raw external target
    external: bool


def rels_name(part: str) -> str:
    """``xl/worksheets/sheet1.xml`` → ``xl/worksheets/_rels/sheet1.xml.rels``."""
    folder, base = posixpath.split(part)
    return posixpath.join(folder, "_rels", f"{base}.rels")


def relative_target(source: str, target: str) -> str:
    """The Target a relationship from ``source`` writes for the part ``target``."""
    folder = posixpath.dirname(source) or "."
    return quote(posixpath.relpath(target, folder), safe="/._-~")


class Package:
    """Every member of the zip, in order; edits are kept apart from the originals."""

    def __init__(self, data: bytes) -> None:
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                self._infos = archive.infolist()
                why = unopenable_zip(self._infos, data)  # the reader's rule, not a second one
                if why is not None:
                    raise PackageError(why)
                self._original = {i.filename: archive.read(i) for i in self._infos}
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as exc:
            raise PackageError(f"文件不是完整的 zip 压缩包（{type(exc).__name__}）") from exc
        except (NotImplementedError, RuntimeError) as exc:  # encrypted or odd compression
            raise PackageError(f"压缩包中的部件无法解压（{exc}）") from exc
        self._by_lower = {name.lower(): name for name in self._original}
        self._changed: dict[str, bytes] = {}
        self._added: list[str] = []

    # -- parts
    def member(self, part: str) -> str | None:
        """The zip member name of a part name, matched case-insensitively."""
        part = part.lstrip("/")
        if part in self._changed:
            return part
        return self._by_lower.get(part.lower())

    def has(self, part: str) -> bool:
        return self.member(part) is not None

    def read(self, part: str) -> bytes:
        name = self.member(part)
        if name is None:
            raise PackageError(f"缺少部件 {part}")
        return self._changed.get(name, self._original.get(name, b""))

    def text(self, part: str) -> str:
        data = self.read(part)
        try:
            return data.decode("utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8")
        except UnicodeDecodeError as exc:
            raise PackageError(f"部件 {part} 不是 UTF-8 编码的 XML") from exc

    def write(self, part: str, content: str | bytes) -> None:
        """Replace a part (keeping a UTF-8 BOM it had) or add a new one at the end."""
        data = content.encode("utf-8") if isinstance(content, str) else content
        name = self.member(part)
        if name is None:
            name = part.lstrip("/")
            self._added.append(name)
            self._by_lower[name.lower()] = name
        elif isinstance(content, str) and self._original.get(name, b"").startswith(b"\xef\xbb\xbf"):
            data = b"\xef\xbb\xbf" + data
        self._changed[name] = data

    def free_name(self, pattern: str) -> str:
        """The first ``pattern.format(n)`` (n = 1, 2, ...) that is not a part yet."""
        n = 1
        while self.has(pattern.format(n)):
            n += 1
        return pattern.format(n)

    def to_bytes(self) -> bytes:
        """The new zip: every original member in its place, the new parts after them.

        New members get the date of the newest original member, so the same input and
        the same marks always give the same bytes.
        """
        out = io.BytesIO()
        stamp = max((i.date_time for i in self._infos), default=(1980, 1, 1, 0, 0, 0))
        with zipfile.ZipFile(out, "w") as archive:
            for info in self._infos:
                data = self._changed.get(info.filename, self._original[info.filename])
                archive.writestr(_copy_info(info), data)
            for name in self._added:
                info = zipfile.ZipInfo(name, date_time=stamp)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o600 << 16
                archive.writestr(info, self._changed[name])
        return out.getvalue()

    # -- relationships
    def relationships(self, source: str) -> list[Relationship]:
        """The relationships of ``source`` (``""`` for the package's own)."""
        name = rels_name(source) if source else "_rels/.rels"
        if not self.has(name):
            return []
        text = self.text(name)
        found = []
        for element in xt.children(text, xt.root(text)):
            if element.local != "Relationship":
                continue
            tag = xt.start_tag(text, element)
            rid, rtype, target = (xt.get_attr(tag, a) for a in ("Id", "Type", "Target"))
            if not rid or not rtype or target is None:
                continue
            external = (xt.get_attr(tag, "TargetMode") or "") == "External"
            found.append(
                Relationship(rid, rtype, target if external else _resolve(source, target), external)
            )
        return found

    def add_relationship(self, source: str, rtype: str, target: str) -> str:
        """Add a relationship from ``source`` to the part ``target``; return its new Id."""
        name = rels_name(source)
        if self.has(name):
            text = self.text(name)
        else:
            text = (
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                "</Relationships>"
            )
            self.add_content_type_default("rels", RELS_CONTENT_TYPE)
        top = xt.root(text)
        taken = {r.id for r in self.relationships(source)} if self.has(name) else set()
        numbers = [int(m) for m in re.findall(r"^rId(\d+)$", "\n".join(taken), re.M)]
        n = max(numbers, default=0) + 1
        while f"rId{n}" in taken:
            n += 1
        rid = f"rId{n}"
        element = (
            f'<{top.prefix}Relationship Id="{rid}" Type="{xt.escape(rtype)}" '
            f'Target="{xt.escape(relative_target(source, target))}"/>'
        )
        self.write(name, xt.append_child(text, top, element))
        return rid

    def related(self, source: str, rtype: str) -> list[Relationship]:
        return [r for r in self.relationships(source) if r.type == rtype and not r.external]

    # -- content types
    def content_types(self) -> str:
        if not self.has(CONTENT_TYPES):
            raise PackageError("缺少 [Content_Types].xml")
        return self.text(CONTENT_TYPES)

    def add_content_type_override(self, part: str, content_type: str) -> None:
        text = self.content_types()
        top = xt.root(text)
        element = (
            f'<{top.prefix}Override PartName="/{xt.escape(part)}" '
            f'ContentType="{xt.escape(content_type)}"/>'
        )
        self.write(CONTENT_TYPES, xt.append_child(text, top, element))

    def add_content_type_default(self, extension: str, content_type: str) -> None:
        """Declare ``extension``'s content type unless a Default already does."""
        text = self.content_types()
        top = xt.root(text)
        for element in xt.children(text, top):
            ext = xt.get_attr(xt.start_tag(text, element), "Extension")
            if element.local == "Default" and (ext or "").lower() == extension.lower():
                return
        element = (
            f'<{top.prefix}Default Extension="{xt.escape(extension)}" '
            f'ContentType="{xt.escape(content_type)}"/>'
        )
        self.write(CONTENT_TYPES, xt.append_child(text, top, element))


def _resolve(source: str, target: str) -> str:
    target = unquote(target)
    if target.startswith("/"):
        return posixpath.normpath(target.lstrip("/"))
    folder = posixpath.dirname(source)
    return posixpath.normpath(posixpath.join(folder, target)).lstrip("/")


def _copy_info(info: zipfile.ZipInfo) -> zipfile.ZipInfo:
    """A fresh header for an existing member: same name, date, compression, attributes."""
    copy = zipfile.ZipInfo(info.filename, date_time=info.date_time)
    copy.compress_type = (
        info.compress_type
        if info.compress_type in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
        else zipfile.ZIP_DEFLATED
    )
    copy.external_attr = info.external_attr
    copy.create_system = info.create_system
    copy.comment = info.comment
    return copy
