"""The zip package of a workbook: parts found as the relationships name them, each read at
most once, within a size bound, and every oddity of the container noted.

Part names compare case-insensitively (OPC, ECMA-376 Part 2 §6.2.2.3), so two entries that
differ only by case are one part written twice; which copy an application reads is not
defined, so a duplicate of a part we read is an error, of another part a warning. A part
found only by another case of its name is an error too: LibreOffice and Gnumeric look
names up exactly, and do not find it.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass, field

from gongkai_xlsx.ooxml.xmltext import NotWellFormed
from gongkai_xlsx.reader import parts
from gongkai_xlsx.reader.sniff import Sniffed, sniff_package

MAX_PART_BYTES = 64 * 1024 * 1024  # decompressed; a return's largest part is ~30 KB
STRICT_NS = b"http://purl.oclc.org/ooxml/spreadsheetml/main"


class PackageError(ValueError):
    """The package cannot be read; ``detail`` is Chinese, ``code`` names the finding."""

    def __init__(self, detail: str, code: str = "file-corrupt", sniffed: Sniffed | None = None):
        super().__init__(detail)
        self.detail = detail
        self.code = code
        self.sniffed = sniffed  # another kind of file, with its own advice


@dataclass
class Package:
    data: bytes
    zf: zipfile.ZipFile = field(init=False)
    by_name: dict[str, zipfile.ZipInfo] = field(init=False, default_factory=dict)
    duplicates: set[str] = field(init=False, default_factory=set)  # lower-case part names
    read_parts: set[str] = field(init=False, default_factory=set)
    cache: dict[str, bytes] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        try:
            self.zf = zipfile.ZipFile(io.BytesIO(self.data))
            infos = self.zf.infolist()
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
            raise PackageError("压缩结构损坏") from exc
        sniffed = sniff_package(self.zf, self.data)
        if sniffed.code is not None:
            raise PackageError(sniffed.detail, sniffed=sniffed)
        counts = Counter(i.filename.lower() for i in infos)
        self.duplicates = {name for name, n in counts.items() if n > 1}
        for info in infos:
            self.by_name.setdefault(info.filename.lower(), info)

    def has(self, name: str) -> bool:
        return name.lower() in self.by_name

    def read(self, name: str) -> bytes:
        """One part's bytes (CRC checked by zipfile, size bounded by the declared size,
        which zipfile enforces while inflating)."""
        info = self.by_name.get(name.lower())
        if info is None:
            raise PackageError(f"缺少部件 {name}")
        if info.filename != name:  # OPC compares names case-insensitively, LibreOffice
            # and Gnumeric do not: they show the sheet empty (or the styles missing)
            raise PackageError(f"部件 {info.filename} 的名称与引用它的 {name} 大小写不同")
        if info.file_size > MAX_PART_BYTES:
            size = info.file_size / 1024 / 1024
            raise PackageError(f"部件 {name} 解压后 {size:.1f} MB", code="file-too-large")
        self.read_parts.add(name.lower())
        if name.lower() in self.cache:
            return self.cache[name.lower()]
        try:
            data = self.zf.read(info)
            self.cache[name.lower()] = data
            return data
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError) as exc:
            raise PackageError(f"部件 {name} 已损坏") from exc
        except (NotImplementedError, RuntimeError) as exc:  # unknown compression, zip password
            raise PackageError(f"部件 {name} 无法解压（压缩方式不受支持或设置了密码）") from exc

    def rels(self, part: str) -> tuple[parts.Relationship, ...]:
        name = parts.rels_name(part)
        if not self.has(name):
            return ()
        try:
            return parts.relationships(self.read(name), part)
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
