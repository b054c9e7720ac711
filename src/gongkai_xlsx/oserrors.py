"""The one place an operating-system error becomes words a coordinator reads.

An ``OSError`` is worded by what was being done when it happened (:class:`Action`): a file
that cannot be *read* lacks 读取权限, one that cannot be *written* lacks 写入权限. The
system's own ``strerror`` is English (or in the system's language) and is never shown; an
error this table does not know is “系统错误 N”.

Windows. A file open in Excel or WPS is the coordinator's most common error. Where Windows
says so (``winerror`` 32, a sharing violation, or 33, a lock violation; both arrive as
``PermissionError`` with errno ``EACCES``) the words say which programs to close. Where it
does not — ``open``/``os.open`` report a sharing violation as a bare ``EACCES`` with no
``winerror``, and replacing a file Excel holds open says “access denied” (``winerror`` 5) —
a file's missing permission on Windows also names that likely cause.

Foundation layer: the standard library only.
"""

from __future__ import annotations

import errno
import os
from enum import Enum


class Action(Enum):
    """What was being done when the error happened."""

    READ = "read"  # reading a file
    WRITE = "write"  # writing (creating, replacing) a file
    LIST = "list"  # opening a folder to list what is in it
    MAKE_FOLDER = "make-folder"  # creating a folder
    ACCESS = "access"  # reading or writing, not known which (the last-resort handler)


READ = Action.READ
WRITE = Action.WRITE
LIST = Action.LIST
MAKE_FOLDER = Action.MAKE_FOLDER
ACCESS = Action.ACCESS

WINDOWS = os.name == "nt"
ERROR_SHARING_VIOLATION = 32  # the file is open in a program that shares it with nobody
ERROR_LOCK_VIOLATION = 33  # a part of the file is locked by another program
ERROR_INVALID_NAME = 123  # a name with : * ? " < > |, or a reserved one (CON, NUL…)
_IN_USE_WINERRORS = (ERROR_SHARING_VIOLATION, ERROR_LOCK_VIOLATION)

IN_USE = "文件正被 Excel、WPS 或其他程序打开，请关闭 Excel 或 WPS 后重试"
FOLDER_IN_USE = "文件夹正被其他程序使用，请关闭该程序后重试"
MAYBE_IN_USE = "如果文件正在 Excel 或 WPS 中打开，请关闭 Excel 或 WPS 后重试"

_FILE_ACTIONS = (READ, WRITE, ACCESS)

# errno → words; a dict keyed by None holds the words for any action not named
_WORDS: dict[int, dict[Action | None, str]] = {
    errno.ENOENT: {
        READ: "文件不存在",
        WRITE: "路径不存在或无法在其中创建文件",
        LIST: "在读取过程中被移走或删除",
        MAKE_FOLDER: "路径不存在或无法在其中创建文件夹",
        None: "文件或文件夹不存在",
    },
    errno.EACCES: {
        READ: "没有读取权限",
        WRITE: "没有写入权限",
        LIST: "没有打开该文件夹的权限",
        MAKE_FOLDER: "没有写入权限",
        None: "没有读写权限",
    },
    errno.EISDIR: {
        READ: "这是文件夹，不是文件",
        MAKE_FOLDER: "已有同名的文件夹",
        None: "这是一个文件夹",
    },
    errno.ENOTDIR: {
        LIST: "在读取过程中被移走或删除",
        None: "路径中有一部分是文件而不是文件夹",
    },
    errno.EEXIST: {
        MAKE_FOLDER: "已有同名的文件，不能创建文件夹",
        None: "路径中有同名文件",
    },
    errno.ENOSPC: {None: "磁盘空间不足"},
    errno.EROFS: {None: "磁盘是只读的"},
    errno.ENAMETOOLONG: {None: "文件名或路径过长"},
    errno.EBUSY: {None: "文件或设备正忙，请稍后重试"},
    errno.EMFILE: {None: "同时打开的文件过多，请关闭一些程序后重试"},
    errno.ENFILE: {None: "同时打开的文件过多，请关闭一些程序后重试"},
    errno.EIO: {None: "磁盘读写出错，可能是磁盘损坏或网络连接中断"},
    errno.EINVAL: {None: '文件名或路径无效，可能含有 : * ? " < > | 等系统不允许的字符'},
}
_WORDS[errno.EPERM] = _WORDS[errno.EACCES]
for _name, _words in (("ELOOP", "链接循环指向自身"), ("EDQUOT", "磁盘配额已用完")):
    if hasattr(errno, _name):  # not every system has them
        _WORDS[getattr(errno, _name)] = {None: _words}


def winerror(exc: OSError) -> int | None:
    """The Windows error code of ``exc`` (None elsewhere, and for errors Windows' C
    library reported: ``open``, ``os.open``)."""
    code = getattr(exc, "winerror", None)
    return code if isinstance(code, int) else None


def in_use(exc: OSError) -> bool:
    """Windows said another program holds the file (a sharing or lock violation)."""
    return winerror(exc) in _IN_USE_WINERRORS


def reason(exc: OSError, action: Action, *, windows: bool = WINDOWS) -> str:
    """``exc`` in words a coordinator understands, for an error met while doing ``action``.
    ``windows``: word a bare permission error as Windows gives one (see the module's notes)."""
    code = winerror(exc)
    if code in _IN_USE_WINERRORS:
        return FOLDER_IN_USE if action in (LIST, MAKE_FOLDER) else IN_USE
    number = exc.errno
    if number == errno.EINVAL and code not in (None, ERROR_INVALID_NAME):
        return f"系统错误 {code}"  # Windows maps every code it has no errno for to EINVAL
    words = _WORDS.get(number) if number is not None else None
    if words is None:
        shown = number if number is not None else code
        return f"系统错误 {shown}" if shown is not None else "系统错误"
    text = words.get(action, words[None])
    if windows and number == errno.EACCES and action in _FILE_ACTIONS:
        text = f"{text}；{MAYBE_IN_USE}"
    return text


_WSAEACCES = 10013  # Windows: the port is reserved or excluded (Hyper-V, a firewall rule)
_WSAEADDRINUSE = 10048


def port_reason(exc: OSError, port: int) -> str:
    """Why a local port could not be listened on (``ui --port``), in the coordinator's words."""
    code = winerror(exc)
    if exc.errno == errno.EADDRINUSE or code == _WSAEADDRINUSE:
        return f"端口 {port} 已被其他程序占用"
    if exc.errno == errno.EACCES or code == _WSAEACCES:
        return f"没有权限使用端口 {port}（可能被系统保留）"
    return reason(exc, ACCESS)


__all__ = [
    "ACCESS",
    "IN_USE",
    "LIST",
    "MAKE_FOLDER",
    "READ",
    "WRITE",
    "Action",
    "in_use",
    "port_reason",
    "reason",
    "winerror",
]
