"""The zip container of a workbook: the only module that opens or writes a zip.

Two guarantees, for two kinds of caller:

- bounded against hostile files (the reader): the bounds below, the rule for what the
  clerk's applications open (:func:`unopenable`), names compared case-insensitively as OPC
  does (ECMA-376 Part 2 §6.2.2.3: two entries differing only by case are one part written
  twice, :attr:`ZipIn.duplicates`), and one member read within a size bound
  (:meth:`ZipIn.read`, which zipfile holds to the member's declared size while inflating);
- untouched parts byte-identical (the marked copies, the template's structure lock):
  :func:`rewrite` keeps every member's name, place, date, compression and attributes, and
  its bytes after decompression, replacing only the parts given.

Its inflating, deflating and CRC-32s are :mod:`gongkai_xlsx.ooxml.deflate`'s (ISA-L, else
zlib); zipfile, the fallback reader of a member written otherwise, inflates with zlib.
"""

from __future__ import annotations

import io
import itertools
import struct
import zipfile
import zlib
from collections import Counter
from collections.abc import Container, Mapping, Sequence
from functools import lru_cache
from typing import NamedTuple

from gongkai_xlsx.ooxml.deflate import SYNC_FLUSH, Engine, engine

MAX_ZIP_MEMBERS = 2000
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024  # all members together: guards against zip bombs
MAX_PART_BYTES = 64 * 1024 * 1024  # one member, decompressed; a return's largest is ~30 KB
# What LibreOffice 7.4 opens (tests/oracle/WITNESS.md, "Compression methods and the zip
# comment"): every member stored or deflated, none flagged encrypted, and at most 512 bytes
# after the zip's end record (its comment); it refuses the whole file otherwise, even for a
# member nothing reads. Gnumeric fails on such a member when it reads it. Excel and WPS
# open only stored and deflate as well.
STORED, DEFLATED = zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED
OPENED_METHODS = frozenset({STORED, DEFLATED})
METHOD_NAMES = {9: "Deflate64", 12: "bzip2", 14: "LZMA", 93: "Zstandard", 95: "XZ", 98: "PPMd"}
MAX_ZIP_TAIL = 512
_END_RECORD = b"PK\x05\x06"
_END_RECORD_SIZE = 22
_EPOCH = (1980, 1, 1, 0, 0, 0)

Member = zipfile.ZipInfo  # a member's header (name, sizes, method, date, attributes)


class ZipDamaged(ValueError):
    """The zip, or one member (``member``), cannot be read; ``cause`` names what failed."""

    def __init__(self, member: str | None, cause: BaseException) -> None:
        super().__init__(f"{member or 'zip'}: {type(cause).__name__}")
        self.member = member
        self.cause = type(cause).__name__


class ZipUnsupported(ValueError):
    """A member zipfile cannot inflate (an unknown method, a zip password)."""

    def __init__(self, member: str, cause: BaseException) -> None:
        super().__init__(str(cause))
        self.member = member


class PartTooLarge(ValueError):
    """A member declares more than the bound it is read within."""

    def __init__(self, member: str, size: int) -> None:
        super().__init__(f"{member}: {size}")
        self.member = member
        self.size = size


def unopenable(members: Sequence[Member], data: bytes) -> str | None:
    """Why the applications do not open this zip (Chinese, naming the member), or None.

    The one rule for every reader of a returned zip (the reader, annotate): a file none of
    the clerk's applications opens must not be read as if it held the numbers they show.
    """
    for info in members:
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


class ZipIn:
    """A zip held in memory: its directory read once, its members read on demand.

    Raises :class:`ZipDamaged` when the bytes are not a zip whose directory can be read.
    """

    def __init__(self, data: bytes) -> None:
        self.data = data
        try:
            self._zip = zipfile.ZipFile(io.BytesIO(data))
            self.members: tuple[Member, ...] = tuple(self._zip.infolist())
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
            raise ZipDamaged(None, exc) from exc
        counts = Counter(i.filename.lower() for i in self.members)
        self.duplicates = frozenset(name for name, n in counts.items() if n > 1)  # lower case
        self.by_lower: dict[str, Member] = {}
        self._read: dict[Member, bytes] = {}  # a member is inflated once
        for info in self.members:
            self.by_lower.setdefault(info.filename.lower(), info)
        # where each member's bytes must end: the next member's header, else the directory
        starts = sorted({i.header_offset for i in self.members})
        ends = dict(itertools.pairwise(starts))
        directory = self._zip.start_dir
        self._ends = {id(i): ends.get(i.header_offset, directory) for i in self.members}

    @property
    def declared_size(self) -> int:
        """The sum of every member's declared decompressed size."""
        return sum(i.file_size for i in self.members)

    def find(self, name: str) -> Member | None:
        """The (first) member whose name equals ``name`` but for case."""
        return self.by_lower.get(name.lower())

    def unopenable(self) -> str | None:
        """:func:`unopenable` for this zip."""
        return unopenable(self.members, self.data)

    def read(self, info: Member, limit: int | None = MAX_PART_BYTES) -> bytes:
        """One member's bytes (CRC checked by zipfile, its size held to the declared one
        while inflating, and that declared size to ``limit``), inflated once."""
        if limit is not None and info.file_size > limit:
            raise PartTooLarge(info.filename, info.file_size)
        kept = self._read.get(info)
        if kept is not None:
            return kept
        data = self._inflate_plain(info)
        if data is not None:
            self._read[info] = data
            return data
        try:
            data = self._read[info] = self._zip.read(info)
            return data
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError) as exc:
            raise ZipDamaged(info.filename, exc) from exc
        except (NotImplementedError, RuntimeError) as exc:  # unknown compression, zip password
            raise ZipUnsupported(info.filename, exc) from exc

    def _inflate_plain(self, info: Member) -> bytes | None:
        """A deflated member as the writers store it, inflated in one call (zipfile's
        reader costs twice the inflating itself on a return's dozen small parts): its
        local header where the directory puts it, naming it alike, no flag that zipfile
        treats apart, its bytes inside its place, inflated to exactly its declared size,
        its CRC holding. None for anything else, which zipfile then reads (or refuses)
        as before: where this answers, zipfile gives the same bytes."""
        if info.compress_type != DEFLATED or info.flag_bits & _FLAGS_APART:
            return None
        data, offset = self.data, info.header_offset
        header = data[offset : offset + _LOCAL.size]
        if len(header) != _LOCAL.size:
            return None
        fields = _LOCAL.unpack(header)
        if fields[0] != _LOCAL_SIG:
            return None
        name_end = offset + _LOCAL.size + fields[10]
        name = data[offset + _LOCAL.size : name_end]
        try:
            text = name.decode("utf-8" if fields[3] & _UTF8_NAME else "cp437")
        except UnicodeDecodeError:
            return None
        if text != info.orig_filename:
            return None
        start = name_end + fields[11]
        end = start + info.compress_size
        if end > self._ends.get(id(info), -1) or info.file_size > MAX_PART_BYTES:
            return None
        inflating = engine()
        # room for one byte more: a stream that goes on past its declared size (a lying
        # member whose first bytes match the CRC) is not taken for a whole one
        out = inflating.inflate(memoryview(data)[start:end], info.file_size + 1)
        if out is None or len(out) != info.file_size or inflating.crc32(out) != info.CRC:
            return None
        return out


_FLAGS_APART = 0x1 | 0x20 | 0x40  # encrypted, compressed patch data, strong encryption
_UTF8_NAME = 0x800


def rewrite(
    original: ZipIn,
    changed: Mapping[str, bytes],
    added: Sequence[tuple[str, bytes]] = (),
    level: int | None = None,
    keep: Container[str] = (),
) -> bytes:
    """A new zip: every member of ``original`` in its place, with the bytes ``changed``
    gives for its name or else its own; then the ``added`` parts at the end.

    Each kept member keeps its name, date, compression (stored or deflate), attributes and
    comment. New members get the date of the newest original member and deflate, so the
    same input always gives the same bytes (with one deflate engine,
    :mod:`~gongkai_xlsx.ooxml.deflate`). ``level`` is zlib's deflate level of the parts
    written (its default when None): a marked copy deflates its edited sheets at level 1,
    the fastest (ISA-L's). The deflated form of a small part ``keep`` names is kept for
    the next call (bounded): parts written alike for every return of one template (its
    workbook.xml edited, its styles) are deflated once.
    """
    stamp = max((i.date_time for i in original.members), default=_EPOCH)
    out = _ZipOut()
    for info in original.members:
        data = changed.get(info.filename)
        if data is None:
            data = original.read(info, limit=None)  # inflated once: often already read
            raw = _compressed(original, info)
            if raw is not None:  # the same bytes compressed again: copied as they are
                out.add(info, info.compress_type, info.CRC, info.file_size, raw, written=False)
                continue
        method = info.compress_type if info.compress_type in OPENED_METHODS else DEFLATED
        out.add(info, method, *_packed(data, method, level, info.filename in keep))
    for name, data in added:  # as zipfile.ZipInfo(name, date_time=stamp), ?rw-------
        new = _New(name, stamp, _OWN_SYSTEM, b"", 0o600 << 16)
        out.add(new, DEFLATED, *_packed(data, DEFLATED, level, name in keep))
    return out.getvalue()


def _packed(data: bytes, method: int, level: int | None, keep: bool) -> tuple[int, int, bytes]:
    """(CRC, size, the member's data as written): deflated at ``level`` (its deflated
    form kept for a small part ``keep`` names) or stored."""
    if method == DEFLATED:
        kept = keep and len(data) <= _KEPT_DEFLATE
        raw = _deflated(engine(), data, level) if kept else engine().deflate(data, level)
    else:
        raw = data
    return engine().crc32(data), len(data), raw


_ZIP64_LIMIT = (1 << 31) - 1  # zipfile writes zip64 records past it
_OWN_SYSTEM = zipfile.ZipInfo().create_system  # what zipfile records for a new member


class _New(NamedTuple):
    """What :class:`_ZipOut` writes of a new member's header (a ZipInfo costs more)."""

    filename: str
    date_time: tuple[int, int, int, int, int, int]
    create_system: int
    comment: bytes
    external_attr: int


class _ZipOut:
    """A zip written in one pass, each member's header with its sizes before its data:
    the bytes :class:`zipfile.ZipFile` writes for a member copied with its name, date,
    attributes and comment, or given to :meth:`~zipfile.ZipFile.writestr` (version 2.0,
    no extra field, the UTF-8 flag for a name that is not ASCII), without its
    per-member bookkeeping. A zip that would need zip64 is handed to zipfile."""

    def __init__(self) -> None:
        self._local: list[bytes] = []
        self._central: list[bytes] = []
        self._members: list[tuple[Member | _New, int, int, int, bytes, int]] = []  # for zipfile
        self._offset = 0
        self._large = False

    def add(
        self,
        info: Member | _New,
        method: int,
        crc: int,
        size: int,
        raw: bytes,
        written: bool = True,
    ) -> None:
        """Append ``info``'s name, date, attributes and comment with ``raw`` as its data
        (a member ``written`` here without attributes gets ?rw-------, as from writestr)."""
        attributes = info.external_attr or (0o600 << 16 if written else 0)
        self._members.append((info, method, crc, size, raw, attributes))
        name = info.filename
        try:
            encoded, flags = name.encode("ascii"), 0
        except UnicodeEncodeError:
            encoded, flags = name.encode("utf-8"), 0x800
        y, mo, d, h, mi, s = info.date_time
        dos_time, dos_date = (h << 11) | (mi << 5) | (s // 2), ((y - 1980) << 9) | (mo << 5) | d
        fields = (flags, method, dos_time, dos_date, crc, len(raw), size, len(encoded))
        self._local.append(_LOCAL.pack(_LOCAL_SIG, 20, 0, *fields, 0) + encoded)
        self._local.append(raw)
        self._central.append(
            _CENTRAL.pack(
                _CENTRAL_SIG,
                20,
                info.create_system,
                20,
                0,
                *fields,
                0,
                len(info.comment),
                0,
                0,
                attributes,
                self._offset,
            )
            + encoded
            + info.comment
        )
        self._offset += _LOCAL.size + len(encoded) + len(raw)
        self._large = self._large or max(size, len(raw), self._offset) > _ZIP64_LIMIT

    def getvalue(self) -> bytes:
        """The zip's bytes: the members, their directory, its end record."""
        count = len(self._central)
        directory = b"".join(self._central)
        if self._large or count > 0xFFFF or self._offset + len(directory) > _ZIP64_LIMIT:
            return self._by_zipfile()
        end = _END.pack(_END_RECORD, 0, 0, count, count, len(directory), self._offset, 0)
        return b"".join(self._local) + directory + end

    def _by_zipfile(self) -> bytes:
        """The same members written by zipfile (which adds the zip64 records)."""
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as archive:
            for info, method, crc, size, raw, attributes in self._members:
                copy = zipfile.ZipInfo(info.filename, date_time=info.date_time)
                copy.create_system, copy.comment = info.create_system, info.comment
                copy.compress_type, copy.external_attr = method, attributes
                copy.CRC, copy.compress_size, copy.file_size = crc, len(raw), size
                _append(archive, copy, raw)
        return out.getvalue()


_KEPT_DEFLATE = 64 * 1024  # bytes of a part whose deflated form is kept (below)


@lru_cache(maxsize=32)
def _deflated(deflating: Engine, data: bytes, level: int | None) -> bytes:
    """``data`` deflated by ``deflating`` at ``level``, kept for small parts written alike
    again and again (a marked copy's workbook.xml, styles, relationships and content types
    are the same for every return of one template): the same bytes give the same stream."""
    return deflating.deflate(data, level)


_LOCAL_HEADER = b"PK\x03\x04"
_LOCAL_HEADER_SIZE = 30


def _compressed(original: ZipIn, info: Member) -> bytes | None:
    """The member's data as stored in the zip (its CRC checked by the read before), or
    None where it cannot be copied as it is (encrypted, another method, a header that
    does not say where the data starts)."""
    if info.flag_bits & 0x1 or info.compress_type not in OPENED_METHODS:
        return None
    at, data = info.header_offset, original.data
    if data[at : at + 4] != _LOCAL_HEADER:
        return None
    name = int.from_bytes(data[at + 26 : at + 28], "little")
    extra = int.from_bytes(data[at + 28 : at + 30], "little")
    start = at + _LOCAL_HEADER_SIZE + name + extra
    raw = data[start : start + info.compress_size]
    return raw if len(raw) == info.compress_size else None


def _append(archive: zipfile.ZipFile, copy: Member, raw: bytes) -> None:
    """Append member ``copy`` (its CRC and sizes set) with ``raw`` as its data."""
    assert archive.fp is not None
    copy.header_offset = archive.fp.tell()
    archive.fp.write(copy.FileHeader(zip64=False))
    archive.fp.write(raw)
    archive.filelist.append(copy)
    archive.NameToInfo[copy.filename] = copy
    archive.start_dir = archive.fp.tell()  # where the central directory will go
    # zipfile writes the central directory only for an archive it knows was modified
    archive._didModify = True  # type: ignore[attr-defined]


_LOCAL = struct.Struct("<4s2B4HL2L2H")  # a member's local header (APPNOTE 4.3.7)
_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")  # its entry in the central directory (4.3.12)
_END = struct.Struct("<4s4H2LH")  # the end of central directory record (4.3.16)
_LOCAL_SIG, _CENTRAL_SIG = b"PK\x03\x04", b"PK\x01\x02"


class ZipStencil:
    """A zip written many times over with only some text in a few members changed (a
    roster's templates): a member with holes is given as its bytes split at each hole,
    and :meth:`fill` puts one value in every hole of it. The other members are copied as
    they are compressed (neither inflated nor deflated again). A member with holes is
    deflated up to its last hole for each copy, and what follows the last hole, the same
    in every copy, is deflated once and appended (deflate blocks may follow a block that
    ends on a byte boundary). Every member keeps its place, date and attributes.

    Refused (ValueError) for a zip whose members cannot be copied verbatim: one with a
    data descriptor, an extra field, a comment or zip64.
    """

    def __init__(self, original: ZipIn, holes: Mapping[str, Sequence[bytes]]) -> None:
        missing = set(holes) - {i.filename for i in original.members}
        if missing:
            raise ValueError(f"no such members: {sorted(missing)}")
        data = original.data
        # per member: its local record (header and data) to copy, or its holes; its info
        self._members: list[tuple[Member, bytes | _Holes]] = []
        for info in original.members:
            if info.flag_bits & 0x08 or info.extra or info.comment or info.file_size >= 0xFFFFFFFF:
                raise ValueError(f"{info.filename}: not copied verbatim")
            if info.compress_type not in OPENED_METHODS:
                raise ValueError(f"{info.filename}: method {info.compress_type}")
            pieces = holes.get(info.filename)
            if pieces is not None:
                self._members.append((info, _Holes(list(pieces))))
                continue
            start = info.header_offset
            fields = _LOCAL.unpack_from(data, start)
            if fields[0] != _LOCAL_SIG:
                raise ValueError(f"{info.filename}: no local header")
            end = start + _LOCAL.size + fields[10] + fields[11] + info.compress_size
            self._members.append((info, data[start:end]))

    def fill(self, values: Mapping[str, bytes]) -> bytes:
        """The zip with ``values[member]`` in each hole of each member with holes."""
        out: list[bytes] = []
        central: list[bytes] = []
        offset = 0
        for info, kept in self._members:
            name = info.filename.encode("utf-8")
            if isinstance(kept, _Holes):
                crc, csize, size, body = kept.filled(values[info.filename])
                header = _LOCAL.pack(
                    _LOCAL_SIG,
                    info.extract_version,
                    info.reserved,
                    info.flag_bits,
                    DEFLATED,
                    *_dos_time(info),
                    crc,
                    csize,
                    size,
                    len(name),
                    0,
                )
                record = header + name + body
                method = DEFLATED
            else:
                crc, csize, size = info.CRC, info.compress_size, info.file_size
                record, method = kept, info.compress_type
            central.append(
                _CENTRAL.pack(
                    _CENTRAL_SIG,
                    info.create_version,
                    info.create_system,
                    info.extract_version,
                    info.reserved,
                    info.flag_bits,
                    method,
                    *_dos_time(info),
                    crc,
                    csize,
                    size,
                    len(name),
                    0,
                    0,
                    0,
                    info.internal_attr,
                    info.external_attr,
                    offset,
                )
                + name
            )
            out.append(record)
            offset += len(record)
        directory = b"".join(central)
        count = len(central)
        end = _END.pack(_END_RECORD, 0, 0, count, count, len(directory), offset, 0)
        return b"".join(out) + directory + end


class _Holes:
    """One member's bytes around its holes; what follows the last hole deflated once."""

    def __init__(self, pieces: list[bytes]) -> None:
        if len(pieces) < 2:
            raise ValueError("a member with holes has at least one")
        self.pieces = pieces[:-1]
        self.tail = pieces[-1]
        self.engine = engine()  # zlib's level 6 either way (ooxml/deflate.py says why)
        self.packed_tail = self.engine.deflate(self.tail, 6)

    def filled(self, value: bytes) -> tuple[int, int, int, bytes]:
        """(CRC-32, compressed size, size, deflated bytes) with ``value`` in each hole."""
        head = value.join(self.pieces) + value
        packer = self.engine.packer(6)
        body = packer.compress(head) + packer.flush(SYNC_FLUSH) + self.packed_tail
        crc = self.engine.crc32(self.tail, self.engine.crc32(head))
        return crc, len(body), len(head) + len(self.tail), body


def _dos_time(info: Member) -> tuple[int, int]:
    """A member's date as the zip stores it: (time, date) in MS-DOS form."""
    y, mo, d, h, mi, s = info.date_time
    return (h << 11) | (mi << 5) | (s // 2), ((y - 1980) << 9) | (mo << 5) | d


def bundle(files: Sequence[tuple[str, bytes]], when: tuple[int, int, int, int, int, int]) -> bytes:
    """A zip of whole files for a person to download (a folder's templates): each under
    its name (flagged UTF-8, which Windows 10 1903+ and WPS read; older Windows shows
    乱码, so callers offer each file alone too), deflated, dated ``when``."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in files:
            member = zipfile.ZipInfo(name, date_time=when)
            member.compress_type = DEFLATED
            member.external_attr = 0o644 << 16
            archive.writestr(member, data)
    return out.getvalue()
