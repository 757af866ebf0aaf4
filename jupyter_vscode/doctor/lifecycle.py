"""The SageMaker lifecycle script's last run, when its log exists: the report's first check.

On a machine that script sets up, its log is where a failure is explained and its rerun
command is the fix (not ``jupyter vscode install``); see sagemaker/log.py.
"""

from __future__ import annotations

from typing import Any

from ..locate import Lookup
from ..sagemaker.log import DONE, FAILED, LastRun, last_run
from .report import Check, Named

LIFECYCLE = Named("lifecycle script")


def check(run: LastRun, code_server_found: bool) -> Check:
    """A failed run blocks VS Code (a fail) only when code-server is missing, else a warning."""
    detail = f"{run.log}: {run.summary()}"
    if run.outcome == DONE:
        return LIFECYCLE.ok(detail)
    if run.outcome == FAILED and not code_server_found:
        return LIFECYCLE.fail(detail, run.guidance())
    return LIFECYCLE.warn(detail, run.guidance())


def check_last_run(
    lookup: Lookup | None, code_server_found: bool
) -> tuple[Check, dict[str, Any] | None] | None:
    """The check and the JSON of the last run; None when there is no lifecycle log."""
    try:
        run = lookup.lifecycle if lookup and lookup.lifecycle else last_run()
    except Exception as e:  # noqa: BLE001 - a doctor must report, not crash
        return LIFECYCLE.warn(f"cannot read the lifecycle log: {type(e).__name__}: {e}"), None
    if run is None:
        return None
    return check(run, code_server_found), run.to_json()
