"""A progress bar in Chinese for long runs (a batch of returns, a roster of templates).

Drawn on stderr, and only when stderr is a terminal and there is more than one item: a
redirected or piped run (a script, a log file, the tests) gets no carriage returns.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from gongkai_xlsx.terminal.output import encodable

BAR_WIDTH = 24
REDRAW_SECONDS = 0.1


def remaining_text(seconds: float) -> str:
    """``剩余约 40 秒``, ``剩余约 3 分钟``, ``剩余约 2 小时``."""
    if seconds < 60:
        return f"剩余约 {max(1, round(seconds))} 秒"
    if seconds < 3600:
        return f"剩余约 {round(seconds / 60)} 分钟"
    return f"剩余约 {round(seconds / 3600)} 小时"


def progress_line(label: str, done: int, total: int, elapsed: float, unit: str) -> str:
    """One state of the bar: ``正在检查  [######------]  12/100 份  剩余约 40 秒``."""
    filled = BAR_WIDTH * done // total if total else BAR_WIDTH
    line = f"{label}  [{'#' * filled}{'-' * (BAR_WIDTH - filled)}]  {done}/{total} {unit}"
    if 0 < done < total and elapsed >= 1:
        line += "  " + remaining_text(elapsed / done * (total - done))
    return line


@contextmanager
def progress(total: int, label: str, *, unit: str = "份") -> Iterator[Callable[..., None]]:
    """``with progress(n, "正在检查") as advance:`` — call ``advance()`` once per item done
    (it ignores its arguments, so it can be passed as a per-item callback)."""
    stream = sys.stderr
    shown = total > 1 and stream is not None and stream.isatty()
    start = last = time.monotonic()
    done = 0
    width = 0

    def draw() -> None:
        nonlocal width
        line = progress_line(label, done, total, time.monotonic() - start, unit)
        text = encodable(line, getattr(stream, "encoding", None))
        stream.write("\r" + text + " " * max(0, width - len(text)))
        stream.flush()
        width = len(text)

    def advance(*_: object) -> None:
        nonlocal done, last
        done += 1
        now = time.monotonic()
        if shown and (now - last >= REDRAW_SECONDS or done == total):
            last = now
            draw()

    if shown:
        draw()
    try:
        yield advance
    finally:
        if shown:
            stream.write("\n")
            stream.flush()
