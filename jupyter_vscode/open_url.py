"""``GET <base_url>api/vscode/url?path=<path>``: the URL that opens a Jupyter path in VS Code.

``path`` is relative to Jupyter's root directory (``ServerApp.root_dir``), as in the contents
API. The answer names a URL relative to ``base_url``:

- a folder: ``vscode/?folder=<absolute folder>`` (VS Code opens that folder; its canonical
  path, symlinks resolved, as workspace trust is decided on it);
- a file: ``vscode/?folder=<root, canonical>&payload=[["openFile","vscode-remote://<authority><file>"]]``
  (VS Code opens the root folder with the file in an editor tab).

``payload`` is VS Code web's startup payload (``workbench.ts``: ``WorkspaceProvider`` reads
``folder`` and ``payload``; the browser environment service turns ``openFile`` into the files
to open). Its URI must carry the workbench's remote authority, which code-server sets on the
frontend to ``location.host``: the caller passes its ``location.host`` as ``authority``, else
the request's ``Host`` header is used.

Paths with ``..``, or that resolve (symlinks included) outside the root, are refused.
Nothing is run; the paths only end up percent-encoded in a URL. The handler is
``api.OpenURLHandler``, which reads and bounds the query arguments like the other API handlers.
"""

from __future__ import annotations

import json
import os
import re
from urllib.parse import quote

from .quoting import quoted
from .routes import URL_PATH
from .trust import canonical

#: host, host:port, [v6]:port; what a browser's ``location.host`` can be (use fullmatch).
AUTHORITY_RE = re.compile(r"(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._~%!$&'()*+,;=-]+)(:\d{1,5})?")


class PathRefused(ValueError):
    """The path is not acceptable; ``status`` is the HTTP status to answer with."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def resolve_in_root(root_dir: str, path: str) -> tuple[str, bool]:
    """``(absolute path, is_dir)`` of the Jupyter path ``path`` below ``root_dir``.

    The absolute path keeps the root as configured (VS Code shows it that way); the check that
    it stays inside uses the real paths, so a symlink pointing outside the root is refused.
    """
    if "\0" in path:
        raise PathRefused(400, "path must not contain NUL characters")
    parts = [p for p in path.replace("\\", "/").split("/") if p not in ("", ".")]
    if ".." in parts:
        raise PathRefused(400, f"path {quoted(path)} must not contain '..'")
    root = os.path.abspath(root_dir)
    target = os.path.join(root, *parts)
    if not os.path.lexists(target):
        raise PathRefused(404, f"no such file or folder: {quoted(path)}")
    real_root = os.path.realpath(root)
    real_target = os.path.realpath(target)
    if real_target != real_root and not real_target.startswith(real_root.rstrip(os.sep) + os.sep):
        raise PathRefused(403, f"path {quoted(path)} leads outside Jupyter's root directory")
    if not os.path.exists(real_target):
        raise PathRefused(404, f"no such file or folder: {quoted(path)} (broken link)")
    return target, os.path.isdir(real_target)


def folder_to_open(root_dir: str, target: str, is_dir: bool) -> str:
    """The folder VS Code opens for ``target``: itself or the root, canonically spelled (the
    path workspace trust is decided on; any other spelling is redirected to it: links.py)."""
    return canonical(target if is_dir else os.path.abspath(root_dir))


def vscode_url(root_dir: str, target: str, is_dir: bool, authority: str) -> str:
    """The URL (relative to base_url) that opens ``target`` in VS Code."""
    folder = f"{URL_PATH}?folder={_query_path(folder_to_open(root_dir, target, is_dir))}"
    if is_dir:
        return folder
    file_uri = f"vscode-remote://{authority}{quote(target, safe='/')}"
    payload = json.dumps([["openFile", file_uri]], separators=(",", ":"))
    return f"{folder}&payload={quote(payload, safe='')}"


def _query_path(path: str) -> str:
    # like VS Code's own URLs: percent-encoded, slashes kept readable
    return quote(path, safe="/")
