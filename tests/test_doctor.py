"""``jupyter vscode doctor``: run as a user would, in a subprocess with an isolated HOME and
Jupyter config/runtime dirs, so the report reflects only what each test sets up."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from jupyter_vscode.doctor import FAIL, OK, Check, guarded

from .support.doctor import Doctor
from .support.procs import free_port
from .support.stub import write_stub_wrapper

REPO = Path(__file__).resolve().parent.parent


def check(report: dict, name: str) -> dict:  # type: ignore[type-arg]
    found = [c for c in report["checks"] if c["name"] == name]
    assert found, f"no check {name!r} in {[c['name'] for c in report['checks']]}"
    return found[0]


def executable(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


@pytest.fixture
def doctor(tmp_path: Path) -> Doctor:
    d = Doctor(tmp_path)
    if shutil.which("code-server", path=d.env["PATH"]):
        pytest.skip("a code-server on the system PATH would be found by every test")
    return d


@pytest.fixture
def stub(tmp_path: Path) -> str:
    return str(write_stub_wrapper(tmp_path / "stub-bin" / "code-server"))


def test_json_structure(doctor: Doctor, stub: str) -> None:
    code, report = doctor.json("--no-start", JUPYTER_VSCODE_CODE_SERVER=stub)
    assert set(report) >= {"ok", "checks", "options", "log"}
    assert isinstance(report["ok"], bool)
    for c in report["checks"]:
        assert set(c) == {"name", "status", "detail", "hint"}
        assert c["status"] in ("ok", "warn", "fail")
        if c["status"] != "ok":
            assert c["hint"], c
    names = [c["name"] for c in report["checks"]]
    for expected in (
        "code-server found",
        "code-server version",
        "glibc",
        "OS",
        "Python",
        "Node.js",
        "Jupyter packages",
        "server extension",
        "labextension",
        "conflicting packages",
        "environment",
        "options",
    ):
        assert expected in names
    assert "code-server start" not in names  # --no-start
    for name, opt in report["options"].items():
        assert set(opt) >= {"value", "source"}, name
    assert {"code_server", "port", "start_timeout", "log_dir"} <= set(report["options"])
    assert set(report["log"]) >= {"file", "lines"}
    assert report["ok"] == (code == 0)
    assert report["ok"] == all(c["status"] != "fail" for c in report["checks"])
    assert check(report, "code-server found")["detail"].startswith(stub)
    assert "4.99.0" in check(report, "code-server version")["detail"]
    assert check(report, "Jupyter packages")["status"] == "ok"


def test_stub_start_check(doctor: Doctor, stub: str) -> None:
    code, report = doctor.json(JUPYTER_VSCODE_CODE_SERVER=stub)
    start = check(report, "code-server start")
    assert start["status"] == "ok", start
    assert "healthz" in start["detail"]


@pytest.mark.codeserver
def test_real_code_server_starts(doctor: Doctor, real_code_server: str) -> None:
    code, report = doctor.json(JUPYTER_VSCODE_CODE_SERVER=real_code_server)
    assert check(report, "code-server found")["status"] == "ok"
    version = check(report, "code-server version")
    assert version["status"] == "ok" and version["detail"][0].isdigit(), version
    start = check(report, "code-server start")
    assert start["status"] == "ok", start
    assert "answered GET /healthz on a unix socket in" in start["detail"]
    # throwaway state only: nothing of code-server's in the (isolated) home directory
    assert not (doctor.home / ".local" / "share" / "code-server").exists()
    assert not (doctor.home / ".config" / "code-server").exists()
    assert not list(doctor.tmp.glob("**/code-server-*.log"))


def test_missing_code_server(doctor: Doctor) -> None:
    code, report = doctor.json()
    assert code == 1 and report["ok"] is False
    found = check(report, "code-server found")
    assert found["status"] == "fail"
    assert "jupyter vscode install" in found["hint"]
    assert check(report, "code-server start")["status"] == "fail"


def test_missing_configured_code_server(doctor: Doctor, tmp_path: Path) -> None:
    code, report = doctor.json("--no-start", JUPYTER_VSCODE_CODE_SERVER=str(tmp_path / "nope"))
    assert code == 1
    found = check(report, "code-server found")
    assert found["status"] == "fail"
    assert str(tmp_path / "nope") in found["detail"]
    assert "JUPYTER_VSCODE_CODE_SERVER" in found["detail"]
    assert "does not exist" in found["detail"]
    # the fix is the variable; installing would not change it
    assert "correct or unset $JUPYTER_VSCODE_CODE_SERVER" in found["hint"]
    for name in ("code-server found", "code-server version"):
        assert "jupyter vscode install" not in check(report, name)["hint"], name


def test_configured_code_server_in_config_file_not_executable(
    doctor: Doctor, tmp_path: Path
) -> None:
    plain = tmp_path / "plain" / "code-server"
    plain.parent.mkdir()
    plain.write_text("#!/bin/sh\n")  # not executable
    cfg = doctor.config_dir / "jupyter_server_config.py"
    cfg.write_text(f"c.VSCode.code_server = {str(plain)!r}\n")
    code, report = doctor.json()
    assert code == 1
    found = check(report, "code-server found")
    assert "not executable" in found["detail"] and str(cfg) in found["detail"]
    assert "correct or unset c.VSCode.code_server" in found["hint"]
    for name in ("code-server found", "code-server version", "code-server start"):
        assert "jupyter vscode install" not in check(report, name)["hint"], name


def test_broken_code_server(doctor: Doctor, tmp_path: Path) -> None:
    broken = executable(
        tmp_path / "broken" / "code-server",
        "#!/bin/sh\necho 'error: libfoo.so.1: cannot open shared object file' >&2\nexit 1\n",
    )
    code, report = doctor.json(JUPYTER_VSCODE_CODE_SERVER=str(broken))
    assert code == 1
    version = check(report, "code-server version")
    assert version["status"] == "fail"
    assert "libfoo.so.1" in version["detail"] and "code 1" in version["detail"]
    start = check(report, "code-server start")
    assert start["status"] == "fail"
    assert "libfoo.so.1" in start["detail"]


def test_bad_env_option(doctor: Doctor, stub: str) -> None:
    code, report = doctor.json(
        "--no-start", JUPYTER_VSCODE_CODE_SERVER=stub, JUPYTER_VSCODE_PORT="abc"
    )
    assert code == 1
    options = check(report, "options")
    assert options["status"] == "fail"
    assert "JUPYTER_VSCODE_PORT" in options["detail"] and "'abc'" in options["detail"]
    assert report["options"]["port"]["source"] == "env JUPYTER_VSCODE_PORT"
    assert "error" in report["options"]["port"]
    # the other options are still reported
    assert report["options"]["start_timeout"] == {"value": 60.0, "source": "default"}


def test_bad_config_file_option(doctor: Doctor, stub: str) -> None:
    cfg = doctor.config_dir / "jupyter_server_config.py"
    cfg.write_text("c.VSCode.port = 70000\n")
    code, report = doctor.json("--no-start", JUPYTER_VSCODE_CODE_SERVER=stub)
    assert code == 1
    options = check(report, "options")
    assert options["status"] == "fail"
    assert "c.VSCode.port" in options["detail"] and str(cfg) in options["detail"]
    assert report["options"]["port"]["source"] == f"config {cfg}"


def test_broken_config_file(doctor: Doctor, stub: str) -> None:
    cfg = doctor.config_dir / "jupyter_server_config.py"
    cfg.write_text("c.VSCode.port = (\n")
    code, report = doctor.json("--no-start", JUPYTER_VSCODE_CODE_SERVER=stub)
    assert code == 1
    files = check(report, "config files")
    assert files["status"] == "fail" and str(cfg) in files["detail"]


def test_option_sources(doctor: Doctor, stub: str) -> None:
    py = doctor.config_dir / "jupyter_server_config.py"
    py.write_text(
        textwrap.dedent(
            """
            c.VSCode.max_restarts = 2
            c.VSCode.launcher_title = "Code (config)"
            """
        )
    )
    js = doctor.config_dir / "jupyter_server_config.json"
    js.write_text(json.dumps({"VSCode": {"launcher_category": "Editors"}}))
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
    js = doctor.config_dir / "jupyter_server_config.json"
    js.write_text(json.dumps({"VSCode": {"user_data_dir": str(data)}}))
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


def test_conflicting_entry_point(doctor: Doctor, stub: str, tmp_path: Path) -> None:
    site = tmp_path / "site"
    info = site / "fake_vscode_proxy-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: fake-vscode-proxy\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        "[jupyter_serverproxy_servers]\nvscode = fake_vscode_proxy:setup_vscode\n"
    )
    code, report = doctor.json(
        "--no-start",
        JUPYTER_VSCODE_CODE_SERVER=stub,
        PYTHONPATH=os.pathsep.join([str(REPO), str(site)]),
    )
    conflicts = check(report, "conflicting packages")
    assert conflicts["status"] == "warn"
    assert "vscode" in conflicts["detail"] and "fake-vscode-proxy" in conflicts["detail"]
    assert "pip uninstall fake-vscode-proxy" in conflicts["hint"]
    assert code == 0


def test_conflicting_server_proxy_config(doctor: Doctor, stub: str) -> None:
    (doctor.config_dir / "jupyter_server_config.py").write_text(
        "c.ServerProxy.servers = {'code-server': {'command': ['code-server', '--port={port}']}}\n"
    )
    code, report = doctor.json("--no-start", JUPYTER_VSCODE_CODE_SERVER=stub)
    conflicts = check(report, "conflicting packages")
    assert conflicts["status"] == "warn"
    assert "c.ServerProxy.servers['code-server']" in conflicts["detail"]


def test_scrubbed_env_vars_are_informational(doctor: Doctor, stub: str) -> None:
    code, report = doctor.json(
        "--no-start", JUPYTER_VSCODE_CODE_SERVER=stub, PORT="9999", PASSWORD="x"
    )
    env = check(report, "environment")
    assert env["status"] == "ok"
    assert "PORT" in env["detail"] and "PASSWORD" in env["detail"]
    assert "removes them" in env["detail"]


def test_log_tail(doctor: Doctor, stub: str, tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    old = logs / "code-server-1.log"
    old.write_text("old line\n")
    os.utime(old, (1_000_000, 1_000_000))
    new = logs / "code-server-4242.log"
    new.write_text("".join(f"line {i}\n" for i in range(30)))
    env = {"JUPYTER_VSCODE_CODE_SERVER": stub, "JUPYTER_VSCODE_LOG_DIR": str(logs)}

    code, report = doctor.json("--no-start", "--lines", "5", **env)
    assert report["log"]["file"] == str(new)
    assert report["log"]["lines"] == [f"line {i}" for i in range(25, 30)]

    text = doctor.run("--no-start", **env)
    assert f"Log: {new} (last 20 lines)" in text.stdout
    assert "  | line 29" in text.stdout and "  | line 9\n" not in text.stdout


def test_human_output(doctor: Doctor, stub: str) -> None:
    proc = doctor.run("--no-start", JUPYTER_VSCODE_CODE_SERVER=stub, PYTHONIOENCODING="utf-8")
    assert proc.returncode in (0, 1)
    out = proc.stdout
    assert "\033[" not in out  # not a TTY: no colour
    assert "Checks" in out and "Options (c.VSCode.*)" in out and "Result:" in out
    assert "✓ code-server found" in out
    assert "the start test was skipped (--no-start)" in out
    ascii_out = doctor.run(
        "--no-start", JUPYTER_VSCODE_CODE_SERVER=stub, PYTHONIOENCODING="ascii"
    ).stdout
    assert "OK   code-server found" in ascii_out


def test_missing_code_server_human_output_has_hint(doctor: Doctor) -> None:
    proc = doctor.run("--no-start", PYTHONIOENCODING="utf-8")
    assert proc.returncode == 1
    assert "✗ code-server found" in proc.stdout
    assert "→ run `jupyter vscode install`" in proc.stdout
    assert "Traceback" not in proc.stdout + proc.stderr


def test_a_crashing_check_is_a_failed_check() -> None:
    @guarded("exploding")
    def boom() -> Check:
        raise RuntimeError("kaboom")

    result = boom()
    assert result.status == FAIL and "kaboom" in result.detail and result.hint
    assert OK == "ok"


def test_extension_disabled_in_config_file(doctor: Doctor, stub: str) -> None:
    (doctor.config_dir / "jupyter_server_config.json").write_text(
        json.dumps({"ServerApp": {"jpserver_extensions": {"jupyter_vscode": False}}})
    )
    code, report = doctor.json("--no-start", JUPYTER_VSCODE_CODE_SERVER=stub)
    ext = check(report, "server extension")
    assert ext["status"] == "fail" and "disabled" in ext["detail"]
    assert code == 1


def test_install_without_kerberos_is_noted(doctor: Doctor, tmp_path: Path) -> None:
    from jupyter_vscode.installer.layout import Layout, write_marker

    layout = Layout(tmp_path / "prefix")
    version_dir = layout.versions / "4.2.0-npm"
    write_stub_wrapper(version_dir / "bin" / "code-server")
    write_marker(version_dir, version="4.2.0", method="npm", kerberos="disabled")
    install = layout.read_install(version_dir)
    assert install is not None
    layout.activate(install)

    code, report = doctor.json("--no-start")
    assert check(report, "code-server found")["detail"].startswith(str(layout.bin_link))
    notes = [n for n in report["notes"] if "Kerberos" in n]
    assert len(notes) == 1 and "libkrb5-dev" in notes[0] and "--force" in notes[0]
    human = doctor.run("--no-start").stdout
    assert "Note: this code-server was built without the Kerberos" in human

    write_marker(version_dir, version="4.2.0", method="npm", kerberos="enabled")
    code, report = doctor.json("--no-start")
    assert not [n for n in report["notes"] if "Kerberos" in n]


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
    assert code == 1
    source = f"command line of Jupyter pid {pid}"
    options = check(report, "options")
    assert options["status"] == "fail"
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
