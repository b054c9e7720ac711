"""One ingest-like run into an output folder, as a separate process the fault tests can
interrupt, kill or starve of disk space.

    python outputs_driver.py OUT RUN FIRST COUNT [SIZE]    stage and commit, print the result
    python outputs_driver.py OUT --recover                 enter and leave (the next run)

Run RUN writes ``r{i}.json`` for FIRST <= i < FIRST+COUNT, and ``marked/r{i}.txt`` for even
i, each holding ``RUN:name`` (padded to SIZE bytes), and a report.json listing them.

Environment:
  GK_FAULT=phase[:n]=action   at the n-th (default first) checkpoint of that phase (stage,
                              journal, rename, manifest, cleanup, recover): ``kill`` sends
                              SIGKILL to itself, ``int`` SIGINT, ``pause`` prints
                              ``paused PHASE`` and waits for a signal from the test,
                              ``fail`` raises OSError (as a rename refused on Windows).
  GK_ENOSPC=k                 the k-th atomic write stops half-way with ENOSPC.

Exit status: 0 committed, 1 an OSError (a full disk), 3 OutputLocked, 130 interrupted.
"""

from __future__ import annotations

import errno
import json
import os
import signal
import sys
from typing import Any

from gongkai_xlsx import fsio, outputs
from gongkai_xlsx.outputs import OutputDir, OutputLocked


def names(first: int, count: int) -> list[str]:
    found = []
    for i in range(first, first + count):
        found.append(f"r{i}.json")
        if i % 2 == 0:
            found.append(f"marked/r{i}.txt")
    return sorted(found)


def content(run: str, name: str, size: int = 0) -> bytes:
    text = f"{run}:{name}\n".encode()
    return text + b"x" * max(0, size - len(text))


def manifest(run: str, outputs_: list[str]) -> bytes:
    data = {"tool": "gongkai-xlsx (test driver)", "run": run, "outputs": outputs_}
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode()


def commit_run(out: str, run: str, first: int, count: int, size: int = 0) -> dict[str, Any]:
    with OutputDir(out) as folder:
        listed = names(first, count)
        for name in listed:
            folder.stage(name, content(run, name, size))
        result = folder.commit(manifest(run, listed), listed)
        return {"removed": result.removed, "written": result.written}


def _fault(spec: str) -> None:
    where, action = spec.split("=")
    phase, _, nth = where.partition(":")
    seen = 0

    def hook(at: str) -> None:
        nonlocal seen
        if at != phase:
            return
        seen += 1
        if seen != int(nth or 1):
            return
        if action == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        elif action == "int":
            os.kill(os.getpid(), signal.SIGINT)
        elif action == "fail":
            raise PermissionError(errno.EACCES, "held open by another program")
        elif action == "pause":  # race-free: the signal may come right after the print
            waited = {signal.SIGINT, signal.SIGTERM}
            signal.pthread_sigmask(signal.SIG_BLOCK, waited)
            print(f"paused {at}", flush=True)
            got = signal.sigwaitinfo(waited).si_signo
            signal.pthread_sigmask(signal.SIG_UNBLOCK, waited)
            signal.raise_signal(got)  # now as if it had come here: handled as the run handles it

    outputs._checkpoint_hook = hook


def _full_disk(k: int) -> None:
    fill, calls = fsio._fill, 0

    def failing(fh: Any, data: Any) -> None:
        nonlocal calls
        calls += 1
        if calls != k:
            fill(fh, data)
            return
        data = data if isinstance(data, bytes) else data.read()
        fh.write(data[: len(data) // 2])
        fh.flush()
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    fsio._fill = failing


def main(argv: list[str]) -> int:
    if "GK_FAULT" in os.environ:
        _fault(os.environ["GK_FAULT"])
    if "GK_ENOSPC" in os.environ:
        _full_disk(int(os.environ["GK_ENOSPC"]))
    try:
        if argv[1] == "--recover":
            with OutputDir(argv[0]) as folder:
                print(json.dumps({"recovered": folder.recovered}))
            return 0
        out, run, first, count, *size = argv
        result = commit_run(out, run, int(first), int(count), int(size[0]) if size else 0)
        print(json.dumps(result))
        return 0
    except KeyboardInterrupt:
        return 130
    except OutputLocked as exc:
        print(exc, file=sys.stderr)
        return 3
    except OSError as exc:
        print(f"{type(exc).__name__}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
