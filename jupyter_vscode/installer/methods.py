"""Install methods: how a code-server version gets built into a staging directory.

A method is anything with the :class:`Method` shape; to add one, implement it in its own
module, register it in :data:`METHODS`, and teach :func:`choose_method` when ``auto`` should
pick it. Optional extras a method may have, used by core when present: ``kind`` (the
``versions/<version>-<kind>`` suffix, default its name), ``configure(options, staging,
reporter)``, ``resolve_at_most(cap)`` (newest version not newer than ``cap``), ``version_hint()``
(the version known without network, for the no-op fast path) and ``close()``.

``auto`` is ``standalone`` (the release tarball: no compiler, ~1 minute) when the releases URL
answers within a few seconds, like coder's install.sh, else ``npm``.
"""

from __future__ import annotations

from collections.abc import Callable, Container
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from .report import Reporter

AUTO = "auto"


@dataclass(frozen=True)
class Release:
    """A code-server version that a method has confirmed it can install."""

    version: str
    node_major: int = 0


@dataclass(frozen=True)
class BuildContext:
    log: Path
    reporter: Reporter


class Method(Protocol):
    name: str

    def check(self) -> None:
        """Raise InstallError if this method cannot work here (e.g. npm missing)."""

    def resolve(self, requested: str | None) -> Release:
        """Turn ``requested`` (None = newest) into an exact, existing version."""

    def build(self, stage: Path, release: Release, ctx: BuildContext) -> dict[str, str]:
        """Build ``release`` into ``stage`` so that ``stage/bin/code-server`` runs it.

        Returns extra fields for the install marker.
        """


def _npm() -> Method:
    from .npm import NpmMethod

    return NpmMethod()


def _standalone() -> Method:
    from .standalone import StandaloneMethod

    return StandaloneMethod()


def _file() -> Method:
    from .standalone import FileMethod

    return FileMethod()


#: name -> factory. The CLI's --method choices are ``auto`` plus these keys.
METHODS: dict[str, Callable[[], Method]] = {
    "standalone": _standalone,
    "npm": _npm,
    "file": _file,
}

#: Where each method's installs live: ``versions/<version>-<kind>``. ``file`` installs the same
#: release tarball as ``standalone``, so an install from either satisfies both.
KINDS = {"standalone": "standalone", "file": "standalone", "npm": "npm"}

#: Seconds ``auto`` waits for the releases URL before it falls back to npm.
PROBE_TIMEOUT = 5.0


def kinds_for(requested: str) -> tuple[str, ...]:
    """The install kinds that satisfy a request for method ``requested`` (``auto``: any)."""
    if requested == AUTO:
        return ("standalone", "npm")
    return (KINDS.get(requested, requested),)


def choose_method(
    requested: str,
    *,
    available: Container[str] | None = None,
    mirror: str | None = None,
    probe: Callable[[str], bool] | None = None,
    allow_http: bool = False,
) -> str:
    """Resolve ``auto`` to a concrete method name: ``standalone`` if this platform has release
    tarballs and the releases URL answers within PROBE_TIMEOUT, else ``npm``. A plain http
    releases URL without ``allow_http`` is refused (InstallError), not skipped."""
    available = METHODS if available is None else available
    if requested != AUTO:
        if requested not in available:
            raise ValueError(f"unknown install method {requested!r}")
        return requested
    if "standalone" not in available:
        return "npm"
    from .download import reachable, releases_url
    from .errors import InstallError
    from .standalone import release_arch

    try:
        release_arch()
    except InstallError:
        return "npm"
    check = probe or (lambda url: reachable(url, timeout=PROBE_TIMEOUT, allow_http=allow_http))
    return "standalone" if check(releases_url(mirror)) else "npm"
