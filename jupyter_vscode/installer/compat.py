"""Which code-server releases run on this host: glibc caps and version arithmetic.

code-server's release tarballs (and the native modules the npm package brings) are built against
a particular glibc; on an older one they fail at start, not at install. So the installer refuses
a version that cannot run here and, without ``--version``, picks the newest one that can.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable

from . import errors

#: (newest code-server that still runs, glibc it needs beyond that, why). Each later release
#: needs the glibc on the right; ordered from the newest cap down.
GLIBC_CAPS: tuple[tuple[str, tuple[int, int], str], ...] = (
    # From 4.108.2 the bundled argon2 binary (node_modules/argon2, loaded at start even with
    # --auth none) links against glibc 2.34. `npm view code-server versions --json` lists
    # ... 4.106.3, 4.108.1, 4.108.2 ...: 4.108.1 is the last release before it.
    ("4.108.1", (2, 34), "its bundled argon2 module"),
    # 4.17.0 moved to Node.js 18, whose binaries need glibc 2.28; 4.16.1 (Node.js 16) is the
    # last release that runs on older systems (e.g. CentOS 7 / Amazon Linux 2 with glibc 2.17/2.26).
    ("4.16.1", (2, 28), "its bundled Node.js"),
)

Glibc = tuple[int, int]


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
    """The host's glibc as ``(major, minor)``, or None when it is not glibc (musl) or unknown."""
    read = confstr if confstr is not None else os.confstr
    try:
        value = read("CS_GNU_LIBC_VERSION")  # "glibc 2.36"
    except (ValueError, OSError, AttributeError):
        return None
    return parse_glibc(value or "")


def parse_glibc(value: str) -> Glibc | None:
    match = re.search(r"(\d+)\.(\d+)", value)
    return (int(match.group(1)), int(match.group(2))) if match else None


def version_cap(glibc: Glibc | None) -> str | None:
    """The newest code-server version that runs with ``glibc`` (None: no cap)."""
    if glibc is None:
        return None
    cap = None
    for newest, needs, _why in GLIBC_CAPS:
        if glibc < needs:
            cap = newest  # later entries are lower caps
    return cap


def check_runs(version: str, glibc: Glibc | None) -> None:
    """Raise InstallError if ``version`` cannot run with ``glibc``."""
    if glibc is None:
        return
    parsed = parse_version(version)
    for newest, needs, why in GLIBC_CAPS:
        if parsed > parse_version(newest) and glibc < needs:
            raise errors.glibc_too_old(
                version, _fmt(needs), why, _fmt(glibc), version_cap(glibc) or newest
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


def _fmt(glibc: Glibc) -> str:
    return f"{glibc[0]}.{glibc[1]}"
