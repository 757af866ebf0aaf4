"""`jupyter vscode doctor` run as a user runs it: a subprocess in an isolated HOME, Jupyter
config and runtime dir, with no JUPYTER_VSCODE_* or code-server-breaking variables inherited."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

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
        )
        self.env = env

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
