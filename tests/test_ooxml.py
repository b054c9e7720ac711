"""The package layer's two guarantees, on zips built here: untouched members stay as
they were (the marked copies, the template's lock), and reading is bounded (the reader)."""

from __future__ import annotations

import io
import struct
import warnings
import zipfile
import zlib
from pathlib import Path

import pytest

from gongkai_xlsx.ooxml.archive import PartTooLarge, ZipIn
from gongkai_xlsx.ooxml.package import Package

TYPES = b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'


def _zip(members: list[tuple[str, bytes, int, tuple[int, ...]]]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Duplicate name": on purpose
        for name, data, method, date in members:
            info = zipfile.ZipInfo(name, date_time=date)  # type: ignore[arg-type]
            info.compress_type = method
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return out.getvalue()


@pytest.mark.filterwarnings("ignore:Duplicate name")
def test_a_copy_keeps_every_member_it_did_not_change() -> None:
    """Names, order, method, date, attributes and bytes, a doubled member's two copies
    each their own (the copies used to write the last one's bytes in both places)."""
    data = _zip(
        [
            ("[Content_Types].xml", TYPES, zipfile.ZIP_DEFLATED, (2024, 1, 2, 3, 4, 6)),
            ("xl/a.xml", b"<a/>", zipfile.ZIP_STORED, (2023, 5, 6, 7, 8, 10)),
            ("docProps/custom.xml", b"<first/>", zipfile.ZIP_DEFLATED, (2022, 1, 1, 0, 0, 0)),
            ("docProps/custom.xml", b"<second/>", zipfile.ZIP_STORED, (2022, 1, 1, 0, 0, 0)),
        ]
    )
    package = Package(data)
    package.write("xl/a.xml", "<a changed='1'/>")
    package.write("xl/new.xml", "<new/>")
    copy = zipfile.ZipFile(io.BytesIO(package.to_bytes()))
    before, after = zipfile.ZipFile(io.BytesIO(data)).infolist(), copy.infolist()
    assert [i.filename for i in after] == [i.filename for i in before] + ["xl/new.xml"]
    for old, new in zip(before, after, strict=False):
        assert (new.compress_type, new.date_time, new.external_attr) == (
            old.compress_type,
            old.date_time,
            old.external_attr,
        )
    assert [copy.read(i) for i in after] == [
        TYPES,
        b"<a changed='1'/>",
        b"<first/>",
        b"<second/>",
        b"<new/>",
    ]
    assert after[-1].date_time == (2024, 1, 2, 3, 4, 6)  # the newest member's date
    assert package.read("DOCPROPS/CUSTOM.XML") == b"<first/>"  # the one the reader reads


def test_a_member_is_read_within_its_bound() -> None:
    data = _zip([("big.xml", b"x" * 5000, zipfile.ZIP_DEFLATED, (2024, 1, 1, 0, 0, 0))])
    archive = ZipIn(data)
    with pytest.raises(PartTooLarge):
        archive.read(archive.members[0], limit=4999)
    assert archive.read(archive.members[0], limit=5000) == b"x" * 5000


def test_a_bundle_holds_each_file_whole_under_its_chinese_name() -> None:
    from gongkai_xlsx.ooxml.archive import bundle

    files = [("2024年_某县甲局.xlsx", b"PK\x03\x04 one"), ("说明.txt", "正文".encode())]
    data = bundle(files, (2025, 1, 6, 9, 30, 0))
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        infos = z.infolist()
        assert [(i.filename, z.read(i)) for i in infos] == files
        assert all(i.flag_bits & 0x800 for i in infos)  # names flagged UTF-8
        assert {i.date_time for i in infos} == {(2025, 1, 6, 9, 30, 0)}
    assert bundle(files, (2025, 1, 6, 9, 30, 0)) == data  # the same files, the same bytes


def _both_ways(data: bytes) -> tuple[int, int]:
    """Each member of ``data`` by ZipIn's one-call inflate and by zipfile: where the first
    answers, the bytes are zipfile's; (members it answered, members zipfile read)."""
    fast = read = 0
    zin = ZipIn(data)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in zin.members:
            mine = zin._inflate_plain(info)
            try:
                theirs: bytes | None = archive.read(info)
            except Exception:  # any refusal
                theirs = None
            read += theirs is not None
            if mine is not None:
                fast += 1
                assert mine == theirs, info.filename
    return fast, read


def test_the_one_call_inflate_gives_zipfiles_bytes_or_leaves_the_member_to_zipfile() -> None:
    """Every sample's members are inflated in one call (the fast path is the path); each
    byte of a member's local header and compressed data changed in turn, and its declared
    size and CRC in the directory, never makes it answer other than zipfile."""
    samples = sorted((Path(__file__).resolve().parent.parent / "samples").glob("*.xlsx"))
    assert samples
    for sample in samples:
        data = sample.read_bytes()
        fast, read = _both_ways(data)
        assert fast == read == len(ZipIn(data).members), sample.name
    data = samples[0].read_bytes()
    info = ZipIn(data).members[0]
    start = info.header_offset
    end = start + 30 + len(info.filename) + info.compress_size
    for at in range(start, min(end, start + 400)):
        for flip in (0x01, 0x80):
            changed = bytearray(data)
            changed[at] ^= flip
            try:
                _both_ways(bytes(changed))
            except Exception as exc:  # a directory zipfile cannot read
                assert "ZipDamaged" in type(exc).__name__, exc
    directory = data.find(b"PK\x01\x02")  # the first member's entry
    for offset in range(16, 28):  # its CRC, compressed and uncompressed sizes
        changed = bytearray(data)
        changed[directory + offset] ^= 0x01
        _both_ways(bytes(changed))


def test_a_member_whose_stream_goes_on_past_its_declared_size_is_left_to_zipfile() -> None:
    """A lying member: it declares 1 KB with the CRC of its first 1 KB, and inflates to 1 MB.
    The one-call inflate must not take its first 1 KB for the whole member."""
    real, claimed = 1 << 20, 1024
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    packed = packer.compress(b"\0" * real) + packer.flush()
    name = b"xl/media/image1.png"
    fields = (20, 0, 8, 0, 0x5821, zlib.crc32(b"\0" * claimed), len(packed), claimed, len(name))
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, *fields, 0) + name
    central = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, *fields, 0, 0, 0, 0, 0, 0) + name
    body = local + packed
    tail = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, len(central), len(body), 0)
    archive = ZipIn(body + central + tail)
    assert archive._inflate_plain(archive.members[0]) is None


def test_relationships_and_content_types_added_are_seen_at_once_and_written_once() -> None:
    """A package edit adds relationships and content types as it goes (the marked copy
    adds a dozen): each is answered as added before the part is written, the new Ids do
    not clash, a Default is declared once, and the zip holds them all in order."""
    data = (Path(__file__).resolve().parents[1] / "samples").glob("*交通运输局*.xlsx")
    package = Package(next(data).read_bytes())
    source = "xl/worksheets/sheet2.xml"
    before = {r.id for r in package.relationships(source)}
    first = package.add_relationship(source, "urn:t/comments", "xl/comments9.xml")
    second = package.add_relationship(source, "urn:t/vml", "xl/drawings/vmlDrawing9.vml")
    assert first != second and not {first, second} & before
    added = [(r.id, r.type, r.target) for r in package.relationships(source)][-2:]
    assert added == [
        (first, "urn:t/comments", "xl/comments9.xml"),
        (second, "urn:t/vml", "xl/drawings/vmlDrawing9.vml"),
    ]
    package.add_content_type_default("vml", "application/x-vml")
    package.add_content_type_default("VML", "application/x-vml")  # declared already
    package.add_content_type_override("xl/comments9.xml", "application/x-comments")
    written = zipfile.ZipFile(io.BytesIO(package.to_bytes()))
    types = written.read("[Content_Types].xml").decode()
    assert types.count('Extension="vml"') == 1 and types.count("VML") == 0
    assert types.index('Extension="vml"') < types.index('PartName="/xl/comments9.xml"')
    rels = written.read("xl/worksheets/_rels/sheet2.xml.rels").decode()
    assert rels.index(f'Id="{first}"') < rels.index(f'Id="{second}"')
    assert 'Target="../comments9.xml"' in rels and 'Target="../drawings/vmlDrawing9.vml"' in rels


def _made_elsewhere() -> bytes:
    """A zip as another program writes it: ASCII and UTF-8 names, a stored member, a
    member comment, Windows and Unix attributes, deflated at zlib's default level."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, method, system, attributes, comment in [
            ("[Content_Types].xml", zipfile.ZIP_DEFLATED, 0, 0x20, b""),
            ("xl/worksheets/sheet1.xml", zipfile.ZIP_DEFLATED, 3, 0o644 << 16, b""),
            ("xl/media/图片 1.png", zipfile.ZIP_STORED, 3, 0o600 << 16, b"note"),
            ("docProps/app.xml", zipfile.ZIP_DEFLATED, 0, 0x20, b""),
        ]:
            info = zipfile.ZipInfo(name, date_time=(2024, 3, 5, 10, 20, 30))
            info.compress_type, info.create_system = method, system
            info.external_attr, info.comment = attributes, comment
            archive.writestr(info, f"<x>{name}</x>".encode() * 40)
    return out.getvalue()


def test_a_rewritten_zip_is_what_zipfile_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    """rewrite writes the zip itself (one pass, no zipfile writer): the same bytes as
    zipfile writing each member copied (name, date, method, attributes, comment), the
    changed one deflated at the level asked, a new one dated as the newest member.
    Deflated by zlib, as zipfile deflates (tests/test_deflate.py: ISA-L's zip is this one
    but for its deflated streams)."""
    from gongkai_xlsx.ooxml import archive as ar
    from gongkai_xlsx.ooxml.deflate import ZLIB_ENGINE

    monkeypatch.setattr(ar, "engine", lambda: ZLIB_ENGINE)

    original = ZipIn(_made_elsewhere())
    changed = {"xl/worksheets/sheet1.xml": b"<worksheet>changed</worksheet>" * 30}
    added = [("xl/comments1.xml", b"<comments/>" * 20), ("xl/新.xml", b"<a/>")]
    ours = ar.rewrite(original, changed, added, level=1)

    expected = io.BytesIO()
    with zipfile.ZipFile(expected, "w") as archive:
        for info in original.members:
            copy = zipfile.ZipInfo(info.filename, date_time=info.date_time)
            copy.compress_type, copy.create_system = info.compress_type, info.create_system
            copy.external_attr, copy.comment = info.external_attr, info.comment
            data = changed.get(info.filename)
            level = 1 if data is not None else None
            archive.writestr(copy, data or original.read(info), compresslevel=level)
        for name, data in added:
            new = zipfile.ZipInfo(name, date_time=(2024, 3, 5, 10, 20, 30))
            new.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(new, data, compresslevel=1)
    assert ours == expected.getvalue()
    again = ZipIn(ours)
    assert [again.read(i) for i in again.members][1] == changed["xl/worksheets/sheet1.xml"]


def test_a_zip_too_large_for_its_own_writer_goes_to_zipfile_alike() -> None:
    """The zip64 way out (zipfile writing the members) gives the same bytes as the
    one-pass writer for a zip that needs no zip64."""
    from gongkai_xlsx.ooxml import archive as ar

    original = ZipIn(_made_elsewhere())
    out = ar._ZipOut()
    for info in original.members:
        raw = ar._compressed(original, info)
        assert raw is not None
        out.add(info, info.compress_type, info.CRC, info.file_size, raw, written=False)
    out.add(ar._New("新.xml", (2024, 1, 1, 0, 0, 0), 3, b"", 0o600 << 16), 8, 0, 0, b"\x03\x00")
    assert out._by_zipfile() == out.getvalue()
