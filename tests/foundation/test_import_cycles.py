"""No import circles inside plugin/ and sandbox/: when two modules need each other, the shared
part moves down into a third (STYLE.md). Imports are read from the source, so one inside a
function or under TYPE_CHECKING counts too: a lazy import is still a circle of the design."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("plugin", "sandbox")


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(root: Path, packages: tuple[str, ...]) -> dict[str, set[str]]:
    """Module -> the modules of the same packages it imports (relative imports resolved)."""
    files = {module_name(root, p): p for pkg in packages for p in (root / pkg).rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for mod, path in files.items():
        package = mod.split(".") if path.name == "__init__.py" else mod.split(".")[:-1]
        named: list[str] = []
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                named += [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package[: len(package) - node.level + 1]
                    base = ".".join(anchor + ([node.module] if node.module else []))
                named += [base]
                for alias in node.names:
                    full = f"{base}.{alias.name}"
                    # `from pkg import name`: a submodule, or a name pkg's own code defines,
                    # which makes this module depend on pkg even when pkg is its parent.
                    named.append(full if full in files else f"{base}:")
        targets = set()
        for name in named:
            if name.endswith(":"):  # a name from a package's own code
                if name[:-1] in files and name[:-1] != mod:
                    targets.add(name[:-1])
                continue
            while name and name not in files:  # `from pkg import name` may name a module
                name = name.rpartition(".")[0]
            if name and name != mod and not mod.startswith(name + "."):  # importing a
                targets.add(name)  # submodule runs its parents: not a dependency on them
        graph[mod] = targets
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The groups of modules that reach each other through imports, each sorted."""
    reach: dict[str, set[str]] = {}
    for start in graph:
        seen, todo = set(), list(graph[start])
        while todo:
            mod = todo.pop()
            if mod not in seen:
                seen.add(mod)
                todo += graph.get(mod, ())
        reach[start] = seen
    groups = {frozenset(m for m in reach[mod] if mod in reach[m]) for mod in graph}
    return sorted(sorted(group) for group in groups if group)


def test_plugin_and_sandbox_have_no_import_cycles():
    found = cycles(import_graph(ROOT, PACKAGES))
    assert not found, "import cycles: " + "; ".join(" <-> ".join(c) for c in found)


def test_the_walk_finds_a_cycle_through_a_relative_and_a_lazy_import(tmp_path):
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from .sub import b\n")
    (pkg / "sub" / "b.py").write_text("def f():\n    from ..a import x\n")
    (pkg / "c.py").write_text("import pkg.a\n")
    graph = import_graph(tmp_path, ("pkg",))
    assert cycles(graph) == [["pkg.a", "pkg.sub.b"]]


def test_a_name_taken_from_the_parent_package_counts(tmp_path):
    """`from . import helper` in a module the package itself imports is a circle."""
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text(
        "def helper():\n    pass\n\ndef f():\n    from . import views\n"
    )
    (pkg / "views.py").write_text("from . import helper\n")
    (pkg / "other.py").write_text("from . import views\n")
    assert cycles(import_graph(tmp_path, ("pkg",))) == [["pkg", "pkg.views"]]
