"""The hidden attribute on Windows for this tool's bookkeeping in an output folder.

On Windows a name with a leading dot is not hidden, and people delete files they do not
recognise: the manifest, the lock and the staging folder are marked hidden there. Marking
is a courtesy, never a condition: when it fails nothing else does, and a manifest deleted
anyway is survived (see :mod:`gongkai_xlsx.outputs.manifest`). Elsewhere a no-op.
"""

from __future__ import annotations

import os
from typing import Any

FILE_ATTRIBUTE_HIDDEN = 0x2
INVALID_FILE_ATTRIBUTES = 0xFFFFFFFF

_WINDOWS = os.name == "nt"
_kernel32: Any = None  # loaded on first use (tests put a stand-in here)


def _api() -> Any:
    global _kernel32
    if _kernel32 is None:
        import ctypes

        _kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)  # type: ignore[attr-defined,unused-ignore]
    return _kernel32


def hide(path: str | os.PathLike[str]) -> bool:
    """Set the hidden attribute on ``path`` (Windows); whether it is set now."""
    if not _WINDOWS:
        return False
    try:
        kernel32 = _api()
        name = os.path.abspath(os.fspath(path))
        attributes = kernel32.GetFileAttributesW(name)
        if attributes == INVALID_FILE_ATTRIBUTES:
            return False
        if attributes & FILE_ATTRIBUTE_HIDDEN:
            return True
        return bool(kernel32.SetFileAttributesW(name, attributes | FILE_ATTRIBUTE_HIDDEN))
    except (OSError, AttributeError, ValueError):
        return False
