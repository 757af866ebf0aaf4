"""Keeping the product's fixed-path lookups inside a test's own tree.

The product looks for SageMaker lifecycle logs at ``~/.jupyter-vscode-lifecycle.log`` and
``/home/ec2-user/SageMaker/.jupyter-vscode-lifecycle.log`` (jupyter_vscode/sagemaker/log.py). The
second is a fixed path of the machine: a notebook instance's, or another user's on a shared
one, would change what the not-installed page, the status API and ``doctor`` say. Every test
points ``$JUPYTER_VSCODE_LIFECYCLE_LOGS`` into its own tree (the autouse fixture in
tests/conftest.py); helpers that build a product process's environment from scratch (the
doctor's, the lifecycle sandbox's) add :func:`lifecycle_logs_env` themselves.
"""

from __future__ import annotations

from pathlib import Path

from jupyter_vscode.sagemaker.log import LOGS_ENV

LOG_NAME = ".jupyter-vscode-lifecycle.log"


def lifecycle_logs_env(persistent: Path) -> dict[str, str]:
    """``$JUPYTER_VSCODE_LIFECYCLE_LOGS``: Studio's log in the (test's) HOME, the notebook
    instance's in ``persistent``, the test's stand-in for /home/ec2-user/SageMaker."""
    return {LOGS_ENV: f"~/{LOG_NAME}:{persistent / LOG_NAME}"}
