"""The few pieces of XML the fast scanners need: entity references and attributes.

The parts of a return are read by regular expressions over their bytes (a parser that
builds elements costs several times more, see ``benchmarks/``), but only after expat has
confirmed the part is well-formed XML (``well_formed``), and only in the subset of XML the
spreadsheet applications write; anything else (comments, CDATA, namespace prefixes on the
main elements) goes to an exact expat-driven path. So these helpers may assume well-formed
input and need only be exact on it.
"""

from __future__ import annotations

import pyexpat
import re
from collections.abc import Callable
from dataclasses import dataclass

_DECLARATION = re.compile(rb"\A(?:\xef\xbb\xbf)?<\?xml\s([^<>]*?)\?>")
_ENCODING = re.compile(rb"\sencoding\s*=\s*[\"']([A-Za-z0-9._-]*)[\"']")


def declares_utf8(data: bytes) -> bool:
    """Whether expat reads the XML ``data`` as UTF-8 (a UTF-8 BOM or none, no declaration
    or one without an encoding or saying UTF-8): then its accepting ``data`` has proven
    it is UTF-8 (expat refuses a malformed sequence, a surrogate, an overlong form). False
    for anything else (UTF-16, ISO-8859-1 declared, a declaration not recognised here)."""
    body = data.removeprefix(b"\xef\xbb\xbf")
    if not body.startswith(b"<") or body[1:2] == b"\x00":
        return False
    if not body.startswith(b"<?xml"):
        return True
    declaration = _DECLARATION.match(data[:512])
    if declaration is None:
        return False
    encoding = _ENCODING.search(b" " + declaration.group(1))
    return encoding is None or encoding.group(1).lower() == b"utf-8"


_ENTITY = re.compile(r"&(#x[0-9A-Fa-f]+|#[0-9]+|amp|lt|gt|quot|apos);")
_NAMED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}


def _entity(match: re.Match[str]) -> str:
    name = match.group(1)
    if name[0] != "#":
        return _NAMED[name]
    # Leading zeros are allowed and unbounded (&#00…049;): int() refuses 4,300 digits.
    digits = (name[2:] if name[1] in "xX" else name[1:]).lstrip("0") or "0"
    code = int(digits, 16) if name[1] in "xX" else int(digits)
    return chr(code)  # expat has already refused references to invalid characters


MANY_REFERENCES = 16  # above this, expat resolves them (a callback each costs ~1 µs)


def _by_expat(raw: bytes) -> str:
    """Character data of well-formed content, resolved by expat itself: one C pass, where
    a formula naming a sheet in character references holds hundreds of them."""
    chunks: list[str] = []
    parser = pyexpat.ParserCreate("utf-8")
    parser.buffer_text = True
    parser.CharacterDataHandler = chunks.append
    parser.Parse(b"<t>" + raw + b"</t>", True)
    return "".join(chunks)


def unescape(raw: bytes) -> str:
    """Text content of well-formed XML as the document means it (UTF-8; references
    resolved; XML line ends normalised to ``\\n`` as a parser does)."""
    text = raw.decode("utf-8")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "&" in text:
        if "&#" in text:  # character references: one pass, so "&amp;#38;" stays "&#38;"
            if text.count("&#") > MANY_REFERENCES:
                return _by_expat(raw)
            return _ENTITY.sub(_entity, text)
        # Only the five predefined entities can occur (expat refused everything else), and
        # "&amp;" last: "&amp;lt;" is the text "&lt;". Four replaces cost less than a
        # callback per entity (a cover's status formulas hold a thousand of them).
        text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
        text = text.replace("&apos;", "'").replace("&amp;", "&")
    return text


_XSTRING_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _xstring_char(match: re.Match[str]) -> str:
    return chr(int(match.group(1), 16))


def xstring(text: str) -> str:
    """The text an ST_Xstring stands for (ECMA-376 Part 1 §22.9.2.19): each ``_xHHHH_`` is
    the UTF-16 code unit HHHH, which is how Excel and xlsxwriter store a control character
    and a literal ``_xHHHH_`` (as ``_x005F_xHHHH_``). Read left to right, an escape consumed
    whole, as Excel does: ``_x005F_x0041_`` is ``_x0041_``. Two escapes that make a
    surrogate pair are one character; a lone surrogate, which no text may hold, is
    U+FFFD (LibreOffice does the same)."""
    if "_x" not in text:
        return text
    decoded = _XSTRING_ESCAPE.sub(_xstring_char, text)
    if _SURROGATE.search(decoded) is not None:
        decoded = decoded.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return decoded


_SURROGATE = re.compile("[\ud800-\udfff]")


_GT_IN_VALUE = re.compile(rb"""=\s*(?:"[^"<]*>|'[^'<]*>)""")


def gt_in_attribute(data: bytes) -> bool:
    """Whether an attribute value may hold a ``>`` (XML allows it): the regular
    expressions of the fast paths find a tag's end at the first ``>``, so such a part is
    read exactly. A text like ``a="b>c`` also answers True, which costs only speed."""
    return _GT_IN_VALUE.search(data) is not None


_ATTR = re.compile(rb"""([A-Za-z_][\w.:-]*)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_ATTR_SPACE = str.maketrans({"\t": " ", "\n": " ", "\r": " "})


def attributes(raw: bytes) -> dict[str, str]:
    """The attributes of one start tag's inside (``r="D6" s='3'``), values unescaped and
    whitespace-normalised as XML attribute-value normalisation requires."""
    found: dict[str, str] = {}
    for name, double, single in _ATTR.findall(raw):
        value = double if double or not single else single
        found[name.decode("ascii", "replace")] = attribute_value(value.decode("utf-8"))
    return found


def attribute_value(text: str) -> str:
    """One attribute's value as written between its quotes, as the document means it:
    references resolved, whitespace normalised (XML 1.0 §3.3.3)."""
    if "\t" in text or "\n" in text or "\r" in text:
        text = text.replace("\r\n", " ").translate(_ATTR_SPACE)
    if "&" in text:
        text = _ENTITY.sub(_entity, text)
    return text


def unescape_str(text: str) -> str:
    """:func:`unescape` for text content already decoded (the marked copies edit text)."""
    return unescape(text.encode("utf-8"))


_INVALID_XML_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


_NEEDS_ESCAPE = re.compile('[&<>"\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]')


def escape(value: str) -> str:
    """Text or attribute value as XML: markup escaped, characters XML forbids replaced
    (most values need neither: one search answers for them)."""
    if _NEEDS_ESCAPE.search(value) is None:
        return value
    value = _INVALID_XML_CHARS.sub("\ufffd", value)
    return (
        value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def escape_each(values: list[str]) -> list[str]:
    """:func:`escape` of each value: one search over them all answers when none needs
    escaping (a marked copy writes hundreds of messages, nearly always plain text)."""
    if _NEEDS_ESCAPE.search("".join(values)) is None:
        return values
    return [escape(value) for value in values]


class NotWellFormed(ValueError):
    """expat refused the part; ``where`` is its line and column."""

    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(message)
        self.line, self.column = line, column


def parse_checked(parser: pyexpat.XMLParserType, data: bytes) -> None:
    """Run ``parser`` over the whole of ``data`` in one call (linear time: expat 2.5 re-scans
    a token split across many small feeds), refusing a document type declaration (OPC
    forbids DTDs in package parts, and a DTD is how entity bombs are built). Raises
    :class:`NotWellFormed`."""

    def refuse_dtd(*_args: object) -> None:
        raise NotWellFormed("DTD", parser.CurrentLineNumber, parser.CurrentColumnNumber)

    parser.StartDoctypeDeclHandler = refuse_dtd
    try:
        parser.Parse(data, True)
    except pyexpat.ExpatError as exc:
        raise NotWellFormed(pyexpat.ErrorString(exc.code), exc.lineno, exc.offset) from None


def parse_events(
    data: bytes,
    start: Callable[[str, dict[str, str]], None],
    end: Callable[[str], None],
    chars: Callable[[str], None],
) -> None:
    """:func:`parse_checked` with namespaces (``uri name``) and whole text runs: the one
    set-up of the element readers (small parts, shared strings, the exact sheet reader)."""
    parser = pyexpat.ParserCreate(namespace_separator=" ")
    parser.buffer_text = True
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    parse_checked(parser, data)


def well_formed(data: bytes) -> None:
    """Let expat, with no handlers (C only), confirm ``data`` is well-formed XML."""
    parse_checked(pyexpat.ParserCreate(), data)


@dataclass(frozen=True)
class Element:
    path: tuple[str, ...]  # local names from the root; "{ns}" prefix only for foreign ones
    attrs: dict[str, str]
    text: str


def elements(data: bytes, main: str) -> list[Element]:
    """Every element of a small part, in document order, with its own text. Names in
    ``main`` are given bare, others as ``{ns}local``; attributes keep ``{ns}local`` only
    when namespaced (``r:id`` → ``{…relationships}id``). Raises
    :class:`NotWellFormed` (expat checks as it goes)."""
    found: list[Element] = []
    stack: list[str] = []
    texts: list[list[str]] = []
    attrs_stack: list[dict[str, str]] = []

    def local(name: str) -> str:
        ns, _, tag = name.rpartition(" ")
        return tag if ns == main or not ns else "{" + ns + "}" + tag

    def start(name: str, attrs: dict[str, str]) -> None:
        stack.append(local(name))
        texts.append([])
        attrs_stack.append({local(k) if " " in k else k: v for k, v in attrs.items()})

    def end(_name: str) -> None:
        found.append(Element(tuple(stack), attrs_stack.pop(), "".join(texts.pop())))
        stack.pop()

    def chars(data: str) -> None:
        if texts:
            texts[-1].append(data)

    parse_events(data, start, end, chars)
    return found
