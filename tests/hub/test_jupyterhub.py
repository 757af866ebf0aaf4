"""jupyter-vscode under a real JupyterHub with two real local users (see tests/support/hub.py).

Each user gets their own VS Code at /user/<name>/vscode/, run as that user on a private unix
socket; the other user reaches it neither through the hub, nor through their own server's
/proxy/, nor from a shell; and the user's Jupyter credentials never reach code-server.
"""

from __future__ import annotations

import contextlib
import glob
import os
import re
import subprocess
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import pytest
import requests

from ..support.hub import PASSWORD, USERS, Hub, pids_of_uid, uid_of

# the first test also waits for the hub and both users' servers (and maybe another run's lock)
pytestmark = [pytest.mark.hub, pytest.mark.timeout(900)]

A, B = USERS
WORKBENCH = "workbench/workbench.js"


@dataclass
class Opened:
    """What a user saw when opening /user/<name>/vscode/, and the code-server behind it."""

    name: str
    session: requests.Session
    redirect: requests.Response
    workbench: requests.Response
    status: dict[str, Any]

    @property
    def pid(self) -> int:
        return int(self.status["pid"])

    @property
    def socket(self) -> str:
        argv = Path(f"/proc/{self.pid}/cmdline").read_bytes().decode().split("\0")
        return argv[argv.index("--socket") + 1]


def open_vscode(hub: Hub, name: str) -> Opened:
    s = hub.login(name)
    # Not a navigation (Accept */*): the proxy waits for code-server's first start.
    redirect = s.get(hub.url(f"user/{name}/vscode/"), allow_redirects=False, timeout=150)
    location = redirect.headers.get("Location", "")
    workbench = s.get(hub.url(f"user/{name}/vscode/") + location.removeprefix("./"), timeout=60)
    status = s.get(hub.url(f"user/{name}/api/vscode/status"), timeout=30).json()
    return Opened(name, s, redirect, workbench, status)


@pytest.fixture(scope="module")
def opened(hub: Hub) -> dict[str, Opened]:
    with ThreadPoolExecutor(len(USERS)) as pool:
        return dict(zip(USERS, pool.map(lambda n: open_vscode(hub, n), USERS), strict=True))


def proc_uid(pid: int) -> int:
    text = Path(f"/proc/{pid}/status").read_text()
    m = re.search(r"^Uid:\s+(\d+)\s+(\d+)", text, re.M)
    assert m
    assert m.group(1) == m.group(2)  # real == effective
    return int(m.group(1))


def descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for stat in glob.glob("/proc/[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = Path(stat).read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(stat.split("/")[2]))
    tree, todo = {pid}, [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            tree.add(child)
            todo.append(child)
    return tree


def tcp_listeners(pids: set[int]) -> set[int]:
    """Ports of the TCP sockets (v4 and v6) in state LISTEN held open by these processes."""
    inodes = set()
    for pid in pids:
        for fd in glob.glob(f"/proc/{pid}/fd/*"):
            with contextlib.suppress(OSError):
                m = re.fullmatch(r"socket:\[(\d+)\]", os.readlink(fd))
                if m:
                    inodes.add(m.group(1))
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            f = line.split()
            if f[3] == "0A" and f[9] in inodes:
                ports.add(int(f[1].rsplit(":", 1)[1], 16))
    return ports


def run_as(user: str, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["runuser", "-u", user, "--", *argv], capture_output=True, text=True, timeout=30
    )


CONNECT = """
import socket, sys
s = socket.socket(socket.AF_UNIX)
try:
    s.connect(sys.argv[1])
except OSError as e:
    print(type(e).__name__)
    sys.exit(1)
s.sendall(b"GET /healthz HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n")
print(s.recv(100).split(b"\\r\\n")[0].decode())
"""


# -- each user has their own VS Code -----------------------------------------------------------


@pytest.mark.parametrize("name", USERS)
def test_each_user_opens_their_own_vscode(opened: dict[str, Opened], name: str) -> None:
    o = opened[name]
    assert o.redirect.status_code == 302, (o.redirect.status_code, o.redirect.text[:500])
    assert o.redirect.headers["Location"].startswith("./?folder="), o.redirect.headers
    assert unquote(o.redirect.headers["Location"]).endswith(f"=/home/{name}")
    assert o.workbench.status_code == 200
    assert WORKBENCH in o.workbench.text
    assert o.status["state"] == "running", o.status
    assert o.status["transport"] == "socket"
    assert proc_uid(o.pid) == uid_of(name), "code-server does not run as its user"


def test_the_two_users_have_separate_code_servers(opened: dict[str, Opened]) -> None:
    a, b = opened[A], opened[B]
    assert a.pid != b.pid
    assert a.socket != b.socket
    for o in (a, b):
        run_dir = os.path.dirname(o.socket)
        st_dir, st_sock = os.stat(run_dir), os.stat(o.socket)
        assert st_dir.st_uid == st_sock.st_uid == uid_of(o.name)
        assert st_dir.st_mode & 0o777 == 0o700, oct(st_dir.st_mode)
        assert st_sock.st_mode & 0o777 == 0o600, oct(st_sock.st_mode)


# -- B cannot reach A's VS Code ----------------------------------------------------------------


def test_b_cannot_open_as_vscode_through_the_hub(hub: Hub, opened: dict[str, Opened]) -> None:
    s = opened[B].session
    r = s.get(hub.url(f"user/{A}/vscode/"), allow_redirects=False, timeout=30)
    assert r.status_code == 302, r.status_code  # A's server doesn't know B: off to the hub
    assert "/hub/" in r.headers["Location"], r.headers["Location"]
    r = s.get(hub.url(f"user/{A}/vscode/"), timeout=30)  # ... which refuses B
    assert r.status_code == 403, (r.status_code, r.url)
    assert WORKBENCH not in r.text
    for path in (f"user/{A}/vscode/?folder=/home/{A}", f"user/{A}/api/vscode/status"):
        r = s.get(hub.url(path), timeout=30)
        assert r.status_code in (403, 404), (path, r.status_code, r.url)
        assert WORKBENCH not in r.text and '"pid"' not in r.text


def test_as_code_server_listens_on_no_tcp_port(opened: dict[str, Opened]) -> None:
    a = opened[A]
    cs_tree = descendants(a.pid)
    assert tcp_listeners(cs_tree) == set()
    # the same check does see A's Jupyter server listening (so it would see code-server's)
    uid = uid_of(A)
    assert uid is not None
    assert tcp_listeners(set(pids_of_uid(uid)) - cs_tree), "A's Jupyter has no TCP listener?"


def test_b_cannot_reach_as_vscode_through_bs_own_proxy(hub: Hub, opened: dict[str, Opened]) -> None:
    """jupyter-server-proxy's /proxy/ goes to TCP ports on localhost. A's code-server has none;
    A's Jupyter server has one, but it requires A's credentials, which B's proxy lacks."""
    a, s = opened[A], opened[B].session
    uid = uid_of(A)
    assert uid is not None
    ports = tcp_listeners(set(pids_of_uid(uid))) | {8080}  # A's Jupyter, and code-server's default
    sock = quote(a.socket, safe="")
    paths = [f"user/{B}/proxy/unix:{sock}/", f"user/{B}/proxy/unix+http:{sock}/"]
    for port in sorted(ports):
        for host in ("", "localhost:", "127.0.0.1:"):
            paths += [
                f"user/{B}/proxy/{host}{port}/",
                f"user/{B}/proxy/{host}{port}/user/{A}/vscode/",
                f"user/{B}/proxy/{host}{port}/user/{A}/vscode/?folder=/home/{A}",
                f"user/{B}/proxy/absolute/{host}{port}/user/{A}/vscode/",
            ]
    for path in paths:
        r = s.get(hub.url(path), allow_redirects=False, timeout=30)
        assert WORKBENCH not in r.text, path
        if r.is_redirect:  # follow it with B's session: still not A's VS Code
            r = s.get(hub.url(path), timeout=30)
            assert WORKBENCH not in r.text, path


def test_b_cannot_connect_to_as_socket_from_a_shell(opened: dict[str, Opened]) -> None:
    sock = opened[A].socket
    # control: A can (so the path is right and code-server answers there)
    r = run_as(A, "/usr/bin/python3", "-c", CONNECT, sock)
    assert r.returncode == 0 and r.stdout.split()[:2] == ["HTTP/1.1", "200"], r
    r = run_as(B, "/usr/bin/python3", "-c", CONNECT, sock)
    assert r.returncode == 1 and r.stdout.strip() == "PermissionError", r
    r = run_as(B, "curl", "-sS", "--max-time", "5", "--unix-socket", sock, "http://localhost/")
    assert r.returncode != 0 and "<html" not in r.stdout.lower(), r
    r = run_as(B, "ls", os.path.dirname(sock))
    assert r.returncode != 0 and "Permission denied" in r.stderr, r


# -- A's Jupyter credentials never reach code-server ----------------------------------------------


class _Echo(BaseHTTPRequestHandler):
    seen: list[dict[str, Any]] = []

    def do_GET(self) -> None:  # noqa: N802
        self.seen.append({"path": self.path, "headers": list(self.headers.items())})
        body = b"echo"
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def echo() -> Iterator[tuple[int, list[dict[str, Any]]]]:
    seen: list[dict[str, Any]] = []
    handler = type("Echo", (_Echo,), {"seen": seen})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], seen
    server.shutdown()
    server.server_close()


def test_as_credentials_never_reach_code_server(
    hub: Hub, opened: dict[str, Opened], echo: tuple[int, list[dict[str, Any]]]
) -> None:
    """code-server's own /proxy/<port>/ forwards what code-server received to a probe."""
    port, seen = echo
    s = opened[A].session
    # A's own API token (A authenticates with the password in the request body)
    r = requests.post(
        hub.url(f"hub/api/users/{A}/tokens"),
        json={"auth": {"username": A, "password": PASSWORD}, "note": "jupyter-vscode test"},
        timeout=30,
    )
    assert r.status_code in (200, 201), r.text
    token = r.json()["token"]
    names = {c.name for c in s.cookies}
    assert {f"jupyterhub-user-{A}", "jupyterhub-session-id"} <= names, names
    xsrf = next(c.value for c in s.cookies if c.name == "_xsrf" and c.path == f"/user/{A}/")

    r = s.get(
        hub.url(f"user/{A}/vscode/proxy/{port}/echo?token={token}&probe=1"),
        headers={"Authorization": f"token {token}", "X-XSRFToken": xsrf},
        cookies={"jv-probe": "kept"},
        timeout=60,
    )
    assert r.status_code == 200 and r.text == "echo", (r.status_code, r.text[:300])
    assert len(seen) == 1, seen
    got = seen[0]
    headers = {k.lower(): v for k, v in got["headers"]}
    assert got["path"] == "/echo?probe=1", got["path"]
    assert token not in str(got)
    assert "authorization" not in headers, headers
    assert "x-xsrftoken" not in headers, headers
    cookie_names = {c.split("=", 1)[0].strip() for c in headers.get("cookie", "").split(";")}
    assert "jv-probe" in cookie_names, headers  # cookies do pass: the filter is what removed them
    assert not {c for c in cookie_names if c.startswith("jupyterhub-") or c == "_xsrf"}, headers

    # the credentials were real: the same request to A's Jupyter API is authenticated by them
    r = requests.get(
        hub.url(f"user/{A}/api/vscode/status"), headers={"Authorization": f"token {token}"}
    )
    assert r.status_code == 200 and r.json()["pid"] == opened[A].pid
