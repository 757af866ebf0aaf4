"""``python -m jupyter_vscode ...``: the ``jupyter vscode`` command without relying on PATH
(after ``pip install --user``, ``~/.local/bin`` often is not on it)."""

from .cli import main

if __name__ == "__main__":
    raise SystemExit(main())
