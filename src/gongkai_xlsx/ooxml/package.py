"""A package edited in memory (OPC): read every member, change a few, write a new zip.

For the marked copies and the template's structure lock. Members keep their names, their
order and their bytes (:func:`~gongkai_xlsx.ooxml.archive.rewrite`); a changed part keeps
its place, new parts go at the end. Part names are matched case-insensitively, as OPC
requires; relationships are read and resolved as the reader reads them
(:mod:`.relationships`), so the copy edits the parts the check read.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable, Iterable

from gongkai_xlsx.ooxml import xmledit as xt
from gongkai_xlsx.ooxml.archive import ZipDamaged, ZipIn, ZipUnsupported, rewrite
from gongkai_xlsx.ooxml.relationships import (
    CONTENT_TYPES,
    EMPTY_RELS,
    RELS_CONTENT_TYPE,
    Relationship,
    relationships,
    relative_target,
    rels_name,
    resolve_target,
)
from gongkai_xlsx.ooxml.xmltext import NotWellFormed, escape

BOM = b"\xef\xbb\xbf"
_RID = re.compile(r"^rId(\d+)$", re.M)  # the Ids add_relationship numbers after


def _check_utf8(data: bytes, part: str) -> None:
    """The refusal of :meth:`Package.text` for a part that is not UTF-8, checked a piece
    at a time (decoding a large sheet whole costs more than three times as much: its
    text of two bytes a character is not kept)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(data)
    try:
        for at in range(0, len(data), _PIECE):
            decoder.decode(view[at : at + _PIECE])
        decoder.decode(b"", True)
    except UnicodeDecodeError as exc:
        raise PackageError(f"部件 {part} 不是 UTF-8 编码的 XML") from exc


_PIECE = 16 * 1024


def from_byte_text(text: str) -> str:
    """Text taken from a part read by :meth:`Package.byte_text`, decoded."""
    return text.encode("latin-1").decode("utf-8")


def to_byte_text(text: str) -> str:
    """Text to splice into a part read by :meth:`Package.byte_text`."""
    return text.encode("utf-8").decode("latin-1")


class PackageError(ValueError):
    """The zip is not a package that can be edited (missing or broken structural parts);
    the message is Chinese."""


class Package:
    """Every member of the zip, in order; edits are kept apart from the originals.

    Every member is inflated here (no bound on one member: the copy keeps each, even one
    nobody reads), so a damaged zip is refused before any edit.
    """

    def __init__(self, data: bytes) -> None:
        try:
            self._zip = ZipIn(data)
            why = self._zip.unopenable()  # the reader's rule, not a second one
            if why is not None:
                raise PackageError(why)
            for info in self._zip.members:
                self._zip.read(info, limit=None)
        except ZipDamaged as exc:
            raise PackageError(f"文件不是完整的 zip 压缩包（{exc.cause}）") from exc
        except ZipUnsupported as exc:  # encrypted or odd compression
            raise PackageError(f"压缩包中的部件无法解压（{exc}）") from exc
        self._by_lower = {name: info.filename for name, info in self._zip.by_lower.items()}
        self._changed: dict[str, bytes] = {}
        self._found: dict[str, str] = {}  # part name asked → member name (see member)
        self._added: list[str] = []
        self._texts: dict[str, tuple[bytes, str]] = {}  # part → (its bytes, decoded)
        # per member: its root's prefix and the elements to append to it (see _append),
        # and the relationships and content-type defaults among them
        self._pending: dict[str, tuple[str, list[str]]] = {}
        self._added_rels: dict[str, list[Relationship]] = {}
        self._added_defaults: dict[str, set[str]] = {}

    # -- parts
    def member(self, part: str) -> str | None:
        """The zip member name of a part name, matched case-insensitively (a name found
        is kept: parts are added, never taken away, and the marking asks again and again)."""
        kept = self._found.get(part)
        if kept is not None:
            return kept
        name = part.lstrip("/")
        found = name if name in self._changed else self._by_lower.get(name.lower())
        if found is not None:
            self._found[part] = found
        return found

    def has(self, part: str) -> bool:
        return self.member(part) is not None

    def is_original(self, part: str) -> bool:
        """Whether the part still holds the bytes the file came with (not written since)."""
        name = self.member(part)
        return name is not None and name not in self._changed

    def _original(self, name: str) -> bytes:
        info = self._zip.find(name)
        return b"" if info is None else self._zip.read(info, limit=None)  # read in __init__

    def read(self, part: str) -> bytes:
        name = self.member(part)
        if name is None:
            raise PackageError(f"缺少部件 {part}")
        if name in self._pending:
            self._flush(name)
        return self._current(name)

    def text(self, part: str) -> str:
        """The part decoded (kept until it is written: the marking asks for the
        content types, the relationships, a drawing again and again)."""
        data = self.read(part)
        kept = self._texts.get(part.lstrip("/").lower())
        if kept is not None and kept[0] is data:
            return kept[1]
        try:
            text = data.decode("utf-8-sig" if data.startswith(BOM) else "utf-8")
        except UnicodeDecodeError as exc:
            raise PackageError(f"部件 {part} 不是 UTF-8 编码的 XML") from exc
        self._texts[part.lstrip("/").lower()] = (data, text)
        return text

    def byte_text(self, part: str, utf8: bool = False) -> str:
        """The part's UTF-8 bytes one character per byte (read as Latin-1), without a BOM:
        an edit that searches and splices ASCII markup (a sheet's tags) finds the same
        places as in the decoded text, and :meth:`write_byte_text` gives back the bytes
        with only the splices changed: a large sheet is neither decoded nor encoded (most
        of a marked copy's time on it was those two copies of four bytes a character).
        Non-ASCII text from it is :func:`from_byte_text`'s. Checked to be UTF-8 as
        :meth:`text` checks it, unless ``utf8``: the reader has just decoded these very
        bytes as UTF-8 (:func:`~gongkai_xlsx.ooxml.xmltext.declares_utf8`)."""
        data = self.read(part)
        if not utf8 and not data.isascii():
            _check_utf8(data, part)
        return data.removeprefix(BOM).decode("latin-1")

    def write_byte_text(self, part: str, text: str | bytes) -> None:
        """Replace a part read by :meth:`byte_text` (keeping a UTF-8 BOM it had): with
        such a text, or with the bytes it stands for (already encoded)."""
        data = text.encode("latin-1") if isinstance(text, str) else text
        name = self.member(part)
        if name is not None and self.read(name).startswith(BOM):
            data = BOM + data
        self.write(part, data)

    def write(self, part: str, content: str | bytes) -> None:
        """Replace a part (keeping a UTF-8 BOM it had) or add a new one at the end."""
        data = content.encode("utf-8") if isinstance(content, str) else content
        name = self.member(part)
        if name is not None and name in self._pending:  # the new content replaces it all
            self._pending.pop(name)
            self._added_rels.pop(name, None)
            self._added_defaults.pop(name, None)
        if name is None:
            name = part.lstrip("/")
            self._added.append(name)
            self._by_lower[name.lower()] = name
        elif isinstance(content, str) and self.read(name).startswith(BOM):
            data = BOM + data
        self._changed[name] = data
        if isinstance(content, str):
            self._texts[name.lower()] = (data, content)

    def free_name(self, pattern: str) -> str:
        """The first ``pattern.format(n)`` (n = 1, 2, ...) that is not a part yet."""
        n = 1
        while self.has(pattern.format(n)):
            n += 1
        return pattern.format(n)

    def to_bytes(self, level: int | None = None, keep: Iterable[str] = ()) -> bytes:
        """The new zip: every original member in its place, the new parts after them
        (written parts deflated at ``level``, zlib's default when None; the deflated
        form of the parts ``keep`` names may be kept for the next copy of a template)."""
        for waiting in list(self._pending):
            self._flush(waiting)
        added = [(n, self._changed[n]) for n in self._added]
        kept = {name for part in keep if (name := self.member(part)) is not None}
        return rewrite(self._zip, self._changed, added, level, kept)

    # -- relationships
    def relationships(self, source: str) -> tuple[Relationship, ...]:
        """The relationships of ``source`` (``""`` for the package's own), those added
        included."""
        name = rels_name(source)
        member = self.member(name)
        if member is None:
            return ()
        try:
            found = relationships(self._current(member), source)
        except NotWellFormed as exc:
            raise PackageError(f"部件 {name} 不是有效的 XML（第 {exc.line} 行）") from exc
        return found + tuple(self._added_rels.get(member, ()))

    def add_relationship(self, source: str, rtype: str, target: str) -> str:
        """Add a relationship from ``source`` to the part ``target``; return its new Id."""
        name = rels_name(source)
        if not self.has(name):
            self.add_content_type_default("rels", RELS_CONTENT_TYPE)
            self.write(name, EMPTY_RELS)
        taken = {r.id for r in self.relationships(source)}
        numbers = [int(m) for m in _RID.findall("\n".join(taken))]
        n = max(numbers, default=0) + 1
        while f"rId{n}" in taken:
            n += 1
        rid = f"rId{n}"
        written = relative_target(source, target)
        member = self._append(
            name,
            lambda p: (
                f'<{p}Relationship Id="{rid}" Type="{escape(rtype)}" Target="{escape(written)}"/>'
            ),
        )
        added = Relationship(rid, rtype, resolve_target(source, written))
        self._added_rels.setdefault(member, []).append(added)
        return rid

    def related(self, source: str, rtype: str) -> list[Relationship]:
        return [r for r in self.relationships(source) if r.type == rtype and not r.external]

    # -- content types
    def content_types(self) -> str:
        if not self.has(CONTENT_TYPES):
            raise PackageError("缺少 [Content_Types].xml")
        return self.text(CONTENT_TYPES)

    def add_content_type_override(self, part: str, content_type: str) -> None:
        if not self.has(CONTENT_TYPES):
            raise PackageError("缺少 [Content_Types].xml")
        self._append(
            CONTENT_TYPES,
            lambda p: (
                f'<{p}Override PartName="/{escape(part)}" ContentType="{escape(content_type)}"/>'
            ),
        )

    def add_content_type_default(self, extension: str, content_type: str) -> None:
        """Declare ``extension``'s content type unless a Default already does."""
        if not self.has(CONTENT_TYPES):
            raise PackageError("缺少 [Content_Types].xml")
        member = self.member(CONTENT_TYPES)
        assert member is not None
        if extension.lower() in self._added_defaults.get(member, set()):
            return
        text = self._current_text(member)
        top = xt.root(text)
        for element in xt.children(text, top):
            ext = xt.get_attr(xt.start_tag(text, element), "Extension")
            if element.local == "Default" and (ext or "").lower() == extension.lower():
                # known until the part changes (a marked copy asks once per sheet)
                self._added_defaults.setdefault(member, set()).add(extension.lower())
                return
        self._append(
            CONTENT_TYPES,
            lambda p: (
                f'<{p}Default Extension="{escape(extension)}" '
                f'ContentType="{escape(content_type)}"/>'
            ),
        )
        self._added_defaults.setdefault(member, set()).add(extension.lower())

    # -- elements appended to a part's root, written once (a marked copy adds a dozen
    # relationships and content types: each part is parsed and written once, not each time)
    def _append(self, part: str, element: Callable[[str], str]) -> str:
        """Add ``element(prefix)`` (the root's namespace prefix) as the last child of
        ``part``'s root when the part is next read; its member name."""
        member = self.member(part)
        assert member is not None
        pending = self._pending.get(member)
        if pending is None:
            prefix = xt.root(self._current_text(member)).prefix
            pending = self._pending[member] = (prefix, [])
        pending[1].append(element(pending[0]))
        return member

    def _current(self, name: str) -> bytes:
        """A member's bytes without the elements still to be appended."""
        changed = self._changed.get(name)
        return changed if changed is not None else self._original(name)

    def _current_text(self, name: str) -> str:
        pending = self._pending.pop(name, None)
        try:
            return self.text(name)
        finally:
            if pending is not None:
                self._pending[name] = pending

    def _flush(self, name: str) -> None:
        """Append the elements waiting for member ``name``."""
        pending = self._pending.pop(name, None)
        self._added_rels.pop(name, None)
        self._added_defaults.pop(name, None)
        if pending:
            text = self.text(name)
            self.write(name, xt.append_child(text, xt.root(text), "".join(pending[1])))
