"""The commit's journal and its renames: ``.gongkai-xlsx.commit`` names the outputs to put
in place and the previous outputs to remove, and the file whose rename is the commit point
(the manifest; report.json in a journal an earlier version left). Replaying it finishes a
killed commit (:func:`forward`), or undoes one that failed before its commit point
(:func:`backward`). The state on disk tells which steps are done, so a replay killed in
turn is finished by the next."""

from __future__ import annotations

import json
import os
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any

from gongkai_xlsx.outputs.names import Places, valid

JOURNAL = ".gongkai-xlsx.commit"
_NAMES_A_CHUNK = 500  # names of the journal written at a time
# json.dumps(name, ensure_ascii=False), without the encoder each call makes (10,000 names)
_text: Callable[[str], str] = json.encoder.encode_basestring


@dataclass(frozen=True)
class Plan:
    """What a commit does: ``put`` the staged outputs in place (each changed one's old file
    moved aside first), move the previous outputs in ``delete`` aside, then rename the
    staged ``point`` (the manifest) into place."""

    put: list[str]
    delete: list[str]
    point: str

    def dump(self, mounts: dict[str, str]) -> bytes:
        return b"".join(self.chunks(mounts))

    def chunks(self, mounts: dict[str, str]) -> Iterator[bytes]:
        """The journal in pieces, a few names at a time (a batch of 10,000 returns puts as
        many): the bytes of one ``json.dumps`` of it (``ensure_ascii=False``)."""

        def text(value: object) -> str:  # a name: without an encoder made for each
            return _text(value) if isinstance(value, str) else json.dumps(value, ensure_ascii=False)

        yield f'{{"version": 2, "manifest": {text(self.point)}, "mounts": {text(mounts)}, '.encode()
        for key, names in (("put", self.put), ("delete", self.delete)):
            yield f'"{key}": ['.encode()
            for start in range(0, len(names), _NAMES_A_CHUNK):
                piece = ", ".join(text(n) for n in names[start : start + _NAMES_A_CHUNK])
                yield ((", " if start else "") + piece).encode("utf-8")
            yield b"], " if key == "put" else b"]}"

    @classmethod
    def load(cls, raw: bytes, point: str) -> tuple[Plan, dict[str, str]]:
        """A journal read back, with its mounted folders (absolute). ``point`` is the
        commit point of this version; a journal of an earlier version names report.json."""
        data: Any = json.loads(raw)
        mounts = {
            str(k): str(v)
            for k, v in (data.get("mounts") or {}).items()
            if isinstance(v, str) and os.path.isabs(v)
        }
        named = data.get("manifest", point)
        if named != point and not valid(named):
            raise ValueError("not a commit point")
        plan = cls(
            [n for n in data["put"] if valid(n, mounts) and n != named],
            [n for n in data["delete"] if valid(n, mounts) and n != named],
            named,
        )
        return plan, mounts


Checkpoint = Callable[[str], None]


def forward(plan: Plan, places: Places, phase: str, checkpoint: Checkpoint) -> None:
    """Do what the plan says is not yet done, the commit point last."""
    lexists = os.path.lexists
    for name in plan.put:
        new, out, old = places.new(name), places.out(name), places.old(name)
        if not lexists(new):
            continue  # already in place
        if lexists(out) and not lexists(old):
            os.replace(out, old)
            checkpoint(phase)
        os.replace(new, out)
        checkpoint(phase)
    for name in plan.delete:
        out, old = places.out(name), places.old(name)
        if lexists(out) and not lexists(old):
            os.replace(out, old)
            checkpoint(phase)
    point = os.path.join(places.root, plan.point)
    staged = os.path.join(places.stagings()[0], "new", plan.point)
    if lexists(staged):
        checkpoint("manifest" if phase == "rename" else phase)
        os.replace(staged, point)


def backward(plan: Plan, places: Places, checkpoint: Checkpoint) -> None:
    """Undo the plan's renames, last first: only before the commit point."""
    lexists = os.path.lexists
    for name in reversed(plan.delete):
        if lexists(places.old(name)):
            os.replace(places.old(name), places.out(name))
            checkpoint("recover")
    for name in reversed(plan.put):
        new, out, old = places.new(name), places.out(name), places.old(name)
        if not lexists(new) and lexists(out):
            os.replace(out, new)
            checkpoint("recover")
        if lexists(old):
            os.replace(old, out)
            checkpoint("recover")


def move(source: str, target: str) -> None:
    """A finished file of this run renamed into the staging area (one file system)."""
    os.replace(source, target)


@contextmanager
def signals_deferred() -> Iterator[None]:
    """Hold Ctrl-C, SIGTERM and SIGHUP back, then deliver the first one that came.

    Python runs signal handlers in the main thread only, so handlers are swapped there; a
    commit from another thread is not protected (the journal still lets the next run
    recover)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous: dict[int, Any] = {}
    for name in ("SIGINT", "SIGTERM", "SIGHUP", "SIGBREAK"):
        number = getattr(signal, name, None)
        if number is not None:
            with suppress(OSError, ValueError):
                previous[number] = signal.signal(number, lambda n, _f: caught.append(n))
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, signal.SIG_DFL if handler is None else handler)
        if caught:
            signal.raise_signal(caught[0])
