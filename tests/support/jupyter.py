"""A real `jupyter server` in a subprocess: for tests of shutdown and signals, the browser
tests, and the benchmarks (benchmarks/harness.py), which drive the same harness."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

from .procs import free_port


class JupyterProcess:
    """`python -m jupyter_server` with the extension, in ``work`` (its HOME, runtime dir,
    code-server user data dir and log), serving ``root`` (default ``work``/root) at
    /jupyter/default/ on 127.0.0.1."""

    base_url = "/jupyter/default/"

    def __init__(
        self,
        work: Path,
        code_server: str,
        extra: list[str] | None = None,
        port: int | None = None,
        *,
        token: str = "test-token",
        root: Path | None = None,
        extensions: dict[str, bool] | None = None,
        env: dict[str, str] | None = None,
        new_session: bool = False,
    ):
        self.port = port or free_port()
        self.token = token
        self.root = root or work / "root"
        self.root.mkdir(exist_ok=True)
        home = work / "home"
        home.mkdir(parents=True, exist_ok=True)
        full_env = dict(os.environ)
        full_env.update(
            HOME=str(home),
            JUPYTER_VSCODE_CODE_SERVER=code_server,
            JUPYTER_VSCODE_USER_DATA_DIR=str(work / "ud"),
            JUPYTER_RUNTIME_DIR=str(work / "runtime"),
        )
        full_env.update(env or {})
        exts = extensions or {"jupyter_vscode": True}
        argv = [
            sys.executable,
            "-m",
            "jupyter_server",
            "--no-browser",
            f"--port={self.port}",
            "--ip=127.0.0.1",
            f"--IdentityProvider.token={self.token}",
            f"--ServerApp.root_dir={self.root}",
            f"--ServerApp.base_url={self.base_url}",
            f"--ServerApp.jpserver_extensions={exts!r}",
            *(extra or []),
        ]
        if os.getuid() == 0:
            argv.append("--allow-root")
        self.log_path = work / "jupyter.log"
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            argv,
            env=full_env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=new_session,
        )
        self.env = full_env

    def url(self, path: str = "") -> str:
        return f"http://127.0.0.1:{self.port}{self.base_url}{path}"

    def wait_ready(self, timeout: float = 60.0) -> JupyterProcess:
        """Return once api/status answers; AssertionError with the log if it exits or not."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("jupyter exited:\n" + self.log_path.read_text())
            try:
                with self.request("api/status", timeout=2):
                    return self
            except OSError:
                time.sleep(0.1)
        raise AssertionError("jupyter did not start:\n" + self.log_path.read_text())

    def request(self, path: str, method: str = "GET", timeout: float = 90.0) -> Any:
        """urlopen(<base_url><path>) with the token; the caller closes the response."""
        req = urllib.request.Request(
            self.url(path), method=method, headers={"Authorization": f"token {self.token}"}
        )
        return urllib.request.urlopen(req, timeout=timeout)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        self._log.close()
