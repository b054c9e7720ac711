"""One owner for each file-system and zip primitive (issue 13).

Writing a file atomically, walking an input folder and opening a zip each have one
owner module; a second copy is how two commands came to give users two answers (file
modes, zip rules). This test reads every module of ``src/`` (its syntax tree, so a
mention in a docstring does not count, and ``from os import replace`` does) and fails
when a primitive is used outside its owners. ``tests/`` and ``benchmarks/`` are not
checked.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"

# primitive → {module (path under src/gongkai_xlsx) → why it may use it}
OWNERS: dict[str, dict[str, str]] = {
    "zipfile.ZipFile": {
        "ooxml/archive.py": "the owner: the only module that opens or writes a zip",
    },
    # fsio.write_atomic owns writing a file and makes its temporaries itself (mkstemp would
    # leave them readable by their owner only): no module calls mkstemp.
    "tempfile.mkstemp": {},
    "os.replace": {
        "fsio.py": "the owner of writing a file atomically",
        "outputs/journal.py": "the output commit: renames finished files into place, and back",
    },
    "os.rename": {},  # os.replace is the one rename
    "os.walk": {},  # walk.py, the owner of walking an input folder, lists with os.scandir
    "os.scandir": {
        "walk.py": "the owner of walking an input folder",
        "fsio.py": "remove_leftovers lists one output folder (not its sub-folders) for the "
        "temporaries of killed runs: its own files, not an input walk",
    },
}


def uses(tree: ast.AST) -> set[str]:
    """The primitives (``module.name``) a module's code refers to: ``os.replace(...)``,
    ``f = os.replace``, ``from os import replace``."""
    found: set[str] = set()
    wanted = {tuple(p.split(".")) for p in OWNERS}
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if (node.value.id, node.attr) in wanted:
                found.add(f"{node.value.id}.{node.attr}")
        elif isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                if (node.module, alias.name) in wanted:
                    found.add(f"{node.module}.{alias.name}")
    return found


def modules() -> dict[str, set[str]]:
    root = SRC / "gongkai_xlsx"
    return {
        p.relative_to(root).as_posix(): uses(ast.parse(p.read_text("utf-8"), str(p)))
        for p in sorted(root.rglob("*.py"))
    }


def test_each_primitive_is_used_only_by_its_owners() -> None:
    strays = [
        f"{module}: {primitive}"
        for module, found in modules().items()
        for primitive in sorted(found)
        if module not in OWNERS[primitive]
    ]
    assert strays == [], "used outside its owner modules (tests/test_owners.py lists them)"


def test_every_allowed_use_is_still_there() -> None:
    """An allowlist entry whose module no longer uses the primitive is removed, so the
    list says what is true."""
    found = modules()
    stale = [
        f"{module}: {primitive}"
        for primitive, owners in OWNERS.items()
        for module in owners
        if primitive not in found.get(module, set())
    ]
    assert stale == [], stale


@pytest.mark.parametrize(
    ("code", "primitive"),
    [
        ("import zipfile\nzipfile.ZipFile(b)", "zipfile.ZipFile"),
        ("from zipfile import ZipFile", "zipfile.ZipFile"),
        ("import os\nmove = os.replace", "os.replace"),
        ("from os import walk", "os.walk"),
        ("import os\nwith os.scandir('.') as e: pass", "os.scandir"),
        ("import tempfile\ntempfile.mkstemp()", "tempfile.mkstemp"),
    ],
)
def test_the_scan_sees_each_way_of_using_a_primitive(code: str, primitive: str) -> None:
    assert primitive in uses(ast.parse(code))


def test_a_mention_in_a_docstring_is_not_a_use() -> None:
    assert uses(ast.parse('"""made with tempfile.mkstemp, then os.replace"""')) == set()


def test_only_the_zip_owner_names_ZipFile_in_src() -> None:
    """What the issue's ``grep -rn "mkstemp\\|zipfile.ZipFile" src/`` shows: the owners."""
    pattern = re.compile(r"zipfile\.ZipFile|ZipFile\(|mkstemp")
    hits = {
        p.relative_to(SRC / "gongkai_xlsx").as_posix()
        for p in (SRC / "gongkai_xlsx").rglob("*.py")
        if pattern.search(p.read_text("utf-8"))
    }
    assert hits <= {"ooxml/archive.py", "fsio.py"}, hits
