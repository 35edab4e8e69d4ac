"""The engine's modules import in one direction: no circles, and each layer only reaches the ones below.

Read from the source (every ``import`` statement, those inside functions too, so that a lazy import
cannot hide a circle): field families → column dispatcher → dependency graph → planner → evaluator →
generator → preflight.
"""

from __future__ import annotations

import ast
from pathlib import Path

import sdga.engine

ENGINE = Path(sdga.engine.__file__).resolve().parent
PACKAGE = "sdga.engine"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ENGINE).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join([PACKAGE, *parts])


def import_graph() -> dict[str, set[str]]:
    """Engine module → the engine modules it imports (a package's ``__init__`` stands for the package)."""
    files = {_module_name(p): p for p in ENGINE.rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in files}
    for name, path in files.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                # `from pkg import sub` imports the submodule `pkg.sub` when there is one.
                targets = [
                    f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in files else node.module for a in node.names
                ]
            graph[name] |= {t for t in targets if t in files and t != name}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def _reaches(graph: dict[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    todo = [start]
    while todo:
        for w in graph[todo.pop()] - seen:
            seen.add(w)
            todo.append(w)
    return seen


def test_engine_modules_import_no_circle() -> None:
    cycles = _cycles(import_graph())
    assert not cycles, f"import circles: {cycles}"


def test_each_layer_reaches_only_the_layers_below() -> None:
    graph = import_graph()
    above = {
        "sdga.engine.fields": {"columns", "graph", "plan", "evaluate", "generate", "preflight"},
        "sdga.engine.columns": {"graph", "plan", "evaluate", "generate", "preflight"},
        "sdga.engine.graph": {"plan", "evaluate", "generate", "preflight"},
        "sdga.engine.plan": {"evaluate", "generate", "preflight"},
        "sdga.engine.evaluate": {"generate", "preflight"},
        "sdga.engine.generate": {"preflight"},
    }
    for layer, forbidden in above.items():
        modules = [m for m in graph if m == layer or m.startswith(layer + ".")]
        assert modules, layer
        for module in modules:
            bad = sorted(m for m in _reaches(graph, module) if m.rsplit(".", 1)[-1] in forbidden)
            assert not bad, f"{module} reaches {bad}, a layer above it"


def test_field_families_stay_small() -> None:
    """One family per module, each readable in one sitting."""
    sizes = {p.name: len(p.read_text(encoding="utf-8").splitlines()) for p in (ENGINE / "fields").glob("*.py")}
    assert len(sizes) >= 10
    assert max(sizes.values()) < 400, sizes
