"""Process phases: what the extension adds to Jupyter (RSS idle and after serving the
workbench, idle CPU), and how soon the supervisor sees code-server answering."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import socket
import threading
import time
from typing import Any

from jupyter_vscode.config import VSCode

from ..harness import TOKEN, Bench, Jupyter, cpu_seconds, log, rss_kib, run_async
from .net import fetch_assets


def cost(bench: Bench, args: argparse.Namespace, results: dict[str, Any]) -> None:
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
                    jp.api("api/status")
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


def readiness(bench: Bench, args: argparse.Namespace, results: dict[str, Any]) -> None:
    """Time from code-server's socket answering (an independent 2 ms prober) to 'ready'."""
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
