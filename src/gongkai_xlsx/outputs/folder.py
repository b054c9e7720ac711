"""An output folder that is always whole: its manifest (``.gongkai-xlsx.manifest``) lists
exactly the output files beside it, report.json among them, those of the previous run or
those of the new one, never a mix.

OUT may be the very folder being read (the user's own returns live there), so it cannot be
built elsewhere and swapped in. Instead a run stages its outputs in a hidden folder inside
OUT (same file system: moving is a rename), then commits:

1. *journal* — ``.gongkai-xlsx.commit`` names the outputs to put in place and the previous
   outputs to remove. Written atomically before the first rename.
2. *rename window* — each changed output: the old file is moved into the staging folder
   (kept for a roll-back), the staged one renamed into place (report.json last); each
   previous output this run does not produce is moved into the staging folder.
3. *commit point* — the staged manifest is renamed over ``.gongkai-xlsx.manifest``: from
   this instant the new run is the one described.
4. *cleanup* — the journal is removed, then the staging folder with the old files.

No POSIX call renames many files at once, so the rename window (milliseconds; two renames a
changed file) is the one stretch where the folder is mixed. SIGINT, SIGTERM and SIGHUP are
deferred across the journal and the window and delivered right after the commit point; a
killed process leaves the journal, and the next :class:`OutputDir` rolls the commit forward
from it (back, if a rename fails) before doing anything else. Only files the previous
manifest lists as outputs are ever removed or replaced (:mod:`gongkai_xlsx.outputs.manifest`
says what proves a file ours when the manifest is missing): any other file is the user's,
and an output that would replace it is refused (:class:`OutputConflict`).

Guarantees: "whole" means the manifest and report.json list exactly the output files
present, each with the content of the run that report.json describes.

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
report and manifest, the journal), and the window only renames and removes, so a full disk
always stops a run while OUT is untouched.

A power cut is not covered: nothing is fsync'ed (see :mod:`gongkai_xlsx.fsio`). A program
reading OUT during the rename window of a live run may see the mix too; the lock
(:mod:`gongkai_xlsx.outputs.lock`) keeps out other runs of this tool, not readers.
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import sys
from collections.abc import Callable, Iterable, Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

from gongkai_xlsx.errors import UsageError
from gongkai_xlsx.fsio import copy_atomic, remove_leftovers, write_atomic, write_atomic_chunks
from gongkai_xlsx.outputfolder import MANIFEST, REPORT_NAME, is_bookkeeping
from gongkai_xlsx.outputs.hidden import hide
from gongkai_xlsx.outputs.journal import (
    JOURNAL,
    Plan,
    backward,
    forward,
    signals_deferred,
)
from gongkai_xlsx.outputs.journal import (
    move as move_file,
)
from gongkai_xlsx.outputs.lock import LOCK, Lock
from gongkai_xlsx.outputs.manifest import Manifest, Previous, Recorded, read_previous
from gongkai_xlsx.outputs.names import (
    STAGING,
    Places,
    file_digest,
    mount_of,
    same_bytes,
    same_file,
    valid,
)
from gongkai_xlsx.text import listed

_TAKEN = ("foreign", "blocked")  # occupants an output may not replace
_OURS = (MANIFEST, JOURNAL, LOCK, STAGING)  # bookkeeping the commit itself keeps


def _checkpoint(phase: str) -> None:
    """Tests set ``gongkai_xlsx.outputs._checkpoint_hook`` to stop the process at a named
    phase: "stage", "journal", "rename", "manifest", "cleanup", "recover" (see
    tests/outputs_driver.py)."""
    hook = getattr(sys.modules[__package__ or "gongkai_xlsx.outputs"], "_checkpoint_hook", None)
    if hook is not None:
        hook(phase)


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


def _relative_to(folder: str, out: Path) -> str:
    """A mounted folder as the manifest records it: relative to OUT where it can be."""
    try:
        return Path(os.path.relpath(folder, os.path.abspath(out))).as_posix()
    except ValueError:  # another drive on Windows
        return folder


class OutputDir:
    """The output folder of one run; a context manager holding its lock.

    On enter: take the lock, finish or undo a commit a killed run left, remove what it
    staged, and read the previous outputs (:attr:`previous`). Then :meth:`stage` every
    output and :meth:`commit` them with the report (``report``, written last of the
    outputs) and a new manifest; leaving without a commit changes nothing in OUT.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        report: str = REPORT_NAME,
        mounts: dict[str, str | os.PathLike[str]] | None = None,
    ) -> None:
        self.path = Path(path)
        self.report = report
        # Other folders whose outputs join this commit (marked copies sent back to the
        # agencies): an output "@<key>/<name>" lives at <mounts[key]>/<name>, staged in that
        # folder's own staging area (a rename never crosses file systems), listed in the one
        # manifest and the one journal here; each mount is locked like OUT.
        self.mounts = {k: os.path.abspath(v) for k, v in (mounts or {}).items()}
        self.places = Places(os.fspath(self.path), self.mounts)
        self.before = Previous()
        self.previous: frozenset[str] = frozenset()
        self.recovered: str | None = None  # "forward" / "back": a killed run's commit
        self.committed = False
        # name → what the manifest will say, for every output staged (10,000 for a
        # province: one dict, the value one small bytes); those OUT already held as they
        # are (not written, not put in place) are also in ``_unchanged``
        self._recorded: dict[str, Recorded] = {}
        self._unchanged: set[str] = set()
        self._made: list[Path] = []  # folders made in OUT for outputs, removed if unused
        self._lock: Lock | None = None
        self._mount_locks: list[Lock] = []
        self._folders: set[str] = set()  # staging folders known to exist
        self._kept: dict[str, str] = {}  # bookkeeping put in place after the commit

    # ------------------------------------------------------------------ life cycle
    def __enter__(self) -> OutputDir:
        self.path.mkdir(parents=True, exist_ok=True)
        self._lock = Lock(self.path)
        try:
            for folder in self.mounts.values():
                os.makedirs(folder, exist_ok=True)
                self._mount_locks.append(Lock(Path(folder)))
            self._recover()
            self._clear_leftovers(self.places)
            self.before = read_previous(self.path, self.report)
            # a mount's earlier outputs are ours only where it is the same folder again
            self.previous = frozenset(
                n
                for n in self.before.outputs
                if mount_of(n) is None or self._same_mount(n, self.before.mounts)
            )
        except BaseException:
            self._release()
            raise
        return self

    def _same_mount(self, name: str, previous: dict[str, str]) -> bool:
        """Whether an earlier output ``@key/…`` lives in the folder mounted as ``key`` now
        (a manifest may record a mount relative to OUT)."""
        key = mount_of(name) or ""
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
            for staging in self.places.stagings():
                shutil.rmtree(staging, ignore_errors=True)
            for folder in reversed(self._made):
                with suppress(OSError):
                    folder.rmdir()  # only if empty: an aborted run leaves no new folder
        finally:
            self._release()

    # ------------------------------------------------------------------ staging
    def scratch(self) -> Path:
        """A private folder for this run's intermediate files (inside the staging folder,
        so a killed run's scratch is removed by the next run like the rest of it)."""
        if self._lock is None or self.committed:
            raise RuntimeError("scratch() needs an entered OutputDir that has not committed")
        folder = self.path / STAGING / "scratch"
        self._folder_for(os.path.join(folder, "x"))
        return folder

    def conflicts(self, names: Iterable[str]) -> list[str]:
        """The names :meth:`stage` may refuse, to choose others before staging: their place
        in OUT holds something that is not a previous output (stage accepts it only if it
        holds exactly the same bytes); and the report, if the file there is not one of this
        tool's (then :meth:`commit` refuses)."""
        found = [n for n in names if self._occupant(self._checked(n)) in _TAKEN]
        return found + ([] if self.before.report_ours else [self.report])

    def stage(self, name: str, data: bytes) -> None:
        """Add an output (a relative POSIX path inside OUT) to the coming commit."""
        if self._prepare(name, lambda target: same_bytes(target, data)):
            write_atomic(self.places.new(name), data)  # recorded only once written
            _checkpoint("stage")
        self._recorded[name] = Recorded(len(data), hashlib.sha256(data).hexdigest())

    def stage_file(
        self,
        name: str,
        source: str | os.PathLike[str],
        move: bool = False,
        known: tuple[int, str] | None = None,
    ) -> None:
        """Like :meth:`stage` with a file's content, streamed (large marked copies).
        ``move``: ``source`` is a finished file of this run's :meth:`scratch`, renamed
        into the staging area rather than copied where both are on one file system (a
        batch's JSON: one rename each instead of a second write). ``known``: the (size,
        SHA-256) of the bytes this run wrote to ``source`` in its scratch, recorded as
        they are rather than read back (10,000 of them after the last worker)."""
        path = os.fspath(source)
        if self._prepare(name, lambda target: same_file(target, path)):
            target = self.places.new(name)
            moved = False
            if move:
                try:
                    move_file(path, target)
                    moved = True
                except OSError as exc:
                    if exc.errno != errno.EXDEV:
                        raise
            if not moved:
                copy_atomic(target, path)
            _checkpoint("stage")
            path = target
        digest = known if known is not None else file_digest(path)
        if digest is None:
            raise OSError(errno.EIO, f"staged output cannot be read back: {name}")
        self._recorded[name] = Recorded(*digest)

    def _checked(self, name: str) -> str:
        if not valid(name) or name == self.report:
            raise ValueError(f"not a valid output name: {name!r}")
        return name

    def _prepare(self, name: str, same: Callable[[str], bool]) -> bool:
        """Check the name; True if it must be written (False: OUT already holds it)."""
        if self._lock is None or self.committed:
            raise RuntimeError("stage() needs an entered OutputDir that has not committed")
        self._checked(name)
        if name in self._recorded or name in self._unchanged:
            raise ValueError(f"output staged twice: {name}")
        if mount_of(name) is not None and mount_of(name) not in self.mounts:
            raise ValueError(f"no folder mounted for output {name!r}")
        occupant = self._occupant(name)
        if occupant in ("ours", "foreign") and same(self.places.out(name)):
            self._unchanged.add(name)
            return False
        if occupant in _TAKEN:
            root, rel = self.places.root_of(name)
            raise OutputConflict(Path(root), [rel])
        self._folder_for(self.places.new(name))
        return True

    def _occupant(self, name: str) -> str:
        """free, ours (a previous output's file), foreign (a file of the user's) or blocked
        (a folder, or a file where a folder of the path must be)."""
        target = self.places.out(name)
        root, rel = self.places.root_of(name)
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

    def _folder_for(self, path: str) -> None:
        folder = os.path.dirname(path)
        if folder not in self._folders:
            os.makedirs(folder, exist_ok=True)
            self._folders.add(folder)
            for staging in self.places.stagings():
                if folder.startswith(staging):
                    hide(staging)

    # ------------------------------------------------------------------ commit
    @property
    def arrivals(self) -> dict[str, str]:
        """When each input file (by SHA-256) first arrived, as the previous run recorded
        it (empty when the manifest was lost: everything arrives now)."""
        return dict(self.before.arrivals)

    def keep_after_commit(self, name: str, source: str | os.PathLike[str]) -> None:
        """Put a finished file of :meth:`scratch` at ``name`` in OUT (bookkeeping, e.g. the
        result cache) right after the commit point, and only if the run commits: a run
        that does not commit changes nothing in OUT."""
        if not is_bookkeeping(name) or "/" in name or name in _OURS:
            raise ValueError(f"not a bookkeeping name: {name!r}")
        self._kept[name] = os.fspath(source)

    def _put_kept(self) -> None:
        """The files of :meth:`keep_after_commit` into place (a failure only loses them)."""
        for name, source in self._kept.items():
            with suppress(OSError):
                move_file(source, os.fspath(self.path / name))
                hide(self.path / name)

    def commit(
        self,
        report: bytes | Path,
        outputs: Iterable[str],
        arrivals: Mapping[str, str] | None = None,
    ) -> CommitResult:
        """Make OUT hold its non-output files, the staged outputs, ``report`` and the new
        manifest (renamed last), and nothing else of the previous run's outputs.
        ``report``: its bytes, or a finished file of :meth:`scratch` holding them (a large
        report is written a piece at a time). ``arrivals``: the input files' first
        arrivals to record (None: keep the previous)."""
        if self._lock is None or self.committed:
            raise RuntimeError("commit() needs an entered OutputDir that has not committed")
        names = set(outputs)  # not kept: the staged names are the recorded ones
        if names != self._recorded.keys():
            missing = sorted(names - self._recorded.keys())
            extra = sorted(self._recorded.keys() - names)
            raise ValueError(f"outputs differ from the staged files: {missing=} {extra=}")
        del names
        if not self.before.report_ours:
            raise OutputConflict(self.path, [self.report])
        report_path = self.places.out(self.report)
        if isinstance(report, bytes):
            report_changed = not same_bytes(report_path, report)
            digest = (len(report), hashlib.sha256(report).hexdigest())
        else:
            report_changed = not same_file(report_path, os.fspath(report))
            read_back = file_digest(os.fspath(report))
            if read_back is None:
                raise OSError(errno.EIO, f"the report cannot be read back: {report}")
            digest = read_back
        # not copied: a run of 10,000 returns has as many outputs and arrivals
        recorded = self._recorded
        recorded[self.report] = Recorded(*digest)  # the report is never staged (_checked)
        mounts = {k: _relative_to(v, self.path) for k, v in self.mounts.items()}
        # as they are: a batch's are packed (manifest.Arrivals)
        kept = self.arrivals if arrivals is None else arrivals
        manifest = Manifest(recorded, self.report, mounts, kept)
        plan = Plan(
            put=sorted(n for n in recorded if n != self.report and n not in self._unchanged)
            + ([self.report] if report_changed else []),
            delete=sorted(n for n in self.previous if n not in recorded and self._removable(n)),
            point=MANIFEST,
        )
        manifest_path = self.places.out(MANIFEST)
        staged_manifest = self.places.new(MANIFEST)
        manifest_staged = False
        if not plan.put and not plan.delete:  # nothing changed if the manifest is the same
            self._folder_for(staged_manifest)
            write_atomic_chunks(staged_manifest, manifest.chunks())
            manifest_staged = True
            if same_file(manifest_path, staged_manifest):
                self.committed = True
                self._put_kept()
                return CommitResult([], [])
        if report_changed:
            self._folder_for(self.places.new(self.report))
            if isinstance(report, bytes):
                write_atomic(self.places.new(self.report), report)
            else:
                move_file(os.fspath(report), self.places.new(self.report))
        if not manifest_staged:  # written a piece at a time: an entry per output and file
            self._folder_for(staged_manifest)
            write_atomic_chunks(staged_manifest, manifest.chunks())
        for name in plan.put:
            root, rel = self.places.root_of(name)
            if "/" in rel:
                self._make_folders((Path(root) / rel).parent, Path(root))
        for name in plan.put + plan.delete:
            self._folder_for(self.places.old(name))
        with signals_deferred():
            if plan.put or plan.delete:
                write_atomic_chunks(self.path / JOURNAL, plan.chunks(self.mounts))
                hide(self.path / JOURNAL)
                _checkpoint("journal")
            try:
                forward(plan, self.places, "rename", _checkpoint)
            except BaseException:
                with suppress(OSError):
                    backward(plan, self.places, _checkpoint)
                    os.unlink(self.path / JOURNAL)
                raise
            self.committed = True
        hide(manifest_path)
        self._put_kept()
        _checkpoint("cleanup")
        self._cleanup(plan, self.places)
        written = [n for n in plan.put if n != self.report]
        return CommitResult(plan.delete, written)

    def _removable(self, name: str) -> bool:
        """A previous output this run does not produce may go: a file (not a folder) that
        still holds what the manifest recorded (one the user changed is theirs now)."""
        out = self.places.out(name)
        if not os.path.lexists(out) or os.path.isdir(out):
            return False
        return self.before.unchanged(name, out)

    def _cleanup(self, plan: Plan, places: Places) -> None:
        with suppress(FileNotFoundError):
            os.unlink(self.path / JOURNAL)
        for staging in places.stagings():
            shutil.rmtree(staging, ignore_errors=True)
        emptied = set()
        for name in plan.delete:
            root, rel = places.root_of(name)
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
            plan: Plan | None
            plan, mounts = Plan.load((self.path / JOURNAL).read_bytes(), MANIFEST)
        except FileNotFoundError:
            return
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            plan, mounts = None, {}  # not ours to read: nothing can be replayed from it
        places = Places(self.places.root, mounts)
        point = plan.point if plan is not None else MANIFEST
        if plan is not None and os.path.lexists(os.path.join(places.stagings()[0], "new", point)):
            with signals_deferred():
                try:
                    forward(plan, places, "recover", _checkpoint)
                    self.recovered = "forward"
                except OSError:
                    backward(plan, places, _checkpoint)  # if this fails too, the journal stays
                    self.recovered = "back"
            hide(os.path.join(places.root, point))
        self._cleanup(plan or Plan([], [], MANIFEST), places)

    def _clear_leftovers(self, places: Places) -> None:
        """What a killed run left: its staging folders, its temporaries in OUT."""
        for staging in places.stagings():
            shutil.rmtree(staging, ignore_errors=True)
        for folder in [places.root, *places.mounts.values()]:
            remove_leftovers(folder)
