"""``jupyter vscode doctor``: everything a support ticket needs, checked in one go.

Each check is one function returning a :class:`Check`; :func:`run` calls them in order, and a
check that raises becomes a failed check carrying the message, never a traceback. The pieces:

- ``checks.py``: which code-server, its version, and whether it starts (with throwaway dirs);
- ``system.py``: glibc, OS, Python, Node, environment variables that code-server would see;
- ``packages.py``: Jupyter package versions, the extension's enablement, conflicting packages;
- ``options.py``: the ``c.VSCode`` options and where each value came from;
- ``running.py``: the ``--VSCode.*`` options on the command lines of running Jupyter servers;
- ``logtail.py``: the newest code-server log;
- ``render.py``: the human report and the JSON document.
"""

from __future__ import annotations

from .report import FAIL, OK, WARN, Check, Report, guarded, run

__all__ = ["FAIL", "OK", "WARN", "Check", "Report", "guarded", "run"]
