"""The package's modules import each other without cycles, and each imports on its own.

A cycle hidden by an import inside a function still runs, until someone moves that import or
imports the modules in another order; so the graph is built from every import statement of
jupyter_vscode.* (top-level and inside functions), read with ``ast``.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

import jupyter_vscode

PACKAGE = "jupyter_vscode"
ROOT = Path(jupyter_vscode.__file__).resolve().parent


def modules() -> dict[str, tuple[Path, bool]]:
    """Dotted name -> (file, is a package), for every module of the package."""
    found = {}
    for path in sorted(ROOT.rglob("*.py")):
        parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts.pop()
        found[".".join(parts)] = (path, is_package)
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    """Every import statement that runs: anywhere, except under ``if TYPE_CHECKING:``."""
    found: list[ast.Import | ast.ImportFrom] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found.append(node)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def import_graph() -> dict[str, dict[str, int]]:
    """Module -> {module it imports: line of the first such import}.

    ``from X import name`` imports ``X.name`` when that is a module, else ``X``; importing a
    module also runs the packages it is in, except the importer's own (already running)."""
    mods = modules()
    graph: dict[str, dict[str, int]] = {}
    for name, (path, is_package) in mods.items():
        edges: dict[str, int] = {}
        for node in _imports(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                base = node.module or ""
                if node.level:
                    here = name.split(".") if is_package else name.split(".")[:-1]
                    here = here[: len(here) - (node.level - 1)]
                    base = ".".join([*here, base] if base else here)
                targets = [
                    f"{base}.{alias.name}" if f"{base}.{alias.name}" in mods else base
                    for alias in node.names
                ]
            for target in targets:
                parts = target.split(".")
                for i in range(1, len(parts) + 1):
                    module = ".".join(parts[:i])
                    own_package = (name + ".").startswith(module + ".")
                    if module in mods and not own_package:
                        edges.setdefault(module, node.lineno)
        graph[name] = edges
    return graph


def find_cycle(graph: dict[str, dict[str, int]]) -> list[str] | None:
    """One cycle as [a, b, ..., a], or None."""
    done: set[str] = set()
    path: list[str] = []
    on_path: set[str] = set()

    def visit(module: str) -> list[str] | None:
        path.append(module)
        on_path.add(module)
        for target in graph.get(module, {}):
            if target in on_path:
                return path[path.index(target) :] + [target]
            if target not in done:
                cycle = visit(target)
                if cycle:
                    return cycle
        path.pop()
        on_path.discard(module)
        done.add(module)
        return None

    for module in sorted(graph):
        if module not in done:
            cycle = visit(module)
            if cycle:
                return cycle
    return None


def describe(cycle: list[str], graph: dict[str, dict[str, int]]) -> str:
    mods = modules()
    return "\n".join(
        f"  {a} ({mods[a][0].relative_to(ROOT.parent)}:{graph[a][b]}) imports {b}"
        for a, b in zip(cycle, cycle[1:], strict=False)
    )


def test_the_graph_sees_imports_inside_functions() -> None:
    """The reader itself: a function-level import is an edge, a TYPE_CHECKING one is not."""
    graph = import_graph()
    # jupyter_vscode/__init__.py imports extension.py only inside its entry-point function
    assert "jupyter_vscode.extension" in graph["jupyter_vscode"]
    # commands/doctor.py imports the doctor only inside run()
    assert "jupyter_vscode.doctor.render" in graph["jupyter_vscode.commands.doctor"]
    typing_only = ast.parse("if TYPE_CHECKING:\n    import a\nelse:\n    import b\n")
    assert [ast.unparse(node) for node in _imports(typing_only)] == ["import b"]
    assert find_cycle({"a": {"b": 1}, "b": {"c": 2}, "c": {"a": 3}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b": 1}, "b": {}}) is None


def test_no_import_cycles() -> None:
    graph = import_graph()
    cycle = find_cycle(graph)
    assert cycle is None, (
        "import cycle among jupyter_vscode modules (an import inside a function counts too): "
        + " -> ".join(cycle)
        + "\n"
        + describe(cycle, graph)
    )


def test_every_module_imports_on_its_own() -> None:
    """Each module, imported first in a fresh interpreter (its package's modules forgotten
    between two), imports without error: no module relies on another being imported first."""
    names = sorted(modules())
    script = textwrap.dedent(
        """
        import importlib, sys, traceback
        failed = []
        for name in sys.argv[1:]:
            for loaded in [m for m in sys.modules if m.split(".")[0] == "jupyter_vscode"]:
                del sys.modules[loaded]
            try:
                importlib.import_module(name)
            except BaseException:
                failed.append(name + ":\\n" + traceback.format_exc())
        print("\\n".join(failed))
        sys.exit(1 if failed else 0)
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", script, *names],
        cwd=ROOT.parent,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
