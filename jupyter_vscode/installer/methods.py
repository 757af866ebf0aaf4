"""The install methods by name, and which one ``--method auto`` picks.

A method subclasses :class:`~.base.InstallMethod` in its own module (which imports base.py,
never this registry); to add one, register its class in :data:`METHODS` and teach
:func:`choose_method` when ``auto`` should pick it.

``auto`` is ``standalone`` (the release tarball: no compiler, ~1 minute) when the releases URL
answers within a few seconds, like coder's install.sh, else ``npm``.
"""

from __future__ import annotations

from collections.abc import Callable, Container

from .base import InstallMethod
from .download import reachable, releases_url
from .errors import InstallError
from .npm import NpmMethod
from .options import AUTO
from .standalone import FileMethod, StandaloneMethod, release_arch

__all__ = ["AUTO", "KINDS", "METHODS", "PROBE_TIMEOUT", "choose_method", "kinds_for"]

#: name -> method class. The CLI's --method choices are ``auto`` plus these keys.
METHODS: dict[str, type[InstallMethod]] = {
    "standalone": StandaloneMethod,
    "npm": NpmMethod,
    "file": FileMethod,
}

#: Where each method's installs live: ``versions/<version>-<kind>``. ``file`` installs the same
#: release tarball as ``standalone``, so an install from either satisfies both.
KINDS = {name: method.install_kind() for name, method in METHODS.items()}

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
    try:
        release_arch()
    except InstallError:
        return "npm"
    check = probe or (lambda url: reachable(url, timeout=PROBE_TIMEOUT, allow_http=allow_http))
    return "standalone" if check(releases_url(mirror)) else "npm"
