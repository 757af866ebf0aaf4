"""jupyter-vscode against code-server opened directly: one command, one table.

    python benchmarks/run.py            # full run (~7 min on 2 cores)
    python benchmarks/run.py --quick    # fewer repetitions (~3 min)
    python benchmarks/run.py --only ws,assets --reps 5 --json out.json

Every comparison runs the extension (A: a real `jupyter server` subprocess importing the
jupyter_vscode of THIS checkout) and the reference (B: the same code-server, same flags, started
by hand on 127.0.0.1:<port>, the browser pointed straight at it) in the same run, alternating
A/B and B/A, and reports medians and ratios. Needs code-server (found like the extension finds
it, e.g. $JUPYTER_VSCODE_CODE_SERVER), Chromium (/usr/bin/chromium or $JUPYTER_VSCODE_CHROMIUM)
and the Python packages playwright and aiohttp. Timings are noisy on a busy machine: compare
ratios from one run, not absolute numbers from different runs.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import json
import logging
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from jupyter_vscode.codeserver import build_launch, cleanup_run_dir  # noqa: E402
from jupyter_vscode.config import VSCode  # noqa: E402
from jupyter_vscode.locate import find_code_server  # noqa: E402

TOKEN = "bench-token"
BASE_URL = "/jupyter/default/"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
MARKER = "hello.py"
#: Prestart click: how long code-server has been answering when the browser opens it.
LEAD_SECONDS = 1.0
#: Websocket burst: replies the echo server sends, each a moment after the last, to one message.
BURST = 10
EXPLORER_ROW = f'.explorer-folders-view .monaco-list-row:has-text("{MARKER}")'


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


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


class Bench:
    def __init__(self, work: Path, code_server: str):
        self.work = work
        self.code_server = code_server
        self.root = work / "root"
        self.root.mkdir()
        (self.root / MARKER).write_text("print('hello')\n")
        (self.root / "notes.md").write_text("# notes\n")
        (self.root / "data").mkdir()
        (self.root / "data" / "x.csv").write_text("a,b\n1,2\n")


class Jupyter:
    """A real `jupyter server` subprocess, with or without the extension."""

    def __init__(
        self, bench: Bench, name: str, ext: bool = True, options: dict[str, Any] | None = None
    ):
        self.port = free_port()
        d = bench.work / name
        (d / "home").mkdir(parents=True, exist_ok=True)
        env = dict(os.environ)
        env.update(
            HOME=str(d / "home"),
            JUPYTER_RUNTIME_DIR=str(d / "runtime"),
            JUPYTER_VSCODE_CODE_SERVER=bench.code_server,
            JUPYTER_VSCODE_USER_DATA_DIR=str(d / "ud"),
            JUPYTER_VSCODE_LOG_DIR=str(d / "logs"),
            PYTHONPATH=os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]).rstrip(os.pathsep),
        )
        exts = f"{{'jupyter_vscode': {ext}, 'jupyter_server_proxy': True}}"
        argv = [
            sys.executable, "-m", "jupyter_server", "--no-browser",
            f"--port={self.port}", "--ip=127.0.0.1",
            f"--IdentityProvider.token={TOKEN}",
            f"--ServerApp.root_dir={bench.root}",
            f"--ServerApp.base_url={BASE_URL}",
            f"--ServerApp.jpserver_extensions={exts}",
        ]  # fmt: skip
        for k, v in (options or {}).items():
            argv.append(f"--VSCode.{k}={v}")
        if os.getuid() == 0:
            argv.append("--allow-root")
        self._log = open(d / "jupyter.log", "ab")  # noqa: SIM115
        self.proc = subprocess.Popen(
            argv, env=env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.log_path = d / "jupyter.log"

    def url(self, path: str = "") -> str:
        return f"http://127.0.0.1:{self.port}{BASE_URL}{path}"

    def request(self, path: str, method: str = "GET", timeout: float = 120) -> Any:
        req = urllib.request.Request(
            self.url(path), method=method, headers={"Authorization": f"token {TOKEN}"}
        )
        with urllib.request.urlopen(req, timeout=timeout) as r:
            body = r.read()
        return json.loads(body) if body else None

    def wait_ready(self, timeout: float = 60) -> Jupyter:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("jupyter exited:\n" + self.log_path.read_text()[-3000:])
            try:
                self.request("api/status", timeout=2)
                return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("jupyter did not start")

    def vscode_state(self) -> str:
        return str(self.request("api/vscode/status")["state"])

    def stop_vscode(self) -> None:
        self.request("api/vscode/stop", "POST")

    def start_vscode(self) -> None:
        self.request("api/vscode/restart", "POST")

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


# ---------------------------------------------------------------- browser phases


def find_chromium() -> str:
    for c in (os.environ.get("JUPYTER_VSCODE_CHROMIUM", ""), "/usr/bin/chromium"):
        if c and os.access(c, os.X_OK):
            return c
    return shutil.which("chromium") or "chromium"


def open_timed(ctx: Any, url: str, page: Any = None) -> tuple[Any, float]:
    """Navigate (a new page, or `page` again) and time until the Explorer lists the root."""
    if page is None:
        page = ctx.new_page()
    t0 = time.perf_counter()
    page.goto(url, wait_until="commit")
    page.wait_for_selector(EXPLORER_ROW, timeout=120_000)
    return page, time.perf_counter() - t0


def browser_phases(bench: Bench, args: argparse.Namespace, results: dict[str, Any]) -> None:
    from playwright.sync_api import sync_playwright

    phases = args.only
    ext_url_of = lambda jp: jp.url("vscode/") + f"?token={TOKEN}"  # noqa: E731
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=find_chromium(), args=CHROMIUM_ARGS)
        viewport = {"width": 1280, "height": 800}

        jp = Jupyter(bench, "jupyter-ext").wait_ready()
        direct = Direct(bench, "direct")
        try:
            # Warm-up: both user-data dirs initialised, disk caches hot, nothing measured.
            log("warm-up: one load each")
            jp.start_vscode()
            ctx = browser.new_context(viewport=viewport)
            open_timed(ctx, ext_url_of(jp))
            ctx.close()
            direct.start()
            ctx = browser.new_context(viewport=viewport)
            open_timed(ctx, direct.url())
            ctx.close()
            if "assets" in phases:
                results["asset_paths"] = record_asset_paths(browser, direct)

            if "cold" in phases:
                cold: dict[str, list[float]] = {"ext": [], "direct": []}
                for i in range(args.cold_reps):
                    for side in ("ext", "direct") if i % 2 == 0 else ("direct", "ext"):
                        if side == "ext":
                            jp.stop_vscode()
                            time.sleep(0.5)
                            ctx = browser.new_context(viewport=viewport)
                            _, dt = open_timed(ctx, ext_url_of(jp))
                        else:
                            direct.stop()
                            time.sleep(0.5)
                            ctx = browser.new_context(viewport=viewport)
                            page = ctx.new_page()
                            t0 = time.perf_counter()
                            direct.start()
                            page.goto(direct.url(), wait_until="commit")
                            page.wait_for_selector(EXPLORER_ROW, timeout=120_000)
                            dt = time.perf_counter() - t0
                        ctx.close()
                        cold[side].append(dt)
                        log(f"cold open {side}: {dt:.3f}s")
                results["cold"] = cold

            if "warm" in phases:
                if not direct.proc:
                    direct.start()
                if jp.vscode_state() != "running":
                    jp.start_vscode()
                warm: dict[str, list[float]] = {"ext": [], "direct": []}
                # One tab per side, its HTTP cache filled by a first load. Between loads a tab
                # rests on about:blank: a workbench keeps working for seconds after it shows
                # (extension host, git), and that must not slow the other side's load down.
                urls = {"ext": ext_url_of(jp), "direct": direct.url()}
                pages = {}
                ctxs = []
                for side, url in urls.items():
                    ctx = browser.new_context(viewport=viewport)
                    ctxs.append(ctx)
                    pages[side], _ = open_timed(ctx, url)
                    pages[side].goto("about:blank")
                for i in range(args.warm_reps):
                    for side in ("ext", "direct") if i % 2 == 0 else ("direct", "ext"):
                        time.sleep(1.0)
                        _, dt = open_timed(None, urls[side], pages[side])
                        pages[side].goto("about:blank")
                        warm[side].append(dt)
                        log(f"warm reload {side}: {dt:.3f}s")
                for ctx in ctxs:
                    ctx.close()
                results["warm"] = warm
        finally:
            jp.stop()
            direct.stop()

        if "prestart" in phases:
            if "prestart" not in VSCode.class_trait_names(config=True):
                log("prestart: c.VSCode.prestart does not exist in this checkout, skipped")
            else:
                results["prestart"] = prestart_phase(bench, args, browser, viewport, ext_url_of)
        browser.close()


def prestart_phase(
    bench: Bench, args: argparse.Namespace, browser: Any, viewport: Any, ext_url_of: Any
) -> dict[str, list[float]]:
    """The first click on a Jupyter started with c.VSCode.prestart, against the same code-server
    started by hand the same time before the browser opens it ("direct") and against one that
    has been up and serving for minutes ("direct_up", a stricter reference: code-server keeps
    some of a first page's work in memory)."""
    pre: dict[str, list[float]] = {"ext": [], "direct": [], "direct_up": []}
    up = Direct(bench, "direct-up")
    up.start()
    ctx = browser.new_context(viewport=viewport)
    open_timed(ctx, up.url())  # its first page: from now on it is "up and serving"
    ctx.close()
    sides = ["ext", "direct", "direct_up"]
    try:
        for i in range(args.prestart_reps):
            for side in sides[i % 3 :] + sides[: i % 3]:
                ctx = browser.new_context(viewport=viewport)
                if side == "ext":
                    jp = Jupyter(bench, "jupyter-ext", options={"prestart": True})
                    try:
                        jp.wait_ready()
                        if not jp.wait_running():
                            raise RuntimeError("prestart did not start code-server")
                        time.sleep(LEAD_SECONDS)
                        _, dt = open_timed(ctx, ext_url_of(jp))
                    finally:
                        ctx.close()
                        jp.stop()
                elif side == "direct":
                    fresh = Direct(bench, "direct")
                    try:
                        fresh.start()
                        time.sleep(LEAD_SECONDS)
                        _, dt = open_timed(ctx, fresh.url())
                    finally:
                        ctx.close()
                        fresh.stop()
                else:
                    time.sleep(LEAD_SECONDS)
                    _, dt = open_timed(ctx, up.url())
                    ctx.close()
                pre[side].append(dt)
                log(f"prestart click {side}: {dt:.3f}s")
    finally:
        up.stop()
    return pre


def record_asset_paths(browser: Any, direct: Direct) -> list[str]:
    """The same-origin GETs of one workbench load (direct), as paths relative to its root."""
    ctx = browser.new_context()
    page = ctx.new_page()
    seen: list[str] = []
    prefix = direct.url()

    def on_response(resp: Any) -> None:
        req = resp.request
        if req.method == "GET" and resp.status == 200 and resp.url.startswith(prefix):
            rel = resp.url[len(prefix) :]
            if (
                rel
                and rel not in seen
                and req.resource_type
                in ("script", "stylesheet", "font", "image", "fetch", "document")
            ):
                seen.append(rel)

    page.on("response", on_response)
    open_timed(ctx, direct.url(), page)
    page.wait_for_timeout(1500)
    ctx.close()
    return seen


# ---------------------------------------------------------------- websocket and asset phases


async def ws_measure(
    url: str, headers: dict[str, str], n_small: int, big_mib: int
) -> dict[str, float]:
    import aiohttp

    payload = b"x" * 64
    async with aiohttp.ClientSession() as s:
        async with s.ws_connect(url, headers=headers, max_msg_size=0, compress=0) as ws:
            for _ in range(50):  # warm-up
                await ws.send_bytes(payload)
                await ws.receive()
            lat = []
            for _ in range(n_small):
                t0 = time.perf_counter()
                await ws.send_bytes(payload)
                msg = await ws.receive()
                lat.append(time.perf_counter() - t0)
                assert msg.data == payload, msg
            bursts = []
            for _ in range(max(20, n_small // 30)):
                t0 = time.perf_counter()
                await ws.send_str(f"burst {BURST}")
                for _ in range(BURST):
                    await ws.receive()
                bursts.append(time.perf_counter() - t0)
            chunk = os.urandom(1 << 20)
            got = 0

            async def receiver() -> None:
                nonlocal got
                while got < big_mib << 20:
                    m = await ws.receive()
                    got += len(m.data)

            t0 = time.perf_counter()
            rt = asyncio.ensure_future(receiver())
            for _ in range(big_mib):
                await ws.send_bytes(chunk)
            await rt
            thr = time.perf_counter() - t0
    return {
        "p50_ms": pct(lat, 50) * 1e3,
        "p99_ms": pct(lat, 99) * 1e3,
        "burst_ms": pct(bursts, 50) * 1e3,
        "mib_s": big_mib / thr,
    }


async def fetch_assets(base: str, paths: list[str], headers: dict[str, str]) -> dict[str, Any]:
    """All workbench assets, 6 connections like a browser; then a revalidation pass."""
    import aiohttp

    conn = aiohttp.TCPConnector(limit=6)
    hdrs = {"Accept-Encoding": "gzip, deflate, br", **headers}
    out: dict[str, Any] = {
        "bytes": 0,
        "compressed": 0,
        "cacheable": 0,
        "n": len(paths),
        "not_modified": 0,
    }
    etags: dict[str, str] = {}
    async with aiohttp.ClientSession(connector=conn, auto_decompress=False) as s:

        async def one(p: str) -> None:
            async with s.get(base + p, headers=hdrs) as r:
                body = await r.read()
                out["bytes"] += len(body)
                if r.headers.get("Content-Encoding"):
                    out["compressed"] += 1
                if r.headers.get("ETag") or "max-age" in r.headers.get("Cache-Control", ""):
                    out["cacheable"] += 1
                if r.headers.get("ETag"):
                    etags[p] = r.headers["ETag"]

        t0 = time.perf_counter()
        await asyncio.gather(*(one(p) for p in paths))
        out["seconds"] = time.perf_counter() - t0

        async def reval(p: str) -> None:
            async with s.get(base + p, headers={**hdrs, "If-None-Match": etags[p]}) as r:
                await r.read()
                if r.status == 304:
                    out["not_modified"] += 1

        t0 = time.perf_counter()
        await asyncio.gather(*(reval(p) for p in etags))
        out["reval_seconds"] = time.perf_counter() - t0
    return out


async def small_requests(url: str, headers: dict[str, str], n: int) -> dict[str, float]:
    """Latency of small sequential GETs on one kept-alive connection (the workbench makes
    many: extension manifests, icons, NLS files through vscode-remote-resource)."""
    import aiohttp

    lat = []
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=1)) as s:
        for i in range(n + 20):
            t0 = time.perf_counter()
            async with s.get(url, headers=headers) as r:
                await r.read()
                assert r.status == 200, r.status
            if i >= 20:  # warm-up
                lat.append(time.perf_counter() - t0)
    return {"p50_ms": pct(lat, 50) * 1e3, "p99_ms": pct(lat, 99) * 1e3}


def run_async(coro: Any) -> Any:
    """asyncio.run in a worker thread: independent of Playwright's own loop."""
    with concurrent.futures.ThreadPoolExecutor(1) as ex:
        return ex.submit(asyncio.run, coro).result()


def net_phases(bench: Bench, args: argparse.Namespace, results: dict[str, Any]) -> None:
    phases = args.only
    if not ({"ws", "small", "assets"} & set(phases)):
        return
    jp = Jupyter(bench, "jupyter-ext").wait_ready()
    direct = Direct(bench, "direct")
    echo_port = free_port()
    echo = subprocess.Popen(
        [sys.executable, str(REPO / "benchmarks" / "echo_server.py"), str(echo_port)],
        start_new_session=True,
    )
    auth = {"Authorization": f"token {TOKEN}"}
    try:
        jp.start_vscode()
        direct.start()
        while not http_answers(echo_port, "/"):
            time.sleep(0.05)
        if "ws" in phases:
            ws: dict[str, list[dict[str, float]]] = {"ext": [], "direct": []}
            ws_ext = jp.url(f"vscode/proxy/{echo_port}/").replace("http:", "ws:")
            ws_direct = direct.url(f"proxy/{echo_port}/").replace("http:", "ws:")
            for i in range(args.ws_reps):
                for side in ("ext", "direct") if i % 2 == 0 else ("direct", "ext"):
                    url, hdrs = (ws_ext, auth) if side == "ext" else (ws_direct, {})
                    r = run_async(ws_measure(url, hdrs, args.ws_messages, args.ws_mib))
                    ws[side].append(r)
                    log(
                        f"websocket {side}: p50 {r['p50_ms']:.3f} ms, "
                        f"p99 {r['p99_ms']:.3f} ms, burst {r['burst_ms']:.2f} ms, "
                        f"{r['mib_s']:.0f} MiB/s"
                    )
            results["ws"] = ws
        if "small" in phases:
            small: dict[str, list[dict[str, float]]] = {"ext": [], "direct": []}
            for i in range(args.ws_reps):
                for side in ("ext", "direct") if i % 2 == 0 else ("direct", "ext"):
                    url, hdrs = (
                        (jp.url("vscode/healthz"), auth)
                        if side == "ext"
                        else (direct.url("healthz"), {})
                    )
                    r = run_async(small_requests(url, hdrs, args.ws_messages // 3))
                    small[side].append(r)
                    log(f"small GET {side}: p50 {r['p50_ms']:.3f} ms, p99 {r['p99_ms']:.3f} ms")
            results["small"] = small
        if "assets" in phases and results.get("asset_paths"):
            paths = results["asset_paths"]
            assets: dict[str, list[dict[str, Any]]] = {"ext": [], "direct": []}
            for i in range(args.asset_reps):
                for side in ("ext", "direct") if i % 2 == 0 else ("direct", "ext"):
                    base, hdrs = (jp.url("vscode/"), auth) if side == "ext" else (direct.url(), {})
                    r = run_async(fetch_assets(base, paths, hdrs))
                    assets[side].append(r)
                    log(
                        f"assets {side}: {r['n']} requests, {r['bytes'] / 1e6:.2f} MB "
                        f"in {r['seconds']:.3f}s, {r['compressed']} compressed, "
                        f"{r['not_modified']} revalidated as 304 in {r['reval_seconds']:.3f}s"
                    )
            results["assets"] = assets
    finally:
        kill_group(echo)
        jp.stop()
        direct.stop()


# ---------------------------------------------------------------- cost and readiness


def cost_phase(bench: Bench, args: argparse.Namespace, results: dict[str, Any]) -> None:
    if "cost" not in args.only:
        return
    idle_added, used_added, cpu = [], [], []
    for i in range(args.cost_reps):
        log(f"cost: pair {i + 1}")
        with_ext = Jupyter(bench, f"cost-ext-{i}")
        without = Jupyter(bench, f"cost-plain-{i}", ext=False)
        try:
            with_ext.wait_ready()
            without.wait_ready()
            for jp in (with_ext, without):
                for _ in range(5):
                    jp.request("api/status")
            time.sleep(2)
            idle_added.append((rss_kib(with_ext.proc.pid) - rss_kib(without.proc.pid)) / 1024)
            # Serve a workbench load's assets through the proxy, then look again.
            with_ext.start_vscode()
            paths = results.get("asset_paths") or []
            if paths:
                run_async(
                    fetch_assets(
                        with_ext.url("vscode/"), paths, {"Authorization": f"token {TOKEN}"}
                    )
                )
            time.sleep(2)
            used_added.append((rss_kib(with_ext.proc.pid) - rss_kib(without.proc.pid)) / 1024)
            # Idle CPU of the supervisor: both Jupyters idle, code-server running behind one.
            c0 = cpu_seconds(with_ext.proc.pid), cpu_seconds(without.proc.pid)
            time.sleep(args.idle_seconds)
            c1 = cpu_seconds(with_ext.proc.pid), cpu_seconds(without.proc.pid)
            cpu.append(100 * ((c1[0] - c0[0]) - (c1[1] - c0[1])) / args.idle_seconds)
        finally:
            with_ext.stop()
            without.stop()
    results["cost"] = {"idle_rss_mib": idle_added, "used_rss_mib": used_added, "idle_cpu_pct": cpu}


def _first_answer(sup: Any, first: list[float], done: threading.Event) -> None:
    """Connect to the supervisor's socket every 2 ms; note when code-server first answers."""
    request = b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    while not done.is_set():
        path = sup.socket_path
        if path and os.path.exists(path):
            try:
                with socket.socket(socket.AF_UNIX) as s:
                    s.settimeout(1)
                    s.connect(path)
                    s.sendall(request)
                    if s.recv(5) == b"HTTP/":
                        first.append(time.perf_counter())
                        return
            except OSError:
                pass
        time.sleep(0.002)


async def _start_and_stop(sup: Any, first: list[float]) -> float:
    done = threading.Event()
    t = threading.Thread(target=_first_answer, args=(sup, first, done), daemon=True)
    t.start()
    await sup.ensure_started()
    ready = time.perf_counter()
    done.set()
    t.join(2)
    await sup.stop()
    sup.output.close()
    return ready


def readiness_phase(bench: Bench, args: argparse.Namespace, results: dict[str, Any]) -> None:
    """Time from code-server's socket answering (an independent 2 ms prober) to 'ready'."""
    if "ready" not in args.only:
        return
    from jupyter_vscode.supervisor import Supervisor

    lags = []
    for _ in range(args.ready_reps):
        cfg = VSCode(
            code_server=bench.code_server,
            user_data_dir=str(bench.work / "ready" / "ud"),
            log_dir=str(bench.work / "ready" / "logs"),
            start_timeout=120.0,
            transport="socket",
        )
        sup = Supervisor(cfg, str(bench.root), logging.getLogger("bench"))
        first: list[float] = []
        ready = asyncio.run(_start_and_stop(sup, first))
        if first:
            lags.append(max(0.0, ready - first[0]) * 1e3)
            log(f"readiness lag: {lags[-1]:.1f} ms")
    results["ready"] = lags


# ---------------------------------------------------------------- report


def fmt(x: float, unit: str = "s") -> str:
    if x != x:
        return "n/a"
    if unit == "s":
        return f"{x:.3f} s"
    if unit == "ms":
        return f"{x:.3f} ms"
    if unit == "MiB":
        return f"{x:.1f} MiB"
    if unit == "MiB/s":
        return f"{x:.0f} MiB/s"
    if unit == "%":
        return f"{x:.2f} %"
    return f"{x:g} {unit}"


def ratio_interval(xs: list[float], ys: list[float], n: int = 2000) -> tuple[float, float]:
    """95 % bootstrap interval of median(xs) / median(ys): how much the ratio can be trusted."""
    rng = random.Random(0)
    rs = sorted(
        median(rng.choices(xs, k=len(xs))) / median(rng.choices(ys, k=len(ys))) for _ in range(n)
    )
    return rs[int(0.025 * n)], rs[int(0.975 * n) - 1]


def report(results: dict[str, Any]) -> str:
    rows: list[tuple[str, str, str, str, str]] = []

    def ratio_row(name: str, key: str, target: float | None, ref: str = "direct") -> None:
        if key not in results or not results[key].get(ref):
            return
        xs, ys = results[key]["ext"], results[key][ref]
        a, b = median(xs), median(ys)
        r = a / b if b else float("nan")
        lo, hi = ratio_interval(xs, ys)
        verdict = f"≤ {target}× {'✓' if r <= target else '✗'}" if target else ""
        rows.append(
            (
                f"{name} (median of {len(xs)})",
                fmt(a),
                fmt(b),
                f"{r:.3f}× ({lo:.2f}–{hi:.2f})",
                verdict,
            )
        )

    ratio_row("cold open", "cold", 1.05)
    ratio_row("warm reload", "warm", 1.03)
    ratio_row("click with prestart (vs direct started as long before)", "prestart", 1.03)
    ratio_row(
        "click with prestart (vs direct up and serving for minutes)", "prestart", None, "direct_up"
    )

    def medians(key: str, field: str) -> tuple[float, float]:
        runs = results[key]
        return median([r[field] for r in runs["ext"]]), median([r[field] for r in runs["direct"]])

    if "ws" in results:
        a, b = medians("ws", "p50_ms")
        verdict = f"≤ +0.3 ms {'✓' if a - b <= 0.3 else '✗'}"
        rows.append(
            ("websocket round trip p50", fmt(a, "ms"), fmt(b, "ms"), f"+{a - b:.3f} ms", verdict)
        )
        a, b = medians("ws", "p99_ms")
        rows.append(
            ("websocket round trip p99", fmt(a, "ms"), fmt(b, "ms"), f"+{a - b:.3f} ms", "")
        )
        a, b = medians("ws", "burst_ms")
        rows.append(
            (
                f"websocket burst: {BURST} replies to one message",
                fmt(a, "ms"),
                fmt(b, "ms"),
                f"{a / b:.2f}×",
                "",
            )
        )
        a, b = medians("ws", "mib_s")
        rows.append(
            (
                "websocket echo stream, 1 MiB messages",
                fmt(a, "MiB/s"),
                fmt(b, "MiB/s"),
                f"{a / b:.2f}×",
                "",
            )
        )
    if "small" in results:
        a, b = medians("small", "p50_ms")
        rows.append(("small GET (healthz) p50", fmt(a, "ms"), fmt(b, "ms"), f"+{a - b:.3f} ms", ""))
    if "assets" in results:
        asts = results["assets"]
        a, b = medians("assets", "seconds")
        n = asts["ext"][0]["n"]
        rows.append(
            (f"workbench assets, {n} GETs, 6 connections", fmt(a), fmt(b), f"{a / b:.2f}×", "")
        )
        a, b = (x / 1e6 for x in medians("assets", "bytes"))
        rows.append(("  bytes on the wire", f"{a:.2f} MB", f"{b:.2f} MB", f"{a / b:.2f}×", ""))
        a, b = medians("assets", "reval_seconds")
        ea, eb = asts["ext"][0], asts["direct"][0]
        rows.append(
            (
                f"  revalidation (If-None-Match), 304s {ea['not_modified']}/{eb['not_modified']}",
                fmt(a),
                fmt(b),
                f"{a / b:.2f}×",
                "",
            )
        )
    if "ready" in results:
        lag = results["ready"]
        m = median(lag)
        rows.append(
            (
                f"readiness seen after socket answers (median/max of {len(lag)})",
                f"{m:.1f} / {max(lag) if lag else float('nan'):.1f} ms",
                "—",
                "",
                f"≤ 50 ms {'✓' if lag and max(lag) <= 50 else '✗'}",
            )
        )
    if "cost" in results:
        c = results["cost"]
        m = median(c["idle_rss_mib"])
        rows.append(
            (
                "RSS added to Jupyter, idle",
                fmt(m, "MiB"),
                "0",
                "",
                f"≤ 15 MiB {'✓' if m <= 15 else '✗'}",
            )
        )
        m = median(c["used_rss_mib"])
        rows.append(
            (
                "RSS added to Jupyter, after serving the workbench",
                fmt(m, "MiB"),
                "0",
                "",
                f"≤ 15 MiB {'✓' if m <= 15 else '✗'}",
            )
        )
        rows.append(
            (
                "idle CPU of the supervisor (code-server up)",
                fmt(median(c["idle_cpu_pct"]), "%"),
                "0",
                "",
                "",
            )
        )
    head = ("metric", "jupyter-vscode", "direct", "ratio (95 % interval) / overhead", "target")
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(5)]
    line = lambda r: "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |"  # noqa: E731
    return "\n".join(
        [line(head), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *map(line, rows)]
    )


def merge_runs(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Pool the A/B repetitions of cold, warm and prestart (single runs on a noisy machine
    give wide intervals); the other phases are taken from the first run that has them."""
    merged: dict[str, Any] = {}
    for run in runs:
        for key, value in run.items():
            if key in ("cold", "warm", "prestart"):
                pooled = merged.setdefault(key, {})
                for side, xs in value.items():
                    pooled.setdefault(side, []).extend(xs)
            else:
                merged.setdefault(key, value)
    return merged


def main() -> int:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--quick", action="store_true", help="fewer repetitions (about 3 minutes)")
    p.add_argument("--reps", type=int, help="repetitions of every A/B comparison")
    p.add_argument("--only", default="cold,warm,prestart,ws,small,assets,cost,ready",
                   help="comma-separated phases (default: all)")  # fmt: skip
    p.add_argument("--json", help="also write the raw results here")
    p.add_argument("--keep", action="store_true", help="keep the work directory")
    p.add_argument("--merge", nargs="+", metavar="JSON",
                   help="measure nothing: one table from the browser phases' repetitions of "
                        "several --json files (same checkout), pooled")  # fmt: skip
    args = p.parse_args()
    if args.merge:
        print(report(merge_runs([json.loads(Path(f).read_text()) for f in args.merge])))
        return 0
    args.only = [x.strip() for x in args.only.split(",") if x.strip()]
    reps = args.reps or (3 if args.quick else 5)
    args.cold_reps = args.reps or (4 if args.quick else 8)
    args.warm_reps = args.reps or (4 if args.quick else 8)
    args.prestart_reps = args.reps or (3 if args.quick else 6)
    args.ws_reps = reps
    args.ws_messages = 1000 if args.quick else 3000
    args.ws_mib = 20 if args.quick else 50
    args.asset_reps = reps
    args.cost_reps = 1 if args.quick else 2
    args.idle_seconds = 5 if args.quick else 10
    args.ready_reps = reps

    code_server = find_code_server(os.environ.get("JUPYTER_VSCODE_CODE_SERVER", "")).path
    if not code_server:
        print(
            "code-server not found: set $JUPYTER_VSCODE_CODE_SERVER "
            "or run `jupyter vscode install`",
            file=sys.stderr,
        )
        return 2
    work = Path(tempfile.mkdtemp(prefix="jv-bench-"))
    log(f"code-server {code_server}; checkout {REPO}; work dir {work}")
    bench = Bench(work, code_server)
    results: dict[str, Any] = {}
    t0 = time.monotonic()
    try:
        if {"cold", "warm", "prestart", "assets", "cost"} & set(args.only):
            browser_phases(bench, args, results)
        net_phases(bench, args, results)
        cost_phase(bench, args, results)
        readiness_phase(bench, args, results)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print(report(results))
    print(f"\n({time.monotonic() - t0:.0f} s; {os.cpu_count()} CPUs; code-server {code_server})")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
