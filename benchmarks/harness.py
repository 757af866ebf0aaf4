"""The benchmark's two sides and what measures them: the extension (a real `jupyter server`,
tests/support/jupyter.py's harness, importing the jupyter_vscode of this checkout) and the
same code-server started by hand on a TCP port ("direct"); process and socket probes."""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from jupyter_vscode.codeserver import build_launch, cleanup_run_dir
from jupyter_vscode.config import VSCode
from tests.support.browser import CHROMIUM_ARGS, find_chromium
from tests.support.jupyter import JupyterProcess
from tests.support.procs import free_port

REPO = Path(__file__).resolve().parents[1]
TOKEN = "bench-token"
MARKER = "hello.py"
#: Websocket burst: replies the echo server sends, each a moment after the last, to one message.
BURST = 10
__all__ = ["CHROMIUM_ARGS", "find_chromium", "free_port"]


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def median(xs: list[float]) -> float:
    return statistics.median(xs) if xs else float("nan")


def pct(xs: list[float], p: float) -> float:
    if not xs:
        return float("nan")
    s = sorted(xs)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def kill_group(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # extension hosts etc.
    except ProcessLookupError:
        pass
    proc.wait(10)


def http_answers(port: int, path: str = "/healthz", timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            s.sendall(
                f"GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".encode()
            )
            return s.recv(5) == b"HTTP/"
    except OSError:
        return False


def run_async(coro: Any) -> Any:
    """asyncio.run in a worker thread: independent of Playwright's own loop."""
    with concurrent.futures.ThreadPoolExecutor(1) as ex:
        return ex.submit(asyncio.run, coro).result()


class Bench:
    """The work directory and the folder both sides open."""

    def __init__(self, work: Path, code_server: str):
        self.work = work
        self.code_server = code_server
        self.root = work / "root"
        self.root.mkdir()
        (self.root / MARKER).write_text("print('hello')\n")
        (self.root / "notes.md").write_text("# notes\n")
        (self.root / "data").mkdir()
        (self.root / "data" / "x.csv").write_text("a,b\n1,2\n")


class Jupyter(JupyterProcess):
    """A real `jupyter server` subprocess (in its own session), with or without the extension,
    importing the jupyter_vscode of ``checkout`` (default: this one)."""

    def __init__(
        self,
        bench: Bench,
        name: str,
        ext: bool = True,
        options: dict[str, Any] | None = None,
        checkout: Path = REPO,
    ):
        d = bench.work / name
        pythonpath = os.pathsep.join([str(checkout), os.environ.get("PYTHONPATH", "")])
        super().__init__(
            d,
            bench.code_server,
            [f"--VSCode.{k}={v}" for k, v in (options or {}).items()],
            token=TOKEN,
            root=bench.root,
            extensions={"jupyter_vscode": ext, "jupyter_server_proxy": True},
            env={
                "JUPYTER_VSCODE_LOG_DIR": str(d / "logs"),
                "PYTHONPATH": pythonpath.rstrip(os.pathsep),
            },
            new_session=True,
        )

    def api(self, path: str, method: str = "GET", timeout: float = 120) -> Any:
        """The JSON answer of <base_url><path>."""
        with self.request(path, method, timeout) as r:
            body = r.read()
        return json.loads(body) if body else None

    def vscode_state(self) -> str:
        return str(self.api("api/vscode/status")["state"])

    def stop_vscode(self) -> None:
        self.api("api/vscode/stop", "POST")

    def start_vscode(self) -> None:
        self.api("api/vscode/restart", "POST")

    def wait_running(self, timeout: float = 90) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.vscode_state() == "running":
                return True
            time.sleep(0.05)
        return False

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                pass
        kill_group(self.proc)
        self._log.close()


class Direct:
    """The same code-server with the same flags, started by hand on a TCP port."""

    def __init__(self, bench: Bench, name: str):
        self.bench = bench
        self.port = free_port()
        self.dir = bench.work / name
        self.proc: subprocess.Popen[bytes] | None = None
        self.spec: Any = None

    def url(self, path: str = "") -> str:
        return f"http://127.0.0.1:{self.port}/{path}"

    def start(self) -> None:
        """Start and return as soon as it answers (polled every 5 ms: the best a human can do)."""
        cfg = VSCode(
            code_server=self.bench.code_server,
            user_data_dir=str(self.dir / "ud"),
            extensions_dir=str(self.dir / "ud" / "extensions"),
            log_dir=str(self.dir / "logs"),
            transport="port",
            port=self.port,
            extra_args=[],
            folder="",
            trusted_origins=[],
            disable_workspace_trust=True,
        )
        self.spec = build_launch(cfg, self.bench.code_server, str(self.bench.root))
        logf = open(self.dir / "code-server.log", "ab")  # noqa: SIM115
        self.proc = subprocess.Popen(
            self.spec.argv, env=self.spec.env, cwd=self.spec.cwd, stdout=logf,
            stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        logf.close()
        while not http_answers(self.port):
            if self.proc.poll() is not None:
                raise RuntimeError(
                    "code-server exited: " + (self.dir / "code-server.log").read_text()
                )
            time.sleep(0.005)

    def stop(self) -> None:
        if self.proc is not None:
            kill_group(self.proc)
            self.proc = None
        if self.spec is not None:
            cleanup_run_dir(self.spec)
            self.spec = None
