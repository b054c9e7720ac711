"""The lock on an output folder: ``.gongkai-xlsx.lock``, held with ``flock``
(``msvcrt.locking`` on Windows) for the whole run. The system drops it when its process
dies, so a dead run's lock is taken over without any stale-lock guessing; the PID, host and
start time written into it only name the running run in the refusal (:class:`OutputLocked`).
"""

from __future__ import annotations

import errno
import json
import os
import socket
import sys
from contextlib import suppress
from datetime import datetime
from pathlib import Path
from typing import Any

from gongkai_xlsx.errors import UsageError
from gongkai_xlsx.outputs.hidden import hide

LOCK = ".gongkai-xlsx.lock"
_WINDOWS_LOCK_OFFSET = 1 << 30  # Windows locks are mandatory: lock a byte past the text


class OutputLocked(UsageError):
    """Another run is writing into this output folder."""

    def __init__(self, path: Path, pid: int | None, started: str | None, host: str | None):
        super().__init__(path, pid, started, host)
        self.path, self.pid, self.started, self.host = path, pid, started, host

    def __str__(self) -> str:
        who = []
        if self.host and self.host != socket.gethostname():
            who.append(f"计算机 {self.host}")
        if self.pid:
            who.append(f"进程 {self.pid}")
        if self.started:
            try:
                when = datetime.fromisoformat(self.started).strftime("%Y-%m-%d %H:%M:%S")
            except ValueError:
                when = self.started
            who.append(f"开始于 {when}")
        detail = f"（{'，'.join(who)}）" if who else ""
        return (
            f"输出文件夹 {self.path} 正被另一次运行使用{detail}。"
            "请等它结束后再运行，或换一个输出文件夹。"
        )


class Lock:
    """An exclusive lock on ``.gongkai-xlsx.lock`` in a folder, released by the system if
    the process dies.

    The holder removes the file when it is done (POSIX), so OUT holds nothing of ours
    between runs: a run that locked a file someone removed meanwhile sees that the name now
    leads elsewhere and locks again, so two runs never hold two files. A killed run's file
    stays, unlocked, and the next run takes it over. Windows cannot remove an open file:
    there it stays, empty and hidden."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path = folder / LOCK
        flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0)
        for _attempt in range(20):
            self.fd: int | None = os.open(self.path, flags, 0o666)
            try:
                if not _try_lock(self.fd):
                    info = _read_info(self.fd)
                    raise OutputLocked(
                        folder, info.get("pid"), info.get("started"), info.get("host")
                    )
                if _names_the_file(self.fd, self.path):
                    break
            except BaseException:
                os.close(self.fd)
                self.fd = None
                raise
            os.close(self.fd)  # the name was removed and made again while we locked
            self.fd = None
        else:  # pragma: no cover - twenty runs racing for one folder
            raise OutputLocked(folder, None, None, None)
        hide(self.path)
        started = datetime.now().astimezone().isoformat(timespec="seconds")
        info = {"pid": os.getpid(), "host": socket.gethostname(), "started": started}
        with suppress(OSError):  # a full disk: the lock holds, only its description is lost
            os.ftruncate(self.fd, 0)
            os.lseek(self.fd, 0, os.SEEK_SET)
            os.write(self.fd, json.dumps(info).encode("utf-8"))

    def release(self) -> None:
        if self.fd is None:
            return
        with suppress(OSError):
            os.ftruncate(self.fd, 0)
        if os.name != "nt":
            with suppress(OSError):
                os.unlink(self.path)  # while still holding it: see the class docstring
        _unlock(self.fd)  # explicitly: a forked child may hold a copy of the descriptor
        os.close(self.fd)
        self.fd = None


def _names_the_file(fd: int, path: Path) -> bool:
    """Whether ``path`` still names the file ``fd`` has open."""
    try:
        held, named = os.fstat(fd), os.stat(path)
    except OSError:
        return False
    return (held.st_dev, held.st_ino) == (named.st_dev, named.st_ino)


def _read_info(fd: int) -> dict[str, Any]:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        info = json.loads(os.read(fd, 4096) or b"{}")
    except (OSError, ValueError):
        return {}
    return info if isinstance(info, dict) else {}


if sys.platform == "win32":
    import msvcrt

    def _try_lock(fd: int) -> bool:
        os.lseek(fd, _WINDOWS_LOCK_OFFSET, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        with suppress(OSError):
            os.lseek(fd, _WINDOWS_LOCK_OFFSET, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                return False
            if exc.errno in (errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOTSUP):
                return True  # a file system without locks: run unprotected rather than not
            raise
        return True

    def _unlock(fd: int) -> None:
        with suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_UN)
