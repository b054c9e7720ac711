"""Tell what a file really is before any spreadsheet library touches it.

Agencies send .xls, WPS .et, CSVs renamed to .xlsx, password-encrypted workbooks, .ods and
"Strict Open XML" files. Each needs its own advice, and some of them make the libraries
fail in unhelpful ways (openpyxl reads a Strict file as a workbook with no sheets), so the
kind is decided here from the bytes, not from the extension.
"""

from __future__ import annotations

import codecs
import zipfile
from dataclasses import dataclass
from pathlib import Path

import olefile

from gongkai_xlsx.catalogue import Code

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
MAX_FILE_BYTES = 50 * 1024 * 1024  # a filled template is ~30 KB
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024  # guards against zip bombs
MAX_ZIP_MEMBERS = 2000

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


def _human_size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB"


def _sniff_zip(path: Path) -> Sniffed:
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            if len(infos) > MAX_ZIP_MEMBERS:
                return Sniffed(Code.FILE_CORRUPT, detail=f"压缩包内有 {len(infos)} 个部件")
            total = sum(i.file_size for i in infos)
            if total > MAX_UNZIPPED_BYTES:
                return Sniffed(
                    Code.FILE_TOO_LARGE,
                    actual=f"解压后 {_human_size(total)}",
                    expected=_human_size(MAX_UNZIPPED_BYTES),
                )
            names = {i.filename for i in infos}
            if "mimetype" in names and zf.read("mimetype").startswith(
                b"application/vnd.oasis.opendocument"
            ):
                return Sniffed(Code.FILE_ODS)
            if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
                if "word/document.xml" in names:
                    return Sniffed(Code.FILE_CORRUPT, detail="这是 Word 文档")
                return Sniffed(Code.FILE_CORRUPT, detail="压缩包中没有 Excel 工作簿")
            head = zf.open("xl/workbook.xml").read(4096)
            if b"purl.oclc.org/ooxml" in head:
                return Sniffed(Code.FILE_STRICT)
            bad = zf.testzip()
            if bad is not None:
                return Sniffed(Code.FILE_CORRUPT, detail=f"部件 {bad} 已损坏")
    except Exception as exc:  # a damaged zip fails in many ways: BadZipFile, zlib.error,
        # NotImplementedError (unknown compression), EOFError, ValueError… all mean "corrupt"
        return Sniffed(Code.FILE_CORRUPT, detail=f"压缩结构损坏：{type(exc).__name__}")
    return Sniffed(None)


def _sniff_ole(path: Path) -> Sniffed:
    try:
        with olefile.OleFileIO(str(path)) as ole:
            if ole.exists("EncryptionInfo") or ole.exists("EncryptedPackage"):
                return Sniffed(Code.FILE_ENCRYPTED)
            if ole.exists("Workbook") or ole.exists("Book"):
                if path.suffix.lower() in (".et", ".ett"):
                    return Sniffed(Code.FILE_ET)
                return Sniffed(Code.FILE_XLS)
            if ole.exists("WordDocument"):
                return Sniffed(Code.FILE_CORRUPT, detail="这是 Word 文档")
    except Exception as exc:  # olefile raises OSError, ValueError… on a damaged header
        return Sniffed(Code.FILE_CORRUPT, detail=f"OLE 结构损坏：{type(exc).__name__}")
    if path.suffix.lower() in (".et", ".ett"):
        return Sniffed(Code.FILE_ET)
    return Sniffed(Code.FILE_CORRUPT, detail="无法识别的 OLE 文件")


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


def sniff(path: Path) -> Sniffed:
    """Classify ``path``; never raises for a file that exists."""
    size = path.stat().st_size
    if size == 0:
        return Sniffed(Code.FILE_EMPTY)
    if size > MAX_FILE_BYTES:
        return Sniffed(
            Code.FILE_TOO_LARGE, actual=_human_size(size), expected=_human_size(MAX_FILE_BYTES)
        )
    with path.open("rb") as fh:
        head = fh.read(8)
        more = head + fh.read(4088)
    if head.startswith(ZIP_MAGIC):
        return _sniff_zip(path)
    if head == OLE_MAGIC:
        return _sniff_ole(path)
    kind = _looks_like_text(more)
    if kind:
        return Sniffed(Code.FILE_TEXT, detail=kind)
    return Sniffed(Code.FILE_CORRUPT, detail="无法识别的文件内容")
