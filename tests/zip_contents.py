"""A zip's contents, every byte of its meaning but the deflated streams: what two zips
written by two deflate engines (ISA-L, zlib: gongkai_xlsx.ooxml.deflate) share."""

from __future__ import annotations

import io
import zipfile

Member = tuple[str, tuple[int, int, int, int, int, int], int, int, int, int, bytes, int, int, bytes]


def zip_contents(data: bytes) -> tuple[bytes, list[Member]]:
    """The zip's comment and, member by member in order: its name, date, method, system,
    flags, attributes, comment, CRC-32, size and inflated bytes (every CRC checked)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None  # every member inflates and its CRC holds
        members = [
            (
                info.filename,
                info.date_time,
                info.compress_type,
                info.create_system,
                info.flag_bits,
                info.external_attr,
                info.comment,
                info.CRC,
                info.file_size,
                archive.read(info),
            )
            for info in archive.infolist()
        ]
        return archive.comment, members
