"""Well-known filesystem locations shared by the extension, the installer and the CLI (the URL
paths are in routes.py)."""

from __future__ import annotations

import os
from pathlib import Path

PREFIX_ENV = "JUPYTER_VSCODE_PREFIX"


def default_install_prefix() -> Path:
    """Where ``jupyter vscode install`` puts code-server and where the extension looks for it.

    ``$JUPYTER_VSCODE_PREFIX`` if set, else ``~/.local/share/jupyter-vscode`` (under the home
    directory, which is what persists on SageMaker Studio and notebook instances).
    """
    env = os.environ.get(PREFIX_ENV)
    if env:
        return Path(env).expanduser()
    return Path.home() / ".local" / "share" / "jupyter-vscode"


def installed_executable(prefix: Path | None = None) -> Path:
    """The code-server launcher that the installer maintains inside ``prefix``."""
    return (prefix or default_install_prefix()) / "bin" / "code-server"
