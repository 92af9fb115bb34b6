"""The package's layers, read from its own imports: dependencies point one way, and no module
depends on itself through others.

    steps  <  domain  <  content  <  output  <  engine  <  pipeline  <  tools  <  cli

A module may import its own layer and the layers to its left, never one to its right: content,
domain and output never import the engine (it wraps their steps instead, see `generator.steps`),
the rules (domain) import nothing but themselves, and `steps` nothing at all. Every import counts,
also one inside a function (imported when used is still a dependency). The walk reads the
source with `ast`; nothing is imported.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "generator"
LAYERS = ["steps", "domain", "content", "output", "engine", "pipeline", "tools", "cli"]
FOLDERS = {"domain", "content", "output", "engine", "tools"}


def _modules() -> dict[str, Path]:
    """Dotted module name → file, for every module of the package."""
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(REPO).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


MODULES = _modules()


def layer(module: str) -> str:
    """The layer a module of the package belongs to."""
    parts = module.split(".")
    if len(parts) == 1:  # the package's __init__: the public surface, on top
        return "cli"
    if parts[1] in FOLDERS:
        return parts[1]
    if parts[1] == "__main__":
        return "cli"
    assert parts[1] in LAYERS, f"{module}: a top-level module that belongs to no layer"
    return parts[1]


def imports(module: str) -> set[str]:
    """The package's modules that `module` imports (at the top or inside a function)."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                stem = ".".join(base + ([node.module] if node.module else []))
            else:
                stem = node.module or ""
            # `from . import x` names a module; `from .m import name` names something of m
            names = [f"{stem}.{alias.name}" if f"{stem}.{alias.name}" in MODULES else stem for alias in node.names]
        else:
            continue
        found.update(name for name in names if name in MODULES and name != module)
    return found


GRAPH = {module: imports(module) for module in MODULES}


def test_the_walk_sees_the_package():
    assert {
        "generator.steps",
        "generator.pipeline",
        "generator.engine.memo",
        "generator.output.routes",
        "generator.content.validate",
        "generator.domain.derive",
        "generator.tools.serve",
    } <= set(MODULES)
    assert (
        "generator.domain.derive" in GRAPH["generator.content.validate"]
        or "generator.domain.models" in GRAPH["generator.content.validate"]
    )
    assert "generator.engine.memo" in GRAPH["generator.engine.incremental"]
    assert "generator.steps" in GRAPH["generator.domain.derive"]  # `from ..steps import …`


@pytest.mark.parametrize("module", sorted(MODULES))
def test_dependencies_point_one_way(module):
    mine = LAYERS.index(layer(module))
    wrong = sorted(other for other in GRAPH[module] if LAYERS.index(layer(other)) > mine)
    assert not wrong, f"{module} ({layer(module)}) imports a layer above it: {wrong}"


def test_no_module_depends_on_itself_through_others():
    cycles = [component for component in _components(GRAPH) if len(component) > 1]
    assert not cycles, f"import cycles: {cycles}"


def test_a_wrong_way_edge_and_a_cycle_would_be_found():
    """The checks above can fail: an engine import in a stage, and two modules importing each other."""
    assert LAYERS.index(layer("generator.engine.memo")) > LAYERS.index(layer("generator.output.routes"))
    looped = dict(GRAPH, **{"generator.pipeline": GRAPH["generator.pipeline"] | {"generator.tools.serve"}})
    assert any("generator.pipeline" in component and len(component) > 1 for component in _components(looped))


def test_the_readme_layout_names_every_module_where_it_is():
    """The README's layout table lists each folder's modules, and only those."""
    import re

    rows = {}
    for line in (REPO / "README.md").read_text(encoding="utf-8").splitlines():
        found = re.match(r"\| `generator/(\w+)/` \| (.*) \|$", line)
        if found:
            rows[found.group(1)] = set(re.findall(r"`(\w+)`", found.group(2)))
    assert set(rows) == FOLDERS
    for folder, named in rows.items():
        present = {m.rsplit(".", 1)[1] for m in MODULES if m.startswith(f"generator.{folder}.")}
        assert named == present, f"README layout, generator/{folder}/: {sorted(named ^ present)}"


def test_every_module_states_its_contract():
    for module, path in MODULES.items():
        if module.endswith("__main__"):
            continue
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
        assert doc and len(doc) > 40, f"{module} has no module docstring"


def _components(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph.get(node, ())):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                other = stack.pop()
                on_stack.discard(other)
                component.append(other)
                if other == node:
                    break
            out.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return out
