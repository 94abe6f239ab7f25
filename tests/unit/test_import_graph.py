"""The production packages' imports point inward and never go round in a circle.

The graph is read from the source (``ast``), not by importing anything: every
``import`` and ``from ... import`` of a production module counts, those inside
functions too (a lazy import is still a dependency), except under
``if TYPE_CHECKING:`` (annotations only, never run).

Layers, innermost first: ``domain`` (pure rules), ``schemas`` (the wire
format), ``projections`` and ``handlers`` (what events feed), ``services``
(everything that runs them). An inner layer never imports an outer one.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("domain", "schemas", "projections", "handlers", "services")

# Imports each package may not make: its outer layers.
FORBIDDEN = {
    "domain": ("services", "projections", "handlers", "schemas"),
    "schemas": ("services",),
    "projections": ("services",),
    "handlers": ("services",),
}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def production_modules() -> dict[str, Path]:
    return {
        module_name(path): path
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
    }


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _runtime_nodes(node: ast.AST) -> Iterator[ast.AST]:
    """Every node below ``node`` except the bodies of ``if TYPE_CHECKING:``."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and _is_type_checking(child.test):
            for orelse in child.orelse:
                yield orelse
                yield from _runtime_nodes(orelse)
            continue
        yield child
        yield from _runtime_nodes(child)


def imported_names(module: str, path: Path) -> Iterator[str]:
    """The dotted names a module imports at run time (absolute)."""
    is_package = path.name == "__init__.py"
    for node in _runtime_nodes(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                keep = len(base) - node.level + (1 if is_package else 0)
                prefix = ".".join(base[:keep])
                target = f"{prefix}.{node.module}" if node.module else prefix
            else:
                target = node.module or ""
            yield target
            for alias in node.names:
                yield f"{target}.{alias.name}"


def import_graph() -> dict[str, set[str]]:
    """Module -> the production modules it imports (a name resolves to its module)."""
    modules = production_modules()
    graph: dict[str, set[str]] = {}
    for module, path in modules.items():
        targets = set()
        for name in imported_names(module, path):
            # ``from package import module`` names a module; ``from module
            # import thing`` names a thing in it: keep the longest module.
            target = name
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != module:
                targets.add(target)
        graph[module] = targets
    return graph


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm: the groups of modules that import one another."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def cycle_through(graph: dict[str, set[str]], group: list[str]) -> list[str]:
    """One import path around the group, start to start, to show in a failure."""
    members = set(group)
    start = group[0]
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        node = frontier.pop(0)
        for target in sorted(graph[node] & members):
            if target == start:
                return [*paths[node], start]
            if target not in paths:
                paths[target] = [*paths[node], target]
                frontier.append(target)
    return group


def test_the_graph_sees_lazy_imports_but_not_type_checking_ones(
    tmp_path: Path,
) -> None:
    source = tmp_path / "example.py"
    source.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from services.app import service\n"
        "def later() -> None:\n"
        "    from services.store.database import Database\n"
    )
    names = set(imported_names("handlers.example", source))
    assert "services.store.database.Database" in names
    assert "services.app.service" not in names


def test_no_production_module_imports_one_that_imports_it_back() -> None:
    graph = import_graph()
    unknown = [
        f"{', '.join(group)}; for example " + " -> ".join(cycle_through(graph, group))
        for group in strongly_connected(graph)
    ]
    assert not unknown, "import cycles:\n" + "\n".join(unknown)


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_inner_packages_never_import_outer_ones(package: str) -> None:
    graph = import_graph()
    wrong = sorted(
        f"{module} imports {target}"
        for module, targets in graph.items()
        if module.partition(".")[0] == package
        for target in targets
        if target.partition(".")[0] in FORBIDDEN[package]
    )
    assert not wrong, "\n".join(wrong)
