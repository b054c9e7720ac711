"""The one way this package writes a file: into a temporary file beside the target, then
``os.replace`` over it, so a reader (or a run killed half-way) never sees half a file and a
failed write (a full disk) leaves the old file untouched and no temporary behind.

The temporary is created with mode 0o666, so the umask gives it the permissions of any
new file (``tempfile.mkstemp`` would leave it readable by its owner only). There is no
``fsync``: the guarantee is against a killed process or a full disk, not a power cut — a
collection is re-run far more cheaply than every write is synced.

Temporaries are named ``.gk-XXXXXXXX.tmp`` (:data:`TEMP_PATTERN`), so that what a killed
process leaves can be recognised and removed (``outputs.OutputDir`` does so in its folder).
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
from contextlib import suppress
from typing import BinaryIO

TEMP_PATTERN = re.compile(r"\.gk-[0-9a-z_]{8}\.tmp")  # also what mkstemp made before
_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)


def write_atomic(path: str | os.PathLike[str], data: bytes) -> None:
    """Make ``path`` hold exactly ``data``, or leave it as it was."""
    _atomic(os.fspath(path), data)


def copy_atomic(path: str | os.PathLike[str], source: str | os.PathLike[str]) -> None:
    """Make ``path`` a copy of the file ``source`` (streamed, for large files), or leave it."""
    with open(source, "rb") as src:
        _atomic(os.fspath(path), src)


def _atomic(path: str, content: bytes | BinaryIO) -> None:
    folder = os.path.dirname(path)
    while True:
        tmp = os.path.join(folder, f".gk-{secrets.token_hex(4)}.tmp")
        try:
            fd = os.open(tmp, _FLAGS, 0o666)
            break
        except FileExistsError:
            continue
    try:
        with open(fd, "wb") as fh:
            _fill(fh, content)
        os.replace(tmp, path)
    except BaseException:
        with suppress(OSError):
            os.unlink(tmp)
        raise


def _fill(fh: BinaryIO, content: bytes | BinaryIO) -> None:
    """Write the content into the open temporary. One call per atomic write: the fault tests
    replace it to fail at the k-th write as a full disk would."""
    if isinstance(content, bytes | bytearray | memoryview):
        fh.write(content)
    else:
        shutil.copyfileobj(content, fh, 1024 * 1024)
