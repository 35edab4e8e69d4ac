"""The house keeps its shape: the import contracts of docs/architecture.md hold, no module imports itself
back in a circle, and no module in src/ grows past what one person reads in a sitting."""

from __future__ import annotations

import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "sdga"
MAX_LINES = 650  # "about 600": a module past this is split by concern

# A circle already reported to the area that owns it; this entry must go when the circle does.
KNOWN_CIRCLES: set[frozenset[str]] = set()  # the planner's circle is gone (a leaf module of table bindings)


def test_import_contracts_hold(capsys: pytest.CaptureFixture[str]) -> None:
    """The same check as .ci/run's `lint-imports` (contracts in pyproject.toml)."""
    from importlinter.cli import lint_imports

    code = lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True, no_logo=True)
    report = capsys.readouterr().out
    assert code == 0, report
    assert "broken" in report and " 0 broken" in report


def _circles(graph: dict[str, set[str]]) -> list[frozenset[str]]:
    """Groups of modules that import each other round in a circle (strongly connected components)."""
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[frozenset[str]] = []

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
            component = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(frozenset(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_module_imports_itself_back_in_a_circle() -> None:
    """Read from every import statement, those inside functions too, so a lazy import cannot hide one."""
    built = grimp.build_graph("sdga", include_external_packages=False)
    graph = {m: set(built.find_modules_directly_imported_by(m)) for m in built.modules}
    circles = set(_circles(graph))
    assert circles - KNOWN_CIRCLES == set(), f"import circles: {[sorted(c) for c in circles - KNOWN_CIRCLES]}"
    assert KNOWN_CIRCLES - circles == set(), "a known circle is gone: remove it from KNOWN_CIRCLES"


def test_the_circle_finder_finds_circles() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert _circles(graph) == [frozenset({"a", "b", "c"})]


def test_no_module_in_src_is_too_long_to_read() -> None:
    sizes = {str(p.relative_to(SRC)): len(p.read_text(encoding="utf-8").splitlines()) for p in SRC.rglob("*.py")}
    too_long = {name: n for name, n in sizes.items() if n > MAX_LINES}
    assert not too_long, f"split these by concern (at most about 600 lines each): {too_long}"
