"""The install-method interface: what core.py asks of a method, and what it hands over.

A method subclasses :class:`InstallMethod`: it must ``check``, ``resolve`` and ``build``; the
other hooks have defaults that do nothing, so core calls every hook of every method directly.
Methods live in their own modules (npm.py, standalone.py), which import this one; the registry
(methods.py) imports them. Nothing here imports a method.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from .options import InstallOptions
from .report import Reporter


@dataclass(frozen=True)
class Release:
    """A code-server version that a method has confirmed it can install."""

    version: str
    node_major: int = 0


@dataclass(frozen=True)
class BuildContext:
    log: Path
    reporter: Reporter


class InstallMethod(abc.ABC):
    """How a code-server version gets built into a staging directory."""

    #: the --method name (the key in methods.METHODS)
    name: ClassVar[str]
    #: the ``versions/<version>-<kind>`` suffix; "" = the name. Methods that install the same
    #: artefact share a kind, so an install by either satisfies both.
    kind: ClassVar[str] = ""
    #: where :meth:`resolve` looks, for the progress lines ("asking <label> for ...")
    registry_label: ClassVar[str] = "the method's source"

    @classmethod
    def install_kind(cls) -> str:
        return cls.kind or cls.name

    @property
    def resolves_at_most(self) -> bool:
        """Whether the method implements :meth:`resolve_at_most` (overrides it): without
        --version, a host whose glibc caps the version then gets the newest release up to the
        cap (else the newest, then refused)."""
        return type(self).resolve_at_most is not InstallMethod.resolve_at_most

    @classmethod
    def version_hint(cls, options: InstallOptions) -> str | None:
        """The version ``options`` ask for that is known without network (for the no-op fast
        path before the lock), beyond --version; None: not known."""
        return None

    def configure(self, options: InstallOptions, staging: Path, reporter: Reporter) -> None:
        """Take what the method needs from the install options (before :meth:`check`);
        ``staging`` is where downloads go (inside the prefix, cleared by the next run if we
        are killed). Default: nothing to take."""
        return None

    @abc.abstractmethod
    def check(self) -> None:
        """Raise InstallError if this method cannot work here (e.g. npm missing)."""

    @abc.abstractmethod
    def resolve(self, requested: str | None) -> Release:
        """Turn ``requested`` (None = newest) into an exact, existing version."""

    def resolve_at_most(self, cap: str) -> Release:
        """The newest release not newer than ``cap``; only called if ``resolves_at_most``."""
        raise NotImplementedError(f"the {self.name} method does not resolve up to a version")

    @abc.abstractmethod
    def build(self, stage: Path, release: Release, ctx: BuildContext) -> dict[str, str]:
        """Build ``release`` into ``stage`` so that ``stage/bin/code-server`` runs it.

        Returns extra fields for the install marker.
        """

    def close(self) -> None:
        """Release what the method holds (downloads outside the stage); called once, last.
        Default: nothing held."""
        return None
