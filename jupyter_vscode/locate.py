"""Finding the code-server executable, in the documented order."""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .paths import default_install_prefix, installed_executable
from .sagemaker.log import LastRun, last_run

#: the source label of code-server in the default prefix; hints print cli_command("install")
INSTALL_HINT = "jupyter vscode install"


@dataclass
class Lookup:
    """The outcome of looking for code-server: the path found (or None) and where we looked.

    For a configured path (source "config"), ``setting`` names how it was configured
    (``c.VSCode.code_server`` or ``$JUPYTER_VSCODE_CODE_SERVER``) and ``problem`` says what is
    wrong with it when it cannot be used.
    """

    path: str | None
    source: str = ""
    tried: list[str] = field(default_factory=list)
    setting: str = ""
    problem: str = ""
    #: not found and nothing configured: the last run of a SageMaker lifecycle script, whose
    #: log then says what to do (instead of ``jupyter vscode install``)
    lifecycle: LastRun | None = None

    @property
    def configured(self) -> bool:
        return self.source == "config"

    def message(self) -> str:
        """Why no code-server was found."""
        if self.configured:
            return f"{self.setting}={self.tried[0]!r} {self.problem}"
        return "code-server was not found (looked at: " + ", ".join(self.tried) + ")"

    def hint(self) -> str:
        """What fixes it: the configured setting; the lifecycle script that installs it here
        (its log and rerun command); only when neither, install."""
        if self.configured:
            return (
                f"correct or unset {self.setting} and restart Jupyter (or put an executable "
                "code-server at that path and try again)"
            )
        if self.lifecycle is not None:
            return (
                f"a SageMaker lifecycle script installs VS Code here: {self.lifecycle.summary()}"
                f"; {self.lifecycle.guidance()}"
            )
        return f"run `{cli_command('install')}` in a Jupyter terminal, then try again"


def cli_command(command: str) -> str:
    """How a user runs ``jupyter vscode COMMAND`` here, as pages and hints print it: that form
    when ``jupyter`` and ``jupyter-vscode`` are on PATH, else ``<this Python> -m jupyter_vscode
    COMMAND``, which works wherever this package is importable (after ``pip install --user``,
    ``jupyter-vscode`` is in ``~/.local/bin``, often not on PATH: SageMaker Studio)."""
    if shutil.which("jupyter-vscode") and shutil.which("jupyter"):
        return f"jupyter vscode {command}"
    return f"{shlex.quote(sys.executable or 'python3')} -m jupyter_vscode {command}"


class NotInstalled(RuntimeError):
    """code-server could not be found; carries where we looked."""

    def __init__(self, lookup: Lookup):
        self.lookup = lookup
        super().__init__(lookup.message())

    @property
    def hint(self) -> str:
        """What to do: fix the configured path, or (nothing configured) install code-server."""
        return self.lookup.hint()


def _is_executable(path: str) -> bool:
    return os.path.isfile(path) and os.access(path, os.X_OK)


def _problem(path: str) -> str:
    if not os.path.lexists(path):
        return "points at a file that does not exist"
    if not os.path.exists(path):
        return "points at a broken symbolic link"
    if not os.path.isfile(path):
        return "points at something that is not a file"
    return "points at a file that is not executable"


def find_code_server(configured: str = "", setting: str = "c.VSCode.code_server") -> Lookup:
    """Look up code-server: the configured path (c.VSCode.code_server or
    $JUPYTER_VSCODE_CODE_SERVER, already folded into ``configured``; ``setting`` says which),
    then PATH, then the installer's prefix, then ~/.local/bin (where coder's install.sh links
    it).

    A configured path is authoritative: if it is wrong we say so rather than silently using
    another code-server.
    """
    if configured:
        path = os.path.expanduser(configured)
        if os.sep not in path:
            found = shutil.which(path)
            if found:
                return Lookup(found, "config", [configured], setting)
            return Lookup(None, "config", [configured], setting, "is not a command on PATH")
        if _is_executable(path):
            return Lookup(os.path.abspath(path), "config", [path], setting)
        return Lookup(None, "config", [configured], setting, _problem(path))

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
    return Lookup(None, "", tried, lifecycle=last_run())
