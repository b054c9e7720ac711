"""The deflate engine of the zip layer (gongkai_xlsx.ooxml.deflate): ISA-L when ``isal``
imports, zlib otherwise. Either engine reads every return alike (the same bytes, the same
refusals for a corrupt or lying member), and a zip either writes is read by the other and
by zipfile with the same contents. The fallback is proved in a Python where ``isal``
cannot be imported."""

from __future__ import annotations

import io
import json
import random
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from zip_contents import zip_contents

from gongkai_xlsx.definition import Form
from gongkai_xlsx.ingest import cache
from gongkai_xlsx.ingest.worker import Checked, Task, check_task
from gongkai_xlsx.ooxml import archive, deflate
from gongkai_xlsx.ooxml.archive import ZipDamaged, ZipIn, ZipStencil
from gongkai_xlsx.ooxml.deflate import ZLIB_ENGINE, Engine

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
RETURN = SAMPLES / "某县民政局_2024_LibreOffice保存.xlsx"
B1_SAMPLE = SAMPLES / "某县交通运输局_2024_B1不平衡.xlsx"
ISAL = deflate.engine()
ENGINES = [ISAL, ZLIB_ENGINE]
IDS = [e.name for e in ENGINES]


Use = Callable[[Engine], None]


@pytest.fixture
def using(monkeypatch: pytest.MonkeyPatch) -> Iterator[Use]:
    """``using(engine)``: the zip layer and the result cache deflate and inflate with it."""

    def use(engine: Engine) -> None:
        monkeypatch.setattr(archive, "engine", lambda: engine)
        monkeypatch.setattr(cache, "engine", lambda: engine)

    yield use


def test_isal_is_the_engine_of_an_installation() -> None:
    """isal is a dependency (pyproject.toml) with wheels for every bundle target."""
    assert ISAL.name == "isal"
    assert deflate.engines() == (ISAL, ZLIB_ENGINE)


def test_the_package_layer_does_not_import_isal_until_it_inflates() -> None:
    code = (
        "import sys; import gongkai_xlsx.ooxml.archive as a; assert 'isal' not in sys.modules;"
        "from gongkai_xlsx.ooxml.deflate import engine; engine(); print('isal' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "True"


def _mark(sheet: bytes) -> bytes:
    return sheet.replace(b"</sheetData>", b"</sheetData><!-- marked -->", 1)


def test_what_each_engine_writes_every_engine_and_zipfile_read_alike(using: Use) -> None:
    """A return rewritten as a marked copy is (every sheet changed, a part added, level 1
    and the default): the same contents whichever engine deflated it."""
    original = ZipIn(RETURN.read_bytes())
    sheets = {
        i.filename: _mark(original.read(i)) for i in original.members if "worksheets/" in i.filename
    }
    assert len(sheets) == 4
    added = [("xl/comments9.xml", b"<comments>" + "批注".encode() * 500 + b"</comments>")]
    written = {}
    for level in (1, None):
        for engine in ENGINES:
            using(engine)
            written[engine.name, level] = archive.rewrite(original, sheets, added, level)
    # the same zip but for the deflated streams, whoever wrote it
    assert len({repr(zip_contents(data)) for data in written.values()}) == 1
    for data in written.values():
        with zipfile.ZipFile(io.BytesIO(data)) as by_zipfile:
            expected = {i.filename: by_zipfile.read(i) for i in by_zipfile.infolist()}
        for reader in ENGINES:
            using(reader)
            again = ZipIn(data)
            assert {i.filename: again.read(i) for i in again.members} == expected
    assert expected[next(iter(sheets))] == sheets[next(iter(sheets))]
    assert expected["xl/comments9.xml"] == added[0][1]
    # ISA-L's level 1 is smaller than zlib's (and faster, benchmarks/bench_annotate.py);
    # zlib's default level is zlib's own stream whatever the engine
    assert len(written["isal", 1]) < len(written["zlib", 1])
    assert written["isal", None] == written["zlib", None]


def _damaged(data: bytes, seed: int) -> bytes:
    """``data`` (a real return) with one deflated member's stream corrupted: bits flipped,
    cut short, or its declared size or CRC a lie."""
    rng = random.Random(seed)
    zin = ZipIn(data)
    info = rng.choice([i for i in zin.members if i.compress_type == zipfile.ZIP_DEFLATED])
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    out = bytearray(data)
    kind = seed % 4
    if kind == 0:  # bits flipped in the stream
        for _ in range(rng.choice((1, 2, 8))):
            out[start + rng.randrange(info.compress_size)] ^= 1 << rng.randrange(8)
    elif kind == 1:  # the stream ends early (zeros after it)
        cut = rng.randrange(info.compress_size)
        out[start + cut : start + info.compress_size] = bytes(info.compress_size - cut)
    else:  # the local and central sizes (2) or CRCs (3) lie alike
        field, value = (22, info.file_size - 1) if kind == 2 else (14, info.CRC ^ 1)
        for at in (info.header_offset + field, _central_of(data, info) + field + 2):
            out[at : at + 4] = value.to_bytes(4, "little")
    return bytes(out)


def _central_of(data: bytes, info: zipfile.ZipInfo) -> int:
    """Where ``info``'s entry in the central directory starts (the one whose offset it is)."""
    at = data.rindex(b"PK\x05\x06")
    start = int.from_bytes(data[at + 16 : at + 20], "little")
    while True:
        assert data[start : start + 4] == b"PK\x01\x02"
        if int.from_bytes(data[start + 42 : start + 46], "little") == info.header_offset:
            return start
        name, extra, comment = (
            int.from_bytes(data[start + n : start + n + 2], "little") for n in (28, 30, 32)
        )
        start += 46 + name + extra + comment


def _reading(data: bytes) -> list[tuple[str, str]]:
    """Each member's bytes as the zip layer reads them, or the cause of its refusal."""
    try:
        zin = ZipIn(data)
    except ZipDamaged as exc:
        return [("zip", exc.cause)]
    found = []
    for info in zin.members:
        try:
            found.append((info.filename, zin.read(info).hex()))
        except ZipDamaged as exc:
            found.append((info.filename, f"damaged {exc.cause}"))
    return found


def test_a_corrupt_or_lying_member_is_refused_alike_by_either_engine(using: Use) -> None:
    """The reader's promise: a member whose stream is corrupt, cut short, or longer or of
    another CRC than declared is the same finding (zipfile's refusal) with either engine."""
    data = B1_SAMPLE.read_bytes()
    refused = 0
    for seed in range(120):
        damaged = _damaged(data, seed)
        results = []
        for engine in ENGINES:
            using(engine)
            results.append(_reading(damaged))
        assert results[0] == results[1], seed
        refused += any(v.startswith("damaged") for _, v in results[0])
    assert refused >= 100


@pytest.mark.parametrize("engine", ENGINES, ids=IDS)
def test_a_member_inflating_past_its_bound_is_not_inflated_further(engine: Engine) -> None:
    bomb = ZLIB_ENGINE.deflate(b"\0" * 10_000_000, 9)
    assert engine.inflate(bomb, 10_000_000) == b"\0" * 10_000_000
    assert engine.inflate(bomb, 9_999_999) is None  # past the limit: refused
    assert engine.inflate(bomb[:-3], 10_000_000) is None  # cut short
    assert engine.inflate(bomb[:50] + b"\xff" * 50, 10_000_000) is None  # corrupt
    assert engine.inflate(bomb + b"after", 10_000_000) == b"\0" * 10_000_000


def test_a_roster_copy_is_the_template_filled_and_zlibs_whatever_the_engine(
    using: Use, form: Form
) -> None:
    """ZipStencil: a member deflated up to its hole, sync-flushed, and its tail deflated
    once (zlib's level 6: ISA-L has none as small), reads back as the filled template (by
    zipfile, and by either engine); the copy is the same bytes whichever engine runs."""
    from gongkai_xlsx.writer import stencil as stencil_module
    from gongkai_xlsx.writer import workbook as template_workbook

    data = template_workbook.template_bytes(form, stencil_module._options(2024, "甲局", ""))
    original = ZipIn(data)
    holes = {
        i.filename: original.read(i).split("甲局".encode())
        for i in original.members
        if "甲局".encode() in original.read(i)
    }
    assert len(holes) >= 3
    expected = [
        original.read(i).replace("甲局".encode(), "乙县&amp;局".encode()) for i in original.members
    ]
    copies = set()
    for engine in ENGINES:
        using(engine)
        filled = ZipStencil(original, holes).fill(dict.fromkeys(holes, "乙县&amp;局".encode()))
        copies.add(filled)
        assert [m[-1] for m in zip_contents(filled)[1]] == expected
        for reader in ENGINES:
            using(reader)
            again = ZipIn(filled)
            assert [again.read(i) for i in again.members] == expected
    assert len(copies) == 1


def test_a_cache_entry_of_one_engine_is_read_by_the_other(using: Use) -> None:
    """The result cache's payload (a zlib stream): an entry written with one engine
    answers with the other, so a cache outlives isal coming or going."""
    checked = check_task(Task(str(B1_SAMPLE)))
    assert isinstance(checked, Checked) and checked.outcome.sha256
    key = cache.Key(checked.outcome.sha256, checked.outcome.source.name, None)
    for writer in ENGINES:
        using(writer)
        data = cache.entry_bytes(key, checked)
        for reader in ENGINES:
            using(reader)
            assert cache.parse_entry(key, data, Checked) == checked


_FALLBACK = """
import json, sys
sys.modules["isal"] = None  # as where isal is not installed: its import fails
from pathlib import Path
from gongkai_xlsx.ooxml.deflate import engine, engines
from gongkai_xlsx.api import check_file
from gongkai_xlsx.annotate import annotate_workbook, marks_from_findings
from gongkai_xlsx.definition.load import load_form
assert engine().name == "zlib" and [e.name for e in engines()] == ["zlib"]
out = {}
for path in map(Path, sys.argv[2:]):
    found = check_file(path)
    out[path.name] = [f.to_dict() for f in found.findings]
copy = annotate_workbook(Path(sys.argv[2]).read_bytes(),
                         marks_from_findings(check_file(Path(sys.argv[2])).findings),
                         load_form("gk2021"))
Path(sys.argv[1]).write_bytes(copy)
print(json.dumps(out, ensure_ascii=False, default=str))
"""


def test_without_isal_zlib_reads_and_marks_alike(tmp_path: Path, form: Form) -> None:
    """A Python where ``import isal`` fails uses zlib: every sample reads to the same
    findings, and its marked copy holds what ISA-L's holds and reads back by both."""
    from gongkai_xlsx.annotate import annotate_workbook, marks_from_findings
    from gongkai_xlsx.api import check_file

    samples = [B1_SAMPLE, *sorted(p for p in SAMPLES.glob("*.xlsx") if p != B1_SAMPLE)]
    zlib_copy = tmp_path / "zlib" / "copy.xlsx"
    zlib_copy.parent.mkdir()
    done = subprocess.run(
        [sys.executable, "-c", _FALLBACK, str(zlib_copy), *map(str, samples)],
        capture_output=True,
        text=True,
        check=True,
    )
    by_zlib = json.loads(done.stdout)
    by_isal = {
        p.name: json.loads(
            json.dumps(
                [f.to_dict() for f in check_file(p).findings], ensure_ascii=False, default=str
            )
        )
        for p in samples
    }
    assert by_zlib == by_isal
    assert any(by_isal.values())  # the B1 sample has findings: there is something to mark
    marks = marks_from_findings(check_file(B1_SAMPLE).findings)
    isal_copy = annotate_workbook(B1_SAMPLE.read_bytes(), marks, form)
    assert isal_copy != zlib_copy.read_bytes()  # two engines, two deflated streams
    assert zip_contents(isal_copy) == zip_contents(zlib_copy.read_bytes())
    # each engine's copy reads back, by the other engine, to the same findings
    (tmp_path / "isal").mkdir()
    (tmp_path / "isal" / "copy.xlsx").write_bytes(isal_copy)
    read_back = subprocess.run(
        [
            sys.executable,
            "-c",
            _FALLBACK,
            str(tmp_path / "x.xlsx"),
            str(tmp_path / "isal" / "copy.xlsx"),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(read_back.stdout)["copy.xlsx"] == [
        json.loads(json.dumps(f.to_dict(), ensure_ascii=False, default=str))
        for f in check_file(zlib_copy).findings
    ]
