"""Garbage collection while modules load, and in the program after they have.

A start of ``gongkai-xlsx`` is mostly loading modules, whose objects live as long as the
process: the collector walking them while they load, during the command and once more at
the exit, found nothing to free and took a tenth of ``new`` and ``--help``. So modules load
with the collector paused (:func:`modules_loading`: the command line's own, and each
command's behind the lazy front door, :mod:`gongkai_xlsx.api`); and in the program (not a
library user or a test importing the package), what has loaded is frozen
(:func:`gc.freeze`): no collection looks at it again, and objects made afterwards are
collected as ever. Standard library only: the command line uses it before anything loads.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

_freezing = False  # the program is running (program_started): freeze what loads


@contextmanager
def modules_loading() -> Iterator[None]:
    """Load modules inside: no collection meanwhile; in the program, what loaded is frozen
    after. The collector is left as it was found (on or off)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if _freezing:
            gc.freeze()
        if collecting:
            gc.enable()


@contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic garbage collector paused inside (left as it was found after), for work
    that makes many objects and no cycles, in one call of bounded size: the collections
    its allocations set off walk everything young and find nothing to free (a members
    sheet of 100,000 cells; a marked copy's hundreds of small pieces)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def program_started() -> None:
    """The program is running: freeze what has loaded, and what loads from now on."""
    global _freezing
    _freezing = True
    gc.freeze()


def settle() -> None:
    """A worker has done its first task: what it loaded and built for it (modules, a form's
    tables, the reader's remembered rows) lives as long as the worker, so collect once and
    freeze the rest: the collections that follow walk only what later tasks make (6–10%
    of a return's CPU, measured interleaved)."""
    gc.collect()
    gc.freeze()
