"""Open a folder of the work folder in the system's file manager (退回/ for sending back).

Windows: ``os.startfile`` (Explorer); macOS: ``open``; Linux and the domestic desktops:
``xdg-open``. The desk keeps the opener in its app config (``DESK_OPEN_FOLDER``), so a
test gives its own and asserts which folder was asked for.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from flask import current_app

from gongkai_xlsx import oserrors

CONFIG_KEY = "DESK_OPEN_FOLDER"
Opener = Callable[[Path], None]


def open_in_file_manager(folder: Path) -> None:
    """Ask the system to show ``folder``; OSError when it cannot."""
    if sys.platform == "win32":
        os.startfile(folder)  # type: ignore[attr-defined]
        return
    program = "open" if sys.platform == "darwin" else "xdg-open"
    subprocess.Popen(
        [program, str(folder)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def open_folder(folder: Path) -> str | None:
    """Open ``folder`` with the app's opener; None when asked, else why not (Chinese,
    with the path to open by hand)."""
    opener: Opener = current_app.config.get(CONFIG_KEY) or open_in_file_manager
    try:
        opener(folder)
    except OSError as exc:
        return (
            f"无法打开文件夹（{oserrors.reason(exc, oserrors.READ)}）。"
            f"请在文件管理器中自己打开：{folder}"
        )
    return None
