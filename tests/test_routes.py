"""The URL paths and the auth resource are written once (jupyter_vscode/routes.py); the
browser side's copies (the labextension, the nbclassic nbextension) agree with them."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from jupyter_vscode import routes

PACKAGE = Path(routes.__file__).parent
ROOT = PACKAGE.parent

#: The URL paths, as another module would write them again.
_PATHS = {routes.URL_PATH, routes.API_PATH}


def _is_path(node: ast.AST) -> bool:
    if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
        return False
    text = node.value
    return text in _PATHS or text.startswith((routes.API_PATH + "/", routes.URL_PATH))


def _is_resource(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value == routes.AUTH_RESOURCE


def _names(target: ast.AST) -> list[str]:
    return [n.id if isinstance(n, ast.Name) else getattr(n, "attr", "") for n in ast.walk(target)]


def _literals(path: Path) -> list[tuple[int, str]]:
    """(line, text) of a module's string constants that are (or start) one of the URL paths,
    and of the resource name where it is one: assigned to a ``*resource*`` name or passed to
    an ``is_authorized``/``authorized`` call. ("vscode" has other meanings: code-server's
    lib/vscode, jupyter-server-proxy server names.)"""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if _is_path(node):
            found.append((node.lineno, node.value))
        elif isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            named = [n for t in targets for n in _names(t)]
            if _is_resource(node.value) and any("resource" in n.lower() for n in named):
                found.append((node.lineno, node.value.value))
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if name in ("is_authorized", "authorized"):
                args = [*node.args, *(k.value for k in node.keywords)]
                found += [(a.lineno, a.value) for a in args if _is_resource(a)]
    return found


def test_the_route_names_are_written_only_in_routes_py():
    written = {
        f"{path.relative_to(ROOT)}:{line}: {text!r}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.name != "routes.py"
        for line, text in _literals(path)
    }
    assert not written, f"import these from jupyter_vscode/routes.py instead: {sorted(written)}"


def test_the_labextension_calls_the_same_api_path():
    tokens = (ROOT / "labextension" / "src" / "tokens.ts").read_text(encoding="utf-8")
    m = re.search(r"export const API_NAMESPACE = '([^']*)';", tokens)
    assert m, "API_NAMESPACE not found in labextension/src/tokens.ts"
    assert m.group(1) == routes.API_PATH


def test_the_nbextension_uses_the_same_paths():
    tree = (PACKAGE / "nbextension" / "tree.js").read_text(encoding="utf-8")
    assert f"'{routes.API_PATH}/launcher'" in tree
    assert f"info.url || '{routes.URL_PATH}'" in tree
