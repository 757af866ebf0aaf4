"""Installing code-server into the prefix where the Jupyter extension looks for it."""

from .core import InstallOptions, InstallResult, install
from .errors import InstallError
from .layout import InstalledVersion, Layout
from .methods import AUTO, METHODS
from .report import Reporter

__all__ = [
    "AUTO",
    "METHODS",
    "InstallError",
    "InstallOptions",
    "InstallResult",
    "InstalledVersion",
    "Layout",
    "Reporter",
    "install",
]
