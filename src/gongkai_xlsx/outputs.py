"""An output folder that is always whole: its manifest (``report.json``) lists exactly the
output files beside it, those of the previous run or those of the new one, never a mix.

OUT may be the very folder being read (the user's own returns live there), so it cannot be
built elsewhere and swapped in. Instead a run stages its outputs in a hidden folder inside
OUT (same file system: moving is a rename), then commits:

1. *journal* — ``.gongkai-xlsx.commit`` names the outputs to put in place and the previous
   outputs to remove. Written atomically before the first rename.
2. *rename window* — each changed output: the old file is moved into the staging folder
   (kept for a roll-back), the staged one renamed into place; each previous output this run
   does not produce is moved into the staging folder.
3. *commit point* — the staged manifest is renamed over ``report.json``: from this instant
   the new run is the one described.
4. *cleanup* — the journal is removed, then the staging folder with the old files.

No POSIX call renames many files at once, so the rename window (milliseconds; two renames a
changed file) is the one stretch where the folder is mixed. SIGINT, SIGTERM and SIGHUP are
deferred across the journal and the window and delivered right after the commit point; a
killed process leaves the journal, and the next :class:`OutputDir` rolls the commit forward
from it (back, if a rename fails) before doing anything else. Only files a previous
manifest lists as outputs are ever removed or replaced: a file the manifest does not list
is the user's, and an output that would replace it is refused (:class:`OutputConflict`).

Guarantees: "whole" means report.json lists exactly the output files present, each with
the content of the run that report.json describes.

================================  ==============================  ======================
fault and phase                   at every instant                after the next enter
================================  ==============================  ======================
Ctrl-C in staging                 whole: previous run             —
Ctrl-C, SIGTERM, SIGHUP from the  whole: the signal waits for     —
journal to the manifest rename    the commit point: new run
Ctrl-C in cleanup                 whole: new run                  —
SIGKILL in staging                whole: previous run             staging removed
SIGKILL after the journal,        whole: previous run             rolled forward: new run
before the first rename
SIGKILL in the rename window,     **not whole**: outputs of both  rolled forward: new run
before the manifest rename        runs may be present
SIGKILL in cleanup                whole: new run                  leftovers removed
full disk, at any write           whole: previous run, no         —
                                  temporary left
a rename fails (Windows: a file   whole: rolled back at once:     if the roll-back failed
held open)                        previous run                    too: rolled forward
================================  ==============================  ======================

SIGTERM and SIGHUP outside the deferred stretch end the process as SIGKILL does (unless the
program handles them); a recovery killed during its own renames is finished by the next.
Ctrl-C leaves no leftovers: staging and cleanup are finished on the way out.

Full disk: every byte is written before the rename window (staged outputs, the staged
manifest, the journal), and the window only renames and removes, so a full disk always
stops a run while OUT is untouched.

A power cut is not covered: nothing is fsync'ed (see :mod:`gongkai_xlsx.fsio`). A program
reading OUT during the rename window of a live run may see the mix too; the lock below keeps
out other runs of this tool, not readers.

Two runs into one OUT: ``.gongkai-xlsx.lock`` is held with ``flock`` (``msvcrt.locking`` on
Windows) for the whole run. The system drops it when its process dies, so a dead run's lock
is taken over without any stale-lock guessing; the PID, host and start time written into it
only name the running run in the refusal (:class:`OutputLocked`).
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import signal
import socket
import stat
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from gongkai_xlsx.errors import UsageError
from gongkai_xlsx.fsio import TEMP_PATTERN, copy_atomic, remove_leftovers, write_atomic
from gongkai_xlsx.text import listed

LOCK = ".gongkai-xlsx.lock"
JOURNAL = ".gongkai-xlsx.commit"
STAGING = ".gongkai-xlsx.staging"  # new/ holds staged outputs, old/ replaced ones
_RESERVED = ".gongkai-xlsx"
_TAKEN = ("foreign", "blocked")  # occupants an output may not replace
_WINDOWS_LOCK_OFFSET = 1 << 30  # Windows locks are mandatory: lock a byte past the text

# Tests set this to stop the process at a named phase: "stage", "journal", "rename",
# "manifest", "cleanup", "recover" (see tests/outputs_driver.py).
_checkpoint_hook: Callable[[str], None] | None = None


def _checkpoint(phase: str) -> None:
    if _checkpoint_hook is not None:
        _checkpoint_hook(phase)


class OutputLocked(UsageError):
    """Another run is writing into this output folder."""

    def __init__(self, path: Path, pid: int | None, started: str | None, host: str | None):
        super().__init__(path, pid, started, host)
        self.path, self.pid, self.started, self.host = path, pid, started, host

    def __str__(self) -> str:
        who = []
        if self.host and self.host != socket.gethostname():
            who.append(f"计算机 {self.host}")
        if self.pid:
            who.append(f"进程 {self.pid}")
        if self.started:
            try:
                when = datetime.fromisoformat(self.started).strftime("%Y-%m-%d %H:%M:%S")
            except ValueError:
                when = self.started
            who.append(f"开始于 {when}")
        detail = f"（{'，'.join(who)}）" if who else ""
        return (
            f"输出文件夹 {self.path} 正被另一次运行使用{detail}。"
            "请等它结束后再运行，或换一个输出文件夹。"
        )


class OutputConflict(UsageError):
    """Outputs would replace files that no previous run of this tool wrote."""

    def __init__(self, path: Path, names: list[str]):
        super().__init__(path, names)
        self.path, self.names = path, names

    def __str__(self) -> str:
        shown = listed(self.names, "个文件")
        return (
            f"输出文件夹 {self.path} 中已有 {shown}，不是本工具上次写入的结果；为免覆盖，"
            "没有写入任何结果。请移走这些文件，或换一个输出文件夹。"
        )


@dataclass(frozen=True)
class CommitResult:
    removed: list[str]  # previous outputs this run does not produce, now deleted
    written: list[str] = field(default_factory=list)  # outputs new or changed (others kept)


@dataclass(frozen=True)
class _Plan:
    put: list[str]
    delete: list[str]

    def dump(self, manifest: str, mounts: dict[str, str] | None = None) -> bytes:
        data = {
            "version": 1,
            "manifest": manifest,
            "mounts": mounts or {},
            "put": self.put,
            "delete": self.delete,
        }
        return json.dumps(data, ensure_ascii=False).encode("utf-8")


class OutputDir:
    """The output folder of one run; a context manager holding its lock.

    On enter: take the lock, finish or undo a commit a killed run left, remove what it
    staged, and read the previous outputs from the manifest (:attr:`previous`). Then
    :meth:`stage` every output and :meth:`commit` them with the new manifest; leaving without
    a commit changes nothing in OUT.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        manifest: str = "report.json",
        mounts: dict[str, str | os.PathLike[str]] | None = None,
    ) -> None:
        self.path = Path(path)
        self.manifest = manifest
        # Other folders whose outputs join this commit (marked copies sent back to the
        # agencies): an output "@<key>/<name>" lives at <mounts[key]>/<name>, staged in that
        # folder's own staging area (a rename never crosses file systems), listed in the one
        # manifest and the one journal here; each mount is locked like OUT.
        self.mounts = {k: os.path.abspath(v) for k, v in (mounts or {}).items()}
        self._journal_mounts: dict[str, str] | None = None  # while replaying a journal
        self.previous: frozenset[str] = frozenset()
        self.recovered: str | None = None  # "forward" / "back": a killed run's commit
        self.committed = False
        self._manifest_ours = True
        self._staged: dict[str, bool] = {}  # name → changed (False: the same bytes are there)
        self._made: list[Path] = []  # folders made in OUT for outputs, removed if unused
        self._lock: _Lock | None = None
        self._mount_locks: list[_Lock] = []
        self._staging = self.path / STAGING
        # Plain strings on the per-output paths: pathlib costs more than the system calls.
        self._root = os.fspath(self.path)
        self._new_root = os.path.join(self._staging, "new")
        self._old_root = os.path.join(self._staging, "old")
        self._folders: set[str] = set()  # staging folders known to exist

    # ------------------------------------------------------------------ life cycle
    def __enter__(self) -> OutputDir:
        self.path.mkdir(parents=True, exist_ok=True)
        self._lock = _Lock(self.path)
        try:
            for folder in self.mounts.values():
                os.makedirs(folder, exist_ok=True)
                self._mount_locks.append(_Lock(Path(folder)))
            self._recover()
            self._clear_leftovers()
            previous, self._manifest_ours, mounts = _read_previous(self.path, self.manifest)
            # a mount's earlier outputs are ours only where it is the same folder again
            self.previous = frozenset(
                n for n in previous if _mount_of(n) is None or self._same_mount(n, mounts)
            )
        except BaseException:
            self._release()
            raise
        return self

    def _same_mount(self, name: str, previous: dict[str, str]) -> bool:
        """Whether an earlier output ``@key/…`` lives in the folder mounted as ``key`` now
        (a manifest may record a mount relative to OUT)."""
        key = _mount_of(name) or ""
        if key not in self.mounts or key not in previous:
            return False
        recorded = os.path.normpath(os.path.join(os.path.abspath(self.path), previous[key]))
        return recorded == os.path.normpath(self.mounts[key])

    def _release(self) -> None:
        for lock in self._mount_locks:
            lock.release()
        self._mount_locks = []
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def __exit__(self, *exc: object) -> None:
        try:
            if self.path.joinpath(JOURNAL).exists():  # interrupted in commit()'s cleanup
                self._recover()
            for staging in self._stagings():
                shutil.rmtree(staging, ignore_errors=True)
            for folder in reversed(self._made):
                with suppress(OSError):
                    folder.rmdir()  # only if empty: an aborted run leaves no new folder
        finally:
            self._release()

    def _stagings(self) -> list[str]:
        mounts = self._journal_mounts if self._journal_mounts is not None else self.mounts
        return [os.fspath(self._staging)] + [os.path.join(m, STAGING) for m in mounts.values()]

    # ------------------------------------------------------------------ staging
    def scratch(self) -> Path:
        """A private folder for this run's intermediate files (inside the staging folder,
        so a killed run's scratch is removed by the next run like the rest of it)."""
        if self._lock is None or self.committed:
            raise RuntimeError("scratch() needs an entered OutputDir that has not committed")
        folder = self._staging / "scratch"
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def conflicts(self, names: Iterable[str]) -> list[str]:
        """The names :meth:`stage` may refuse, to choose others before staging: their place
        in OUT holds something that is not a previous output (stage accepts it only if it
        holds exactly the same bytes); and the manifest, if the file there is not one of this
        tool's manifests (then :meth:`commit` refuses)."""
        found = [n for n in names if self._occupant(_checked(n, self.manifest)) in _TAKEN]
        return found + ([] if self._manifest_ours else [self.manifest])

    def stage(self, name: str, data: bytes) -> None:
        """Add an output (a relative POSIX path inside OUT) to the coming commit."""
        if self._prepare(name, lambda target: _same_bytes(target, data)):
            write_atomic(self._new(name), data)
            self._staged[name] = True  # only once written: commit trusts what is listed
            _checkpoint("stage")

    def stage_file(self, name: str, source: str | os.PathLike[str], move: bool = False) -> None:
        """Like :meth:`stage` with a file's content, streamed (large marked copies).
        ``move``: ``source`` is a finished file of this run's :meth:`scratch`, renamed into
        the staging area rather than copied where both are on one file system (a batch's
        JSON: one rename each instead of a second write)."""
        if self._prepare(name, lambda target: _same_file(target, os.fspath(source))):
            target = self._new(name)
            moved = False
            if move:
                try:
                    os.replace(source, target)
                    moved = True
                except OSError as exc:
                    if exc.errno != errno.EXDEV:
                        raise
            if not moved:
                copy_atomic(target, source)
            self._staged[name] = True
            _checkpoint("stage")

    def _prepare(self, name: str, same: Callable[[str], bool]) -> bool:
        """Check the name; True if it must be written (False: OUT already holds it)."""
        if self._lock is None or self.committed:
            raise RuntimeError("stage() needs an entered OutputDir that has not committed")
        _checked(name, self.manifest)
        if name in self._staged:
            raise ValueError(f"output staged twice: {name}")
        if _mount_of(name) is not None and _mount_of(name) not in self.mounts:
            raise ValueError(f"no folder mounted for output {name!r}")
        occupant = self._occupant(name)
        if occupant in ("ours", "foreign") and same(self._out(name)):
            self._staged[name] = False
            return False
        if occupant in _TAKEN:
            raise OutputConflict(Path(self._root_of(name)[0]), [self._root_of(name)[1]])
        self._folder_for(self._new(name))
        return True

    def _occupant(self, name: str) -> str:
        """free, ours (a previous output's file), foreign (a file of the user's) or blocked
        (a folder, or a file where a folder of the path must be)."""
        target = self._out(name)
        root, rel = self._root_of(name)
        parts = rel.split("/")
        for depth in range(1, len(parts)):
            parent = os.path.join(root, *parts[:depth])
            if os.path.lexists(parent) and not os.path.isdir(parent):
                return "blocked"
        if not os.path.lexists(target):
            return "free"
        if os.path.isdir(target):
            return "blocked"
        return "ours" if name in self.previous else "foreign"

    def _root_of(self, name: str) -> tuple[str, str]:
        """(the folder an output lives in, its name there)."""
        key = _mount_of(name)
        if key is None:
            return self._root, name
        mounts = self._journal_mounts if self._journal_mounts is not None else self.mounts
        return mounts[key], name.split("/", 1)[1]

    def _out(self, name: str) -> str:
        if _mount_of(name) is None:
            return os.path.join(self._root, name)
        return os.path.join(*self._root_of(name))

    def _new(self, name: str) -> str:
        if _mount_of(name) is None:
            return os.path.join(self._new_root, name)
        root, rel = self._root_of(name)
        return os.path.join(root, STAGING, "new", rel)

    def _old(self, name: str) -> str:
        if _mount_of(name) is None:
            return os.path.join(self._old_root, name)
        root, rel = self._root_of(name)
        return os.path.join(root, STAGING, "old", rel)

    def _folder_for(self, path: str) -> None:
        folder = os.path.dirname(path)
        if folder not in self._folders:
            os.makedirs(folder, exist_ok=True)
            self._folders.add(folder)

    # ------------------------------------------------------------------ commit
    def commit(self, manifest: bytes, outputs: Iterable[str]) -> CommitResult:
        """Make OUT hold its non-output files, the staged outputs and ``manifest`` (written
        last), and nothing else of the previous run's outputs."""
        if self._lock is None or self.committed:
            raise RuntimeError("commit() needs an entered OutputDir that has not committed")
        names = set(outputs)
        if names != self._staged.keys():
            missing = sorted(names - self._staged.keys())
            extra = sorted(self._staged.keys() - names)
            raise ValueError(f"outputs differ from the staged files: {missing=} {extra=}")
        if not self._manifest_ours:
            raise OutputConflict(self.path, [self.manifest])
        plan = _Plan(
            put=sorted(n for n, changed in self._staged.items() if changed),
            delete=sorted(
                n
                for n in self.previous - names
                if os.path.lexists(self._out(n)) and not os.path.isdir(self._out(n))
            ),
        )
        if not plan.put and not plan.delete and _same_bytes(self._out(self.manifest), manifest):
            self.committed = True
            return CommitResult([], [])
        self._folder_for(self._new(self.manifest))
        write_atomic(self._new(self.manifest), manifest)
        for name in plan.put:
            root, rel = self._root_of(name)
            if "/" in rel:
                self._make_folders((Path(root) / rel).parent, Path(root))
        for name in plan.put + plan.delete:
            self._folder_for(self._old(name))
        with _signals_deferred():
            if plan.put or plan.delete:
                write_atomic(self.path / JOURNAL, plan.dump(self.manifest, self.mounts))
                _checkpoint("journal")
            try:
                self._forward(plan, "rename")
            except BaseException:
                with suppress(OSError):
                    self._backward(plan)
                    os.unlink(self.path / JOURNAL)
                raise
            self.committed = True
        _checkpoint("cleanup")
        self._cleanup(plan)
        return CommitResult(plan.delete, plan.put)

    def _forward(self, plan: _Plan, phase: str) -> None:
        """Do what the plan says is not yet done; the state on disk tells which steps are."""
        lexists = os.path.lexists
        for name in plan.put:
            new, out, old = self._new(name), self._out(name), self._old(name)
            if not lexists(new):
                continue  # already in place
            if lexists(out) and not lexists(old):
                os.replace(out, old)
                _checkpoint(phase)
            os.replace(new, out)
            _checkpoint(phase)
        for name in plan.delete:
            out, old = self._out(name), self._old(name)
            if lexists(out) and not lexists(old):
                os.replace(out, old)
                _checkpoint(phase)
        if lexists(self._new(self.manifest)):
            _checkpoint("manifest" if phase == "rename" else phase)
            os.replace(self._new(self.manifest), self._out(self.manifest))

    def _backward(self, plan: _Plan) -> None:
        """Undo the plan's renames, last first: only before the commit point."""
        lexists = os.path.lexists
        for name in reversed(plan.delete):
            if lexists(self._old(name)):
                os.replace(self._old(name), self._out(name))
                _checkpoint("recover")
        for name in reversed(plan.put):
            new, out, old = self._new(name), self._out(name), self._old(name)
            if not lexists(new) and lexists(out):
                os.replace(out, new)
                _checkpoint("recover")
            if lexists(old):
                os.replace(old, out)
                _checkpoint("recover")

    def _cleanup(self, plan: _Plan) -> None:
        with suppress(FileNotFoundError):
            os.unlink(self.path / JOURNAL)
        for staging in self._stagings():
            shutil.rmtree(staging, ignore_errors=True)
        emptied = set()
        for name in plan.delete:
            root, rel = self._root_of(name)
            emptied |= {Path(root) / p for p in list(Path(rel).parents)[:-1]}
        for folder in sorted(emptied, key=lambda p: -len(p.parts)):
            with suppress(OSError):
                folder.rmdir()  # only if empty

    def _make_folders(self, folder: Path, root: Path | None = None) -> None:
        root = root or self.path
        missing = []
        while folder != root and not folder.exists():
            missing.append(folder)
            folder = folder.parent
        for f in reversed(missing):
            f.mkdir()
            self._made.append(f)

    # ------------------------------------------------------------------ recovery
    def _recover(self) -> None:
        """Finish (or undo) the commit a killed run was in the middle of."""
        try:
            data = json.loads((self.path / JOURNAL).read_bytes())
            mounts = {
                str(k): str(v)
                for k, v in (data.get("mounts") or {}).items()
                if isinstance(v, str) and os.path.isabs(v)
            }
            plan = _Plan(
                [n for n in data["put"] if _valid(n, self.manifest, mounts)],
                [n for n in data["delete"] if _valid(n, self.manifest, mounts)],
            )
        except FileNotFoundError:
            return
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            plan, mounts = None, {}  # not ours to read: nothing can be replayed from it
        self._journal_mounts = mounts
        try:
            if plan is not None and os.path.lexists(self._new(self.manifest)):
                with _signals_deferred():
                    try:
                        self._forward(plan, "recover")
                        self.recovered = "forward"
                    except OSError:
                        self._backward(plan)  # if this fails too, the journal stays
                        self.recovered = "back"
            self._cleanup(plan or _Plan([], []))
        finally:
            self._journal_mounts = None

    def _clear_leftovers(self) -> None:
        """What a killed run left: its staging folders, its temporaries in OUT."""
        for staging in self._stagings():
            shutil.rmtree(staging, ignore_errors=True)
        for folder in [self._root, *self.mounts.values()]:
            remove_leftovers(folder)


# ---------------------------------------------------------------------- names and files
_MOUNT = re.compile(r"@([a-z][a-z0-9_]*)/")


def _mount_of(name: str) -> str | None:
    """The mount key of an output name ``@key/…``, None for an output of OUT itself."""
    match = _MOUNT.match(name)
    return match.group(1) if match else None


def _valid(name: object, manifest: str, mounts: dict[str, str] | None = None) -> bool:
    """A relative POSIX path inside OUT (or ``@key/`` and a path inside a mounted folder)
    that is neither the manifest nor ours."""
    if not isinstance(name, str) or not name or name == manifest:
        return False
    key = _mount_of(name)
    if key is not None:
        if mounts is not None and key not in mounts:
            return False
        name = name.split("/", 1)[1]
    if name.startswith("/") or any(c in name for c in "\\:\0"):
        return False
    parts = name.split("/")
    if any(p in ("", ".", "..") for p in parts):
        return False
    return not parts[0].startswith(_RESERVED) and not TEMP_PATTERN.fullmatch(parts[-1])


def _checked(name: str, manifest: str) -> str:
    if not _valid(name, manifest):
        raise ValueError(f"not a valid output name: {name!r}")
    return name


def _read_previous(path: Path, manifest: str) -> tuple[frozenset[str], bool, dict[str, str]]:
    """The previous run's outputs from its manifest, whether the file there is a manifest
    of ours at all (if not, the new one may not replace it), and its mounted folders."""
    file = path / manifest
    if not os.path.lexists(file):
        return frozenset(), True, {}
    try:
        found = _manifest_outputs(file.read_bytes().decode("utf-8"))
    except (OSError, ValueError, RecursionError):
        found = None
    if found is None:
        return frozenset(), False, {}
    names, mounts = found
    return frozenset(n for n in names if _valid(n, manifest, mounts)), True, mounts


_WS = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()


def _skip(text: str, at: int) -> int:
    """Past the JSON white space at ``at``."""
    match = _WS.match(text, at)
    return match.end() if match else at


def _manifest_outputs(text: str) -> tuple[list[Any], dict[str, str]] | None:
    """The ``outputs`` list at the top of the manifest (and the ``mounts`` written before
    it), else ``returns[].output``; None for a file that is neither. Keys are read in order
    and ``outputs`` is taken as soon as it comes, so a report that writes it first is not
    parsed whole (it may be tens of megabytes)."""
    at = _skip(text, 0)
    if text[at : at + 1] != "{":
        return None
    at = _skip(text, at + 1)
    returns = None
    mounts: dict[str, str] = {}
    while text[at : at + 1] == '"':
        key, at = _DECODER.raw_decode(text, at)
        at = _skip(text, at)
        if text[at : at + 1] != ":":
            return None
        value, at = _DECODER.raw_decode(text, _skip(text, at + 1))
        if key == "mounts" and isinstance(value, dict):
            mounts = {str(k): v for k, v in value.items() if isinstance(v, str) and v}
        if key == "outputs":
            return (value, mounts) if isinstance(value, list) else None
        if key == "returns":
            returns = value
        at = _skip(text, at)
        if text[at : at + 1] == ",":
            at = _skip(text, at + 1)
        elif text[at : at + 1] == "}":
            break
        else:
            return None
    if not isinstance(returns, list):
        return None
    return [r.get("output") for r in returns if isinstance(r, dict) and r.get("output")], mounts


def _same_bytes(target: str, data: bytes) -> bool:
    try:
        st = os.stat(target)
        if not stat.S_ISREG(st.st_mode) or st.st_size != len(data):
            return False
        with open(target, "rb") as fh:
            return fh.read() == data
    except OSError:
        return False


def _same_file(target: str, source: str) -> bool:
    try:
        st = os.stat(target)
        if not stat.S_ISREG(st.st_mode) or st.st_size != os.stat(source).st_size:
            return False
        with open(target, "rb") as a, open(source, "rb") as b:
            while True:
                chunk = a.read(1024 * 1024)
                if chunk != b.read(1024 * 1024):
                    return False
                if not chunk:
                    return True
    except OSError:
        return False


# ---------------------------------------------------------------------- signals and the lock
@contextmanager
def _signals_deferred() -> Iterator[None]:
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


class _Lock:
    """An exclusive lock on ``.gongkai-xlsx.lock`` in OUT, released by the system if the
    process dies.

    The holder removes the file when it is done (POSIX), so OUT holds nothing of ours
    between runs: a run that locked a file someone removed meanwhile sees that the name now
    leads elsewhere and locks again, so two runs never hold two files. A killed run's file
    stays, unlocked, and the next run takes it over. Windows cannot remove an open file:
    there it stays, empty."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path = folder / LOCK
        flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0)
        for _attempt in range(20):
            self.fd: int | None = os.open(self.path, flags, 0o666)
            try:
                if not _try_lock(self.fd):
                    info = _read_info(self.fd)
                    raise OutputLocked(
                        folder, info.get("pid"), info.get("started"), info.get("host")
                    )
                if _names_the_file(self.fd, self.path):
                    break
            except BaseException:
                os.close(self.fd)
                self.fd = None
                raise
            os.close(self.fd)  # the name was removed and made again while we locked
            self.fd = None
        else:  # pragma: no cover - twenty runs racing for one folder
            raise OutputLocked(folder, None, None, None)
        started = datetime.now().astimezone().isoformat(timespec="seconds")
        info = {"pid": os.getpid(), "host": socket.gethostname(), "started": started}
        with suppress(OSError):  # a full disk: the lock holds, only its description is lost
            os.ftruncate(self.fd, 0)
            os.lseek(self.fd, 0, os.SEEK_SET)
            os.write(self.fd, json.dumps(info).encode("utf-8"))

    def release(self) -> None:
        if self.fd is None:
            return
        with suppress(OSError):
            os.ftruncate(self.fd, 0)
        if os.name != "nt":
            with suppress(OSError):
                os.unlink(self.path)  # while still holding it: see the class docstring
        _unlock(self.fd)  # explicitly: a forked child may hold a copy of the descriptor
        os.close(self.fd)
        self.fd = None


def _names_the_file(fd: int, path: Path) -> bool:
    """Whether ``path`` still names the file ``fd`` has open."""
    try:
        held, named = os.fstat(fd), os.stat(path)
    except OSError:
        return False
    return (held.st_dev, held.st_ino) == (named.st_dev, named.st_ino)


def _read_info(fd: int) -> dict[str, Any]:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        info = json.loads(os.read(fd, 4096) or b"{}")
    except (OSError, ValueError):
        return {}
    return info if isinstance(info, dict) else {}


if os.name == "nt":
    import msvcrt

    def _try_lock(fd: int) -> bool:
        os.lseek(fd, _WINDOWS_LOCK_OFFSET, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        with suppress(OSError):
            os.lseek(fd, _WINDOWS_LOCK_OFFSET, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                return False
            if exc.errno in (errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOTSUP):
                return True  # a file system without locks: run unprotected rather than not
            raise
        return True

    def _unlock(fd: int) -> None:
        with suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_UN)
