"""Which code-server releases run on this host: glibc caps and version arithmetic.

The one place that reads the host's glibc, parses versions and knows the caps; the installer
and ``jupyter vscode doctor`` (doctor/system.py, doctor/packages.py) both use it.

code-server's release tarballs (and the native modules the npm package brings) are built against
a particular glibc; on an older one they fail at start, not at install. So the installer refuses
a version that cannot run here and, without ``--version``, picks the newest one that can.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from typing import NamedTuple

from . import errors

Glibc = tuple[int, int]


class Cap(NamedTuple):
    """Releases newer than ``newest`` (from ``first_needing`` on) need glibc ``needs``."""

    newest: str
    first_needing: str
    needs: Glibc
    why: str


#: Ordered from the newest cap down. The only place that knows them: the installer and
#: ``jupyter vscode doctor`` both ask this module.
GLIBC_CAPS: tuple[Cap, ...] = (
    # From 4.108.2 the bundled argon2 binary (node_modules/argon2, loaded at start even with
    # --auth none) links against glibc 2.34. `npm view code-server versions --json` lists
    # ... 4.106.3, 4.108.1, 4.108.2 ...: 4.108.1 is the last release before it.
    Cap("4.108.1", "4.108.2", (2, 34), "its bundled argon2 module"),
    # 4.17.0 moved to Node.js 18, whose binaries need glibc 2.28; 4.16.1 (Node.js 16) is the
    # last release that runs on older systems (e.g. CentOS 7 / Amazon Linux 2 with glibc 2.17/2.26).
    Cap("4.16.1", "4.17.0", (2, 28), "its bundled Node.js"),
)


def parse_version(version: str) -> tuple[int, ...]:
    """``"4.108.1"`` -> ``(4, 108, 1)``; pre-release suffixes are ignored for ordering."""
    match = re.match(r"^v?(\d+(?:\.\d+)*)", version.strip())
    if match is None:
        raise ValueError(f"not a version: {version!r}")
    return tuple(int(part) for part in match.group(1).split("."))


def is_release(version: str) -> bool:
    """A plain x.y.z release (no ``-rc.1`` and the like)."""
    return re.fullmatch(r"\d+\.\d+\.\d+", version) is not None


def detect_glibc(confstr: Callable[[str], str | None] | None = None) -> Glibc | None:
    """The host's glibc as ``(major, minor)``, or None when it is not glibc (musl) or unknown.

    The only place that reads it (``os.confstr``, looked up at each call so tests can fake it).
    """
    read = confstr if confstr is not None else os.confstr
    try:
        value = read("CS_GNU_LIBC_VERSION")  # "glibc 2.36"
    except (ValueError, OSError, AttributeError):
        return None
    return parse_glibc(value or "")


def parse_glibc(value: str) -> Glibc | None:
    match = re.search(r"(\d+)\.(\d+)", value)
    return (int(match.group(1)), int(match.group(2))) if match else None


def format_glibc(glibc: Glibc) -> str:
    return f"{glibc[0]}.{glibc[1]}"


def binding_cap(glibc: Glibc | None) -> Cap | None:
    """The cap that limits a host with ``glibc``: the lowest one it lacks (None: no cap)."""
    if glibc is None:
        return None
    found = None
    for cap in GLIBC_CAPS:
        if glibc < cap.needs:
            found = cap  # later entries are lower caps
    return found


def version_cap(glibc: Glibc | None) -> str | None:
    """The newest code-server version that runs with ``glibc`` (None: no cap)."""
    cap = binding_cap(glibc)
    return cap.newest if cap else None


def check_runs(version: str, glibc: Glibc | None) -> None:
    """Raise InstallError if ``version`` cannot run with ``glibc``."""
    if glibc is None:
        return
    parsed = parse_version(version)
    for cap in GLIBC_CAPS:
        if parsed > parse_version(cap.newest) and glibc < cap.needs:
            raise errors.glibc_too_old(
                version,
                format_glibc(cap.needs),
                cap.why,
                format_glibc(glibc),
                version_cap(glibc) or cap.newest,
            )


def newest_at_most(versions: Iterable[str], cap: str | None) -> str | None:
    """The newest plain release in ``versions`` that is not newer than ``cap``."""
    limit = parse_version(cap) if cap else None
    best: tuple[tuple[int, ...], str] | None = None
    for version in versions:
        if not is_release(version):
            continue
        parsed = parse_version(version)
        if limit is not None and parsed > limit:
            continue
        if best is None or parsed > best[0]:
            best = (parsed, version)
    return best[1] if best else None
