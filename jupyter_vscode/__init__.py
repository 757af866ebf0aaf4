"""jupyter-vscode: one click from Jupyter to a private, self-healing VS Code (code-server)."""

from .checkout_version import source_version as _source_version


def _version() -> str:
    # a source checkout: labextension/package.json, the one version source; installed: the
    # copy the build wrote (_version.py)
    found = _source_version()
    if found:
        return found
    try:
        from ._version import __version__ as built
    except ImportError:
        return "0+unknown"
    return built


__version__ = _version()

__all__ = ["__version__"]


def _jupyter_server_extension_points() -> list[dict[str, object]]:
    # lazy: the extension brings jupyter_server and tornado; `jupyter vscode` needs neither
    from .extension import VSCodeExtension

    return [{"module": "jupyter_vscode", "app": VSCodeExtension}]


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    return [{"src": "labextension", "dest": "jupyter-vscode"}]


def _jupyter_nbextension_paths() -> list[dict[str, str]]:
    return [
        {
            "section": "tree",
            "src": "nbextension",
            "dest": "jupyter_vscode",
            "require": "jupyter_vscode/tree",
        }
    ]
