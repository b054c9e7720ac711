"""The manifest of an output folder, ``.gongkai-xlsx.manifest``: every output of the run
the folder holds (report.json and report.html among them), each with its size and sha256,
and the mounted folders. Renaming it into place is the commit point; it is hidden on
Windows.

What the previous outputs are (:func:`read_previous`), from the best proof there is:

1. the manifest: its outputs are ours; one the user has changed since (its size or sha256
   differ) is still replaced by an output of the same name, but never deleted;
2. no readable manifest (a folder written before it existed, or the manifest deleted):
   the ``outputs`` list of report.json, as the earlier versions committed by it, if that
   report is ours (:func:`gongkai_xlsx.outputfolder.report_outputs`);
3. neither: nothing is ours, and an output may only take a place that is free or holds
   the very same bytes. A run is never refused for ever: it writes a new manifest.
"""

from __future__ import annotations

import heapq
import json
import os
import pickle
import re
import secrets
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from gongkai_xlsx.outputfolder import MANIFEST, TOOL, report_outputs
from gongkai_xlsx.outputs.names import file_digest, valid

FORMAT = 1  # "arrivals" is optional: a manifest without it is read as before
_SHA256 = re.compile(r"[0-9a-f]{64}")


class Recorded(bytes):
    """An output as the manifest records it: its size and sha256. A run of 10,000 returns
    keeps one for each output until the commit, so it is itself one small ``bytes`` (no
    object around it): a tag, 8 bytes of size and the 32 bytes of the digest; a recorded
    value that is not a SHA-256 in hex (a manifest edited by hand) is kept as it is,
    pickled behind another tag."""

    __slots__ = ()

    def __new__(cls, size: int, sha256: str) -> Recorded:
        if type(size) is int and 0 <= size < 1 << 64 and _SHA256.fullmatch(sha256):
            return super().__new__(cls, b"\x01" + size.to_bytes(8, "big") + bytes.fromhex(sha256))
        return super().__new__(cls, b"\x00" + pickle.dumps((size, sha256)))

    def _unpacked(self) -> tuple[int, str]:
        value: tuple[int, str] = pickle.loads(self[1:])
        return value

    @property
    def size(self) -> int:
        return int.from_bytes(self[1:9], "big") if self[0] else self._unpacked()[0]

    @property
    def sha256(self) -> str:
        return self[9:].hex() if self[0] else self._unpacked()[1]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Recorded):
            return NotImplemented
        return (self.size, self.sha256) == (other.size, other.sha256)

    def __ne__(self, other: object) -> bool:
        same = self.__eq__(other)
        return same if same is NotImplemented else not same

    def __hash__(self) -> int:
        return hash((self.size, self.sha256))

    def __reduce__(self) -> tuple[type[Recorded], tuple[int, str]]:
        return (Recorded, (self.size, self.sha256))

    def __repr__(self) -> str:
        return f"Recorded(size={self.size!r}, sha256={self.sha256!r})"

    __str__ = __repr__


class Arrivals(Mapping[str, str]):
    """First arrivals (SHA-256 in hex → time), the earlier ones and a batch's, packed: a
    batch of 10,000 files has as many, and a few times. Each new file's digest is kept as
    its 32 bytes in one sorted blob, its time as an index into the few times; the items
    come out in the order of their keys (hex keeps the digests' order), as the manifest
    writes them, without a string made for each at once."""

    def __init__(self, earlier: Mapping[str, str], new: Iterable[tuple[str, str]]) -> None:
        """``new``: (SHA-256, time) of a batch's files in its order; the first of a
        digest counts, and one ``earlier`` holds keeps its earlier time."""
        self._earlier = earlier
        self._other: dict[str, str] = {}  # a key that is not a SHA-256 in hex: as it is
        times: dict[str, int] = {}
        blob, which = bytearray(), array("L")
        for sha, when in new:
            if sha in earlier or sha in self._other:
                continue
            if _SHA256.fullmatch(sha):
                blob += bytes.fromhex(sha)
                which.append(times.setdefault(when, len(times)))
            else:
                self._other[sha] = when
        self._times = list(times)
        # sorted by digest, the first of the batch first among equal ones (a stable sort)
        order = sorted(range(len(which)), key=lambda i: blob[i * 32 : i * 32 + 32])
        self._digests, self._when = bytearray(), array("L")
        last = None
        for i in order:
            digest = blob[i * 32 : i * 32 + 32]
            if digest != last:
                self._digests += digest
                self._when.append(which[i])
            last = digest

    def _find(self, digest: bytes) -> int:
        """The place of ``digest`` among the packed ones, -1 when it is not there."""
        low, high = 0, len(self._when)
        while low < high:
            mid = (low + high) // 2
            if self._digests[mid * 32 : mid * 32 + 32] < digest:
                low = mid + 1
            else:
                high = mid
        found = low < len(self._when) and self._digests[low * 32 : low * 32 + 32] == digest
        return low if found else -1

    def __getitem__(self, key: str) -> str:
        if key in self._earlier:
            return self._earlier[key]
        if key in self._other:
            return self._other[key]
        at = self._find(bytes.fromhex(key)) if _SHA256.fullmatch(key) else -1
        if at < 0:
            raise KeyError(key)
        return self._times[self._when[at]]

    def __len__(self) -> int:
        return len(self._earlier) + len(self._other) + len(self._when)

    def __iter__(self) -> Iterator[str]:
        return (key for key, _ in self.sorted_items())

    def _packed(self) -> Iterator[tuple[str, str]]:
        for at, when in enumerate(self._when):
            yield self._digests[at * 32 : at * 32 + 32].hex(), self._times[when]

    def sorted_items(self) -> Iterator[tuple[str, str]]:
        """Every item, by key (as ``sorted(self.items())``): one string made at a time."""
        others = sorted([*self._earlier, *self._other])
        return heapq.merge(((key, self[key]) for key in others), self._packed())


@dataclass(frozen=True)
class Manifest:
    """The outputs of one run (names as :mod:`gongkai_xlsx.outputs.names` says), the report
    among them, and the mounted folders as recorded (relative to OUT where they can be)."""

    outputs: dict[str, Recorded]
    report: str
    mounts: dict[str, str] = field(default_factory=dict)
    # when each input file (by its SHA-256) first arrived: the time of the first run that
    # saw it (see :mod:`gongkai_xlsx.ingest.versions`); carried forward run to run
    arrivals: Mapping[str, str] = field(default_factory=dict)

    def to_bytes(self) -> bytes:
        return b"".join(self.chunks())

    def chunks(self) -> Iterator[bytes]:
        """The manifest in pieces, its outputs and arrivals an item at a time (a batch of
        10,000 returns has as many of each): the bytes of one indented dump of it."""
        token = secrets.token_hex(16)
        data: dict[str, object] = {
            "tool": TOOL,
            "manifest": FORMAT,
            "report": self.report,
            "mounts": dict(sorted(self.mounts.items())),
            "outputs": f"gk-outputs-{token}",
        }
        long: list[tuple[str, Iterator[tuple[str, object]]]] = [
            (f"gk-outputs-{token}", iter(_sorted(self.outputs)))
        ]
        if self.arrivals:  # a folder of another command's outputs records none
            data["arrivals"] = f"gk-arrivals-{token}"
            long.append((f"gk-arrivals-{token}", iter(_sorted(self.arrivals))))
        rest = json.dumps(data, ensure_ascii=False, indent=1) + "\n"
        for marker, items in long:
            head, found, rest = rest.partition(f'"{marker}"')
            assert found, "the place of a long item is in the manifest"
            yield head.encode("utf-8")
            yield from _object_chunks(items)
        yield rest.encode("utf-8")

    @classmethod
    def parse(cls, raw: bytes) -> Manifest | None:
        """The manifest in ``raw``, None for anything else (broken, edited, not ours)."""
        try:
            data = json.loads(raw.decode("utf-8"))
        except (ValueError, RecursionError):
            return None
        if not isinstance(data, dict) or data.get("tool") != TOOL or data.get("manifest") != 1:
            return None
        report, mounts, listed = data.get("report"), data.get("mounts"), data.get("outputs")
        if not isinstance(report, str) or not isinstance(mounts, dict):
            return None
        if not isinstance(listed, dict):
            return None
        kept_mounts = {str(k): v for k, v in mounts.items() if isinstance(v, str) and v}
        outputs = {}
        for name, entry in listed.items():
            if not isinstance(entry, dict) or not valid(name, kept_mounts):
                continue
            size, sha = entry.get("size"), entry.get("sha256")
            if isinstance(size, int) and isinstance(sha, str):
                outputs[name] = Recorded(size, sha)
        arrived = data.get("arrivals")
        arrivals = (
            {k: v for k, v in arrived.items() if _SHA256.fullmatch(k) and isinstance(v, str)}
            if isinstance(arrived, dict)
            else {}
        )
        return cls(outputs, report, kept_mounts, arrivals)


_T = TypeVar("_T")


def _sorted(mapping: Mapping[str, _T]) -> Iterator[tuple[str, _T]]:
    """The items of ``mapping`` by key, as ``sorted(mapping.items())`` (keys are unique)."""
    if isinstance(mapping, Arrivals):
        yield from mapping.sorted_items()  # type: ignore[misc]  # _T is str
        return
    for key in sorted(mapping):
        yield key, mapping[key]


# json.dumps(text, ensure_ascii=False) of a string, without the encoder each call makes
_text: Callable[[str], str] = json.encoder.encode_basestring


def _value_text(value: object) -> str:
    """A value of a long object (an output's record, an arrival's time) as the manifest's
    one dump writes it at its depth: made directly for the two shapes (10,000 outputs and
    as many arrivals: json's indenting encoder is pure Python), by json for any other."""
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, Recorded):
        size, sha256 = value.size, value.sha256
        if type(size) is int and type(sha256) is str:
            return f'{{\n   "size": {size},\n   "sha256": {_text(sha256)}\n  }}'
        value = {"size": size, "sha256": sha256}
    return json.dumps(value, ensure_ascii=False, indent=1).replace("\n", "\n  ")


def _object_chunks(items: Iterator[tuple[str, object]]) -> Iterator[bytes]:
    """An object of the manifest's top level, an item at a time, as its one dump (indent
    1) writes it."""
    first = True
    buffer: list[str] = []
    size = 0
    for key, value in items:
        line = f"{_text(key)}: {_value_text(value)}"
        buffer.append(("{\n  " if first else ",\n  ") + line)
        size += len(line)
        first = False
        if size > 64 * 1024:
            yield "".join(buffer).encode("utf-8")
            buffer, size = [], 0
    buffer.append("{}" if first else "\n }")
    yield "".join(buffer).encode("utf-8")


@dataclass(frozen=True)
class Previous:
    """What an output folder holds of ours before a run: the outputs (not the report),
    whether the file at the report's name may be replaced, the mounted folders as recorded,
    and each output's recorded size and sha256 (empty without a manifest)."""

    outputs: frozenset[str] = frozenset()
    report_ours: bool = True
    mounts: dict[str, str] = field(default_factory=dict)
    recorded: dict[str, Recorded] = field(default_factory=dict)
    source: str = "none"  # "manifest", "report" (no manifest: report.json's list), "none"
    arrivals: Mapping[str, str] = field(default_factory=dict)  # the manifest's; else none

    def unchanged(self, name: str, path: str) -> bool:
        """Whether the file of output ``name`` at ``path`` is still what the manifest
        recorded (True where nothing was recorded: an earlier version's folder)."""
        recorded = self.recorded.get(name)
        if recorded is None:
            return True
        return file_digest(path) == (recorded.size, recorded.sha256)


def read_previous(root: Path, report: str) -> Previous:
    """The previous outputs of ``root`` (see the module's docstring)."""
    try:
        manifest = Manifest.parse((root / MANIFEST).read_bytes())
    except OSError:
        manifest = None
    if manifest is not None and manifest.report == report:
        names = frozenset(n for n in manifest.outputs if n != report)
        ours = report in manifest.outputs or _legacy(root, report)[1]
        recorded = {n: r for n, r in manifest.outputs.items() if n != report}
        return Previous(names, ours, manifest.mounts, recorded, "manifest", manifest.arrivals)
    found, ours = _legacy(root, report)
    if found is None:
        return Previous(report_ours=ours)
    listed, mounts = found
    outputs = frozenset(n for n in listed if n != report and valid(n, mounts))
    return Previous(outputs, True, mounts, {}, "report")


def _legacy(root: Path, report: str) -> tuple[tuple[list[Any], dict[str, str]] | None, bool]:
    """report.json's list of outputs, and whether that file is ours at all (if not, the
    new one may not replace it). A missing report is ours to write."""
    file = root / report
    if not os.path.lexists(file):
        return None, True
    try:
        found = report_outputs(file.read_bytes().decode("utf-8"))
    except (OSError, ValueError, RecursionError):
        found = None
    return found, found is not None
