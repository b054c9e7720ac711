"""Tell what a file really is before any spreadsheet library touches it.

Agencies send .xls, WPS .et, CSVs renamed to .xlsx, password-encrypted workbooks, .ods and
"Strict Open XML" files, and instead of the workbook a PDF, a photo, a Word file or an
archive. Each needs its own advice, the same from every command, and some of them make
the libraries fail in unhelpful ways (openpyxl reads a Strict file as a workbook with no
sheets), so the kind is decided here from the bytes, not from the extension.
"""

from __future__ import annotations

import codecs
import contextlib
import io
from dataclasses import dataclass

import olefile

from gongkai_xlsx.catalogue import Code
from gongkai_xlsx.ooxml.archive import MAX_UNZIPPED_BYTES, MAX_ZIP_MEMBERS, Member, ZipIn
from gongkai_xlsx.reader.source import human_size
from gongkai_xlsx.text import file_name_text, listed

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
# What agencies send instead of the workbook: a PDF or OFD print, a photo or screenshot, the
# table pasted into a document, the return in an archive. Each is read, so that it gets
# its own advice (the same from ``check`` and ``ingest``) instead of being passed over.
NOT_WORKBOOK_SUFFIXES = {
    ".pdf",
    ".ofd",
    ".jpg",
    ".jpeg",
    ".png",
    ".gif",
    ".bmp",
    ".tif",
    ".tiff",
    ".webp",
    ".heic",
    ".heif",
    ".doc",
    ".docx",
    ".rtf",
    ".ppt",
    ".pptx",
    ".zip",
    ".rar",
    ".7z",
}
READ_SUFFIXES = SPREADSHEET_SUFFIXES | NOT_WORKBOOK_SUFFIXES  # the files a batch reads

_PICTURES = (  # (magic at offset 0, what it is)
    (b"\xff\xd8\xff", "一张图片（JPEG）"),
    (b"\x89PNG\r\n\x1a\n", "一张图片（PNG）"),
    (b"GIF87a", "一张图片（GIF）"),
    (b"GIF89a", "一张图片（GIF）"),
    (b"II*\x00", "一张图片（TIFF）"),
    (b"MM\x00*", "一张图片（TIFF）"),
)
_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1", b"avif"}
_ARCHIVES = ((b"Rar!\x1a\x07", "RAR"), (b"7z\xbc\xaf\x27\x1c", "7z"))
_LISTED_MEMBERS = 3  # files an archive's finding names


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
            return Sniffed(Code.FILE_NOT_WORKBOOK, detail="一份 Word 文档（.docx）")
        if "ppt/presentation.xml" in names:
            return Sniffed(Code.FILE_NOT_WORKBOOK, detail="一份 PowerPoint 演示文稿（.pptx）")
        if "OFD.xml" in names:
            return Sniffed(Code.FILE_NOT_WORKBOOK, detail="一份 OFD 版式文件")
    if "[Content_Types].xml" not in names:
        inside = [_member_name(i) for i in infos if not i.is_dir()]
        sent = [n for n in inside if _suffix(n) in READ_SUFFIXES]
        if sent:  # a return (or its PDF) in an archive, not a damaged workbook
            return Sniffed(Code.FILE_ARCHIVE, detail=f"ZIP，内有 {_archive_list(sent)}")
        return Sniffed(Code.FILE_CORRUPT, detail="压缩包中没有 Excel 工作簿")
    why = zf.unopenable()
    if why is not None:
        return Sniffed(Code.FILE_ZIP_UNSUPPORTED, detail=why)
    return Sniffed(None)


def _suffix(name: str) -> str:
    dot = name.rfind(".")
    return name[dot:].lower() if dot > name.rfind("/") else ""


def _member_name(info: Member) -> str:
    """A member's file name as its sender saw it. A name without the UTF-8 flag is decoded
    by :mod:`zipfile` as cp437, but it is UTF-8 from most other systems and GBK from a
    Chinese Windows PC."""
    name = info.filename
    if not info.flag_bits & 0x800:
        for encoding in ("utf-8", "gbk"):
            with contextlib.suppress(UnicodeEncodeError, UnicodeDecodeError):
                name = info.filename.encode("cp437").decode(encoding)
                break
    return file_name_text(name.rstrip("/").rsplit("/", 1)[-1])


def _archive_list(names: list[str]) -> str:
    return listed(names, "个文件", limit=_LISTED_MEMBERS)


def _not_workbook(data: bytes) -> Sniffed | None:
    """A PDF, a picture or an archive, told by its first bytes (a PDF's header may come
    after up to 1 KB of other bytes)."""
    head = data[:16]
    if b"%PDF-" in data[:1024]:
        return Sniffed(Code.FILE_NOT_WORKBOOK, detail="一份 PDF 文件")
    for magic, what in _PICTURES:
        if head.startswith(magic):
            return Sniffed(Code.FILE_NOT_WORKBOOK, detail=what)
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return Sniffed(Code.FILE_NOT_WORKBOOK, detail="一张图片（WebP）")
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return Sniffed(Code.FILE_NOT_WORKBOOK, detail="一张手机照片（HEIC）")
    if head[:2] == b"BM" and int.from_bytes(head[2:6], "little") == len(data):
        return Sniffed(Code.FILE_NOT_WORKBOOK, detail="一张图片（BMP）")
    if head.startswith(b"{\\rtf"):
        return Sniffed(Code.FILE_NOT_WORKBOOK, detail="一份 RTF 文档")
    for magic, what in _ARCHIVES:
        if head.startswith(magic):
            return Sniffed(Code.FILE_ARCHIVE, detail=what)
    return None


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
                what = "一份 WPS 文字文档（.wps）" if suffix == ".wps" else "一份 Word 文档（.doc）"
                return Sniffed(Code.FILE_NOT_WORKBOOK, detail=what)
            if ole.exists("PowerPoint Document"):
                return Sniffed(Code.FILE_NOT_WORKBOOK, detail="一份 PowerPoint 演示文稿（.ppt）")
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
    """Classify a file's bytes (``suffix``, lower case, only tells .et from .xls and a
    .wps from a .doc: the bytes decide, whatever the extension says)."""
    if not data:
        return Sniffed(Code.FILE_EMPTY)
    head = data[:8]
    if head.startswith(ZIP_MAGIC):
        return Sniffed(None)  # a zip: the package itself is sniffed as it is opened
    if head == OLE_MAGIC:
        return _sniff_ole(data, suffix)
    other = _not_workbook(data)
    if other is not None:
        return other
    kind = _looks_like_text(data[:4096])
    if kind:
        return Sniffed(Code.FILE_TEXT, detail=kind)
    return Sniffed(Code.FILE_CORRUPT, detail="无法识别的文件内容")
