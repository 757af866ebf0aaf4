"""``jupyter vscode doctor`` on the c.VSCode options: bad values and where each option came
from (config files, environment variables, a running Jupyter's command line), run as a user
would (tests/support/doctor.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time

import pytest

from .support.doctor import Doctor, check, failed_check
from .support.procs import free_port


def test_bad_env_option(doctor: Doctor, stub: str) -> None:
    code, report = doctor.json(
        "--no-start", JUPYTER_VSCODE_CODE_SERVER=stub, JUPYTER_VSCODE_PORT="abc"
    )
    options = failed_check(code, report, "options")
    assert "JUPYTER_VSCODE_PORT" in options["detail"] and "'abc'" in options["detail"]
    assert report["options"]["port"]["source"] == "env JUPYTER_VSCODE_PORT"
    assert "error" in report["options"]["port"]
    # the other options are still reported
    assert report["options"]["start_timeout"] == {"value": 60.0, "source": "default"}


def test_bad_config_file_option(doctor: Doctor, stub: str) -> None:
    cfg = doctor.write_config("c.VSCode.port = 70000\n")
    code, report = doctor.json("--no-start", JUPYTER_VSCODE_CODE_SERVER=stub)
    options = failed_check(code, report, "options")
    assert "c.VSCode.port" in options["detail"] and str(cfg) in options["detail"]
    assert report["options"]["port"]["source"] == f"config {cfg}"


def test_broken_config_file(doctor: Doctor, stub: str) -> None:
    cfg = doctor.write_config("c.VSCode.port = (\n")
    code, report = doctor.json("--no-start", JUPYTER_VSCODE_CODE_SERVER=stub)
    assert str(cfg) in failed_check(code, report, "config files")["detail"]


def test_option_sources(doctor: Doctor, stub: str) -> None:
    py = doctor.write_config(
        textwrap.dedent(
            """
            c.VSCode.max_restarts = 2
            c.VSCode.launcher_title = "Code (config)"
            """
        )
    )
    js = doctor.write_config(
        json.dumps({"VSCode": {"launcher_category": "Editors"}}), "jupyter_server_config.json"
    )
    code, report = doctor.json(
        "--no-start",
        JUPYTER_VSCODE_CODE_SERVER=stub,
        JUPYTER_VSCODE_START_TIMEOUT="42",
        JUPYTER_VSCODE_LAUNCHER_TITLE="Code (env)",
    )
    opts = report["options"]
    assert opts["max_restarts"] == {"value": 2, "source": f"config {py}"}
    assert opts["launcher_category"] == {"value": "Editors", "source": f"config {js}"}
    assert opts["start_timeout"] == {"value": 42.0, "source": "env JUPYTER_VSCODE_START_TIMEOUT"}
    assert opts["code_server"] == {"value": stub, "source": "env JUPYTER_VSCODE_CODE_SERVER"}
    assert opts["port"] == {"value": 8080, "source": "default"}
    # a config file beats the environment variable, and the report says so
    assert opts["launcher_title"] == {"value": "Code (config)", "source": f"config {py}"}
    options = check(report, "options")
    assert options["status"] == "warn"
    assert "JUPYTER_VSCODE_LAUNCHER_TITLE" in options["detail"]
    assert check(report, "config files")["detail"] == f"{py}, {js}"
    assert code == 0  # warnings don't fail


def test_env_var_repeating_the_configured_value_is_no_conflict(doctor: Doctor, stub: str) -> None:
    """Notebook-instance terminals export the user data dir the config file sets: fine. Another
    value is a warning (the config file wins; the variable is misleading)."""
    data = doctor.home / "SageMaker" / ".jupyter-vscode-user-data"
    js = doctor.write_config(
        json.dumps({"VSCode": {"user_data_dir": str(data)}}), "jupyter_server_config.json"
    )
    code, report = doctor.json(
        "--no-start", JUPYTER_VSCODE_CODE_SERVER=stub, JUPYTER_VSCODE_USER_DATA_DIR=str(data)
    )
    assert report["options"]["user_data_dir"] == {"value": str(data), "source": f"config {js}"}
    assert check(report, "options")["status"] == "ok", check(report, "options")
    code, report = doctor.json(
        "--no-start", JUPYTER_VSCODE_CODE_SERVER=stub, JUPYTER_VSCODE_USER_DATA_DIR="/elsewhere"
    )
    options = check(report, "options")
    assert options["status"] == "warn"
    assert "$JUPYTER_VSCODE_USER_DATA_DIR is set but c.VSCode.user_data_dir" in options["detail"]


@pytest.fixture
def running_jupyter(doctor: Doctor, stub: str):  # type: ignore[no-untyped-def]
    """A real `jupyter server` with --VSCode options on its command line, in the doctor's
    isolated runtime dir; yields its pid once its jpserver-<pid>.json is written."""
    argv = [
        sys.executable,
        "-m",
        "jupyter_server",
        "--no-browser",
        f"--port={free_port()}",
        "--ip=127.0.0.1",
        "--IdentityProvider.token=t",
        f"--ServerApp.root_dir={doctor.tmp}",
        "--ServerApp.jpserver_extensions={'jupyter_vscode': True}",
        "--VSCode.start_timeout=-5",
        "--VSCode.launcher_title",
        "Code (cli)",
    ]
    if os.getuid() == 0:
        argv.append("--allow-root")
    log = open(doctor.tmp / "jupyter.log", "wb")  # noqa: SIM115 - closed below
    env = {**doctor.env, "JUPYTER_VSCODE_CODE_SERVER": stub}
    proc = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while not (doctor.runtime_dir / f"jpserver-{proc.pid}.json").exists():
            assert proc.poll() is None, (doctor.tmp / "jupyter.log").read_text()
            assert time.monotonic() < deadline, (doctor.tmp / "jupyter.log").read_text()
            time.sleep(0.1)
        yield proc.pid
    finally:
        proc.kill()
        proc.wait(10)
        log.close()


def test_command_line_options_of_a_running_jupyter(
    doctor: Doctor, stub: str, running_jupyter: int
) -> None:
    pid = running_jupyter
    code, report = doctor.json("--no-start", JUPYTER_VSCODE_CODE_SERVER=stub)
    source = f"command line of Jupyter pid {pid}"
    options = failed_check(code, report, "options")
    # the message the server itself shows for this value, and where it was given
    assert "c.VSCode.start_timeout=-5.0: expected a number of seconds > 0" in options["detail"]
    assert source in options["detail"]
    assert report["options"]["start_timeout"]["source"] == source
    assert report["options"]["launcher_title"] == {"value": "Code (cli)", "source": source}
    assert any(
        f"Jupyter pid {pid}" in n and "--VSCode.start_timeout=-5" in n for n in report["notes"]
    )
    assert not any("cannot be seen" in n for n in report["notes"])


def test_no_running_jupyter_says_command_line_options_cannot_be_seen(
    doctor: Doctor, stub: str
) -> None:
    code, report = doctor.json("--no-start", JUPYTER_VSCODE_CODE_SERVER=stub)
    assert any(
        "no running Jupyter server was found" in n and "cannot be seen" in n
        for n in report["notes"]
    ), report["notes"]


def test_vscode_args_of_a_command_line() -> None:
    from jupyter_vscode.doctor.running import parse, vscode_args

    argv = ["jupyter-lab", "--VSCode.port", "9000", "--VSCode.prestart=True", "--port=8888"]
    args = vscode_args(argv)
    assert args == ["--VSCode.port=9000", "--VSCode.prestart=True"]
    assert parse(args) == {"port": 9000, "prestart": True}
