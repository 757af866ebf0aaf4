"""What ``jupyter vscode install`` was asked to do: the options core.py and the methods read."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

#: ``--method auto``: standalone when the release tarballs are reachable, else npm.
AUTO = "auto"


@dataclass
class InstallOptions:
    prefix: Path
    method: str = AUTO
    version: str | None = None
    force: bool = False
    #: remove versions other than the active one (not those a running process uses) and
    #: leftovers of interrupted installs, also when nothing else changes.
    prune: bool = True
    lock_timeout: float = 1800.0
    #: file method: the release tarball, a local path or an http(s) URL.
    source: str | None = None
    #: standalone method: base URL of the release tarballs (else $JUPYTER_VSCODE_RELEASES_URL,
    #: else GitHub's release downloads).
    mirror: str | None = None
    #: expected sha256 of the tarball (standalone/file); else the pinned table in checksums.py.
    sha256: str | None = None
    #: the host's glibc as "2.31"; None = read it from os.confstr (tests inject other values).
    glibc: str | None = None
    #: seconds between download progress lines when stderr is not a terminal.
    progress_interval: float = 5.0
    #: follow plain http:// URLs (--from, --mirror, the version list, redirects); else refused.
    allow_insecure_http: bool = False
