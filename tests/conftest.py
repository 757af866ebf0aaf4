"""Fixtures: a Jupyter server with the extension, a real or stub code-server.

The helpers live in tests/support/ (tests import them from there); this file only registers
fixtures, some of them defined in support modules (imported below for pytest to find).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from traitlets.config import Config

from .support.artifacts import code_server_tarball, package_wheel, real_tarball, serve  # noqa: F401
from .support.codeserver import require_real_code_server
from .support.doctor import doctor, stub  # noqa: F401 - fixtures
from .support.hermetic import lifecycle_logs_env
from .support.installer import fake_npm, prefix, release, server  # noqa: F401 - fixtures
from .support.jupyter import JupyterProcess
from .support.procs import run_base  # noqa: F401 - fixtures
from .support.route import raw_fetch  # noqa: F401 - fixtures
from .support.sandbox import sandbox  # noqa: F401 - fixtures
from .support.stub import StubCodeServer
from .support.userbox import userbox  # noqa: F401 - fixtures

pytest_plugins = ["pytest_jupyter.jupyter_server"]


@pytest.fixture(autouse=True)
def _lifecycle_logs_in_the_test_tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads the machine's /home/ec2-user/SageMaker lifecycle log (another user's, or
    a real notebook instance's): the product looks in the test's HOME and tmp_path/SageMaker."""
    for name, value in lifecycle_logs_env(tmp_path / "SageMaker").items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def real_code_server() -> str:
    return require_real_code_server()


@pytest.fixture
def stub_code_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> StubCodeServer:
    """The stub code-server; steer it and read its records through the object."""
    return StubCodeServer(tmp_path, monkeypatch)


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


@pytest.fixture
def jupyter_process(tmp_path: Path):  # type: ignore[no-untyped-def]
    """start(code_server, extra=None, port=None, **kw) -> a ready JupyterProcess in tmp_path
    (``kw``: JupyterProcess's keyword arguments, e.g. env)."""
    started: list[JupyterProcess] = []

    def start(
        code_server: str, extra: list[str] | None = None, port: int | None = None, **kw: Any
    ) -> JupyterProcess:
        jp = JupyterProcess(tmp_path, code_server, extra, port, **kw)
        started.append(jp)
        jp.wait_ready()
        return jp

    yield start
    for jp in started:
        jp.stop()
