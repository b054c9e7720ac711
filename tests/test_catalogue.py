"""Every finding code has one stage that gives it, and every stage says which codes it gives.

The catalogue is the contract with the README, report.json and the batch page; a code no
stage declares is a message nobody can ever see, and a module giving a code its stage does
not declare is a finding the stage's documentation does not know about.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

from gongkai_xlsx.catalogue import Code

SRC = Path(__file__).resolve().parents[1] / "src" / "gongkai_xlsx"

# Each stage: the modules declaring CODES, and the folders (or files) it covers.
STAGES = {
    "reader": (["gongkai_xlsx.reader.read"], ["reader"]),
    "checks": (
        [
            "gongkai_xlsx.checks.meta",
            "gongkai_xlsx.checks.inputs",
            "gongkai_xlsx.checks.totals",
            "gongkai_xlsx.checks.stray",
            "gongkai_xlsx.checks.rules",
            "gongkai_xlsx.checks.cross_year",
            "gongkai_xlsx.checks.members",
            "gongkai_xlsx.checks.run",
        ],
        ["checks"],
    ),
    "ingest": (
        [
            "gongkai_xlsx.ingest.batch",
            "gongkai_xlsx.ingest.checked",
            "gongkai_xlsx.ingest.checking",
            "gongkai_xlsx.ingest.artifacts",
        ],
        ["ingest"],
    ),
    # the aggregator's documents are found and checked below it (previous reads them so too)
    "aggregate": (["gongkai_xlsx.aggregate"], ["aggregate", "document_files.py"]),
    "previous": (["gongkai_xlsx.previous"], ["previous.py"]),
    "roster": (["gongkai_xlsx.completeness"], ["completeness.py"]),
    "walk": (["gongkai_xlsx.walk"], ["walk.py"]),
}


def declared(stage: str) -> set[Code]:
    modules, _ = STAGES[stage]
    codes: set[Code] = set()
    for name in modules:
        module_codes = importlib.import_module(name).CODES
        assert len(set(module_codes)) == len(module_codes), f"{name} lists a code twice"
        codes |= set(module_codes)
    return codes


def referenced(folder: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    root = SRC / folder
    for path in [root] if root.is_file() else sorted(root.rglob("*.py")):
        names = set(re.findall(r"\bCode\.([A-Z][A-Z_0-9]*)\b", path.read_text("utf-8")))
        if names:
            found[str(path.relative_to(SRC))] = names
    return found


def test_every_code_is_declared_by_a_stage():
    union: set[Code] = set()
    for stage in STAGES:
        union |= declared(stage)
    assert set(Code) - union == set(), "codes no stage declares"


@pytest.mark.parametrize("stage", sorted(STAGES))
def test_a_stage_gives_only_the_codes_it_declares(stage):
    codes = {c.name for c in declared(stage)}
    _, folders = STAGES[stage]
    for folder in folders:
        for path, names in referenced(folder).items():
            assert names <= codes, f"{path} gives {sorted(names - codes)}, not in {stage}'s CODES"


def test_only_the_stages_give_codes():
    """Renderers, the writer and the terminal show findings; they never make one."""
    stage_folders = {f for _, folders in STAGES.values() for f in folders}
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC)
        if rel.parts[0] in stage_folders or rel.name == "catalogue.py":
            continue
        names = re.findall(r"\bCode\.([A-Z][A-Z_0-9]*)\b", path.read_text("utf-8"))
        assert not names, f"{rel} gives {sorted(set(names))} outside any stage"


def test_every_code_is_unique_and_well_formed():
    seen = set()
    for code in Code:
        text, _severity, title, template = code.value
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", text), code
        assert text not in seen, text
        seen.add(text)
        assert title and title.isascii()
        assert re.search(r"[\u4e00-\u9fff]", template), f"{text}: the message is not Chinese"
