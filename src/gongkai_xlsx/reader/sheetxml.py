"""One worksheet part → :class:`SheetScan`: every cell that holds something, the merged
ranges, and every structural oddity an application might display differently from us.

Two tokenizers feed one :class:`~.sheet_cells.Builder`, which alone decides positions
(explicit ``r`` or the position the grammar implies), order, duplicates and oddities, so
both read a file the same way; this module chooses between them:

- the fast one (:mod:`.sheet_fast`): regular expressions over the bytes of the subset of
  XML that Excel, WPS, LibreOffice and the libraries write (unprefixed main namespace, no
  comments, CDATA, processing instructions or ``>`` in attribute values), after expat has
  confirmed the part is well-formed;
- the exact one (:mod:`.sheet_exact`): expat with handlers and namespaces, for everything
  else. It is the reference the fast one is tested against (``tests/test_reader.py``).

Bounds: the caller has capped the part's size; here a start tag longer than
``MAX_TAG_BYTES``, a text run longer than ``MAX_TEXT_BYTES`` or more than ``MAX_CELLS``
cells make the part unreadable (:class:`SheetTooLarge`) before anything is built, and no
cell text longer than Excel's 32,767 characters is kept.
"""

from __future__ import annotations

import pyexpat
import re
from functools import lru_cache

from gongkai_xlsx.ooxml.xmltext import attributes, gt_in_attribute, parse_checked
from gongkai_xlsx.reader.sheet_cells import (
    MAIN_NS,
    MAX_CELLS,
    MAX_TAG_BYTES,
    MAX_TEXT_BYTES,
    Builder,
    Rect,
    SheetScan,
    SheetTooLarge,
)
from gongkai_xlsx.reader.sheet_exact import scan_exact
from gongkai_xlsx.reader.sheet_fast import MERGE, scan_fast

_ROOT = re.compile(
    rb"""\A(?:\xef\xbb\xbf)?\s*(?:<\?xml\b[^<>]*\?>\s*)?<worksheet\b[^<>]*?\bxmlns\s*=\s*["']"""
    + MAIN_NS.encode()
    + rb"""["']"""
)
_LONG_TAG = re.compile(rb"<[^<>]{%d}" % MAX_TAG_BYTES)
_LONG_TEXT = re.compile(rb">[^<]{%d}" % MAX_TEXT_BYTES)


def needs_exact(data: bytes) -> bool:
    """Whether ``data`` uses XML outside the subset the fast tokenizer reads exactly: a
    root other than an unprefixed ``<worksheet>`` in the main namespace, the main namespace
    bound to a prefix or declared again, another default namespace anywhere, a comment,
    CDATA or processing instruction. Past the root, one expat pass (in C: its handlers
    run only where such a thing occurs), so that an answer of False also confirms ``data``
    is well-formed XML with every prefix bound (else
    :class:`~gongkai_xlsx.ooxml.xmltext.NotWellFormed`); after True, the exact tokenizer's
    own expat pass is the check."""
    if _ROOT.match(data) is None:  # a prefixed root, another default namespace
        return True
    odd: list[object] = []
    default_main = 0

    def declared(prefix: str | None, uri: str | None) -> None:
        nonlocal default_main
        if prefix is None and uri == MAIN_NS:
            default_main += 1
        elif prefix is None or uri == MAIN_NS:
            odd.append(prefix)

    parser = pyexpat.ParserCreate(namespace_separator=" ")
    parser.StartNamespaceDeclHandler = declared
    parser.CommentHandler = odd.append
    parser.ProcessingInstructionHandler = lambda target, _data: odd.append(target)
    parser.StartCdataSectionHandler = lambda: odd.append("cdata")
    parse_checked(parser, data)
    return (
        bool(odd) or default_main != 1 or (not _gt_only_ends_tags(data) and gt_in_attribute(data))
    )


def _gt_only_ends_tags(data: bytes) -> bool:
    """Whether every ``>`` of well-formed ``data`` without comments, CDATA, processing
    instructions or a DTD (what expat has just confirmed) ends a tag or the XML
    declaration: each of those begins with the only kind of ``<`` such a document holds
    and ends with one ``>``, so any other ``>`` (in an attribute value, or in text) makes
    more ``>`` than ``<``. Two counts, where the search for a ``>`` in a value tries every
    ``=``."""
    return data.count(b"<") == data.count(b">")


def check_bounds(data: bytes, sheet: str, max_cells: int = MAX_CELLS) -> None:
    """Each bound is looked for only where the part is large enough to break it (a return's
    parts are a few hundred KB: no 600 KB text, no 200,000 cells of 2 bytes each fit)."""
    if len(data) > 2 * max_cells and data.count(b"<c") > max_cells:
        raise SheetTooLarge(f"工作表“{sheet}”的单元格超过 {max_cells} 个")
    if len(data) > MAX_TAG_BYTES and _clean_block(data) and _LONG_TAG.search(data):
        raise SheetTooLarge(f"工作表“{sheet}”中有超长的 XML 标记")
    if len(data) > MAX_TEXT_BYTES and _LONG_TEXT.search(data):
        raise SheetTooLarge(f"工作表“{sheet}”中有超长的文字")


_BLOCK = MAX_TAG_BYTES // 2


def _clean_block(data: bytes) -> bool:
    """Whether some block of ``data`` at a multiple of ``_BLOCK`` holds neither ``<`` nor
    ``>``: a tag of ``MAX_TAG_BYTES`` or more (a ``<`` and that many bytes that are
    neither) covers such a block whole, so without one there is none (a few byte
    searches, most ending at a block's first bytes, in place of the expression's pass)."""
    find = data.find
    for start in range(0, len(data), _BLOCK):
        stop = start + _BLOCK
        if find(b"<", start, stop) < 0 and find(b">", start, stop) < 0:
            return True
    return False


def scan_sheet(
    data: bytes, sheet: str, force_exact: bool = False, max_cells: int = MAX_CELLS
) -> SheetScan:
    """Read one worksheet part; raises :class:`SheetTooLarge` or
    :class:`~gongkai_xlsx.ooxml.xmltext.NotWellFormed`. ``max_cells`` is larger for a
    summary's members sheet, which holds a row per member."""
    check_bounds(data, sheet, max_cells)
    builder = Builder()
    if force_exact or needs_exact(data):  # needs_exact has confirmed it is well-formed
        scan_exact(data, builder)
        builder.scan.exact = True
        return builder.scan
    start = data.find(b"<sheetData")
    if start >= 0:
        open_end = data.find(b">", start) + 1
        if data[open_end - 2 : open_end] != b"/>":
            end = data.find(b"</sheetData", open_end)
            scan_fast(data, open_end, end if end >= 0 else len(data), builder)
        tail = data.find(b"<mergeCells", open_end)
        if tail >= 0:
            rest = data[tail:]
            builder.scan.merges += (
                _merges_cached(rest) if len(rest) <= MAX_CACHED_MERGES else _merges(rest)
            )
    return builder.scan


MAX_CACHED_MERGES = 262_144


@lru_cache(maxsize=64)
def _merges_cached(rest: bytes) -> tuple[Rect, ...]:
    """:func:`_merges`, once per worker for each tail of a sheet: a template's merged
    boxes come again, byte for byte, in every return (bounded: 64 tails of at most
    256 KB)."""
    return _merges(rest)


def _merges(rest: bytes) -> tuple[Rect, ...]:
    """The merged ranges of a sheet's tail (from ``<mergeCells``), as Builder.merge keeps
    them."""
    builder = Builder()
    for attrs in MERGE.findall(rest):
        builder.merge(attributes(attrs.rstrip(b"/")).get("ref", ""))
    return tuple(builder.scan.merges)
