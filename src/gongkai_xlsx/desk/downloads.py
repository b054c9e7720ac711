"""Bytes made on request (a zip of templates), sent as a download under a Chinese name."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import quote

from flask import Response

from gongkai_xlsx import oserrors
from gongkai_xlsx.ooxml.archive import bundle


def attachment(data: bytes, name: str, mimetype: str) -> Response:
    """``data`` as a download named ``name`` (RFC 6266: an ASCII fallback, the UTF-8
    name for every browser since IE 9)."""
    response = Response(data, mimetype=mimetype)
    fallback = "download" + ("." + name.rsplit(".", 1)[-1] if "." in name else "")
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}"
    )
    return response


def zip_of(files: Sequence[Path], name: str) -> Response | str:
    """``files`` as one zip download named ``name`` (dated now), or what to tell the person
    when one of them cannot be read."""
    try:
        members = [(p.name, p.read_bytes()) for p in files]
    except OSError as exc:
        return f"{exc.filename}：无法读取（{oserrors.reason(exc, oserrors.READ)}）。"
    now = _dt.datetime.now()
    data = bundle(members, (now.year, now.month, now.day, now.hour, now.minute, now.second))
    return attachment(data, name, "application/zip")
