"""Functional properties behind the performance work (timings are measured by benchmarks/, never
asserted here): prestart, keep-alive connections to code-server, streamed bodies, no invented
validators."""

from __future__ import annotations

import asyncio
import json
import re
import time

import pytest

from .support.procs import wait_until
from .support.route import get


def test_prestart_starts_code_server_with_jupyter(jupyter_process, stub_code_server):
    """A real `jupyter server`: prestart runs in jupyter-server's start hook, no request."""
    jp = jupyter_process(str(stub_code_server), ["--VSCode.prestart=True"])
    deadline = time.monotonic() + 30
    while True:
        with jp.request("api/vscode/status") as r:
            status = json.loads(r.read())
        if status["state"] == "running":
            break
        assert time.monotonic() < deadline, status
        time.sleep(0.1)
    assert status["pid"] and status["restarts"] == 0


async def test_without_prestart_nothing_starts_until_a_request(jp_serverapp, supervisor):
    await asyncio.sleep(1.0)
    assert supervisor.state.value == "stopped" and supervisor.pid is None


async def _workbench_js(jp_fetch, folder: str) -> str:
    r = await get(jp_fetch, "vscode/", params={"folder": folder})
    assert r.code == 200
    m = re.search(r'src="([^"]*/workbench\.js)"', r.body.decode())
    assert m, r.body[:500]
    return m.group(1)


@pytest.mark.codeserver
async def test_requests_reuse_kept_alive_connections(jp_fetch, jp_root_dir, jp_serverapp):
    path = await _workbench_js(jp_fetch, str(jp_root_dir))
    pool = jp_serverapp.web_app.settings["jupyter_vscode_http"]  # the proxy route's (http_pool.py)
    before = pool.connections_opened
    assert before >= 1
    for _ in range(8):
        r = await get(jp_fetch, "vscode/" + path, headers={"Accept-Encoding": "identity"})
        assert r.code == 200 and len(r.body) > 1_000_000
    # Sequential requests ride on one pooled connection (two if the pool's was just recycled).
    assert pool.connections_opened - before <= 1
    await asyncio.gather(*(get(jp_fetch, "vscode/healthz") for _ in range(6)))
    assert pool.connections_opened - before <= 7


@pytest.mark.codeserver
async def test_large_body_streams_through_with_code_servers_headers(
    jp_fetch, jp_root_dir, supervisor
):
    path = await _workbench_js(jp_fetch, str(jp_root_dir))
    plain = await get(jp_fetch, "vscode/" + path, headers={"Accept-Encoding": "identity"})
    assert plain.code == 200
    assert len(plain.body) > 1_000_000
    if "Content-Length" in plain.headers:  # code-server streams it chunked today
        assert int(plain.headers["Content-Length"]) == len(plain.body)
    assert "max-age" in plain.headers.get("Cache-Control", "")
    br = await get(
        jp_fetch, "vscode/" + path, headers={"Accept-Encoding": "gzip"}, decompress_response=False
    )
    assert br.code == 200 and br.headers.get("Content-Encoding") == "gzip"
    assert len(br.body) < len(plain.body)
    # The proxy passes code-server's validators on and never makes up an ETag of its own.
    if "Etag" not in plain.headers:
        assert "Etag" not in br.headers
    # HEAD: code-server's status and headers, no body (its static files answer 405 to HEAD)
    head = await get(jp_fetch, "vscode/healthz", method="HEAD")
    assert head.code == 200 and head.body == b""
    assert head.headers["Content-Type"].startswith("application/json")


@pytest.mark.codeserver
async def test_restart_does_not_reuse_connections_to_the_old_process(
    jp_fetch, jp_root_dir, supervisor
):
    r = await get(jp_fetch, "vscode/healthz")
    assert r.code == 200
    old = supervisor.pid
    await supervisor.restart()
    assert supervisor.pid != old
    r = await get(jp_fetch, "vscode/healthz")
    assert r.code == 200


async def test_each_start_has_code_server_load_vs_codes_server_before_any_page(
    jp_serverapp, supervisor
):
    """code-server answers /healthz before loading VS Code's server, which the first page
    would wait for: the supervisor asks for a path that loads it, once per start, unprompted."""
    from jupyter_vscode.codeserver import WARM_UP_PATH

    await supervisor.ensure_started()
    await wait_until(lambda: any(WARM_UP_PATH in line for line in supervisor.log_tail(50)))
    await supervisor.restart()
    await wait_until(lambda: sum(WARM_UP_PATH in line for line in supervisor.log_tail(100)) == 2)


@pytest.mark.codeserver
async def test_real_code_server_is_warm_before_the_first_page(jp_serverapp, supervisor):
    """The real thing: VS Code's server (its extension host agent) is up with no request."""
    await supervisor.ensure_started()
    await wait_until(
        lambda: any("Extension host agent started" in ln for ln in supervisor.log_tail(200)),
        timeout=60,
    )


def test_launch_env_enables_nodes_compile_cache(tmp_path, monkeypatch):
    from jupyter_vscode.codeserver import child_env

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("NODE_COMPILE_CACHE", raising=False)
    expected = tmp_path / "cache" / "jupyter-vscode" / "node-compile-cache"
    assert child_env()["NODE_COMPILE_CACHE"] == str(expected)
    assert expected.is_dir()
    # the user's own choice wins
    monkeypatch.setenv("NODE_COMPILE_CACHE", str(tmp_path / "mine"))
    assert child_env()["NODE_COMPILE_CACHE"] == str(tmp_path / "mine")
    # a cache directory that can't be made is left out (some such paths make Node spin)
    monkeypatch.delenv("NODE_COMPILE_CACHE")
    (tmp_path / "a-file").write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "a-file"))
    assert "NODE_COMPILE_CACHE" not in child_env()


@pytest.mark.codeserver
async def test_real_code_server_runs_with_the_compile_cache(
    jp_serverapp, supervisor, tmp_path, monkeypatch
):
    """Every process of the real code-server (launcher, server, extension host) gets the cache
    directory. Whether Node has flushed entries into it by the time a stop ends is not
    asserted: it writes them at a clean exit, and which of code-server's processes exits
    cleanly on SIGTERM to the whole tree is a race (seen both ways on one machine)."""
    from pathlib import Path

    from jupyter_vscode.proctree import descendants

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("NODE_COMPILE_CACHE", raising=False)
    cache = tmp_path / "cache" / "jupyter-vscode" / "node-compile-cache"
    await supervisor.ensure_started()
    await wait_until(
        lambda: any("Extension host agent started" in ln for ln in supervisor.log_tail(200)),
        timeout=60,
    )
    pids = [supervisor.pid, *descendants(supervisor.pid)]
    environs = []
    for pid in pids:
        try:
            environs.append(Path(f"/proc/{pid}/environ").read_bytes().split(b"\0"))
        except OSError:  # exited meanwhile
            continue
    await supervisor.stop()
    assert len(environs) >= 2, pids  # the launcher and the server it runs
    for env in environs:
        assert f"NODE_COMPILE_CACHE={cache}".encode() in env
    assert cache.is_dir()


def test_benchmark_merge_pools_repetitions_of_the_browser_phases():
    """`benchmarks/run.py --merge`: one table from several runs' repetitions, pooled."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "benchmarks" / "run.py"
    spec = importlib.util.spec_from_file_location("bench_run", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    one = {"warm": {"ext": [2.0, 2.2], "direct": [2.0, 2.0]}, "ready": [5.0]}
    two = {"warm": {"ext": [1.0], "direct": [3.0]}, "cold": {"ext": [4.0], "direct": [4.0]}}
    merged = bench.merge_runs([one, two])
    assert merged["warm"] == {"ext": [2.0, 2.2, 1.0], "direct": [2.0, 2.0, 3.0]}
    assert merged["cold"] == {"ext": [4.0], "direct": [4.0]}
    assert merged["ready"] == [5.0]
    assert "warm reload (median of 3)" in bench.report(merged)


def test_benchmark_names_the_phases_when_one_is_unknown():
    """`benchmarks/run.py --only` takes the names of its phase table, and says them."""
    import subprocess
    import sys
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "benchmarks" / "run.py"
    proc = subprocess.run(
        [sys.executable, str(path), "--only", "ready,bogus"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "no phase bogus; the phases are cold, warm, prestart, ws, small" in proc.stderr


def test_benchmark_hop_table_names_each_client_and_both_checkouts():
    """`benchmarks/run.py --only hop --compare-checkout DIR`: a row a client, the overhead of
    both handlers against the same direct figure, and how often a login cookie was signed."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "benchmarks" / "run.py"
    spec = importlib.util.spec_from_file_location("bench_run", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)

    def runs(*p50s: float, share: float = 1.0) -> list[dict[str, float]]:
        return [{"p50_ms": x, "p99_ms": x, "set_cookie_share": share} for x in p50s]

    rows = {
        "keep-alive, token header": {
            "ext": runs(1.5, 1.7, 1.6),
            "other": runs(2.0),
            "direct": runs(0.2),
            "status": runs(1.0),
        },
        "keep-alive, login cookie (a browser)": {
            "ext": runs(1.2, share=0.0),
            "other": runs(1.4, share=0.0),
            "direct": runs(0.2),
            "status": runs(0.9, share=0.0),
        },
    }
    table = bench.report({"hop": {"n": 10, "other": "/old", "rows": rows}})
    lines = [line for line in table.splitlines() if line.startswith("| keep-alive")]
    assert lines == [
        "| keep-alive, token header | 1.600 ms | 0.200 ms | +1.40 ms | 2.000 ms | +1.80 ms "
        "| 1.000 ms | 100% |",
        "| keep-alive, login cookie (a browser) | 1.200 ms | 0.200 ms | +1.00 ms | 1.400 ms "
        "| +1.20 ms | 0.900 ms | 0% |",
    ]
    assert "route p50 (/old)" in table
