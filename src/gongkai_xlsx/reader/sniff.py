"""Tell what a file really is before any spreadsheet library touches it.

Agencies send .xls, WPS .et, CSVs renamed to .xlsx, password-encrypted workbooks, .ods and
"Strict Open XML" files. Each needs its own advice, and some of them make the libraries
fail in unhelpful ways (openpyxl reads a Strict file as a workbook with no sheets), so the
kind is decided here from the bytes, not from the extension.
"""

from __future__ import annotations

import codecs
import io
import zipfile
from dataclasses import dataclass

import olefile

from gongkai_xlsx.catalogue import Code
from gongkai_xlsx.reader.source import human_size

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024  # guards against zip bombs
MAX_ZIP_MEMBERS = 2000
# What LibreOffice 7.4 opens (tests/oracle/WITNESS.md, "Compression methods and the zip
# comment"): every member stored or deflated, none flagged encrypted, and at most 512 bytes
# after the zip's end record (its comment); it refuses the whole file otherwise, even for a
# member nothing reads. Gnumeric fails on such a member when it reads it. Excel and WPS
# open only stored and deflate as well.
OPENED_METHODS = frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED})
METHOD_NAMES = {9: "Deflate64", 12: "bzip2", 14: "LZMA", 93: "Zstandard", 95: "XZ", 98: "PPMd"}
MAX_ZIP_TAIL = 512
_END_RECORD = b"PK\x05\x06"
_END_RECORD_SIZE = 22

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


def unopenable_zip(infos: list[zipfile.ZipInfo], data: bytes) -> str | None:
    """Why the applications do not open this zip (Chinese, naming the member), or None.

    The one rule for every reader of a returned zip (the reader, annotate): a file none of
    the clerk's applications opens must not be read as if it held the numbers they show.
    """
    for info in infos:
        if info.flag_bits & 0x41:  # bit 0: encrypted; bit 6: strong encryption
            return f"部件 {info.filename} 被标记为加密，表格软件无法打开"
        if info.compress_type not in OPENED_METHODS:
            method = METHOD_NAMES.get(info.compress_type, "")
            name = (
                f"{method}（第 {info.compress_type} 种）"
                if method
                else f"第 {info.compress_type} 种"
            )
            return (
                f"部件 {info.filename} 使用了 {name}压缩方式，Excel、WPS 和 LibreOffice "
                "只能打开“存储”和“Deflate”两种"
            )
    end = data.rfind(_END_RECORD, max(0, len(data) - 65535 - _END_RECORD_SIZE))
    tail = len(data) - end - _END_RECORD_SIZE if end >= 0 else 0
    if tail > MAX_ZIP_TAIL:
        return f"压缩包末尾附有 {tail} 字节的注释，LibreOffice 只能打开不超过 {MAX_ZIP_TAIL} 字节的"
    return None


def sniff_package(zf: zipfile.ZipFile, data: bytes) -> Sniffed:
    """What tells another kind of zip apart (an .ods, a Word file, a zip bomb), and a zip
    the applications do not open; given the opened zip so that its directory is read once
    per file, and its bytes for what lies after the directory."""
    infos = zf.infolist()
    if len(infos) > MAX_ZIP_MEMBERS:
        return Sniffed(Code.FILE_CORRUPT, detail=f"压缩包内有 {len(infos)} 个部件")
    total = sum(i.file_size for i in infos)
    if total > MAX_UNZIPPED_BYTES:
        return Sniffed(
            Code.FILE_TOO_LARGE,
            actual=f"解压后 {human_size(total)}",
            expected=human_size(MAX_UNZIPPED_BYTES),
        )
    names = {i.filename for i in infos}
    if "mimetype" in names:
        try:
            mimetype = zf.read("mimetype")[:200]
        except Exception:  # a damaged entry: BadZipFile, zlib.error, NotImplementedError…
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
    why = unopenable_zip(infos, data)
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
