"""Install methods: how a code-server version gets built into a staging directory.

Only ``npm`` exists today. A method is anything with the :class:`Method` shape; to add one
(e.g. ``standalone`` release tarballs or a local ``file``), implement it in its own module,
register it in :data:`METHODS`, and teach :func:`choose_method` when ``auto`` should pick it.
"""

from __future__ import annotations

from collections.abc import Callable
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


#: name -> factory. The CLI's --method choices are ``auto`` plus these keys.
METHODS: dict[str, Callable[[], Method]] = {"npm": _npm}


def choose_method(requested: str) -> str:
    """Resolve ``auto`` to a concrete method name."""
    if requested == AUTO:
        return "npm"  # the only method so far; standalone/file will be tried first later
    if requested not in METHODS:
        raise ValueError(f"unknown install method {requested!r}")
    return requested
