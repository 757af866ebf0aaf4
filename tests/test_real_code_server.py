"""The real code-server through the real jupyter-server-proxy route in a real Jupyter server."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from jupyter_vscode.proctree import descendants

from .support.procs import free_port, pid_alive, wait_until

pytestmark = pytest.mark.codeserver


async def get(jp_fetch, *parts, **kw):
    kw.setdefault("raise_error", False)
    kw.setdefault("request_timeout", 90)
    kw.setdefault("follow_redirects", False)
    return await jp_fetch(*parts, **kw)


def tcp_listeners(pids: list[int]) -> list[str]:
    """Local addresses of listening TCP sockets owned by any of ``pids``."""
    inodes = set()
    for pid in pids:
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                try:
                    target = os.readlink(f"/proc/{pid}/fd/{fd}")
                except OSError:
                    continue
                if target.startswith("socket:["):
                    inodes.add(target[8:-1])
        except OSError:
            continue
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as f:
            for line in f.readlines()[1:]:
                cols = line.split()
                if cols[3] == "0A" and cols[9] in inodes:  # 0A = LISTEN
                    found.append(cols[1])
    return found


async def test_opens_root_folder_under_base_url(jp_fetch, jp_root_dir, jp_base_url, supervisor):
    (jp_root_dir / "hello.py").write_text("print('hi')\n")
    r = await get(jp_fetch, "vscode/", follow_redirects=False)
    assert r.code == 302
    assert r.headers["Location"] == f"./?folder={jp_root_dir}"
    r = await get(jp_fetch, "vscode/", params={"folder": str(jp_root_dir)})
    assert r.code == 200, r.body
    html = r.body.decode()
    assert "workbench/workbench.js" in html
    # assets load through the prefixed route (relative URLs)
    status = supervisor.status()
    assert status["state"] == "running" and status["version"].startswith("4.")
    assert jp_base_url == "/a%40b/"  # pytest-jupyter's default: a prefix that needs escaping


async def test_websocket_through_proxy(jp_ws_fetch, jp_fetch, supervisor):
    ws = await jp_ws_fetch(
        "vscode/",
        params={
            "reconnectionToken": "7c2b61e2-5b8e-4f6e-9a4a-3f2d7f1b2c11",
            "reconnection": "false",
            "skipWebSocketFrames": "false",
        },
    )
    try:
        assert supervisor.is_running()
    finally:
        ws.close()


async def test_socket_transport_has_no_tcp_listener(jp_fetch, supervisor):
    assert (await get(jp_fetch, "vscode/")).code in (200, 302)
    pids = [supervisor.pid, *descendants(supervisor.pid)]
    assert supervisor.socket_path and Path(supervisor.socket_path).exists()
    assert tcp_listeners(pids) == []


PORT = free_port()


@pytest.mark.vscode(transport="port", port=PORT)
async def test_port_transport(jp_fetch, supervisor):
    assert (await get(jp_fetch, "vscode/")).code in (200, 302)
    pids = [supervisor.pid, *descendants(supervisor.pid)]
    listeners = tcp_listeners(pids)
    # 127.0.0.1:PORT in /proc/net/tcp is 0100007F:<hex port>
    assert f"0100007F:{PORT:04X}" in listeners
    assert all(addr.startswith("0100007F:") for addr in listeners), listeners
    # the seed recipe's habit, <base_url>proxy/<port>/, reaches the same code-server
    r = await get(jp_fetch, "proxy", str(PORT), "healthz")
    assert r.code == 200 and json.loads(r.body)["status"] in ("alive", "expired")


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
async def test_restarts_after_exit(jp_fetch, supervisor, sig):
    assert (await get(jp_fetch, "vscode/")).code in (200, 302)
    first = supervisor.pid
    os.kill(first, sig)
    await wait_until(lambda: supervisor.state.value != "running", timeout=30)
    # code-server exits with code 0 on SIGTERM, as it does after its own --idle-timeout-seconds
    # (which must be > 60 s, too slow for a test); jupyter-server-proxy never restarts those.
    assert supervisor.last_exit == (0 if sig == signal.SIGTERM else -signal.SIGKILL)
    t0 = time.monotonic()
    assert (await get(jp_fetch, "vscode/")).code in (200, 302)
    assert time.monotonic() - t0 < 30
    assert supervisor.pid != first and supervisor.status()["restarts"] == 1
    await wait_until(lambda: not pid_alive(first), timeout=10)


async def test_twenty_concurrent_first_requests(jp_fetch, supervisor):
    responses = await asyncio.gather(
        *(get(jp_fetch, "vscode/", follow_redirects=False) for _ in range(20))
    )
    assert {r.code for r in responses} == {302}
    starts = [line for line in supervisor.log_tail(1000) if "] starting: " in line]
    assert len(starts) == 1
    assert supervisor.status()["restarts"] == 0


class _Echo(BaseHTTPRequestHandler):
    """Answers with the headers it got; also remembers each request (path, headers, body)."""

    seen: list[dict] = []

    def do_POST(self):
        self.remember(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
        self.answer()

    def do_GET(self):
        self.remember(b"")
        self.answer()

    def remember(self, body: bytes) -> None:
        entry = {"path": self.path, "headers": dict(self.headers.items()), "body": body.decode()}
        self.seen.append(entry)

    def answer(self):
        body = json.dumps(dict(self.headers.items())).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


async def test_jupyter_credentials_never_reach_code_server(jp_fetch, jp_serverapp):
    """code-server's own /proxy/<port>/ forwards what it receives to a local echo server:
    what arrives there is what code-server got from Jupyter's proxy."""
    echo = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    threading.Thread(target=echo.serve_forever, daemon=True).start()
    try:
        token = jp_serverapp.identity_provider.token
        r = await get(
            jp_fetch,
            "vscode",
            "proxy",
            str(echo.server_address[1]),
            "echo",
            params={"token": token},
            headers={"Cookie": "_xsrf=x1; username-127-0-0-1=secret; theirs=ok"},
        )
        assert r.code == 200, r.body
        seen = {k.lower(): v for k, v in json.loads(r.body).items()}
        assert token not in json.dumps(seen)
        assert "authorization" not in seen
        assert seen.get("cookie") == "theirs=ok"
    finally:
        echo.shutdown()


async def test_no_spelling_of_the_token_reaches_code_server(
    http_server_client, jp_base_url, jp_serverapp
):
    """Each request authenticates only with the token in the place under test (so Jupyter
    accepts that spelling); code-server forwards what it got to a local echo server."""
    echo = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    threading.Thread(target=echo.serve_forever, daemon=True).start()
    _Echo.seen = []
    token = jp_serverapp.identity_provider.token
    path = f"{jp_base_url}vscode/proxy/{echo.server_address[1]}/echo"
    opened_with_token = f"http://localhost{jp_base_url}vscode/?folder=/x&token={token}"

    async def fetch(query: str, **kw):  # type: ignore[no-untyped-def]
        return await http_server_client.fetch(
            path + query, raise_error=False, follow_redirects=False, request_timeout=90, **kw
        )

    try:
        for name in ("%74oken", "tok%65n"):
            r = await fetch(f"?a=%2F&{name}={token}&b")
            assert r.code == 200, r.body
            assert _Echo.seen[-1]["path"] == "/echo?a=%2F&b"
        form = {"Content-Type": "application/x-www-form-urlencoded"}
        r = await fetch("", method="POST", body=f"keep=1&token={token}", headers=form)
        assert r.code == 200, r.body
        assert _Echo.seen[-1]["body"] == "keep=1"
        r = await fetch(
            "", headers={"Authorization": f"token {token}", "Referer": opened_with_token}
        )
        assert r.code == 200, r.body
        seen = {k.lower(): v for k, v in _Echo.seen[-1]["headers"].items()}
        assert seen["referer"] == f"http://localhost{jp_base_url}vscode/?folder=/x"
        assert token not in json.dumps(_Echo.seen)
    finally:
        echo.shutdown()


CREDENTIAL_ENV = {"JUPYTER_TOKEN": "t1", "JUPYTERHUB_API_TOKEN": "t2", "JPY_API_TOKEN": "t3"}


def _environ(pid: int) -> dict[str, str]:
    try:
        with open(f"/proc/{pid}/environ", "rb") as f:
            raw = f.read()
    except OSError:  # gone meanwhile
        return {}
    pairs = (item.split(b"=", 1) for item in raw.split(b"\0") if b"=" in item)
    return {k.decode(errors="replace"): v.decode(errors="replace") for k, v in pairs}


async def test_no_code_server_process_inherits_jupyter_tokens(
    jp_fetch, jp_ws_fetch, supervisor, monkeypatch
):
    """code-server, its server, extension host and terminal host (every process of its tree
    after a window connected) run without the Jupyter server's tokens."""
    for name, value in CREDENTIAL_ENV.items():
        monkeypatch.setenv(name, value)
    r = await get(jp_fetch, "vscode/", params={"folder": "/"})
    assert r.code == 200
    ws = await jp_ws_fetch(
        "vscode/",
        params={
            "reconnectionToken": "0c2b61e2-5b8e-4f6e-9a4a-3f2d7f1b2c12",
            "reconnection": "false",
            "skipWebSocketFrames": "false",
        },
    )
    try:
        family = [supervisor.pid, *descendants(supervisor.pid)]
        assert len(family) >= 2
        leaked = {
            pid: sorted(set(_environ(pid)) & set(CREDENTIAL_ENV))
            for pid in family
            if set(_environ(pid)) & set(CREDENTIAL_ENV)
        }
        assert leaked == {}
        assert _environ(supervisor.pid).get("HOME")  # the environ could be read
    finally:
        ws.close()


async def test_workbench_carries_jupyters_framing_policy(jp_fetch, jp_root_dir):
    r = await get(jp_fetch, "vscode/", params={"folder": str(jp_root_dir)})
    assert r.code == 200 and b"workbench" in r.body
    policies = r.headers.get_list("Content-Security-Policy")
    directives = [d.strip() for p in policies for d in p.split(";")]
    assert [d for d in directives if d.startswith("frame-ancestors")] == ["frame-ancestors 'self'"]


async def test_api_restart_and_stop_real(jp_fetch, supervisor):
    r = await jp_fetch("api", "vscode", "restart", method="POST", body=b"", request_timeout=90)
    status = json.loads(r.body)
    assert status["state"] == "running" and status["executable"]
    family = [status["pid"], *descendants(status["pid"])]
    r = await jp_fetch("api", "vscode", "stop", method="POST", body=b"")
    assert json.loads(r.body)["state"] == "stopped"
    await wait_until(lambda: not any(pid_alive(p) for p in family), timeout=15)


@pytest.mark.vscode(response_timeout=2, health_timeout=6)
async def test_stopped_code_server_gets_504_then_is_restarted(jp_fetch, supervisor, jp_root_dir):
    """SIGSTOP on code-server's process group: a wedge (its socket accepts, nothing answers).
    A page load gets the 504 page; the health check kills it and starts a new one."""
    assert (await get(jp_fetch, "vscode/")).code in (200, 302)
    first = supervisor.pid
    family = _family(first)
    os.killpg(first, signal.SIGSTOP)
    try:
        r = await get(jp_fetch, "vscode/", headers={"Accept": "text/html"}, request_timeout=30)
        assert r.code == 504
        assert "VS Code is not answering" in r.body.decode()
        await wait_until(
            lambda: supervisor.is_running() and supervisor.pid not in (None, first), timeout=120
        )
    finally:
        for pid in family:  # whatever is left of it must not stay stopped
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)
    status = supervisor.status()
    assert status["health_restarts"] == 1 and status["restarts"] == 1
    await wait_until(lambda: not any(pid_alive(p) for p in family), timeout=15)
    r = await get(jp_fetch, "vscode/", params={"folder": str(jp_root_dir)})
    assert r.code == 200 and b"workbench" in r.body


@pytest.mark.vscode(
    extra_args=["--user-data-dir", "/proc/jupyter-vscode-test/ud"],
    response_timeout=2,
    health_timeout=3,
    max_restarts=1,
)
async def test_user_data_dir_under_proc_wedges_and_ends_on_the_failure_page(jp_fetch, supervisor):
    """The finding as it was seen: with a --user-data-dir it cannot use, code-server answers
    /healthz at first, then (once VS Code's server loads) nothing at all, while it runs on."""
    r = await get(jp_fetch, "vscode/", headers={"Accept": "text/html"}, request_timeout=60)
    assert r.code in (503, 504), r.code  # starting page, or the wait for an answer ran out
    await wait_until(lambda: supervisor.state.value == "failed", timeout=150)
    status = supervisor.status()
    assert "did not answer its health check (GET /healthz)" in status["error"]
    assert status["health_restarts"] == 2  # 1 + max_restarts
    r = await get(jp_fetch, "vscode/", headers={"Accept": "text/html"})
    assert r.code == 503 and "health check" in r.body.decode()


def _family(pid: int) -> list[int]:
    return [pid, *descendants(pid)]


def _open_vscode(jp) -> None:  # type: ignore[no-untyped-def]
    with jp.request("vscode/") as r:
        assert r.status == 200
    with jp.request("api/vscode/status") as r:
        assert json.loads(r.read())["state"] == "running"


@pytest.mark.parametrize("how", ["SIGTERM", "jupyter server stop"])
def test_stopping_jupyter_leaves_nothing_behind(jupyter_process, real_code_server, how):
    jp = jupyter_process(real_code_server)
    _open_vscode(jp)
    code_server_pids = [p for p in descendants(jp.proc.pid)]
    assert code_server_pids
    if how == "SIGTERM":
        jp.proc.send_signal(signal.SIGTERM)
    else:
        subprocess.run(
            [sys.executable, "-m", "jupyter_server", "stop", str(jp.port)],
            env=jp.env,
            check=True,
            timeout=60,
            capture_output=True,
        )
    jp.proc.wait(30)
    deadline = time.monotonic() + 15
    while any(pid_alive(p) for p in code_server_pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [p for p in code_server_pids if pid_alive(p)] == []


def test_killed_jupyter_does_not_block_next_start(jupyter_process, real_code_server, tmp_path):
    jp = jupyter_process(real_code_server)
    _open_vscode(jp)
    children = descendants(jp.proc.pid)
    jp.proc.kill()  # no cleanup at all: run dir and socket stay behind
    jp.proc.wait(10)
    deadline = time.monotonic() + 15
    while any(pid_alive(p) for p in children) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [p for p in children if pid_alive(p)] == []  # parent-death signal
    jp2 = jupyter_process(real_code_server)
    _open_vscode(jp2)


async def test_websocket_messages_over_10_mib_pass(jp_ws_fetch):
    """code-server issue 7139 ('1009 message too big' through Jupyter's proxy): a 12 MiB
    message goes browser → Jupyter → code-server (its own /proxy/<port>/) → an echo server and
    back."""
    from tornado import web, websocket

    class Echo(websocket.WebSocketHandler):
        def on_message(self, message):
            self.write_message(message, binary=isinstance(message, bytes))

    app = web.Application([("/ws", Echo)], websocket_max_message_size=64 << 20)
    server = app.listen(0, address="127.0.0.1")
    port = next(iter(server._sockets.values())).getsockname()[1]
    try:
        ws = await jp_ws_fetch("vscode", "proxy", str(port), "ws", max_message_size=64 << 20)
        payload = bytes(range(256)) * (12 * 4096)  # 12 MiB
        await ws.write_message(payload, binary=True)
        echoed = await asyncio.wait_for(ws.read_message(), 60)
        assert echoed == payload
        ws.close()
    finally:
        server.stop()
