"""The package layer's two guarantees, on zips built here: untouched members stay as
they were (the marked copies, the template's lock), and reading is bounded (the reader)."""

from __future__ import annotations

import io
import warnings
import zipfile

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
