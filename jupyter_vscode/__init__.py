"""jupyter-vscode: one click from Jupyter to a private, self-healing VS Code (code-server)."""

try:
    # written by the build from labextension/package.json, the one version source
    from ._version import __version__
except ImportError:  # a source checkout that was never built: read the source itself
    from .checkout_version import __version__

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
