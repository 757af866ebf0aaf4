"""The real code-server through the extension's route in a real Jupyter server: the pages,
websockets, the transports, the framing policy, and none of Jupyter's credentials reaching it.
Its supervision (restarts, stops, nothing left behind) is in
test_real_code_server_supervision.py."""

from __future__ import annotations

import asyncio
import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from jupyter_vscode.proctree import descendants

from .support.procs import free_port
from .support.route import get

pytestmark = pytest.mark.codeserver


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
