"""The hub tier's harness (tests/hub/): a real JupyterHub with two real local users.

One hub for the suite: configurable-http-proxy on loopback, DummyAuthenticator, the default
LocalProcessSpawner (the hub runs as root and spawns each user's server as that user). The users
are created with useradd and removed with `userdel -r` at the end.

The users cannot enter /root, where the test venv and the real code-server live, so their
servers run from a world-readable prefix made by tests/hub/provision.sh
($JUPYTER_VSCODE_HUB_PREFIX; .ci/run sets it): venv/bin/jupyterhub-singleuser
with this package installed, and code-server/bin/code-server.

Without root they skip. As root, without configurable-http-proxy or that prefix they skip, or
fail when JUPYTER_VSCODE_REQUIRE_CODE_SERVER=1 (CI).
"""

from __future__ import annotations

import contextlib
import fcntl
import glob
import os
import pwd
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from .codeserver import REQUIRE_REAL
from .procs import free_port

USERS = ("jvtest-a", "jvtest-b")
PASSWORD = "jv-" + secrets.token_hex(8)
HUB_PREFIX = os.environ.get("JUPYTER_VSCODE_HUB_PREFIX", "")
SINGLEUSER = Path(HUB_PREFIX, "venv", "bin", "jupyterhub-singleuser")
USERS_CODE_SERVER = Path(HUB_PREFIX, "code-server", "bin", "code-server")
CI_CACHE = Path(
    os.environ.get("JUPYTER_VSCODE_CI_CACHE", Path.home() / ".cache" / "jupyter-vscode-ci")
)


def unavailable(reason: str) -> None:
    # Required (CI) only where they can run at all: as root.
    if REQUIRE_REAL and os.geteuid() == 0:
        pytest.fail(reason)
    pytest.skip(reason)


def find_chp() -> str | None:
    return shutil.which("configurable-http-proxy") or shutil.which(
        "configurable-http-proxy", path=str(CI_CACHE / "chp" / "node_modules" / ".bin")
    )


# -- local users ---------------------------------------------------------------------------


def uid_of(name: str) -> int | None:
    try:
        return pwd.getpwnam(name).pw_uid
    except KeyError:
        return None


def pids_of_uid(uid: int) -> list[int]:
    pids = []
    for status in glob.glob("/proc/[0-9]*/status"):
        with contextlib.suppress(OSError):
            text = Path(status).read_text()
            m = re.search(r"^Uid:\s+(\d+)", text, re.M)
            if m and int(m.group(1)) == uid:
                pids.append(int(status.split("/")[2]))
    return pids


def remove_user(name: str) -> None:
    """Kill what runs as a test user (all started by this suite's hub), then `userdel -r`."""
    uid = uid_of(name)
    if uid is None:
        return
    for _ in range(50):
        pids = pids_of_uid(uid)
        if not pids:
            break
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.1)
    for path in glob.glob("/tmp/jupyter-vscode-*"):  # code-server run dirs left behind
        with contextlib.suppress(OSError):
            if os.lstat(path).st_uid == uid:
                shutil.rmtree(path, ignore_errors=True)
    subprocess.run(["userdel", "-r", name], capture_output=True, check=False)
    assert uid_of(name) is None, f"could not remove test user {name}"


def create_user(name: str) -> None:
    remove_user(name)  # left over by an interrupted run
    subprocess.run(["useradd", "--create-home", "--shell", "/bin/bash", name], check=True)


# -- the hub ---------------------------------------------------------------------------------

HUB_CONFIG = """\
c = get_config()  # noqa
c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = {port}
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = {hub_port}
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{api_port}"
c.ConfigurableHTTPProxy.command = [{chp!r}]
c.ConfigurableHTTPProxy.pid_file = {dir!r} + "/proxy.pid"
c.JupyterHub.pid_file = {dir!r} + "/hub.pid"
c.JupyterHub.db_url = "sqlite:///" + {dir!r} + "/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = {dir!r} + "/cookie_secret"
c.JupyterHub.cleanup_servers = True

c.JupyterHub.authenticator_class = "dummy"
c.DummyAuthenticator.password = {password!r}
c.Authenticator.allowed_users = set({users!r})

c.JupyterHub.spawner_class = "localprocess"
c.Spawner.cmd = [{singleuser!r}]
c.Spawner.default_url = "/lab"
# both ways the README gives to configure the users' servers: arguments and environment
c.Spawner.args = ["--VSCode.code_server=" + {code_server!r}]
c.Spawner.environment = {{"JUPYTER_VSCODE_START_TIMEOUT": "120"}}
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120

c.JupyterHub.services = [{{"name": "jv-test", "api_token": {token!r}}}]
c.JupyterHub.load_roles = [
    {{"name": "jv-test", "scopes": ["admin:users", "admin:servers"], "services": ["jv-test"]}}
]
"""


@dataclass
class Hub:
    dir: Path
    port: int
    token: str
    proc: subprocess.Popen[bytes]
    log_path: Path

    def url(self, path: str = "") -> str:
        return f"http://127.0.0.1:{self.port}/{path.lstrip('/')}"

    def api(self, method: str, path: str, **kwargs) -> requests.Response:  # type: ignore[no-untyped-def]
        headers = {"Authorization": f"token {self.token}"}
        return requests.request(
            method, self.url("hub/api/" + path), headers=headers, timeout=60, **kwargs
        )

    def log_tail(self, n: int = 60) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        return ""

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("jupyterhub exited:\n" + self.log_tail())
            with contextlib.suppress(requests.RequestException):
                if requests.get(self.url("hub/api/"), timeout=2).status_code == 200:
                    return
            time.sleep(0.3)
        raise AssertionError("jupyterhub did not answer:\n" + self.log_tail())

    def spawn(self, name: str, timeout: float = 150) -> None:
        r = self.api("POST", f"users/{name}/server")
        assert r.status_code in (201, 202, 400), r.text  # 400: already running
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            server = self.api("GET", f"users/{name}").json()["servers"].get("", {})
            if server.get("ready"):
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.5)
        raise AssertionError(f"{name}'s server did not start:\n" + self.log_tail())

    def login(self, name: str) -> requests.Session:
        """A browser-like session: the hub's login form, then the OAuth dance into the user's
        own server (hub -> /user/<name>/oauth_callback), which sets jupyterhub-user-<name>."""
        s = requests.Session()
        r = s.get(self.url("hub/login"), timeout=30)
        m = re.search(r'name="_xsrf" value="([^"]+)"', r.text)
        assert m, r.text
        r = s.post(
            self.url("hub/login"),
            data={"username": name, "password": PASSWORD, "_xsrf": m.group(1)},
            headers={"Accept": "text/html"},
            timeout=60,
        )
        assert r.status_code == 200, (r.status_code, r.url, self.log_tail())
        r = s.get(self.url(f"user/{name}/lab"), headers={"Accept": "text/html"}, timeout=60)
        assert r.status_code == 200, (r.status_code, r.url)
        assert r.url == self.url(f"user/{name}/lab"), r.url
        assert any(c.name == f"jupyterhub-user-{name}" for c in s.cookies), s.cookies
        return s

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # stops the user servers and the proxy
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        with contextlib.suppress(OSError, ValueError):
            chp_pid = int((self.dir / "proxy.pid").read_text().strip())
            if "configurable-http-proxy" in Path(f"/proc/{chp_pid}/cmdline").read_text():
                os.kill(chp_pid, signal.SIGKILL)


@contextlib.contextmanager
def exclusive(timeout: float = 420) -> Iterator[None]:
    """One hub test run per machine at a time: they share the user names (and remove_user
    kills whatever runs as them), and other engineers' test runs may start concurrently."""
    lock_dir = "/run/lock" if os.path.isdir("/run/lock") else "/tmp"
    path = os.path.join(lock_dir, "jupyter-vscode-hub-tests.lock")
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise AssertionError(
                        "another JupyterHub test run held the lock too long"
                    ) from None
                time.sleep(1)
        yield
    finally:
        os.close(fd)  # releases the lock


def run_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    if not sys.platform.startswith("linux") or os.geteuid() != 0:
        unavailable("the JupyterHub tests create local users: run them as root")
    chp = find_chp()
    if chp is None:
        unavailable(
            "configurable-http-proxy not found (npm install configurable-http-proxy; .ci/run "
            "does it)"
        )
    if not HUB_PREFIX:
        unavailable(
            "$JUPYTER_VSCODE_HUB_PREFIX is not set: point it at a directory the test users can "
            "enter and run `bash tests/hub/provision.sh` (as .ci/run does)"
        )
    for path in (SINGLEUSER, USERS_CODE_SERVER):
        if not os.access(path, os.X_OK):
            unavailable(f"{path} missing: run `bash tests/hub/provision.sh` (as .ci/run does)")
    assert chp is not None

    d = tmp_path_factory.mktemp("hub")
    port, hub_port, api_port = free_port(), free_port(), free_port()
    token = secrets.token_hex(16)
    cfg = d / "jupyterhub_config.py"
    cfg.write_text(
        HUB_CONFIG.format(
            port=port,
            hub_port=hub_port,
            api_port=api_port,
            chp=chp,
            dir=str(d),
            password=PASSWORD,
            users=list(USERS),
            singleuser=str(SINGLEUSER),
            code_server=str(USERS_CODE_SERVER),
            token=token,
        )
    )
    env = dict(os.environ)
    env["PATH"] = os.path.dirname(chp) + os.pathsep + env.get("PATH", "")
    env.pop("JUPYTERHUB_API_TOKEN", None)
    log_path = d / "jupyterhub.log"
    hub = None
    try:
        for name in USERS:
            create_user(name)
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(
                [sys.executable, "-m", "jupyterhub", "-f", str(cfg)],
                cwd=d,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        hub = Hub(d, port, token, proc, log_path)
        hub.wait_ready()
        with ThreadPoolExecutor(len(USERS)) as pool:
            list(pool.map(hub.spawn, USERS))
        yield hub
    finally:
        if hub is not None:
            hub.stop()
        for name in USERS:
            remove_user(name)
