"""Installing VS Code extensions into the extensions dir the Jupyter extension's code-server uses.

Runs the installed code-server's own ``--install-extension`` (marketplace IDs or ``.vsix``
files) with the given ``--user-data-dir`` / ``--extensions-dir`` (target.py works out the
Jupyter server's) and no config file (NO_CONFIG_FILE), so nothing is written to ~/.config.
``--gallery URL`` sets code-server's ``EXTENSIONS_GALLERY`` for a private or Open VSX gallery.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..codeserver import NO_CONFIG_FILE, child_env
from . import errors
from .report import Reporter


@dataclass(frozen=True)
class ExtensionDirs:
    user_data_dir: Path
    extensions_dir: Path


def read_extensions_file(path: Path) -> list[str]:
    """One extension ID or .vsix path per line; blank lines and ``#`` comments are skipped.
    Relative .vsix paths are relative to the file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise errors.InstallError(
            f"Cannot read the extensions file {path}: {exc.strerror or exc}."
        ) from None
    found: list[str] = []
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if line:
            if line.endswith(".vsix") and not os.path.isabs(line):
                line = str((path.parent / line).resolve())
            found.append(line)
    return found


def gallery_json(url: str) -> str:
    """``EXTENSIONS_GALLERY`` for a gallery base URL (``https://open-vsx.org/vscode`` ->
    its ``/gallery`` service and ``/item`` pages); a JSON object is passed through."""
    value = url.strip()
    if value.startswith("{"):
        try:
            parsed = json.loads(value)
        except ValueError as exc:
            raise errors.InstallError(f"--gallery is not valid JSON: {exc}") from None
        if not isinstance(parsed, dict) or "serviceUrl" not in parsed:
            raise errors.InstallError('--gallery JSON needs at least {"serviceUrl": "..."}')
        return json.dumps(parsed)
    if not value.startswith(("http://", "https://")):
        raise errors.InstallError(
            f"--gallery {url!r} is not an http(s) URL (e.g. https://open-vsx.org/vscode)."
        )
    base = value.rstrip("/")
    if base.endswith("/gallery"):
        base = base[: -len("/gallery")]
    return json.dumps({"serviceUrl": f"{base}/gallery", "itemUrl": f"{base}/item"})


def install_extensions(
    executable: Path,
    extensions: Sequence[str],
    reporter: Reporter,
    *,
    dirs: ExtensionDirs,
    gallery: str | None = None,
    timeout: float = 900.0,
) -> bool:
    """Install ``extensions`` with code-server; whether that may have changed any (False when
    code-server said each was installed already)."""
    if not extensions:
        return False
    args: list[str] = []
    for ext in extensions:
        if ext.endswith(".vsix"):
            path = Path(ext).expanduser()
            if not path.is_file():
                raise errors.InstallError(f"The extension file {ext} does not exist.")
            ext = str(path.resolve())
        args += ["--install-extension", ext]
    dirs.extensions_dir.mkdir(parents=True, exist_ok=True)
    dirs.user_data_dir.mkdir(parents=True, exist_ok=True)
    env = child_env()  # no VSCODE_IPC_HOOK_CLI: install here, not into a running VS Code
    if gallery:
        env["EXTENSIONS_GALLERY"] = gallery_json(gallery)
    reporter.info(f"installing {len(extensions)} extension(s) into {dirs.extensions_dir}")
    with tempfile.TemporaryDirectory(prefix="jupyter-vscode-ext-") as tmp:
        env["XDG_CONFIG_HOME"] = os.path.join(tmp, "config")
        # code-server appends its coder-logs to $XDG_DATA_HOME/code-server whatever its
        # --user-data-dir: keep them out of ~/.local/share (not the server's, nor persistent)
        env["XDG_DATA_HOME"] = os.path.join(tmp, "data")
        cmd = [
            str(executable),
            "--config",
            NO_CONFIG_FILE,
            "--user-data-dir",
            str(dirs.user_data_dir),
            "--extensions-dir",
            str(dirs.extensions_dir),
            *args,
        ]
        try:
            proc = subprocess.run(
                cmd,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise errors.extensions_failed(f"no result after {int(timeout)} s", None) from None
        except OSError as exc:
            raise errors.extensions_failed(f"cannot run {executable}: {exc}", None) from None
    output = proc.stdout or ""
    for line in output.splitlines():
        if line.strip() and "Wrote default config file" not in line:
            reporter.info(f"  {line.strip()}")
    # code-server exits 0 even when an extension is not found; it says so in its output.
    failed = [
        line.strip()
        for line in output.splitlines()
        if "not found" in line or "Failed Installing" in line or line.startswith("Error")
    ]
    if proc.returncode != 0 or failed:
        detail = failed[0] if failed else f"exit status {proc.returncode}"
        raise errors.extensions_failed(detail, None)
    return sum("already installed" in line for line in output.splitlines()) < len(extensions)
