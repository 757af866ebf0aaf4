"""The directory layout inside an install prefix, and the atomic operations on it.

::

    <prefix>/
      bin/code-server          -> ../current/bin/code-server   (what the extension runs)
      current                  -> versions/<version>-<method>  (switched atomically)
      versions/<version>-<method>/
        bin/code-server        POSIX sh wrapper, written by the method
        jupyter-vscode-install.json   marker: present only in complete installs
      staging/                 work area of a running install (same filesystem as versions/)
      logs/install-<ts>.log    npm output of each install
      .install.lock            held while an install runs
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from ..paths import installed_executable
from .inuse import disk_usage, processes_using

MARKER = "jupyter-vscode-install.json"
KEEP_LOGS = 10


def version_dir_name(version: str, method: str) -> str:
    return f"{version}-{method}"


@dataclass(frozen=True)
class InstalledVersion:
    """A complete install under ``versions/``, described by its marker file."""

    path: Path
    version: str
    method: str

    @property
    def executable(self) -> Path:
        return self.path / "bin" / "code-server"


@dataclass(frozen=True)
class Removed:
    """A directory removed from the prefix and the disk space it took."""

    path: Path
    size: int


class _InPrefix:
    """A :class:`Layout` attribute: the entry ``name`` of the layout's prefix."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, layout: Layout, owner: object = None) -> Path:
        return layout.prefix / self.name


@dataclass(frozen=True)
class Layout:
    prefix: Path

    versions = _InPrefix("versions")
    current = _InPrefix("current")
    staging = _InPrefix("staging")
    logs = _InPrefix("logs")
    lock_file = _InPrefix(".install.lock")

    @property
    def bin_link(self) -> Path:
        return installed_executable(self.prefix)

    # -- reading -------------------------------------------------------------------------------

    def read_install(self, path: Path) -> InstalledVersion | None:
        """The install in ``path`` if it is complete (has a readable marker), else None."""
        data = read_marker(path)
        if data is None or "version" not in data or "method" not in data:
            return None
        return InstalledVersion(path, str(data["version"]), str(data["method"]))

    def installed(self, version: str, method: str) -> InstalledVersion | None:
        return self.read_install(self.versions / version_dir_name(version, method))

    def current_install(self) -> InstalledVersion | None:
        """The install that ``current`` points to, if the link exists and the install is whole."""
        if not self.current.is_symlink():
            return None
        target = self.versions / Path(os.readlink(self.current)).name
        return self.read_install(target)

    def is_active(self, install: InstalledVersion) -> bool:
        """Whether ``install`` is what ``bin/code-server`` runs right now."""
        current = self.current_install()
        return (
            current is not None
            and current.path == install.path
            and self.bin_link.is_symlink()
            and os.readlink(self.bin_link) == self._bin_target()
            and os.access(self.bin_link, os.X_OK)
        )

    # -- writing -------------------------------------------------------------------------------

    def new_staging_dir(self, name: str) -> Path:
        self.staging.mkdir(parents=True, exist_ok=True)
        path = self.staging / f"{name}.{os.getpid()}"
        if path.exists():
            shutil.rmtree(path)
        path.mkdir()
        return path

    def clear_staging(self) -> list[Removed]:
        """Remove leftovers of interrupted installs (staging dirs, half-made links). Call only
        while holding the lock."""
        removed: list[Removed] = []
        for entry in self._interrupted():
            size = disk_usage(entry)
            _remove(entry)
            removed.append(Removed(entry, size))
        return removed

    def _interrupted(self) -> list[Path]:
        found = sorted(self.staging.iterdir()) if self.staging.is_dir() else []
        links = ((self.prefix, self.current.name), (self.bin_link.parent, self.bin_link.name))
        for parent, name in links:
            if parent.is_dir():
                found += sorted(parent.glob(f".{name}.tmp.*"))
        return found

    def commit(self, staged: Path, version: str, method: str) -> InstalledVersion:
        """Move a verified staging dir to ``versions/`` (replacing an older copy of the same
        version, as --force does) with renames on one filesystem."""
        self.versions.mkdir(parents=True, exist_ok=True)
        final = self.versions / version_dir_name(version, method)
        old: Path | None = None
        if final.exists() or final.is_symlink():
            old = self.staging / f"{final.name}.replaced.{os.getpid()}"
            os.replace(final, old)
        os.replace(staged, final)
        if old is not None:
            _remove(old)
        install = self.read_install(final)
        assert install is not None, f"{final} has no {MARKER}"
        return install

    def activate(self, install: InstalledVersion) -> None:
        """Point ``current`` at ``install`` and make sure ``bin/code-server`` goes through it.

        Each link is replaced with rename(2), so a concurrent reader sees the old or the new
        target, never a missing link.
        """
        _symlink_atomic(os.path.join("versions", install.path.name), self.current)
        self.bin_link.parent.mkdir(parents=True, exist_ok=True)
        _symlink_atomic(self._bin_target(), self.bin_link)

    def old_versions(self, keep: InstalledVersion) -> list[Path]:
        """Everything in ``versions/`` but ``keep`` (complete or not)."""
        if not self.versions.is_dir():
            return []
        return [e for e in sorted(self.versions.iterdir()) if e.name != keep.path.name]

    def has_leftovers(self, keep: InstalledVersion) -> bool:
        """Whether a prune would find anything to look at besides ``keep``."""
        return bool(self.old_versions(keep) or self._interrupted())

    def prune(
        self,
        keep: InstalledVersion,
        in_use: Callable[[Iterable[Path]], dict[Path, list[int]]] = processes_using,
    ) -> tuple[list[Removed], dict[Path, list[int]]]:
        """Remove every version other than ``keep`` that no running process uses.

        Returns what was removed (with its size) and the versions kept because processes
        (their pids) still run from them; a later prune removes those once they have ended.
        """
        candidates = self.old_versions(keep)
        users = in_use(candidates) if candidates else {}
        removed: list[Removed] = []
        for entry in candidates:
            if users.get(entry):
                continue
            size = disk_usage(entry)
            # Move out of versions/ first so a half-deleted dir never sits there.
            trash = self.staging / f"{entry.name}.pruned.{os.getpid()}"
            self.staging.mkdir(parents=True, exist_ok=True)
            os.replace(entry, trash)
            _remove(trash)
            removed.append(Removed(entry, size))
        return removed, {e: users[e] for e in candidates if users.get(e)}

    def new_log_file(self) -> Path:
        self.logs.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        path = self.logs / f"install-{stamp}.log"
        n = 1
        while path.exists():
            n += 1
            path = self.logs / f"install-{stamp}-{n}.log"
        path.touch()
        old = sorted(self.logs.glob("install-*.log"), key=lambda p: p.stat().st_mtime)
        for stale in old[:-KEEP_LOGS]:
            stale.unlink(missing_ok=True)
        return path

    def _bin_target(self) -> str:
        return os.path.join("..", "current", "bin", "code-server")


def install_dir_of(executable: str | Path) -> Path:
    """The version dir whose ``bin/code-server`` ``executable`` is (through the prefix's links);
    for a code-server installed otherwise, whatever dir is two levels up."""
    return Path(os.path.realpath(executable)).parent.parent


def read_marker(path: Path) -> dict[str, object] | None:
    """The marker of the install in ``path`` (its version, method, ...), None if unreadable."""
    try:
        data = json.loads((path / MARKER).read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def write_marker(path: Path, **fields: str) -> None:
    (path / MARKER).write_text(json.dumps(fields, indent=2, sort_keys=True) + "\n")


def _symlink_atomic(target: str, link: Path) -> None:
    tmp = link.with_name(f".{link.name}.tmp.{os.getpid()}")
    tmp.unlink(missing_ok=True)
    os.symlink(target, tmp)
    os.replace(tmp, link)


def _remove(path: Path) -> None:
    if path.is_symlink() or not path.is_dir():
        path.unlink(missing_ok=True)
    else:
        shutil.rmtree(path, ignore_errors=True)
