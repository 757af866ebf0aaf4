"""The real code-server supervised: restarted after an exit or a wedge, one start for
concurrent first requests, stopped through the API, nothing left behind when Jupyter ends."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from jupyter_vscode.proctree import descendants

from .support.procs import pid_alive, wait_until
from .support.route import get

pytestmark = pytest.mark.codeserver


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
