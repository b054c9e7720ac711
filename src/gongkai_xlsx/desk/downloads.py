"""Bytes made on request (a zip of templates), sent as a download under a Chinese name."""

from __future__ import annotations

from urllib.parse import quote

from flask import Response


def attachment(data: bytes, name: str, mimetype: str) -> Response:
    """``data`` as a download named ``name`` (RFC 6266: an ASCII fallback, the UTF-8
    name for every browser since IE 9)."""
    response = Response(data, mimetype=mimetype)
    fallback = "download" + ("." + name.rsplit(".", 1)[-1] if "." in name else "")
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}"
    )
    return response
