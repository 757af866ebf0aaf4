"""Old versions go after an upgrade (each is ~700 MB in every user's home), except one a
running process still uses; leftovers of interrupted installs go too.

Real `jupyter vscode install` runs (the CLI in this process) against a loopback release
server serving tiny release tarballs (tests/release_server.py).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from jupyter_vscode import cli
from jupyter_vscode.installer import Layout
from jupyter_vscode.installer.inuse import processes_using

from .support.installer import Release, run_installed

PADDING = 3_000_000  # incompressible bytes in each tarball: the freed size is measurable


def cli_install(prefix: Path, version: str, *extra: str) -> int:
    argv = ["install", "--method", "standalone", "--allow-insecure-http", "--version", version]
    return cli.main([*argv, "--prefix", str(prefix), *extra])


def freed_mb(out: str) -> int:
    match = re.search(r"freed (\d+) MB in ", out)
    assert match, out
    return int(match.group(1))


@pytest.fixture
def old_version(release: Release, prefix: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """4.20.0 (PADDING bytes of it) installed in `prefix`, 4.21.0 released: an upgrade ahead.
    Returns the old version's dir; what the install printed is read away."""
    release("4.20.0", padding=PADDING)
    release("4.21.0")
    assert cli_install(prefix, "4.20.0") == 0
    capsys.readouterr()
    return prefix / "versions" / "4.20.0-standalone"


@pytest.mark.usefixtures("old_version")
def test_upgrade_removes_the_old_version_and_says_how_much_it_freed(
    prefix: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli_install(prefix, "4.21.0") == 0
    out = capsys.readouterr().out
    assert os.listdir(prefix / "versions") == ["4.21.0-standalone"]
    assert run_installed(prefix) == "4.21.0"
    assert "removed old version 4.20.0-standalone (3 MB)" in out
    assert freed_mb(out) == 3
    assert list((prefix / "staging").iterdir()) == []


@pytest.mark.usefixtures("old_version")
def test_keep_old_versions_keeps_them(prefix: Path) -> None:
    assert cli_install(prefix, "4.21.0", "--keep-old-versions") == 0
    assert sorted(os.listdir(prefix / "versions")) == ["4.20.0-standalone", "4.21.0-standalone"]


def test_a_version_still_running_is_kept_and_removed_by_a_later_install(
    old_version: Path, prefix: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = old_version
    # A program run from the old version, as its Node runs a code-server started from it
    # (the kernel reports it as /proc/<pid>/exe, its mapped file and its working directory).
    runner = old / "lib" / "node-still-running"
    shutil.copy2(shutil.which("sleep") or "/bin/sleep", runner)
    proc = subprocess.Popen([str(runner), "60"], cwd=tmp_path)
    try:
        deadline = time.monotonic() + 10
        while not processes_using([old]) and time.monotonic() < deadline:
            time.sleep(0.05)  # until exec has replaced the forked Python
        capsys.readouterr()

        assert cli_install(prefix, "4.21.0") == 0
        out = capsys.readouterr().out
        assert sorted(os.listdir(prefix / "versions")) == [
            "4.20.0-standalone",
            "4.21.0-standalone",
        ]
        assert run_installed(prefix) == "4.21.0"
        assert f"kept old version 4.20.0-standalone: still used by running process {proc.pid}" in (
            out
        )
        assert "removed old version" not in out
        assert proc.poll() is None  # nothing was done to it

        # While it runs, reruns keep it too (and change nothing else).
        assert cli_install(prefix, "4.21.0") == 0
        assert "kept old version 4.20.0-standalone" in capsys.readouterr().out
    finally:
        proc.kill()
        proc.wait(10)

    # Once it has ended, the next install (here a rerun that changes nothing) removes it.
    assert cli_install(prefix, "4.21.0") == 0
    out = capsys.readouterr().out
    assert os.listdir(prefix / "versions") == ["4.21.0-standalone"]
    assert "removed old version 4.20.0-standalone (3 MB)" in out
    assert "nothing to change" in out
    assert run_installed(prefix) == "4.21.0"


def test_a_rerun_removes_leftovers_of_interrupted_installs(
    release: Release, prefix: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    release("4.20.0")
    assert cli_install(prefix, "4.20.0") == 0
    layout = Layout(prefix)
    # What a killed install leaves: a staging dir, a half-made link, an incomplete version
    # dir (no marker), each nothing but disk space.
    half = layout.staging / "4.21.0-standalone.4242"
    half.mkdir(parents=True)
    (half / "lib.bin").write_bytes(os.urandom(2_000_000))
    (prefix / ".current.tmp.4242").symlink_to("versions/4.21.0-standalone")
    (layout.versions / "4.19.0-standalone").mkdir()
    capsys.readouterr()

    assert cli_install(prefix, "4.20.0") == 0
    out = capsys.readouterr().out
    assert "removed 4.21.0-standalone.4242 left over from an interrupted install (2 MB)" in out
    assert "removed .current.tmp.4242 left over from an interrupted install" in out
    assert "removed old version 4.19.0-standalone" in out
    assert not list(prefix.glob(".*.tmp.*"))
    assert list(layout.staging.iterdir()) == []
    assert os.listdir(layout.versions) == ["4.20.0-standalone"]
    assert run_installed(prefix) == "4.20.0"


def test_processes_using_sees_exe_and_cwd(tmp_path: Path) -> None:
    here = tmp_path / "dir"
    here.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    proc = subprocess.Popen(["sleep", "60"], cwd=here)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not processes_using([here]):
            time.sleep(0.05)
        assert processes_using([here, elsewhere]) == {here: [proc.pid]}
    finally:
        proc.kill()
        proc.wait(10)
    assert processes_using([here]) == {}
