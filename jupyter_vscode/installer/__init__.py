"""Installing code-server into the prefix where the Jupyter extension looks for it."""

from .core import InstallResult, install
from .errors import InstallError
from .layout import InstalledVersion, Layout
from .methods import METHODS
from .options import AUTO, InstallOptions
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
