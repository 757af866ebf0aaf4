"""Which running processes still use files under a directory, and how big a directory is.

Used before removing an old version: a code-server started from it (its Node binary, its
modules, its working directory) keeps running from the old files until it exits, so that
version is kept and removed by a later install.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

PROC = "/proc"


def _inside(path: str, dirs: tuple[str, ...]) -> str | None:
    """The entry of ``dirs`` that ``path`` is (or is below), if any."""
    path = path.removesuffix(" (deleted)")
    for d in dirs:
        if path == d or path.startswith(d + "/"):
            return d
    return None


def _paths_of(pid: str) -> Iterable[str]:
    """Paths a process uses: its executable, working directory, command-line arguments and
    mapped files (what is unreadable, e.g. another user's process, is skipped)."""
    for link in ("exe", "cwd"):
        try:
            yield os.readlink(f"{PROC}/{pid}/{link}")
        except OSError:
            pass
    try:
        with open(f"{PROC}/{pid}/cmdline", "rb") as f:
            for arg in f.read().split(b"\0"):
                if arg.startswith(b"/"):
                    yield os.fsdecode(arg)
    except OSError:
        pass
    try:
        with open(f"{PROC}/{pid}/maps", "rb") as f:
            for line in f:
                parts = line.split(maxsplit=5)
                if len(parts) == 6 and parts[5].startswith(b"/"):
                    yield os.fsdecode(parts[5].rstrip(b"\n"))
    except OSError:
        pass


def processes_using(dirs: Iterable[Path]) -> dict[Path, list[int]]:
    """For each of ``dirs``, the pids of other processes that use a file under it."""
    wanted: dict[str, Path] = {}
    for d in dirs:
        wanted[str(d)] = d
        wanted[os.path.realpath(d)] = d
    keys = tuple(wanted)
    found: dict[Path, list[int]] = {}
    if not keys:
        return found
    me = str(os.getpid())
    try:
        pids = [e for e in os.listdir(PROC) if e.isdigit() and e != me]
    except OSError:
        return found
    for pid in pids:
        for path in _paths_of(pid):
            hit = _inside(path, keys)
            if hit is not None:
                users = found.setdefault(wanted[hit], [])
                if int(pid) not in users:
                    users.append(int(pid))
                break
    return found


def process_name(pid: int) -> str:
    try:
        with open(f"{PROC}/{pid}/comm") as f:
            return f.read().strip()
    except OSError:
        return "?"


def disk_usage(path: Path) -> int:
    """Bytes ``path`` takes on disk (each inode counted once; symlinks not followed)."""
    seen: set[tuple[int, int]] = set()
    total = 0
    try:
        st = os.lstat(path)
    except OSError:
        return 0
    stack = [str(path)]
    if not os.path.isdir(path) or os.path.islink(path):
        return st.st_blocks * 512
    total += st.st_blocks * 512
    while stack:
        current = stack.pop()
        try:
            entries = list(os.scandir(current))
        except OSError:
            continue
        for entry in entries:
            try:
                st = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            key = (st.st_dev, st.st_ino)
            if key in seen:
                continue
            seen.add(key)
            total += st.st_blocks * 512
            if entry.is_dir(follow_symlinks=False):
                stack.append(entry.path)
    return total


def human_size(n: int) -> str:
    if n >= 1_000_000_000:
        return f"{n / 1e9:.1f} GB"
    if n >= 1_000_000:
        return f"{n / 1e6:.0f} MB"
    return f"{n / 1e3:.0f} kB"
