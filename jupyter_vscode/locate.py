"""Finding the code-server executable, in the documented order."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from .paths import default_install_prefix, installed_executable

INSTALL_HINT = "jupyter vscode install"


@dataclass
class Lookup:
    """The outcome of looking for code-server: the path found (or None) and where we looked."""

    path: str | None
    source: str = ""
    tried: list[str] = field(default_factory=list)


def _is_executable(path: str) -> bool:
    return os.path.isfile(path) and os.access(path, os.X_OK)


def find_code_server(configured: str = "") -> Lookup:
    """Look up code-server: the configured path (c.VSCode.code_server or
    $JUPYTER_VSCODE_CODE_SERVER, already folded into ``configured``), then PATH, then the
    installer's prefix, then ~/.local/bin (where coder's install.sh links it).

    A configured path is authoritative: if it is wrong we say so rather than silently using
    another code-server.
    """
    if configured:
        path = os.path.expanduser(configured)
        if os.sep not in path:
            found = shutil.which(path)
            if found:
                return Lookup(found, "config", [configured])
        elif _is_executable(path):
            return Lookup(os.path.abspath(path), "config", [path])
        return Lookup(None, "config", [configured])

    tried: list[str] = []
    on_path = shutil.which("code-server")
    tried.append("code-server on PATH")
    if on_path:
        return Lookup(on_path, "PATH", tried)

    for candidate, source in (
        (installed_executable(default_install_prefix()), "jupyter vscode install"),
        (Path.home() / ".local" / "bin" / "code-server", "~/.local/bin"),
    ):
        tried.append(str(candidate))
        if _is_executable(str(candidate)):
            return Lookup(str(candidate), source, tried)
    return Lookup(None, "", tried)
