"""Tell what a file really is before any spreadsheet library touches it.

Agencies send .xls, WPS .et, CSVs renamed to .xlsx, password-encrypted workbooks, .ods and
"Strict Open XML" files. Each needs its own advice, and some of them make the libraries
fail in unhelpful ways (openpyxl reads a Strict file as a workbook with no sheets), so the
kind is decided here from the bytes, not from the extension.
"""

from __future__ import annotations

import codecs
import io
from dataclasses import dataclass

import olefile

from gongkai_xlsx.catalogue import Code
from gongkai_xlsx.ooxml.archive import MAX_UNZIPPED_BYTES, MAX_ZIP_MEMBERS, ZipIn
from gongkai_xlsx.reader.source import human_size

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
SPREADSHEET_SUFFIXES = {
    ".xlsx",
    ".xlsm",
    ".xltx",
    ".xltm",
    ".xls",
    ".xlsb",
    ".et",
    ".ett",
    ".ods",
    ".csv",
    ".tsv",
    ".wps",
    ".numbers",
    ".xml",
}


@dataclass(frozen=True)
class Sniffed:
    """``code`` is None for a readable xlsx; otherwise the finding that explains the file."""

    code: Code | None
    detail: str = ""
    actual: str | None = None
    expected: str | None = None


def sniff_package(zf: ZipIn) -> Sniffed:
    """What tells another kind of zip apart (an .ods, a Word file, a zip bomb), and a zip
    the applications do not open (:func:`gongkai_xlsx.ooxml.archive.unopenable`); given
    the opened zip so that its directory is read once per file."""
    infos = zf.members
    if len(infos) > MAX_ZIP_MEMBERS:
        return Sniffed(Code.FILE_CORRUPT, detail=f"压缩包内有 {len(infos)} 个部件")
    total = zf.declared_size
    if total > MAX_UNZIPPED_BYTES:
        return Sniffed(
            Code.FILE_TOO_LARGE,
            actual=f"解压后 {human_size(total)}",
            expected=human_size(MAX_UNZIPPED_BYTES),
        )
    names = {i.filename for i in infos}
    if "mimetype" in names:
        try:  # the last entry of that name, as zipfile finds it by name
            mimetype = zf.read([i for i in infos if i.filename == "mimetype"][-1], None)[:200]
        except Exception:  # a damaged or oversized entry, an unknown method…
            mimetype = b""
        if mimetype.startswith(b"application/vnd.oasis.opendocument"):
            return Sniffed(Code.FILE_ODS)
    if "xl/workbook.xml" not in names:
        if "word/document.xml" in names:
            return Sniffed(Code.FILE_CORRUPT, detail="这是 Word 文档")
        if "ppt/presentation.xml" in names:
            return Sniffed(Code.FILE_CORRUPT, detail="这是 PowerPoint 演示文稿")
    if "[Content_Types].xml" not in names:
        return Sniffed(Code.FILE_CORRUPT, detail="压缩包中没有 Excel 工作簿")
    why = zf.unopenable()
    if why is not None:
        return Sniffed(Code.FILE_ZIP_UNSUPPORTED, detail=why)
    return Sniffed(None)


def _sniff_ole(data: bytes, suffix: str) -> Sniffed:
    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            if ole.exists("EncryptionInfo") or ole.exists("EncryptedPackage"):
                return Sniffed(Code.FILE_ENCRYPTED)
            if ole.exists("Workbook") or ole.exists("Book"):
                if suffix in (".et", ".ett"):
                    return Sniffed(Code.FILE_ET)
                return Sniffed(Code.FILE_XLS)
            if ole.exists("WordDocument"):
                return Sniffed(Code.FILE_CORRUPT, detail="这是 Word 文档")
    except Exception:  # olefile raises OSError, ValueError… on a damaged header
        return Sniffed(Code.FILE_CORRUPT, detail="OLE 复合文档结构损坏")
    if suffix in (".et", ".ett"):
        return Sniffed(Code.FILE_ET)
    return Sniffed(Code.FILE_CORRUPT, detail="无法识别的 OLE 复合文档")


def _looks_like_text(head: bytes) -> str | None:
    """A name for the kind of text file ``head`` starts, or None if it is binary."""
    if not head or b"\x00" in head:
        return None
    for encoding in ("utf-8-sig", "gb18030"):
        try:  # incremental: the 4 KB cut may split a character
            text = codecs.getincrementaldecoder(encoding)().decode(head, final=False)
        except UnicodeDecodeError:
            continue
        low = text.lstrip().lower()
        if low.startswith(("<html", "<!doctype html", "<table")):
            return "HTML 网页"
        if low.startswith("<?xml"):
            return "XML 文件"
        return "CSV 或纯文本"
    return None


def sniff(data: bytes, suffix: str = "") -> Sniffed:
    """Classify a file's bytes (``suffix``, lower case, only tells .et from .xls)."""
    if not data:
        return Sniffed(Code.FILE_EMPTY)
    head = data[:8]
    if head.startswith(ZIP_MAGIC):
        return Sniffed(None)  # a zip: the package itself is sniffed as it is opened
    if head == OLE_MAGIC:
        return _sniff_ole(data, suffix)
    kind = _looks_like_text(data[:4096])
    if kind:
        return Sniffed(Code.FILE_TEXT, detail=kind)
    return Sniffed(Code.FILE_CORRUPT, detail="无法识别的文件内容")
