"""The installer against a real code-server install in the default prefix.

Skipped when `jupyter vscode install` has not been run on this machine (or with
JUPYTER_VSCODE_REQUIRE_CODE_SERVER=1, failed instead, like the other real tests).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from jupyter_vscode.installer import Layout
from jupyter_vscode.paths import default_install_prefix

from .support.codeserver import skip_or_fail
from .support.installer import real_version_output

ROOT = Path(__file__).parent.parent
# Looked up at import, before any fixture points HOME somewhere else.
PREFIX = default_install_prefix()

pytestmark = pytest.mark.codeserver


def test_rerun_of_installed_version_is_a_quick_noop(tmp_path: Path) -> None:
    layout = Layout(PREFIX)
    current = layout.current_install()
    if current is None or not layout.is_active(current):
        skip_or_fail(f"no code-server installed by `jupyter vscode install` in {PREFIX}")

    # A fake npm first on PATH that fails loudly: a no-op must not touch npm or the registry.
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    called = tmp_path / "npm-was-called"
    npm = fake_bin / "npm"
    npm.write_text(f'#!/bin/sh\ntouch "{called}"\necho "npm must not be called" >&2\nexit 99\n')
    npm.chmod(0o755)
    env = dict(os.environ, PATH=f"{fake_bin}{os.pathsep}{os.environ['PATH']}")
    env["PYTHONPATH"] = str(ROOT)

    cmd = [sys.executable, "-m", "jupyter_vscode.cli", "install"]
    cmd += ["--version", current.version, "--prefix", str(PREFIX)]
    start = time.monotonic()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
    took = time.monotonic() - start

    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "already installed" in proc.stdout
    assert not called.exists()
    assert took < 10, f"no-op took {took:.1f} s"
    assert layout.current_install() == current

    # And the launcher the extension runs works and is that version.
    out = real_version_output(layout.bin_link, tmp_path)
    assert f"\n{current.version} " in f"\n{out}", out
