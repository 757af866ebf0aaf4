"""Network phases: websocket round trips, bursts and throughput through `vscode/proxy/<port>/`
to an echo server (benchmarks/echo_server.py), small GETs, and the workbench's assets."""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
from typing import Any

from ..harness import (
    BURST,
    REPO,
    TOKEN,
    Bench,
    Direct,
    Jupyter,
    free_port,
    http_answers,
    kill_group,
    log,
    pct,
    run_async,
)


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


async def small_requests(
    url: str, headers: dict[str, str], n: int, keep_alive: bool = True
) -> dict[str, float]:
    """Latency of small sequential GETs (the workbench makes many: extension manifests, icons,
    NLS files through vscode-remote-resource): p50/p99 of ``n`` after 20 unmeasured, on one
    kept-alive connection or (``keep_alive=False``, phase hop) on a new one each. Cookies are
    never stored, only sent when ``headers`` has one; ``set_cookie_share``: the answers that
    set one."""
    import aiohttp

    lat: list[float] = []
    connector = aiohttp.TCPConnector(limit=1, force_close=not keep_alive)
    set_cookie = 0
    async with aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.DummyCookieJar()) as s:
        for i in range(n + 20):
            t0 = time.perf_counter()
            async with s.get(url, headers=headers) as r:
                await r.read()
                assert r.status == 200, (url, r.status)
                set_cookie += "Set-Cookie" in r.headers
            if i >= 20:  # warm-up
                lat.append(time.perf_counter() - t0)
    return {
        "p50_ms": pct(lat, 50) * 1e3,
        "p99_ms": pct(lat, 99) * 1e3,
        "set_cookie_share": set_cookie / (n + 20),
    }


def run(bench: Bench, args: argparse.Namespace, results: dict[str, Any]) -> None:
    phases = args.only
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
