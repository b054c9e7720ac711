"""The work folder of a year: everything of one January, in plain folders the coordinator can
also open in Explorer.

::

    工作文件夹/
      名单.xlsx            the roster (or 名单.csv, or one file inside 名单/)
      模板/                templates made for the agencies
      报表/2027-01-20/     the returns, each upload in the folder of the day it arrived
      结果/                ingest's output folder (report.json, report.html, the JSON)
      退回/                the marked copies and the 退回清单
      汇总/                the summaries for the next level

Every return an agency sends is kept: a resubmission is a new file in the day's folder, and
ingest treats every return of one agency as a version of it, the one that arrived last (the
output folder's manifest records arrivals) being current. So an upload never overwrites
anything: its name is made safe (:func:`gongkai_xlsx.naming.safe_file_name`) and, when taken
in its folder (case aside, as Windows compares), numbered ``（2）``, ``（3）``… Every write
goes through :func:`gongkai_xlsx.fsio.write_atomic` under the folder's lock, so two uploads
at once (two tabs) cannot pick the same name.

Names coming back from a page (a download) are resolved by :meth:`WorkFolder.inside`: only
a file under the work folder, reached without ``..``, absolute or drive paths, NTFS streams,
reserved device names or a symbolic link that leads outside.
"""

from __future__ import annotations

import datetime as _dt
import os
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

from gongkai_xlsx import fsio, oserrors
from gongkai_xlsx.errors import UsageError
from gongkai_xlsx.naming import MAX_NAME_BYTES, safe_file_name
from gongkai_xlsx.outputfolder import REPORT_NAME

ROSTER = "名单"
TEMPLATES = "模板"
RETURNS = "报表"
RESULTS = "结果"
SEND_BACK = "退回"
PREVIOUS = "上年结果"  # last year's ingest output, put here by the coordinator
SUMMARIES = "汇总"
FOLDERS = (TEMPLATES, RETURNS, RESULTS, SEND_BACK, SUMMARIES)
ROSTER_SUFFIXES = (".xlsx", ".csv")  # what gongkai_xlsx.roster reads

MAX_PATH = 260  # Windows' classic limit on a whole path, which Explorer and Excel keep
ARCHIVE_SUFFIXES = (".zip", ".rar", ".7z", ".tar", ".gz", ".tgz", ".bz2", ".xz", ".cab", ".arj")
_RESERVED = re.compile(r"^(con|prn|aux|nul|com[1-9]|lpt[1-9])(\..*)?$", re.IGNORECASE)


class UnsafeName(UsageError):
    """A name that would leave the work folder or is not a file of it."""


def is_archive(name: str) -> bool:
    """An archive by its name: never extracted into the work folder."""
    return name.lower().endswith(ARCHIVE_SUFFIXES)


def archive_message(name: str) -> str:
    """What the page says of an archive dropped on it."""
    return (
        f"{name}：这是压缩包，本页不解压，也没有保存。请先解压，再把其中的报表"
        "（.xlsx 等）拖到这里。"
    )


@dataclass
class WorkFolder:
    """One year's work folder (made with its subfolders by :meth:`open`)."""

    root: Path
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> WorkFolder:
        """The work folder at ``path``, made (with its subfolders) if missing."""
        root = Path(os.path.abspath(path))
        if root.exists() and not root.is_dir():
            raise UsageError(f"{root}：工作文件夹的位置已存在且不是文件夹。")
        try:
            for name in FOLDERS:
                (root / name).mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UsageError(
                f"{root}：无法建立工作文件夹（{oserrors.reason(exc, oserrors.WRITE)}）。"
            ) from exc
        return cls(root)

    # ------------------------------------------------------------------ the places
    @property
    def templates(self) -> Path:
        return self.root / TEMPLATES

    @property
    def returns(self) -> Path:
        return self.root / RETURNS

    @property
    def results(self) -> Path:
        return self.root / RESULTS

    @property
    def send_back(self) -> Path:
        return self.root / SEND_BACK

    @property
    def summaries(self) -> Path:
        return self.root / SUMMARIES

    def roster(self) -> Path | None:
        """The roster: ``名单.xlsx`` (or .csv) at the top, else the one such file inside
        ``名单/`` (the newest, when several were uploaded). None when there is none."""
        for suffix in ROSTER_SUFFIXES:
            top = self.root / f"{ROSTER}{suffix}"
            if top.is_file():
                return top
        folder = self.root / ROSTER
        if not folder.is_dir():
            return None
        found = [
            p
            for p in folder.iterdir()
            if p.is_file() and p.suffix.lower() in ROSTER_SUFFIXES and not p.name.startswith(".")
        ]
        return max(found, key=lambda p: (p.stat().st_mtime_ns, p.name)) if found else None

    def previous_results(self, year: int) -> Path | None:
        """Last year's ``ingest`` output folder, where the desk looks for it: ``上年结果/``
        in the work folder, else last year's work folder beside this one (its name with
        ``year`` − 1 for ``year``) and its 结果/. Templates are prefilled from it and the
        returns compared with it."""
        inside = self.root / PREVIOUS
        if inside.is_dir():
            return inside
        if str(year) in self.root.name:
            sibling = self.root.parent / self.root.name.replace(str(year), str(year - 1)) / RESULTS
            if (sibling / REPORT_NAME).is_file():
                return sibling
        return None

    def arrival_folder(self, day: _dt.date | None = None) -> Path:
        """The folder of the returns that arrive on ``day`` (today): 报表/2027-01-20/."""
        return self.returns / (day or _dt.date.today()).isoformat()

    def has_returns(self) -> bool:
        """Whether anything was put under 报表/ (by the page or in Explorer)."""
        return any(p.is_file() for p in self.returns.rglob("*"))

    # ------------------------------------------------------------------ writing
    def save(self, folder: Path, name: str, data: bytes) -> Path:
        """Write ``data`` as a new file named after ``name`` (made safe) in ``folder`` (a
        folder of the work folder), never over an existing file: a name taken, case
        aside, is numbered. Returns the path written."""
        folder = self._own(folder)
        with self.lock:
            folder.mkdir(parents=True, exist_ok=True)
            target = folder / self._free_name(folder, name)
            fsio.write_atomic(target, data)
        return target

    def _free_name(self, folder: Path, name: str) -> str:
        room = MAX_PATH - len(str(folder)) - 1 - len("（99）")
        if room < 12:
            raise UsageError(
                f"{folder}：工作文件夹的路径太长，放不下文件名。请把工作文件夹放在更短的路径下。"
            )
        safe = safe_file_name(name, max_bytes=min(MAX_NAME_BYTES, room * 3))
        while len(safe) > room:  # characters, as Windows counts them
            safe = safe_file_name(safe, max_bytes=len(safe.encode("utf-8")) - 3)
        taken = {p.name.casefold() for p in folder.iterdir()}
        stem, dot, ext = safe.rpartition(".")
        if not dot:
            stem, ext = safe, ""
        candidate, n = safe, 1
        while candidate.casefold() in taken:
            n += 1
            candidate = f"{stem}（{n}）.{ext}" if ext else f"{stem}（{n}）"
        return candidate

    def _own(self, folder: Path) -> Path:
        folder = Path(os.path.abspath(folder))
        if not folder.is_relative_to(self.root):
            raise UnsafeName(f"{folder}：不在工作文件夹 {self.root} 中。")
        return folder

    # ------------------------------------------------------------------ reading back
    def inside(self, relative: str) -> Path:
        """The existing file of the work folder that ``relative`` (``/``-separated, as a
        page sends it back) names; :class:`UnsafeName` for anything else."""
        if "\\" in relative or "\x00" in relative:
            raise UnsafeName(f"{relative}：不是工作文件夹中的文件。")
        parts = relative.split("/")  # as sent: "a/./b" and "a//b" are not normalised away
        for part in parts:
            if (
                not part
                or part in (".", "..")
                or part.startswith(".")
                or ":" in part
                or part != part.rstrip(". ")
                or _RESERVED.match(part)
            ):
                raise UnsafeName(f"{relative}：不是工作文件夹中的文件。")
        path = self.root.joinpath(*parts)
        if len(str(path)) > MAX_PATH * 4:
            raise UnsafeName(f"{relative}：不是工作文件夹中的文件。")
        try:
            real = path.resolve(strict=True)
        except (OSError, RuntimeError):
            raise UnsafeName(f"{relative}：工作文件夹中没有这个文件。") from None
        if not real.is_relative_to(self.root.resolve()) or not real.is_file():
            raise UnsafeName(f"{relative}：不是工作文件夹中的文件。")
        return real

    def relative(self, path: Path) -> str:
        """``path`` as :meth:`inside` takes it back."""
        return Path(os.path.abspath(path)).relative_to(self.root).as_posix()
