"""The zip package of a workbook as the reader sees it: parts found as the relationships
name them, each read at most once, within a size bound, and every oddity of the container
noted. The container itself (bounds, duplicates, inflating) is :mod:`gongkai_xlsx.ooxml`;
what is the reader's own here is the wording and the rules the applications witness.

Part names compare case-insensitively (OPC, ECMA-376 Part 2 §6.2.2.3), so two entries that
differ only by case are one part written twice; which copy an application reads is not
defined, so a duplicate of a part we read is an error, of another part a warning. A part
found only by another case of its name is an error too: LibreOffice and Gnumeric look
names up exactly, and do not find it.
"""

from __future__ import annotations

from gongkai_xlsx.ooxml.archive import (
    MAX_PART_BYTES,
    ZipDamaged,
    ZipIn,
    ZipUnsupported,
)
from gongkai_xlsx.ooxml.relationships import Relationship, relationships, rels_name
from gongkai_xlsx.ooxml.xmltext import NotWellFormed
from gongkai_xlsx.reader.sniff import Sniffed, sniff_package

STRICT_NS = b"http://purl.oclc.org/ooxml/spreadsheetml/main"


class PackageError(ValueError):
    """The package cannot be read; ``detail`` is Chinese, ``code`` names the finding."""

    def __init__(self, detail: str, code: str = "file-corrupt", sniffed: Sniffed | None = None):
        super().__init__(detail)
        self.detail = detail
        self.code = code
        self.sniffed = sniffed  # another kind of file, with its own advice


class Package:
    """The parts of one returned workbook, read through :class:`~.archive.ZipIn`."""

    def __init__(self, data: bytes) -> None:
        try:
            self.zip = ZipIn(data)
        except ZipDamaged as exc:
            raise PackageError("压缩结构损坏") from exc
        sniffed = sniff_package(self.zip)
        if sniffed.code is not None:
            raise PackageError(sniffed.detail, sniffed=sniffed)
        self.duplicates = self.zip.duplicates  # lower-case part names
        self.read_parts: set[str] = set()

    def has(self, name: str) -> bool:
        return self.zip.find(name) is not None

    def read(self, name: str) -> bytes:
        """One part's bytes, within :data:`MAX_PART_BYTES` (read once)."""
        info = self.zip.find(name)
        if info is None:
            raise PackageError(f"缺少部件 {name}")
        if info.filename != name:  # OPC compares names case-insensitively, LibreOffice
            # and Gnumeric do not: they show the sheet empty (or the styles missing)
            raise PackageError(f"部件 {info.filename} 的名称与引用它的 {name} 大小写不同")
        if info.file_size > MAX_PART_BYTES:
            size = info.file_size / 1024 / 1024
            raise PackageError(f"部件 {name} 解压后 {size:.1f} MB", code="file-too-large")
        self.read_parts.add(name.lower())
        try:
            return self.zip.read(info, MAX_PART_BYTES)
        except ZipDamaged as exc:
            raise PackageError(f"部件 {name} 已损坏") from exc
        except ZipUnsupported as exc:
            raise PackageError(f"部件 {name} 无法解压（压缩方式不受支持或设置了密码）") from exc

    def rels(self, part: str) -> tuple[Relationship, ...]:
        name = rels_name(part)
        if not self.has(name):
            return ()
        try:
            return relationships(self.read(name), part)
        except NotWellFormed as exc:
            raise PackageError(f"部件 {name} 不是有效的 XML（第 {exc.line} 行）") from exc

    def workbook_part(self) -> str:
        """The main part, as the package relationships name it (not always
        ``xl/workbook.xml``); Strict Open XML is told apart here."""
        target = next((r.target for r in self.rels("") if r.type.endswith("/officeDocument")), None)
        if target is None:
            raise PackageError("压缩包中没有 Excel 工作簿")
        if not self.has(target):
            raise PackageError(f"缺少工作簿部件 {target}")
        head = self.read(target)[:4096]  # a Strict file is well-formed XML of another kind
        if STRICT_NS in head:
            raise PackageError("Strict Open XML", code="file-strict")
        return target
