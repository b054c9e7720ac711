"""Ingest as stages over frozen values, and checks as functions of what they are given.

Built from the real sample returns through the real reader: the lock on OUT comes before
any file is checked; the batch stage hands back new entries and leaves those it was given
as they were; a check's order dependencies are its arguments.
"""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from gongkai_xlsx import api
from gongkai_xlsx.catalogue import Code
from gongkai_xlsx.checks import inputs, rules
from gongkai_xlsx.checks.run import check_values
from gongkai_xlsx.definition.evaluate import with_totals
from gongkai_xlsx.errors import UsageError
from gongkai_xlsx.findings import Finding
from gongkai_xlsx.ingest.batch import Entry, batch, with_output_names
from gongkai_xlsx.outputs import OutputDir
from gongkai_xlsx.reader import read_return

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
GOOD = SAMPLES / "互助县城市管理综合行政执法局_2024.xlsx"
BROKEN = SAMPLES / "某县交通运输局_2024_B1不平衡.xlsx"


def test_a_folder_in_use_is_refused_before_any_file_is_checked(tmp_path: Path) -> None:
    inbox, out = tmp_path / "in", tmp_path / "out"
    inbox.mkdir()
    for i in range(3):
        shutil.copy(GOOD, inbox / f"r{i}.xlsx")
    checked: list[Any] = []

    @contextmanager
    def progress(total: int) -> Iterator[Any]:
        yield checked.append

    with OutputDir(out), pytest.raises(UsageError, match="正被另一次运行使用") as refused:
        api.ingest(api.IngestOptions([inbox], out, jobs=1), progress)
    assert refused.value.exit_code == 2
    assert checked == []  # not one file was read or checked
    assert not (out / "report.json").exists()


def _entries(folder: Path, *names: str) -> list[Entry]:
    found = []
    for name in names:
        outcome = api.check_file(folder / name)
        found.append(Entry(name, outcome, outcome.document is not None))
    return found


def test_the_batch_stage_gives_new_entries_and_changes_none(tmp_path: Path) -> None:
    shutil.copy(GOOD, tmp_path / "a.xlsx")
    shutil.copy(GOOD, tmp_path / "b.xlsx")
    shutil.copy(BROKEN, tmp_path / "c.xlsx")
    given = _entries(tmp_path, "a.xlsx", "b.xlsx", "c.xlsx")
    before = [(e.outcome.findings, e.output) for e in given]

    done = batch(given, None)

    assert [(e.outcome.findings, e.output) for e in given] == before  # untouched
    agency = given[0].outcome.agency
    # b.xlsx holds a.xlsx's very bytes: an identical copy counts once (issue 14)
    assert [e.output for e in done] == [f"{agency}_2024.json", None, None]
    assert [e.superseded_by for e in done] == [None, "a.xlsx", None]
    assert [e.superseded_by for e in given] == [None, None, None]  # untouched
    assert done[2].outcome.findings == given[2].outcome.findings
    with pytest.raises(dataclasses.FrozenInstanceError):
        done[0].outcome.findings = ()  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        done[0].output = "x.json"  # type: ignore[misc]


def test_a_finding_added_later_takes_its_place_among_the_others() -> None:
    outcome = api.check_file(BROKEN)
    balance = outcome.findings
    assert balance and all(f.code is Code.BALANCE and f.sheet for f in balance)
    hint = Finding(Code.AGENCY_DUPLICATE, actual="某县交通运输局", expected=2, detail="b.xlsx")
    whole_file = Finding(Code.FILE_LIMIT, detail="超过时间上限（10 秒）")
    more = outcome.adding([hint, whole_file])
    assert more.findings == (whole_file, *balance, hint)  # errors first, a file's before a cell's
    assert more.status == "errors" and more.document is None
    assert outcome.findings == balance  # the first outcome is as it was


def test_a_check_gets_what_an_earlier_one_found_as_its_arguments() -> None:
    ret = read_return(BROKEN)
    assert ret.form is not None
    form = ret.form
    parsed = inputs.check(ret, form)
    values = with_totals(form, dict(parsed.values))
    found = list(rules.check(form, values, parsed.unreadable))
    checked = check_values(ret)
    balance = [f for f in checked.outcome.findings if f.code.code == "balance"]
    assert balance and [ret.place(f) for f in found] == balance
    everything_unread = frozenset(c.id for c in form.input_cells())
    assert list(rules.check(form, values, everything_unread)) == []  # sums unknown: skipped
    assert check_values(ret) == checked  # nothing is left behind between two runs


def test_output_names_alike_but_for_case_are_made_unique_in_the_batch_order() -> None:
    """Two passing returns whose JSON names differ only in case would be one file on
    Windows: the second gets ``_2`` (also when the names are first compared by hash)."""
    outcome = api.check_file(GOOD)
    assert outcome.document is not None and not outcome.errors
    given = [
        Entry(f"{i}.xlsx", dataclasses.replace(outcome, agency=agency), True)
        for i, agency in enumerate(["Ab局", "丙局", "aB局", "丁局"])
    ]
    assert [e.output for e in with_output_names(given)] == [
        "Ab局_2024.json",
        "丙局_2024.json",
        "aB局_2024_2.json",
        "丁局_2024.json",
    ]
    assert [e.output for e in with_output_names(given[:2])] == ["Ab局_2024.json", "丙局_2024.json"]
