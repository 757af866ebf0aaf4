"""Which user-data and extensions dirs, and which code-server, ``jupyter vscode install
--extensions`` uses: those of the Jupyter server.

The server's view is the doctor's (doctor/options.py, not a second resolver): the Jupyter
config files the server reads (``c.VSCode.user_data_dir`` / ``extensions_dir`` /
``code_server``), the ``--VSCode.*`` options of running Jupyter servers, then the
``$JUPYTER_VSCODE_*`` fallbacks, then the defaults. Explicit ``--user-data-dir`` /
``--extensions-dir`` apply on top, as ``--VSCode.*`` options would on a server's command line
(so ``--user-data-dir D`` alone means ``D/extensions`` unless an extensions dir is configured).
Each value carries where it came from, so the install can say so; a target that is not the
server's extensions dir is reported by :meth:`Targets.warning`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ..doctor import options
from ..locate import Lookup, find_code_server
from . import errors
from .extensions import ExtensionDirs

DEFAULT = "default"


@dataclass(frozen=True)
class Resolved:
    path: Path
    #: where the value came from, for people: "--extensions-dir", "c.VSCode.user_data_dir in
    #: /etc/jupyter/jupyter_server_config.json", "$JUPYTER_VSCODE_USER_DATA_DIR", "default"...
    source: str

    def describe(self) -> str:
        return f"{self.path} ({self.source})"


@dataclass(frozen=True)
class Targets:
    user_data_dir: Resolved
    extensions_dir: Resolved
    #: the extensions dir the Jupyter server's code-server uses (no CLI flags applied)
    server_extensions_dir: Resolved
    #: the code-server the Jupyter server runs, looked up as the server does
    code_server: Lookup
    #: how code_server was configured, for people ("c.VSCode.code_server in FILE", ...)
    code_server_source: str
    #: problems met on the way that do not stop the install (a config file that raises)
    warnings: tuple[str, ...] = ()

    @property
    def dirs(self) -> ExtensionDirs:
        return ExtensionDirs(self.user_data_dir.path, self.extensions_dir.path)

    def warning(self) -> str | None:
        """What to say when the extensions go where the Jupyter server does not look."""
        if self.extensions_dir.path == self.server_extensions_dir.path:
            return None
        server = self.server_extensions_dir
        return (
            f"{self.extensions_dir.path} is not the extensions dir the Jupyter server's VS Code "
            f"uses: that is {server.describe()}, so VS Code in Jupyter will not see these "
            "extensions. To install for it, run the command without --extensions-dir and "
            f"--user-data-dir (or with --extensions-dir {server.path}); to make the server use "
            f"this dir, set c.VSCode.extensions_dir = {str(self.extensions_dir.path)!r} in "
            "jupyter_server_config.py and restart Jupyter."
        )


def describe_source(name: str, source: str) -> str:
    """An option source of doctor/options.py ("config FILE", "env NAME", "command line of
    Jupyter pid N", "default") as people read it."""
    if source.startswith("config "):
        return f"c.VSCode.{name} in {source.removeprefix('config ')}"
    if source.startswith("env "):
        return "$" + source.removeprefix("env ")
    if source.startswith("command line of "):
        return f"--VSCode.{name} on the {source}"
    return source


def _path(value: object) -> Path:
    return Path(os.path.abspath(os.path.expanduser(str(value))))


def resolve(user_data_dir: Path | None = None, extensions_dir: Path | None = None) -> Targets:
    """The dirs to install extensions into (explicit arguments first, then the server's), and
    the server's code-server. Raises InstallError when the server's own setting is invalid."""
    opts = options.load()
    # Jupyter skips such a file too, so what it sets does not apply to the server either.
    warnings = tuple(f"cannot load a Jupyter config file: {e}" for e in opts.file_errors)
    for name in ("user_data_dir", "extensions_dir", "code_server"):
        if opts.values[name].error:
            raise errors.InstallError(
                f"{opts.values[name].error}. Fix it (the Jupyter server cannot start VS Code "
                "with it either), then run the command again."
            )
    server = {
        name: Resolved(
            _path(opts.values[name].value), describe_source(name, opts.values[name].source)
        )
        for name in ("user_data_dir", "extensions_dir")
    }
    if opts.values["extensions_dir"].source == DEFAULT:
        server["extensions_dir"] = Resolved(
            server["extensions_dir"].path, "default: <user data dir>/extensions"
        )

    ud = Resolved(_path(user_data_dir), "--user-data-dir") if user_data_dir else None
    if extensions_dir is not None:
        ext = Resolved(_path(extensions_dir), "--extensions-dir")
    elif ud is not None and opts.values["extensions_dir"].source == DEFAULT:
        ext = Resolved(ud.path / "extensions", "--user-data-dir/extensions")
    else:
        ext = server["extensions_dir"]

    lookup, source = _code_server(opts)
    return Targets(
        user_data_dir=ud or server["user_data_dir"],
        extensions_dir=ext,
        server_extensions_dir=server["extensions_dir"],
        code_server=lookup,
        code_server_source=source,
        warnings=warnings,
    )


def _code_server(opts: options.Options) -> tuple[Lookup, str]:
    configured = opts.values["code_server"]
    from_env = configured.source.startswith("env ")
    setting = "$JUPYTER_VSCODE_CODE_SERVER" if from_env else "c.VSCode.code_server"
    if configured.error:
        return Lookup(None, "config", [str(configured.value)], setting, configured.error), ""
    lookup = find_code_server(str(configured.value), setting)
    return lookup, describe_source("code_server", configured.source)


def server_code_server() -> tuple[Lookup, str] | None:
    """The code-server the Jupyter server would run now and how it was configured; None when
    that cannot be worked out (never raises: it only feeds a note)."""
    try:
        return _code_server(options.load())
    except Exception:  # noqa: BLE001 - a note must not fail an install
        return None
