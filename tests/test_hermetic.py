"""CI stays inside its cache (issue 21): what the tests keep across sessions goes under
$JUPYTER_VSCODE_CI_CACHE when .ci/run sets it, and never into the shared /tmp."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from .support import artifacts
from .support.artifacts import artifact_cache_dir


def test_artifact_cache_is_inside_the_ci_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("JUPYTER_VSCODE_TEST_CACHE", raising=False)
    monkeypatch.setenv("JUPYTER_VSCODE_CI_CACHE", str(tmp_path / "ci"))
    assert artifact_cache_dir().is_relative_to(tmp_path / "ci")
    # without CI: the user's cache, never /tmp (where a 726 MB tarball was left behind)
    monkeypatch.delenv("JUPYTER_VSCODE_CI_CACHE")
    monkeypatch.setattr(artifacts, "USER_CACHE", tmp_path / "xdg")
    assert artifact_cache_dir().is_relative_to(tmp_path / "xdg")
    # an explicit choice wins
    monkeypatch.setenv("JUPYTER_VSCODE_TEST_CACHE", str(tmp_path / "mine"))
    assert artifact_cache_dir() == tmp_path / "mine"


def test_this_sessions_artifact_cache_is_not_in_tmp() -> None:
    """As the tests run now (in .ci/run: inside $JUPYTER_VSCODE_CI_CACHE)."""
    cache = artifact_cache_dir().resolve()
    ci = os.environ.get("JUPYTER_VSCODE_CI_CACHE")
    if ci and not os.environ.get("JUPYTER_VSCODE_TEST_CACHE"):
        assert cache.is_relative_to(Path(ci).resolve()), cache
    if not os.environ.get("JUPYTER_VSCODE_TEST_CACHE"):
        assert not cache.is_relative_to(Path("/tmp").resolve()), cache
        if not ci:  # CI's TMPDIR is inside its cache; anyone else's is shared
            assert not cache.is_relative_to(Path(tempfile.gettempdir()).resolve()), cache
