"""`jupyter vscode doctor` run as a user runs it: a subprocess in an isolated HOME, Jupyter
config and runtime dir, with no JUPYTER_VSCODE_* or code-server-breaking variables inherited
(the lifecycle logs it reads are in that HOME: see support/hermetic.py).
Fixtures `doctor` and `stub` (the stub code-server's launcher) registered in tests/conftest.py."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .hermetic import lifecycle_logs_env
from .stub import write_stub_wrapper

REPO = Path(__file__).resolve().parents[2]


class Doctor:
    def __init__(self, tmp_path: Path):
        self.tmp = tmp_path
        self.home = tmp_path / "home"
        self.config_dir = tmp_path / "jupyter-config"
        self.runtime_dir = tmp_path / "jupyter-runtime"
        for d in (self.home, self.config_dir, self.runtime_dir):
            d.mkdir()
        path = os.pathsep.join([os.path.dirname(sys.executable), "/usr/bin", "/bin"])
        env = {k: v for k, v in os.environ.items() if not k.startswith("JUPYTER_VSCODE_")}
        for name in ("PORT", "PASSWORD", "HASHED_PASSWORD", "CODE_SERVER_HOST", "NO_COLOR"):
            env.pop(name, None)
        env.update(
            HOME=str(self.home),
            PATH=path,
            PYTHONPATH=str(REPO),
            JUPYTER_CONFIG_DIR=str(self.config_dir),
            JUPYTER_RUNTIME_DIR=str(self.runtime_dir),
            JUPYTER_VSCODE_PREFIX=str(tmp_path / "prefix"),
            **lifecycle_logs_env(self.home / "SageMaker"),
        )
        self.env = env

    def write_config(self, text: str, name: str = "jupyter_server_config.py") -> Path:
        """Write a Jupyter config file NAME in the doctor's config dir; returns its path."""
        path = self.config_dir / name
        path.write_text(text)
        return path

    def run(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "jupyter_vscode.cli", "doctor", *args],
            env={**self.env, **env},
            cwd=self.tmp,
            capture_output=True,
            text=True,
            timeout=180,
        )

    def json(self, *args: str, **env: str) -> tuple[int, dict]:  # type: ignore[type-arg]
        proc = self.run("--json", *args, **env)
        assert "Traceback" not in proc.stderr, proc.stderr
        return proc.returncode, json.loads(proc.stdout)


def check(report: dict, name: str) -> dict:  # type: ignore[type-arg]
    """The check NAME of a doctor's JSON report."""
    found = [c for c in report["checks"] if c["name"] == name]
    assert found, f"no check {name!r} in {[c['name'] for c in report['checks']]}"
    return found[0]


def failed_check(code: int, report: dict, name: str) -> dict:  # type: ignore[type-arg]
    """The check NAME of a doctor run (its exit code and report) that must have failed on it."""
    assert code == 1
    found = check(report, name)
    assert found["status"] == "fail"
    return found


@pytest.fixture
def doctor(tmp_path: Path) -> Doctor:
    d = Doctor(tmp_path)
    if shutil.which("code-server", path=d.env["PATH"]):
        pytest.skip("a code-server on the system PATH would be found by every test")
    return d


@pytest.fixture
def stub(tmp_path: Path) -> str:
    """A launcher of the stub code-server, for the doctor's JUPYTER_VSCODE_CODE_SERVER."""
    return str(write_stub_wrapper(tmp_path / "stub-bin" / "code-server"))
