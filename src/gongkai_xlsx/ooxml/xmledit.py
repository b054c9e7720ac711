"""XML edited as text: find elements, change one attribute, insert a child.

Why not a parser: every part the marking engine touches was written by some other
program (Excel, WPS, LibreOffice, openpyxl, xlsxwriter) and must stay as that program
wrote it, apart from the few bytes we change. Parsing and re-serialising would reorder
attributes, rewrite namespace prefixes, drop the XML declaration or unknown extensions.
So this module only locates elements (start, end, name) and splices strings.

Escaping and unescaping are :mod:`.xmltext`'s, one reading for the reader and the copies.
Only well-formed XML without a DTD is handled (what the reader accepted); comments,
CDATA sections and processing instructions are skipped, quoted attribute values may
contain ``>``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from gongkai_xlsx.ooxml.xmltext import attribute_value, escape

_TOKEN = re.compile(
    r"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>|<![^>]*>"
    r"|<(/?)([^\s/>!?]+)((?:[^>\"']|\"[^\"]*\"|'[^']*')*?)(/?)>",
    re.S,
)


class XmlTextError(ValueError):
    """The text is not the XML we expected (unbalanced tags, missing element)."""


class Element(NamedTuple):
    """Where one element sits in a text: ``text[start:end]`` is all of it (a named
    tuple: a sheet's cells make thousands, four times faster than a frozen dataclass).

    ``text[start:tag_end]`` is the start tag; for an element with content,
    ``text[tag_end:content_end]`` is the content and the closing tag follows.
    """

    qname: str
    start: int
    tag_end: int
    content_end: int
    end: int

    @property
    def local(self) -> str:
        return self.qname.rpartition(":")[2]

    @property
    def prefix(self) -> str:
        """``"x:"`` for ``<x:worksheet>``, ``""`` without a prefix."""
        head, colon, _ = self.qname.rpartition(":")
        return head + colon

    @property
    def empty(self) -> bool:
        """Written as ``<tag/>``."""
        return self.tag_end == self.end


def children(text: str, parent: Element | None = None) -> list[Element]:
    """The direct child elements of ``parent`` (of the document when None)."""
    start, end = (parent.tag_end, parent.content_end) if parent else (0, len(text))
    return list(_children(text, start, end))


@lru_cache(maxsize=64)
def _children(text: str, start: int, end: int, large: str = "") -> tuple[Element, ...]:
    """The elements at depth 0 of ``text[start:end]``; each child's content is skipped
    by searching its closing tag, so the children of a sheet's root cost a scan of the
    root's own tags, not of every cell. Cached: the engine asks again and again about an
    unchanged text (a str caches its hash, so a hit costs no rescan). ``large``: the text
    is well-formed, and the first child of that local name is closed by a search from the
    end (:func:`children_of_well_formed`)."""
    found: list[Element] = []
    pos = start
    while (match := _TOKEN.search(text, pos, end)) is not None:
        pos = match.end()
        closing, qname, _, self_closing = match.group(1, 2, 3, 4)
        if qname is None:  # comment, CDATA, processing instruction
            continue
        if closing:
            raise XmlTextError(f"unbalanced </{qname}> at {match.start()}")
        if self_closing:
            found.append(Element(qname, match.start(), pos, pos, pos))
            continue
        if large and qname.rpartition(":")[2] == large:
            close = _closing_from_end(text, qname, pos, end)
            if close is None:
                return _children(text, start, end)
            try:  # whole elements after it: else it closed something later
                after = _children.__wrapped__(text, close.end(), end)
            except XmlTextError:
                return _children(text, start, end)
            found.append(Element(qname, match.start(), pos, close.start(), close.end()))
            return (*found, *after)
        close = _closing_tag(text, qname, pos, end)
        found.append(Element(qname, match.start(), pos, close.start(), close.end()))
        pos = close.end()
    return tuple(found)


@lru_cache(maxsize=256)
def _same_name(qname: str) -> re.Pattern[str]:
    return re.compile(
        "<(/?)" + re.escape(qname) + "(?=[\\s/>])(?:[^>\"']|\"[^\"]*\"|'[^']*')*?(/?)>"
    )


def _closing_tag(text: str, qname: str, pos: int, end: int) -> re.Match[str]:
    """The tag closing the ``<qname>`` opened just before ``pos`` (same-name elements
    nested inside it are counted).

    Usually no element of the same name is nested: then the first ``</qname`` is the
    one. It is found by one :meth:`str.find` of the name itself (no ``<`` can be in an
    attribute value or in text, so only a tag starts with it), which also meets any
    nested ``<qname`` before it: one pass over a large element (a sheet's sheetData,
    its root) instead of two, and no regular expression tried at every ``<`` of a
    sheet's cells. A nested one is counted by the regular expression. A short name
    (``c``, ``t``: letters of every formula) is searched with its ``</`` instead, and
    the nested ones before it apart."""
    if len(qname) < 4:
        close = text.find("</" + qname, pos, end)
        if close >= 0 and not _nested_open(text, "<" + qname, pos, close):
            match = _same_name(qname).match(text, close, end)
            if match is not None and match.group(1):
                return match
        return _counted(text, qname, pos, end)
    at = text.find(qname, pos, end)
    while at >= 0:
        after = at + len(qname)
        delimited = after >= end or text[after] in " \t\r\n/>"
        if at - 2 >= pos and text[at - 2 : at] == "</":
            match = _same_name(qname).match(text, at - 2, end)
            if match is not None and match.group(1):
                return match
        elif at - 1 >= pos and text[at - 1] == "<" and delimited:
            break  # nested: counted below
        at = text.find(qname, after, end)
    return _counted(text, qname, pos, end)


def _counted(text: str, qname: str, pos: int, end: int) -> re.Match[str]:
    """The closing tag of :func:`_closing_tag`, same-name tags counted one by one."""
    depth = 1
    for match in _same_name(qname).finditer(text, pos, end):
        if match.group(1):
            depth -= 1
            if depth == 0:
                return match
        elif not match.group(2):
            depth += 1
    raise XmlTextError(f"<{qname}> is not closed")


def _nested_open(text: str, opening: str, pos: int, close: int) -> bool:
    """Whether ``text[pos:close]`` may hold a start tag ``opening`` (``<qname``) of the
    same name: one not followed by a longer name (``<row`` of ``<rows``)."""
    at = text.find(opening, pos, close)
    while at >= 0:
        after = at + len(opening)
        if after >= close or text[after] in " \t\r\n/>":
            return True
        at = text.find(opening, after, close)
    return False


def root(text: str) -> Element:
    """The document element."""
    elements = children(text)
    if len(elements) != 1:
        raise XmlTextError("not one document element")
    return elements[0]


def child(text: str, parent: Element | None, local: str) -> Element | None:
    """The first direct child with this local name."""
    return next((e for e in children(text, parent) if e.local == local), None)


def start_tag(text: str, element: Element) -> str:
    return text[element.start : element.tag_end]


@dataclass(frozen=True)
class Tag:
    """One start, end or empty-element tag of a text: ``text[start:end]``."""

    qname: str
    start: int
    end: int
    closing: bool
    self_closing: bool

    @property
    def local(self) -> str:
        return self.qname.rpartition(":")[2]


def tags(text: str, start: int, end: int) -> Iterator[Tag]:
    """Every tag of ``text[start:end]`` in document order, comments, CDATA sections and
    processing instructions skipped: one scan, for an edit that visits every element of
    a part (the cells of a sheet) instead of asking for each one's children."""
    for match in _TOKEN.finditer(text, start, end):
        closing, qname, _, self_closing = match.group(1, 2, 3, 4)
        if qname is not None:
            yield Tag(qname, match.start(), match.end(), bool(closing), bool(self_closing))


@lru_cache(maxsize=64)
def _attr_pattern(name: str) -> re.Pattern[str]:
    return re.compile(r"(\s)" + re.escape(name) + r"\s*=\s*(\"[^\"]*\"|'[^']*')")


def get_attr(tag: str, name: str) -> str | None:
    """The value of attribute ``name`` in a start tag, as the reader reads it
    (:func:`~gongkai_xlsx.ooxml.xmltext.attribute_value`)."""
    match = _attr_pattern(name).search(tag)
    return attribute_value(match.group(2)[1:-1]) if match else None


def set_attr(tag: str, name: str, value: str) -> str:
    """The start tag with ``name="value"``: replaced in place, or added at the end."""
    pattern = _attr_pattern(name)
    quoted = f'"{escape(value)}"'
    if pattern.search(tag):
        return pattern.sub(lambda m: f"{m.group(1)}{name}={quoted}", tag, count=1)
    cut = len(tag) - (2 if tag.endswith("/>") else 1)
    return f"{tag[:cut].rstrip()} {name}={quoted}{tag[cut:]}"


def del_attr(tag: str, name: str) -> str:
    return _attr_pattern(name).sub("", tag, count=1)


def replace_tag(text: str, element: Element, new_tag: str) -> str:
    return text[: element.start] + new_tag + text[element.tag_end :]


def append_child(text: str, parent: Element, xml: str) -> str:
    """Insert ``xml`` as the last child of ``parent`` (expanding ``<tag/>``)."""
    if parent.empty:
        tag = text[parent.start : parent.end]
        opened = tag[:-2].rstrip() + ">"
        return text[: parent.start] + opened + xml + f"</{parent.qname}>" + text[parent.end :]
    return text[: parent.content_end] + xml + text[parent.content_end :]


def insert_at(text: str, index: int, xml: str) -> str:
    return text[:index] + xml + text[index:]


def namespace_prefix(tag: str, uri: str) -> str | None:
    """The prefix (``"r"``) a start tag binds to ``uri``; ``""`` for the default one."""
    for match in re.finditer(r"\sxmlns(?::([\w.-]+))?\s*=\s*(\"[^\"]*\"|'[^']*')", tag):
        if match.group(2)[1:-1] == uri:
            return match.group(1) or ""
    return None


def ns_attr(text: str, element: Element, uri: str, local: str) -> str | None:
    """Attribute ``local`` of namespace ``uri`` on ``element``, the prefix declared on
    the element itself (openpyxl does that) or on the document element."""
    tag = start_tag(text, element)
    prefix = namespace_prefix(tag, uri) or namespace_prefix(start_tag(text, root(text)), uri)
    return get_attr(tag, f"{prefix}:{local}") if prefix else None


def ensure_namespace(text: str, uri: str, wanted: str) -> tuple[str, str]:
    """Make sure the document element binds a prefix to ``uri``; return (text, prefix).

    An existing binding is used as it is; otherwise ``wanted`` (or ``wanted`` plus a
    digit, when ``wanted`` is bound to something else) is declared on the root.
    """
    top = root(text)
    tag = start_tag(text, top)
    prefix = namespace_prefix(tag, uri)
    if prefix:
        return text, prefix
    taken = set(re.findall(r"\sxmlns:([\w.-]+)\s*=", tag))
    candidate, n = wanted, 1
    while candidate in taken:
        candidate, n = f"{wanted}{n}", n + 1
    return replace_tag(text, top, set_attr(tag, f"xmlns:{candidate}", uri)), candidate


# -- a text known to be well-formed XML (the reader's expat has just accepted its bytes)
#
# Then the closing tag of a large element (a sheet's root, its sheetData) is the last tag
# of its name before its parent's end, and can be found from the end instead of by a
# pass over the element's content. Each answer is proven as it is taken (else the forward
# search of :func:`children` answers): nothing that could hide a tag (comment, CDATA
# section, processing instruction) lies after it, and what follows it is whole elements
# (a closing tag of the same name inside a later sibling leaves that sibling's closing
# tag unmatched). A second sibling of the same name is not excluded by this proof (the
# last one's end would be taken): the marking trusts a sheet only when ``sheetData`` occurs
# in it at most twice (annotate/engine.py). Used only on such a text: on damaged text the
# forward search may refuse what this accepts.


def _may_end_hiding(text: str, lo: int, hi: int) -> bool:
    """Whether ``text[lo:hi]`` may hold the end of a comment, CDATA section or processing
    instruction (``-->``, ``]]>``, ``?>``), one that could have begun before ``lo`` and
    hide a tag there: found by their rare characters (a search for one character is many
    times faster than for two or three; ``-`` is looked at where it occurs)."""
    if text.find("?", lo, hi) >= 0 or text.find("]", lo, hi) >= 0:
        return True
    at = text.find("-", lo, hi)
    while at >= 0:
        if text.startswith("->", at + 1, hi):
            return True
        at = text.find("-", at + 1, hi)
    return False


def _closing_from_end(text: str, qname: str, pos: int, end: int) -> re.Match[str] | None:
    """The closing tag of the ``<qname>`` opened before ``pos`` whose parent's content
    ends at ``end``, searched from the end; None when it cannot be proven so."""
    at = text.rfind("</" + qname, pos, end)
    if at < 0 or _may_end_hiding(text, at, end):
        return None
    match = _same_name(qname).match(text, at, end)
    if match is None or not match.group(1):
        return None
    return match


@lru_cache(maxsize=64)
def root_of_well_formed(text: str) -> Element:
    """:func:`root` of a well-formed text, its closing tag searched from the end (cached
    as :func:`_children` is)."""
    match = _TOKEN.search(text)
    while match is not None and match.group(2) is None:  # the declaration, a comment
        match = _TOKEN.search(text, match.end())
    if match is None or match.group(1) or match.group(4):
        return root(text)
    qname, pos = match.group(2), match.end()
    close = _closing_from_end(text, qname, pos, len(text))
    if close is None or text[close.end() :].strip():
        return root(text)
    return Element(qname, match.start(), pos, close.start(), close.end())


def children_of_well_formed(text: str, parent: Element, large: str) -> list[Element]:
    """:func:`children` of ``parent`` in a well-formed text, the first child of local name
    ``large`` closed by a search from the parent's end (its siblings are small)."""
    return list(_children(text, parent.tag_end, parent.content_end, large))
