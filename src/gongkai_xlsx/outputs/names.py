"""Output names and where each lives: a relative POSIX path inside OUT, or ``@key/…`` inside
a mounted folder (the marked copies' folder); its place in OUT, in the staging area
(``new/``) and among the replaced files kept for a roll-back (``old/``)."""

from __future__ import annotations

import hashlib
import os
import re
import stat
from dataclasses import dataclass

from gongkai_xlsx.fsio import TEMP_PATTERN
from gongkai_xlsx.outputfolder import is_bookkeeping

STAGING = ".gongkai-xlsx.staging"  # new/ holds staged outputs, old/ replaced ones
_MOUNT = re.compile(r"@([a-z][a-z0-9_]*)/")
_CHUNK = 1024 * 1024


def mount_of(name: str) -> str | None:
    """The mount key of an output name ``@key/…``, None for an output of OUT itself."""
    match = _MOUNT.match(name)
    return match.group(1) if match else None


def valid(name: object, mounts: dict[str, str] | None = None) -> bool:
    """A relative POSIX path inside OUT (or ``@key/`` and a path inside a mounted folder)
    that is not this tool's bookkeeping."""
    if not isinstance(name, str) or not name:
        return False
    key = mount_of(name)
    if key is not None:
        if mounts is not None and key not in mounts:
            return False
        name = name.split("/", 1)[1]
    if name.startswith("/") or any(c in name for c in "\\:\0"):
        return False
    parts = name.split("/")
    if any(p in ("", ".", "..") for p in parts):
        return False
    return not is_bookkeeping(parts[0]) and not TEMP_PATTERN.fullmatch(parts[-1])


@dataclass(frozen=True)
class Places:
    """Where the outputs of one OUT (and its mounted folders) live, as plain strings: pathlib
    costs more than the system calls on the per-output paths."""

    root: str
    mounts: dict[str, str]  # key → absolute folder

    def root_of(self, name: str) -> tuple[str, str]:
        """(the folder an output lives in, its name there)."""
        key = mount_of(name)
        if key is None:
            return self.root, name
        return self.mounts[key], name.split("/", 1)[1]

    def out(self, name: str) -> str:
        return os.path.join(*self.root_of(name))

    def new(self, name: str) -> str:
        root, rel = self.root_of(name)
        return os.path.join(root, STAGING, "new", rel)

    def old(self, name: str) -> str:
        root, rel = self.root_of(name)
        return os.path.join(root, STAGING, "old", rel)

    def stagings(self) -> list[str]:
        return [os.path.join(self.root, STAGING)] + [
            os.path.join(m, STAGING) for m in self.mounts.values()
        ]


def same_bytes(target: str, data: bytes) -> bool:
    try:
        st = os.stat(target)
        if not stat.S_ISREG(st.st_mode) or st.st_size != len(data):
            return False
        with open(target, "rb") as fh:
            return fh.read() == data
    except OSError:
        return False


def same_file(target: str, source: str) -> bool:
    try:
        st = os.stat(target)
        if not stat.S_ISREG(st.st_mode) or st.st_size != os.stat(source).st_size:
            return False
        with open(target, "rb") as a, open(source, "rb") as b:
            while True:
                chunk = a.read(_CHUNK)
                if chunk != b.read(_CHUNK):
                    return False
                if not chunk:
                    return True
    except OSError:
        return False


def file_digest(path: str) -> tuple[int, str] | None:
    """(size, sha256) of a regular file, None when it cannot be read."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return None
        digest = hashlib.sha256()
        size = 0
        with open(path, "rb") as fh:
            while chunk := fh.read(_CHUNK):
                digest.update(chunk)
                size += len(chunk)
    except OSError:
        return None
    return size, digest.hexdigest()
