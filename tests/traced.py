"""The memory a step allocates, as the memory tests (issue 16, item 5) measure it: by the
objects Python allocates (tracemalloc), never by time.

A process keeps tables of its own that grow now and then, whichever code happens to add
the entry that fills them: the dict of interned strings (every path's parts go in it, and
leave it when the path is gone) is made anew, a megabyte or two, about once in 30 reads
of a folder of 1,200 files. tracemalloc counts the new table but not the old one it
replaces (allocated before tracing began), so the step that grows it seems to keep a
megabyte it does not keep; and which step that is depends on all the process did before:
on the order of the tests. A table grown has room for as many entries again as it holds,
so it grows in at most one of two runs of a step: the lesser of two runs is what the step
itself allocates, every run, and a cache it fills on its first run is left out as well.
What a step keeps on its inputs is counted only if each run has inputs of its own: give
each run a new step with new inputs (``make``) unless they are meant to be warmed.
"""

from __future__ import annotations

import gc
import tracemalloc
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

RUNS = 2


def _least(make: Callable[[], Callable[[], T]], done: Callable[[T], None], peak: bool) -> int:
    least: int | None = None
    for _run in range(RUNS):
        step = make()
        gc.collect()
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            made = step()
            if peak:
                size = tracemalloc.get_traced_memory()[1] - before
            else:
                gc.collect()
                size = tracemalloc.get_traced_memory()[0] - before
        finally:
            tracemalloc.stop()
        done(made)
        del made
        least = size if least is None else min(least, size)
    assert least is not None
    return least


def kept(
    make: Callable[[], Callable[[], T]], done: Callable[[T], None] = lambda _made: None
) -> int:
    """The bytes a step keeps allocated once it has returned (what it returns, and all it
    leaves behind), the lesser of two runs; ``make()`` gives a fresh step for each run (its
    inputs not counted), ``done`` looks at what a run made, untraced."""
    return _least(make, done, peak=False)


def peak(
    make: Callable[[], Callable[[], T]], done: Callable[[T], None] = lambda _made: None
) -> int:
    """The bytes a step allocates at its peak (what it keeps included), the lesser of two
    runs; ``make`` and ``done`` as for :func:`kept`."""
    return _least(make, done, peak=True)
