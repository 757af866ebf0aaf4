"""Shared fixtures: a Jupyter server with the extension, a real or stub code-server.

The real code-server is looked up once, before pytest-jupyter points HOME at a temporary
directory, the way the extension finds it (config/env, PATH, the installer's prefix). With
JUPYTER_VSCODE_REQUIRE_CODE_SERVER=1 (set by .ci/run) a missing code-server fails the real
tests instead of skipping them.
"""

from __future__ import annotations

import asyncio
import os
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from traitlets.config import Config

from jupyter_vscode.locate import find_code_server

pytest_plugins = ["pytest_jupyter.jupyter_server"]

HERE = Path(__file__).parent
STUB = HERE / "stub_code_server.py"
REAL_CODE_SERVER = find_code_server(os.environ.get("JUPYTER_VSCODE_CODE_SERVER", "")).path
REQUIRE_REAL = os.environ.get("JUPYTER_VSCODE_REQUIRE_CODE_SERVER") == "1"


@pytest.fixture
def real_code_server() -> str:
    if REAL_CODE_SERVER is None:
        if REQUIRE_REAL:
            pytest.fail("no real code-server found; run `jupyter vscode install`")
        pytest.skip("no real code-server found (run `jupyter vscode install`)")
    return REAL_CODE_SERVER


@pytest.fixture
def stub_code_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An executable stub; tests steer it with STUB_* env vars (inherited by the child)."""
    exe = tmp_path / "stub-bin" / "code-server"
    exe.parent.mkdir()
    exe.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{STUB}" "$@"\n')
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("STUB_RECORD", str(tmp_path / "stub-record.jsonl"))
    monkeypatch.setenv("STUB_REQUESTS", str(tmp_path / "stub-requests.jsonl"))
    return exe


@pytest.fixture
def vscode_options(request: pytest.FixtureRequest) -> dict[str, object]:
    """c.VSCode options for this test: from @pytest.mark.vscode(**options)."""
    marker = request.node.get_closest_marker("vscode")
    return dict(marker.kwargs) if marker else {}


@pytest.fixture
def code_server_exe(request: pytest.FixtureRequest) -> str:
    """The real code-server for tests marked `codeserver`, else the stub."""
    if request.node.get_closest_marker("codeserver"):
        return str(request.getfixturevalue("real_code_server"))
    return str(request.getfixturevalue("stub_code_server"))


@pytest.fixture
def jp_server_config(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    vscode_options: dict[str, object],
    code_server_exe: str,
) -> Config:
    options: dict[str, object] = {
        "code_server": code_server_exe,
        "user_data_dir": str(tmp_path / "vscode-user-data"),
        "log_dir": str(tmp_path / "vscode-logs"),
        "start_timeout": 60.0,
    }
    options.update(vscode_options)
    marker = request.node.get_closest_marker("serverapp")
    server_options = dict(marker.kwargs) if marker else {}
    return Config(
        {
            "ServerApp": {
                "jpserver_extensions": {"jupyter_vscode": True, "jupyter_server_proxy": True},
                **server_options,
            },
            "VSCode": options,
        }
    )


@pytest.fixture
def supervisor(jp_serverapp):  # type: ignore[no-untyped-def]
    return jp_serverapp.web_app.settings["jupyter_vscode_supervisor"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pid_alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


async def wait_until(predicate, timeout: float = 30.0, interval: float = 0.05) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        await asyncio.sleep(interval)


class JupyterProcess:
    """A real `jupyter server` in a subprocess, for tests of shutdown and signals."""

    def __init__(
        self,
        tmp_path: Path,
        code_server: str,
        extra: list[str] | None = None,
        port: int | None = None,
    ):
        self.port = port or free_port()
        self.token = "test-token"
        self.base_url = "/jupyter/default/"
        self.root = tmp_path / "root"
        self.root.mkdir(exist_ok=True)
        home = tmp_path / "home"
        home.mkdir(exist_ok=True)
        env = dict(os.environ)
        env.update(
            HOME=str(home),
            JUPYTER_VSCODE_CODE_SERVER=code_server,
            JUPYTER_VSCODE_USER_DATA_DIR=str(tmp_path / "ud"),
            JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
        )
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
            "--ServerApp.jpserver_extensions={'jupyter_vscode': True}",
            *(extra or []),
        ]
        if os.getuid() == 0:
            argv.append("--allow-root")
        self.log_path = tmp_path / "jupyter.log"
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(argv, env=env, stdout=self._log, stderr=subprocess.STDOUT)
        self.env = env

    def url(self, path: str = "") -> str:
        return f"http://127.0.0.1:{self.port}{self.base_url}{path}"

    def wait_ready(self, timeout: float = 60.0) -> None:

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("jupyter exited:\n" + self.log_path.read_text())
            try:
                with self.request("api/status", timeout=2):
                    return
            except OSError:
                time.sleep(0.2)
        raise AssertionError("jupyter did not start:\n" + self.log_path.read_text())

    def request(self, path: str, method: str = "GET", timeout: float = 90.0):  # type: ignore[no-untyped-def]
        import urllib.request

        req = urllib.request.Request(
            self.url(path), method=method, headers={"Authorization": f"token {self.token}"}
        )
        return urllib.request.urlopen(req, timeout=timeout)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        self._log.close()


@pytest.fixture
def jupyter_process(tmp_path: Path):  # type: ignore[no-untyped-def]
    started: list[JupyterProcess] = []

    def start(
        code_server: str, extra: list[str] | None = None, port: int | None = None
    ) -> JupyterProcess:
        jp = JupyterProcess(tmp_path, code_server, extra, port)
        started.append(jp)
        jp.wait_ready()
        return jp

    yield start
    for jp in started:
        jp.stop()
