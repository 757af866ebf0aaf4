"""The real code-server of the real-code-server tier.

Looked up once, at import (before pytest-jupyter points HOME at a temporary directory), the
way the extension finds it (config/env, PATH, the installer's prefix). With
JUPYTER_VSCODE_REQUIRE_CODE_SERVER=1 (set by .ci/run) a missing one fails the tests that need
it instead of skipping them.
"""

from __future__ import annotations

import os

import pytest

from jupyter_vscode.locate import find_code_server

REAL_CODE_SERVER = find_code_server(os.environ.get("JUPYTER_VSCODE_CODE_SERVER", "")).path
REQUIRE_REAL = os.environ.get("JUPYTER_VSCODE_REQUIRE_CODE_SERVER") == "1"


def skip_or_fail(reason: str) -> None:
    """Skip the test, or fail it when the real tier is required."""
    if REQUIRE_REAL:
        pytest.fail(reason)
    pytest.skip(reason)


def require_real_code_server() -> str:
    """The real code-server's path; skips (or fails, see above) without one."""
    if REAL_CODE_SERVER is None:
        if REQUIRE_REAL:
            pytest.fail("no real code-server found; run `jupyter vscode install`")
        pytest.skip("no real code-server found (run `jupyter vscode install`)")
    return REAL_CODE_SERVER
