"""The `hub` fixture: a real JupyterHub with two real local users (tests/support/hub.py),
one per module; without root it skips."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ..support.hub import Hub, exclusive, run_hub


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    """The hub for this module (torn down right after it, so the lock is held briefly)."""
    with exclusive():
        yield from run_hub(tmp_path_factory)
