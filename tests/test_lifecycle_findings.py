"""Issue 21's smaller findings after a failed rollout and its retry: the commands printed work
without ``~/.local/bin`` on PATH (``python -m jupyter_vscode``), the status API sees a
code-server installed meanwhile, and a failure's message is printed once.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from jupyter_vscode import supervisor as supervisor_module
from jupyter_vscode._version import __version__
from jupyter_vscode.locate import Lookup, cli_command
from jupyter_vscode.pages import missing_page
from jupyter_vscode.sagemaker.log import parse

REPO = Path(__file__).resolve().parents[1]
T = "2026-12-01T10:00:00Z jupyter-vscode lifecycle: "


def test_python_m_jupyter_vscode_runs_the_cli(tmp_path):
    """`python -m jupyter_vscode` is the command where `jupyter-vscode` is not on PATH."""
    proc = subprocess.run(
        [sys.executable, "-m", "jupyter_vscode", "--version"],
        env={**os.environ, "PATH": str(tmp_path), "PYTHONPATH": str(REPO)},
        cwd=str(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0 and proc.stdout.strip() == f"jupyter-vscode {__version__}", proc


def test_printed_commands_work_without_jupyter_vscode_on_path(tmp_path, monkeypatch):
    """After `pip install --user` (Studio), `jupyter-vscode` is in ~/.local/bin, often not on
    PATH: the page and hints print this Python's `-m jupyter_vscode` instead."""
    monkeypatch.setenv("PATH", str(tmp_path))
    form = f"{sys.executable} -m jupyter_vscode"
    assert cli_command("doctor") == f"{form} doctor"
    lookup = Lookup(None, "", ["code-server on PATH"])
    assert f"run `{form} install` in a Jupyter terminal" in lookup.hint()
    assert f"<pre>{form} install</pre>" in missing_page(lookup, "/api/vscode", "x")
    # ... and the command printed runs
    proc = subprocess.run(
        [*cli_command("doctor").split()[:-1], "--help"],
        env={**os.environ, "PATH": str(tmp_path), "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0 and "doctor" in proc.stdout, proc
    # where both are on PATH, the short form
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in ("jupyter", "jupyter-vscode"):
        (bin_dir / name).write_text("#!/bin/sh\n")
        (bin_dir / name).chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    assert cli_command("doctor") == "jupyter vscode doctor"


def test_failure_is_said_once(tmp_path):
    """The result line ends with the run's last message: the summary (page, doctor, status)
    does not repeat it as "; last message: ..."."""
    error = "[jupyter-vscode] error: Downloading https://x/cs.tar.gz failed (HTTP 404)"
    log = str(tmp_path / ".jupyter-vscode-lifecycle.log")
    text = (
        f"{T}started as u, pid 1\n{error}\n{T}to retry: bash /h/rerun.sh\n"
        f"{T}FAILED: installing code-server: {error}\n"
    )
    run = parse(text, log)
    assert run.summary().count("HTTP 404") == 1, run.summary()
    page = missing_page(Lookup(None, "", ["code-server on PATH"], lifecycle=run), "/api", "x")
    assert page.count("HTTP 404") == 1, page
    # a result that does not say it: the last message is added
    other = parse(f"{T}started as u, pid 1\n{error}\n{T}FAILED (see above)\n", log)
    assert other.summary().endswith(f"; last message: {error}"), other.summary()


@pytest.mark.vscode(code_server="")
async def test_status_sees_code_server_installed_after_a_retry(
    jp_fetch, supervisor, stub_code_server, tmp_path, monkeypatch
):
    """After a failed rollout the status says "missing" with the failure; once a retry has
    installed code-server, the status says so without anyone opening VS Code first."""
    home = tmp_path / "lifecycle-home"
    home.mkdir()
    prefix = tmp_path / "prefix"
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("JUPYTER_VSCODE_CODE_SERVER", raising=False)
    monkeypatch.setenv("JUPYTER_VSCODE_PREFIX", str(prefix))
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    monkeypatch.setattr(supervisor_module, "MISSING_RECHECK_SECONDS", 0.0)
    log = home / ".jupyter-vscode-lifecycle.log"
    log.write_text(f"{T}started as u, pid 1\n{T}FAILED: installing code-server: boom\n")
    r = await jp_fetch("vscode/", raise_error=False, headers={"Accept": "text/html"})
    assert r.code == 503
    status = json.loads((await jp_fetch("api", "vscode", "status")).body)
    assert status["state"] == "missing" and "boom" in status["error"], status

    # the retry installs code-server and logs its result
    (prefix / "bin").mkdir(parents=True)
    (prefix / "bin" / "code-server").symlink_to(str(stub_code_server))
    with log.open("a") as f:
        f.write(f"{T}started as u, pid 2, a rerun\n{T}done (restarting Jupyter now)\n")
    status = json.loads((await jp_fetch("api", "vscode", "status")).body)
    assert status["state"] == "stopped" and status["error"] is None, status
    assert status["executable"] == str(prefix / "bin" / "code-server")
    r = await jp_fetch("vscode/", raise_error=False)
    assert r.code == 200, r.body[:500]
