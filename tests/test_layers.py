"""The layers of the package, checked on the import graph as Python runs it.

Every module has a place below. A module may import from its own room and from any lower
layer, never from a higher one, and the rooms of one layer (the writer, the schema and the
reader; ingest, aggregate, annotate, render and the previous year) do not import each other.
Imports are counted wherever they stand: at the top, under ``TYPE_CHECKING`` or inside a
function (a lazy import still runs). No module may be left without a place, so a new one
has to be given one here, and the graph has no cycle.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

PACKAGE = "gongkai_xlsx"
SRC = Path(__file__).resolve().parent.parent / "src" / PACKAGE

# Layer by layer, bottom first: {room: module prefixes}. A module's place is the room with
# the longest matching prefix.
LAYERS: list[tuple[str, dict[str, list[str]]]] = [
    (
        "foundation",
        {
            "foundation": [
                "text",
                "cellref",
                "naming",
                "catalogue",
                "findings",
                "fsio",
                "resources",
                "walk",
                "interrupt",
                "loading",
                "oserrors",
                "errors",
                "ooxml",
                "agency",
                "outputfolder",
            ]
        },
    ),
    ("definition", {"definition": ["definition"]}),
    (
        "document model",
        {"document": ["canonical", "documents", "document_members", "document_files", "schema"]},
    ),
    (
        "writer | reader",
        {"writer": ["writer"], "reader": ["reader"], "roster": ["roster", "completeness"]},
    ),
    ("checks", {"checks": ["checks"]}),
    ("batch infrastructure", {"pool": ["pool"], "outputs": ["outputs"]}),
    (
        "stages",
        {
            "aggregate": ["aggregate"],
            "annotate": ["annotate"],
            "render": ["render"],
            "previous": ["previous"],
        },
    ),
    ("ingest", {"ingest": ["ingest"]}),
    ("api", {"api": ["api"]}),
    ("desk", {"desk": ["desk"]}),
    ("commands", {"commands": ["cli", "terminal", "__main__"]}),
]
# Rooms of one layer that may share. Name a pair here, with why, to allow it.
SIBLINGS_ALLOWED: set[tuple[str, str]] = set()


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(SRC.rglob("*.py")):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path  # "" is the package itself
    return found


def _imports(name: str, path: Path, modules: dict[str, Path]) -> Iterator[tuple[str, int]]:
    """Every module of the package that ``name`` imports, with the line."""
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_package else name.split(".")[:-1]
                base = base[: len(base) - node.level + 1] if node.level > 1 else base
                prefix = ".".join([PACKAGE, *base, *([node.module] if node.module else [])])
            else:
                prefix = node.module or ""
            inner = prefix[len(PACKAGE) + 1 :]
            submodules = [f"{inner}.{a.name}".lstrip(".") for a in node.names]
            # ``from package import module`` depends on the module; ``from module import
            # name`` on the module the name is in
            targets = [PACKAGE + "." + m for m in submodules if m in modules] or [prefix]
        for target in targets:
            if target == PACKAGE or target.startswith(PACKAGE + "."):
                inner = target[len(PACKAGE) + 1 :]
                if inner in modules and inner != name:
                    yield inner, node.lineno


def _graph() -> dict[str, dict[str, int]]:
    modules = _modules()
    return {name: dict(_imports(name, path, modules)) for name, path in modules.items()}


def _place(module: str) -> tuple[int, str] | None:
    best: tuple[int, str, int] | None = None
    for index, (_layer, rooms) in enumerate(LAYERS):
        for room, prefixes in rooms.items():
            for prefix in prefixes:
                if (module == prefix or module.startswith(prefix + ".")) and (
                    best is None or len(prefix) > best[2]
                ):
                    best = (index, room, len(prefix))
    return None if best is None else (best[0], best[1])


def test_every_module_has_a_place() -> None:
    unplaced = [m for m in _modules() if m and _place(m) is None]
    assert unplaced == []


def test_no_module_imports_upwards_or_across_rooms() -> None:
    wrong = []
    for importer, imported in _graph().items():
        if not importer:
            continue
        here = _place(importer)
        assert here is not None
        for target, line in imported.items():
            there = _place(target)
            if not target or there is None:
                continue
            if there[0] > here[0] or (
                there[0] == here[0]
                and there[1] != here[1]
                and (here[1], there[1]) not in SIBLINGS_ALLOWED
            ):
                wrong.append(
                    f"{importer}:{line} ({LAYERS[here[0]][0]}/{here[1]}) imports {target} "
                    f"({LAYERS[there[0]][0]}/{there[1]})"
                )
    assert wrong == []


def test_the_import_graph_has_no_cycle() -> None:
    graph = {m: set(targets) for m, targets in _graph().items()}
    # Tarjan's strongly connected components, iteratively
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in graph:
                    continue
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        cycles.append(sorted(component))
    assert cycles == []
