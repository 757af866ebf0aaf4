"""``jupyter vscode doctor``: run as a user would, in a subprocess with an isolated HOME and
Jupyter config/runtime dirs, so the report reflects only what each test sets up. Here: the
report's shape and output, finding and starting code-server, the other packages and the log;
the options and where each came from are in test_doctor_options.py."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from jupyter_vscode.doctor import FAIL, OK, Check, Named, doctor_check

from .support.doctor import Doctor, check, failed_check
from .support.stub import write_stub_wrapper

REPO = Path(__file__).resolve().parent.parent


def executable(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


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
    found = failed_check(code, report, "code-server found")
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
    cfg = doctor.write_config(f"c.VSCode.code_server = {str(plain)!r}\n")
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
    version = failed_check(code, report, "code-server version")
    assert "libfoo.so.1" in version["detail"] and "code 1" in version["detail"]
    start = check(report, "code-server start")
    assert start["status"] == "fail"
    assert "libfoo.so.1" in start["detail"]


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
    doctor.write_config(
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
    @doctor_check("exploding")
    def boom(c: Named) -> Check:
        raise RuntimeError("kaboom")

    result = boom()
    assert result.status == FAIL and "kaboom" in result.detail and result.hint
    assert OK == "ok"


def test_extension_disabled_in_config_file(doctor: Doctor, stub: str) -> None:
    extensions = {"ServerApp": {"jpserver_extensions": {"jupyter_vscode": False}}}
    doctor.write_config(json.dumps(extensions), "jupyter_server_config.json")
    code, report = doctor.json("--no-start", JUPYTER_VSCODE_CODE_SERVER=stub)
    assert "disabled" in failed_check(code, report, "server extension")["detail"]


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
