"""The real command line, with one fault at the disk: every atomic write (``fsio._fill``,
which all the writers go through) stops half-way.

    python write_fault_driver.py enospc ARGS...   the write fails as on a full disk
    python write_fault_driver.py kill ARGS...     the process SIGKILLs itself mid-write

The rest is the console script's ``main`` with ``ARGS``.
"""

from __future__ import annotations

import errno
import os
import signal
import sys
from typing import Any

from gongkai_xlsx import fsio
from gongkai_xlsx.cli import main


def _faulty(kind: str) -> None:
    def fill(fh: Any, data: Any) -> None:
        data = data if isinstance(data, bytes) else data.read()
        fh.write(data[: len(data) // 2])
        fh.flush()
        if kind == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    fsio._fill = fill


if __name__ == "__main__":
    _faulty(sys.argv[1])
    sys.argv[:2] = ["gongkai-xlsx"]
    main()
