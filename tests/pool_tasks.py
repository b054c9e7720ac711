"""Task functions for tests/test_pool.py, importable by name: under ``spawn`` a worker imports
this module again, so the tasks cannot live in the test module's local scope.

Run as a script (``python pool_tasks.py``) it is a parent that the tests interrupt or kill:
it prints its workers' pids as one JSON line once they are busy on long tasks, and after a
Ctrl-C prints its remaining child processes.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any


def task(spec: tuple[str, Any]) -> Any:
    """One task of a mixed batch: ``(what, argument)``."""
    what, arg = spec
    if what == "echo":
        return (arg, os.getpid())
    if what == "frozen":
        import gc

        return (gc.get_freeze_count(), os.getpid())
    if what == "sleep":
        time.sleep(arg)
        return ("slept", os.getpid())
    if what == "allocate":
        block = bytearray(arg * 1024 * 1024)
        return len(block)
    if what == "abort":
        os.abort()
    if what == "sigkill":
        os.kill(os.getpid(), signal.SIGKILL)
        time.sleep(5)
    if what == "exit":
        os._exit(arg)
    if what == "raise":
        raise ValueError(arg)
    if what == "print-and-abort":
        print("progress line", flush=True)
        sys.stderr.write(arg + "\n")
        sys.stderr.flush()
        os.abort()
    if what == "unpicklable":
        return lambda: None
    if what == "warn":
        import warnings

        warnings.warn("a library warning", UserWarning, stacklevel=1)
        return "warned"
    raise AssertionError(what)


def children(of: int | None = None) -> dict[int, str]:
    """Child processes of ``of`` (default: this process) as {pid: state letter}, zombies
    included, leaving out multiprocessing's own helper (the resource tracker under spawn)."""
    parent = os.getpid() if of is None else of
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        state, ppid = stat.rsplit(")", 1)[1].split()[:2]
        if int(ppid) == parent and b"resource_tracker" not in cmdline:
            found[int(entry.name)] = state
    return found


def _parent() -> None:
    from gongkai_xlsx.pool import Limits, WorkerPool

    try:
        with WorkerPool(task, 2, Limits(seconds=60), start_method="spawn") as pool:
            results = pool.run([("echo", 0), ("echo", 1), ("sleep", 30), ("sleep", 30)])
            next(results)
            print(json.dumps(pool.pids), flush=True)
            for _ in results:
                pass
    except KeyboardInterrupt:
        print(json.dumps(children()), flush=True)
        sys.exit(130)
    raise AssertionError("the long tasks finished: nobody interrupted this parent")


if __name__ == "__main__":
    multiprocessing.freeze_support()
    _parent()
