"""The one place a returned file is opened: whatever the path is, an answer, never an
exception and never a wait.

Only regular files are read, opened non-blocking (a FIFO named ``x.xlsx`` must not hang
the batch) and checked again on the open descriptor (the path may change between the
look and the open). A file is read whole, within :data:`MAX_FILE_BYTES`, so that it
cannot change under the reader half-way, and everything after this works on bytes.
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from gongkai_xlsx import oserrors
from gongkai_xlsx.catalogue import Code
from gongkai_xlsx.findings import Finding

MAX_FILE_BYTES = 50 * 1024 * 1024  # a filled template is ~20 KB


@dataclass(frozen=True)
class Loaded:
    data: bytes | None
    finding: Finding | None = None


def human_size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB"


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "文件夹"
    if stat.S_ISFIFO(mode):
        return "命名管道（FIFO）"
    if stat.S_ISSOCK(mode):
        return "套接字"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "设备文件"
    return "特殊文件"


def _os_finding(exc: OSError, path: Path) -> Finding:
    if exc.errno == errno.ELOOP:
        return Finding(Code.FILE_LINK_LOOP)
    if exc.errno in (errno.ENOENT, errno.ENOTDIR):
        if path.is_symlink():
            return Finding(Code.FILE_LINK_BROKEN, detail=_link_target(path))
        return Finding(Code.FILE_MISSING)
    return Finding(Code.FILE_UNREADABLE, detail=oserrors.reason(exc, oserrors.READ))


def _link_target(path: Path) -> str:
    try:
        return os.readlink(path)
    except OSError:
        return "?"


_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
_FLAGS |= getattr(os, "O_BINARY", 0)


def load(path: Path) -> Loaded:
    """The bytes of ``path``, or the finding that says why there are none."""
    try:
        info = os.stat(path)
    except OSError as exc:
        return Loaded(None, _os_finding(exc, path))
    except ValueError:  # an embedded NUL or a name the system cannot represent
        return Loaded(None, Finding(Code.FILE_UNREADABLE, detail="文件名无效"))
    if not stat.S_ISREG(info.st_mode):
        return Loaded(None, Finding(Code.FILE_NOT_REGULAR, detail=_kind(info.st_mode)))
    if info.st_size > MAX_FILE_BYTES:
        return Loaded(None, _too_large(info.st_size))
    try:
        fd = os.open(path, _FLAGS)
    except OSError as exc:
        return Loaded(None, _os_finding(exc, path))
    try:
        opened = os.fstat(fd)
        if not stat.S_ISREG(opened.st_mode):  # replaced between the look and the open
            return Loaded(None, Finding(Code.FILE_NOT_REGULAR, detail=_kind(opened.st_mode)))
        chunks: list[bytes] = []
        total = 0
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            total += len(chunk)
            if total > MAX_FILE_BYTES:  # grew while being read
                return Loaded(None, _too_large(total))
            chunks.append(chunk)
        return Loaded(b"".join(chunks))
    except OSError as exc:
        return Loaded(None, _os_finding(exc, path))
    finally:
        os.close(fd)


def _too_large(size: int) -> Finding:
    return Finding(
        Code.FILE_TOO_LARGE, actual=human_size(size), expected=human_size(MAX_FILE_BYTES)
    )
