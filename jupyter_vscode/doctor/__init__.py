"""``jupyter vscode doctor``: everything a support ticket needs, checked in one go.

Each check is one function returning a :class:`Check`, made a named check by
``@doctor_check(name)`` (report.py: the name is written there only); runner.py lists them in
report order and :func:`run` calls them; a check that raises becomes a failed check carrying the
message, never a traceback. The checks import report.py, never runner.py. The pieces:

- ``checks.py``: which code-server, its version, and whether it starts (with throwaway dirs);
- ``system.py``: glibc, OS, Python, Node, environment variables that code-server would see;
- ``packages.py``: Jupyter package versions, the extension's enablement, conflicting packages;
- ``options.py``: the ``c.VSCode`` options and where each value came from;
- ``running.py``: the ``--VSCode.*`` options on the command lines of running Jupyter servers;
- ``logtail.py``: the newest code-server log;
- ``lifecycle.py``: the SageMaker lifecycle script's last run (the first check, when it logged);
- ``report.py``: the result types and the named check;
- ``runner.py``: which checks run, in which order, with what;
- ``render.py``: the human report and the JSON document.
"""

from __future__ import annotations

from .report import FAIL, OK, WARN, Check, Named, NamedCheck, Report, doctor_check
from .runner import run

__all__ = [
    "FAIL",
    "OK",
    "WARN",
    "Check",
    "Named",
    "NamedCheck",
    "Report",
    "doctor_check",
    "run",
]
