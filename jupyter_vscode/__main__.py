"""``python -m jupyter_vscode``: the ``jupyter vscode`` command, where ``jupyter-vscode`` is not
on PATH (e.g. after ``pip install --user`` with ``~/.local/bin`` not on it)."""

from __future__ import annotations

if __name__ == "__main__":
    import sys

    from .cli import main

    sys.exit(main())
