"""Supervision logic through the real Jupyter route, with the stub code-server (fast).

The same behaviours are checked against the real code-server in
test_real_code_server_supervision.py.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import stat
from pathlib import Path

import pytest
from tornado.httpclient import HTTPClientError
from traitlets.config import Config

from jupyter_vscode.config import VSCode

from .support.procs import pid_alive, wait_until
from .support.route import PAGE_LOAD


async def get(jp_fetch, *parts, **kw):
    kw.setdefault("raise_error", False)
    return await jp_fetch(*parts, **kw)


async def test_twenty_concurrent_first_requests_start_one_process(
    jp_fetch, supervisor, stub_code_server
):
    stub_code_server.start_slowly(0.5)
    responses = await asyncio.gather(*(get(jp_fetch, "vscode", f"file{i}") for i in range(20)))
    assert [r.code for r in responses] == [200] * 20
    assert len(stub_code_server.runs()) == 1
    assert supervisor.status()["restarts"] == 0


async def test_socket_is_private_and_no_tcp(jp_fetch, supervisor, stub_code_server):
    r = await get(jp_fetch, "vscode/")
    assert r.code == 200
    argv = stub_code_server.runs()[0]["argv"]
    sock = argv[argv.index("--socket") + 1]
    assert "--bind-addr" not in argv
    assert argv[argv.index("--socket-mode") + 1] == "600"
    assert stat.S_IMODE(os.stat(sock).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(os.path.dirname(sock)).st_mode) == 0o700
    for flag in ("--auth", "--disable-telemetry", "--disable-update-check", "--config"):
        assert flag in argv
    assert argv[argv.index("--auth") + 1] == "none"


async def test_environment_is_scrubbed(jp_fetch, monkeypatch, stub_code_server):
    for name in ("PORT", "PASSWORD", "VSCODE_IPC_HOOK_CLI"):
        monkeypatch.setenv(name, "leak")
    assert (await get(jp_fetch, "vscode/")).code == 200
    env = stub_code_server.runs()[0]["env"]
    assert env["PORT"] is None and env["PASSWORD"] is None and env["VSCODE_IPC_HOOK_CLI"] is None


async def test_jupyter_credentials_are_not_forwarded(jp_fetch, jp_serverapp):
    r = await jp_fetch(
        "vscode",
        "echo",
        params={"token": jp_serverapp.identity_provider.token, "keep": "1"},
        headers={
            "Cookie": "_xsrf=abc; username-localhost-8888=secret; jupyterhub-session-id=x; mine=1",
            "X-XSRFToken": "abc",
        },
    )
    seen = {k.lower(): v for k, v in json.loads(r.body).items()}
    assert "authorization" not in seen
    assert "x-xsrftoken" not in seen
    assert seen.get("cookie") == "mine=1"


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
async def test_any_exit_is_restarted_on_next_request(jp_fetch, supervisor, sig, tmp_path):
    assert (await get(jp_fetch, "vscode/")).code == 200
    first = supervisor.pid
    os.kill(first, sig)
    await wait_until(lambda: supervisor.state.value != "running")
    r = await get(jp_fetch, "vscode/")
    assert r.code == 200
    assert supervisor.pid != first
    assert supervisor.status()["restarts"] == 1


async def test_exit_code_zero_is_restarted(jp_fetch, supervisor, stub_code_server):
    stub_code_server.exit_cleanly_after(0.3)
    assert (await get(jp_fetch, "vscode/")).code == 200
    first = supervisor.pid
    await wait_until(lambda: supervisor.state.value != "running")
    assert supervisor.last_exit == 0
    stub_code_server.serve()
    assert (await get(jp_fetch, "vscode/")).code == 200
    assert supervisor.pid != first


@pytest.mark.vscode(max_restarts=2)
async def test_crash_loop_backs_off_then_shows_failure_page_with_log(
    jp_fetch, supervisor, stub_code_server
):
    stub_code_server.crash()
    r = await get(jp_fetch, "vscode/", headers={"Accept": "text/html"})
    # three tries (1 + max_restarts), with pauses, then a page — not a hang, not a 500
    while r.code == 503 and "could not start" not in r.body.decode():
        await asyncio.sleep(0.3)
        r = await get(jp_fetch, "vscode/", headers={"Accept": "text/html"})
    body = r.body.decode()
    assert r.code == 503
    assert "simulated crash at start" in body
    assert "Restart VS Code" in body
    assert "Traceback" not in body
    assert len(stub_code_server.runs()) == 3
    assert supervisor.state.value == "failed"
    # no more attempts while failed
    await get(jp_fetch, "vscode", "x")
    assert len(stub_code_server.runs()) == 3
    # the restart button's API call starts it again
    stub_code_server.serve()
    r = await jp_fetch("api", "vscode", "restart", method="POST", body=b"")
    assert json.loads(r.body)["state"] == "running"


async def test_configured_code_server_missing_names_the_option(jp_fetch, supervisor, tmp_path):
    supervisor.config.code_server = str(tmp_path / "nowhere" / "code-server")
    r = await get(jp_fetch, "vscode/", headers={"Accept": "text/html"})
    body = r.body.decode()
    assert r.code == 503
    assert "The configured code-server cannot be used" in body
    assert "c.VSCode.code_server" in body and "does not exist" in body
    assert "restart Jupyter" in body
    # installing would not change a configured path: not offered
    assert "jupyter vscode install" not in body
    assert "nowhere" in body and "Traceback" not in body
    # API clients get JSON, not HTML
    r = await get(jp_fetch, "vscode", "static", "x.js")
    assert r.code == 503
    message = json.loads(r.body)["message"]
    assert "c.VSCode.code_server" in message and "jupyter vscode install" not in message
    # the restart API and the status say the same
    r = await get(jp_fetch, "api", "vscode", "restart", method="POST", body=b"")
    assert r.code == 409
    message = json.loads(r.body)["message"]
    assert "correct or unset c.VSCode.code_server" in message
    assert "jupyter vscode install" not in message
    status = json.loads((await jp_fetch("api", "vscode", "status")).body)
    assert status["state"] == "missing" and "jupyter vscode install" not in status["error"]


async def test_configured_code_server_not_executable(jp_fetch, supervisor, tmp_path):
    plain = tmp_path / "plain" / "code-server"
    plain.parent.mkdir()
    plain.write_text("#!/bin/sh\n")  # no x bit
    supervisor.config.code_server = str(plain)
    r = await get(jp_fetch, "vscode/", headers={"Accept": "text/html"})
    body = r.body.decode()
    assert r.code == 503 and "not executable" in body and "jupyter vscode install" not in body


async def test_env_var_code_server_missing_names_the_variable(
    jp_fetch, supervisor, tmp_path, monkeypatch
):
    monkeypatch.setenv("JUPYTER_VSCODE_CODE_SERVER", str(tmp_path / "nonexistent"))
    # options without c.VSCode.code_server, so the variable supplies it
    supervisor.config = VSCode(config=Config({"VSCode": {"log_dir": str(tmp_path / "logs")}}))
    r = await get(jp_fetch, "api", "vscode", "restart", method="POST", body=b"")
    assert r.code == 409
    message = json.loads(r.body)["message"]
    assert "$JUPYTER_VSCODE_CODE_SERVER=" in message and "does not exist" in message
    assert "correct or unset $JUPYTER_VSCODE_CODE_SERVER" in message
    assert "jupyter vscode install" not in message


@pytest.mark.vscode(code_server="")
async def test_not_installed_page_offers_install(jp_fetch, supervisor, tmp_path, monkeypatch):
    monkeypatch.delenv("JUPYTER_VSCODE_CODE_SERVER", raising=False)
    monkeypatch.setenv("JUPYTER_VSCODE_PREFIX", str(tmp_path / "prefix"))
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    r = await get(jp_fetch, "vscode/", headers={"Accept": "text/html"})
    body = r.body.decode()
    assert r.code == 503
    # (no `jupyter-vscode` on this PATH: the command printed is this Python's -m form)
    assert "VS Code is not installed yet" in body and "-m jupyter_vscode install" in body
    r = await get(jp_fetch, "api", "vscode", "restart", method="POST", body=b"")
    assert r.code == 409 and "-m jupyter_vscode install" in json.loads(r.body)["message"]


@pytest.mark.vscode(start_timeout=1.0, max_restarts=0)
async def test_hanging_code_server_times_out(jp_fetch, supervisor, stub_code_server):
    stub_code_server.hang()
    r = await get(jp_fetch, "vscode/")
    assert r.code == 503
    assert "did not answer within 1 s" in json.loads(r.body)["message"]
    assert supervisor.state.value == "failed"


@pytest.mark.vscode(start_timeout=30.0)
async def test_starting_page_while_slow_start(jp_fetch, supervisor, stub_code_server):
    stub_code_server.start_slowly(5)
    r = await get(jp_fetch, "vscode/", headers={"Accept": "text/html"})
    assert r.code == 503
    assert "Starting VS Code" in r.body.decode()
    await wait_until(supervisor.is_running, timeout=20)
    assert (await get(jp_fetch, "vscode/", headers={"Accept": "text/html"})).code == 200


async def test_stop_leaves_no_children(jp_fetch, supervisor, stub_code_server):
    stub_code_server.start_session_child()
    assert (await get(jp_fetch, "vscode/")).code == 200
    from jupyter_vscode.proctree import descendants

    await wait_until(lambda: len(descendants(supervisor.pid)) >= 1)
    family = [supervisor.pid, *descendants(supervisor.pid)]
    await supervisor.stop()
    await wait_until(lambda: not any(pid_alive(p) for p in family), timeout=10)


async def test_stop_lets_code_servers_process_group_finish_its_exit(
    jp_fetch, supervisor, tmp_path, stub_code_server
):
    """code-server's launcher exits on SIGTERM before its server and extension hosts, which
    still write state (and Node's compile cache) on the way out: no SIGKILL while they do."""
    marker = tmp_path / "exited-cleanly"
    stub_code_server.start_group_child(marker)
    assert (await get(jp_fetch, "vscode/")).code == 200
    from jupyter_vscode.proctree import descendants, group_alive

    await wait_until(lambda: Path(str(marker) + ".ready").exists())
    assert descendants(supervisor.pid)
    group = supervisor.pid
    await supervisor.stop()
    assert marker.read_text() == "written on the way out"
    assert not group_alive(group)


async def test_stale_run_dir_is_removed(jp_fetch, supervisor, tmp_path):
    from jupyter_vscode import codeserver

    stale = Path(codeserver.run_dir_base()) / (codeserver.RUN_DIR_PREFIX + "stale-test")
    stale.mkdir(exist_ok=True)
    (stale / codeserver.OWNER_FILE).write_text("999999999")
    (stale / "code-server.sock").write_text("")
    assert (await get(jp_fetch, "vscode/")).code == 200
    assert not stale.exists()


async def test_api_status_stop_restart_log(jp_fetch, supervisor):
    status = json.loads((await jp_fetch("api", "vscode", "status")).body)
    assert status["state"] == "stopped"
    r = await jp_fetch("api", "vscode", "restart", method="POST", body=b"{}")
    status = json.loads(r.body)
    assert status["state"] == "running" and status["pid"] and status["version"] == "4.99.0"
    assert status["transport"] == "socket"
    log = json.loads((await jp_fetch("api", "vscode", "log", params={"lines": "50"})).body)
    assert any("HTTP server listening" in line for line in log["lines"])
    assert Path(log["log_file"]).read_text().count("HTTP server listening") == 1
    r = await jp_fetch("api", "vscode", "stop", method="POST", body=b"")
    assert json.loads(r.body)["state"] == "stopped"
    assert not pid_alive(status["pid"])


@pytest.mark.parametrize(
    ("method", "path", "body", "params"),
    [
        ("POST", "restart", b"[1]", None),
        ("POST", "stop", b"{not json", None),
        ("GET", "log", None, {"lines": "many"}),
        ("GET", "log", None, {"lines": "100000"}),
    ],
)
async def test_api_bad_input_is_400(jp_fetch, method, path, body, params):
    with pytest.raises(HTTPClientError) as e:
        await jp_fetch("api", "vscode", path, method=method, body=body, params=params or {})
    assert e.value.code == 400
    assert "message" in json.loads(e.value.response.body)


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "status"), ("POST", "restart"), ("POST", "stop"), ("GET", "log"), ("GET", "launcher")],
)
async def test_api_requires_authentication(jp_fetch, method, path):
    with pytest.raises(HTTPClientError) as e:
        await jp_fetch(
            "api",
            "vscode",
            path,
            method=method,
            body=b"" if method == "POST" else None,
            headers={"Authorization": ""},
        )
    assert e.value.code == 403


async def test_proxy_requires_authentication(jp_fetch, stub_code_server):
    r = await get(jp_fetch, "vscode/", headers={"Authorization": ""}, follow_redirects=False)
    assert r.code in (302, 403)
    assert stub_code_server.runs() == []


@pytest.mark.vscode(launcher_title="Code Editor", launcher_category="Tools")
async def test_launcher_endpoint(jp_fetch):
    data = json.loads((await jp_fetch("api", "vscode", "launcher")).body)
    assert data == {"enabled": True, "title": "Code Editor", "category": "Tools", "url": "vscode/"}


async def test_request_during_stop_starts_nothing_and_a_page_load_after_it_does(
    jp_fetch, supervisor, stub_code_server
):
    """A browser request while a stop (API, idle stop) waits for code-server to exit gets a
    503 and starts nothing (it would get its run directory removed under it); after the stop
    a tab's requests still start nothing, and a user's page load starts a code-server that
    keeps its socket."""
    stub_code_server.exit_slowly_on_term(1.0)
    assert (await get(jp_fetch, "vscode/")).code == 200
    stopping = asyncio.ensure_future(supervisor.stop())
    await asyncio.sleep(0.3)
    during = await get(jp_fetch, "vscode", "x")
    assert during.code == 503, during.body
    assert "being stopped" in json.loads(during.body)["message"]
    await stopping
    after = await get(jp_fetch, "vscode", "y")
    assert after.code == 503 and json.loads(after.body)["message"].startswith("VS Code was stopped")
    assert len(stub_code_server.runs()) == 1 and supervisor.state.value == "stopped"
    page = await get(jp_fetch, "vscode/", headers=dict(PAGE_LOAD))
    assert page.code == 200
    assert supervisor.is_running() and len(stub_code_server.runs()) == 2
    assert os.path.exists(supervisor.socket_path)
    assert (await get(jp_fetch, "vscode", "z")).code == 200
