"""A wedged code-server (its socket accepts, nothing answers): requests get a 504 within
c.VSCode.response_timeout, and the health check restarts it like a crash.

The stub wedges on SIGUSR1 (SIGUSR2 un-wedges it) or a set time after start
(StubCodeServer.wedge_after).
Every wait is bounded: a request by request_timeout, a condition by wait_until's timeout.
"""

from __future__ import annotations

import asyncio
import html
import json
import logging
import os
import signal

import pytest
from tornado.httpclient import HTTPClientError

from jupyter_vscode import health as supervision

from .support.procs import pid_alive, wait_until


def page() -> dict[str, str]:
    """A page load's headers (a new dict each time: jp_fetch adds its token to it)."""
    return {"Accept": "text/html"}


async def get(jp_fetch, *parts, **kw):
    kw.setdefault("raise_error", False)
    kw.setdefault("request_timeout", 30)  # a hang fails the test, never blocks it
    return await jp_fetch(*parts, **kw)


# ---- the decision, on its own


def test_tracker_needs_several_failures_spanning_the_limit():
    t = supervision.HealthTracker(limit=30)
    # failing for longer than the limit, but only two probes: not yet
    assert not t.record(False, began=0, now=10)
    assert not t.record(False, began=15, now=35)
    assert not t.healthy and t.failing_for(35) == 35
    # the third failure in a row, the failing spans >= 30 s: restart
    assert t.record(False, began=40, now=41)


def test_tracker_many_quick_failures_within_the_limit_do_not_restart():
    t = supervision.HealthTracker(limit=30)
    for i in range(10):
        assert not t.record(False, began=i, now=i + 0.5)


def test_tracker_one_answer_starts_the_count_again():
    t = supervision.HealthTracker(limit=30)
    t.record(False, began=0, now=10)
    t.record(False, began=15, now=25)
    assert not t.record(True, began=30, now=30.1)  # busy, but it answered
    assert t.healthy and t.failing_for(31) == 0
    assert not t.record(False, began=35, now=45)
    assert not t.record(False, began=50, now=60)
    assert t.record(False, began=65, now=75)  # three in a row from 35: 40 s
    assert t.probes == 6


def test_default_timings_are_conservative():
    interval, probe_timeout = supervision.health_timings(30)
    assert (interval, probe_timeout) == (5, 10)
    assert supervision.HEALTH_MIN_FAILURES >= 3
    # short limits (tests) still fit several probes
    interval, probe_timeout = supervision.health_timings(1)
    assert interval * supervision.HEALTH_MIN_FAILURES < 1 and probe_timeout < 1


# ---- requests to a wedged code-server: a bounded wait, a 504 that explains


@pytest.mark.vscode(response_timeout=2, health_timeout=0)
async def test_request_to_wedged_code_server_gets_504(jp_fetch, supervisor):
    assert (await get(jp_fetch, "vscode", "before")).code == 200
    os.kill(supervisor.pid, signal.SIGUSR1)
    try:
        r = await get(jp_fetch, "vscode", "page", headers=page())
        body = html.unescape(r.body.decode())
        assert r.code == 504
        assert r.headers["Content-Type"].startswith("text/html")
        assert "VS Code is not answering" in body
        assert "did not answer within 2 s" in body and "c.VSCode.response_timeout" in body
        assert "Health checks are off" in body  # health_timeout = 0: not restarted
        assert "Restart VS Code" in body and "/api/vscode" in body
        assert "Traceback" not in body
        # a script's request: JSON
        r = await get(jp_fetch, "vscode", "static", "x.js")
        assert r.code == 504
        answer = json.loads(r.body)
        assert "did not answer within 2 s" in answer["message"]
        assert answer["state"] == "running"
        # POSTs too
        r = await get(jp_fetch, "vscode", "upload", method="POST", body=b"x")
        assert r.code == 504
    finally:
        os.kill(supervisor.pid, signal.SIGUSR2)
    # it answers again: the same process, through fresh connections
    pid = supervisor.pid
    assert (await get(jp_fetch, "vscode", "after")).code == 200
    assert supervisor.pid == pid and supervisor.status()["restarts"] == 0


@pytest.mark.vscode(response_timeout=0, health_timeout=0)
async def test_response_timeout_zero_waits(jp_fetch, supervisor):
    """0 = no bound: a request to a wedged code-server is still waiting after a while."""
    assert (await get(jp_fetch, "vscode", "before")).code == 200
    os.kill(supervisor.pid, signal.SIGUSR1)
    try:
        with pytest.raises(HTTPClientError) as e:
            await get(jp_fetch, "vscode", "x", request_timeout=3)
        assert e.value.code == 599  # our client gave up; the proxy had not answered
    finally:
        os.kill(supervisor.pid, signal.SIGUSR2)


# ---- the health check


@pytest.mark.vscode(health_timeout=2)
async def test_wedged_code_server_is_restarted_like_a_crash(jp_fetch, supervisor, caplog):
    caplog.set_level(logging.INFO)
    assert (await get(jp_fetch, "vscode/")).code == 200
    first = supervisor.pid
    assert supervisor.status()["healthy"] is True
    os.kill(first, signal.SIGUSR1)
    await wait_until(lambda: supervisor.status()["healthy"] is False, timeout=30)
    assert supervisor.status()["state"] == "running"  # not yet: one failed probe is not enough
    await wait_until(
        lambda: supervisor.is_running() and supervisor.pid not in (None, first), timeout=60
    )
    status = supervisor.status()
    assert status["restarts"] == 1 and status["health_restarts"] == 1
    await wait_until(lambda: not pid_alive(first), timeout=10)
    log = caplog.text
    assert "did not answer its health check (GET /healthz)" in log
    assert "c.VSCode.health_timeout = 2" in log
    # counted like a crash: the next start came after the crash loop's first pause
    assert "waiting 0.5s before starting code-server" in log
    assert (await get(jp_fetch, "vscode/")).code == 200
    await wait_until(lambda: supervisor.status()["healthy"] is True, timeout=30)


@pytest.mark.vscode(health_timeout=1, max_restarts=2)
async def test_wedging_after_every_start_gives_up_naming_the_health_check(
    jp_fetch, supervisor, stub_code_server
):
    stub_code_server.wedge_after(0.3)
    assert (await get(jp_fetch, "vscode/")).code == 200
    await wait_until(lambda: supervisor.state.value == "failed", timeout=90)
    assert len(stub_code_server.runs()) == 3  # 1 + max_restarts
    status = supervisor.status()
    assert "did not answer its health check (GET /healthz)" in status["error"]
    assert "3 times in a row" in status["error"]
    assert status["health_restarts"] == 3 and status["healthy"] is None
    r = await get(jp_fetch, "vscode/", headers=page())
    body = html.unescape(r.body.decode())
    assert r.code == 503 and "VS Code could not start" in body
    assert "health check" in body and "Restart VS Code" in body and "Traceback" not in body
    assert len(stub_code_server.runs()) == 3  # failed: no more tries until someone restarts it
    # the page's restart button (this API call) starts a fresh series
    stub_code_server.wedge_after(None)
    r = await get(jp_fetch, "api", "vscode", "restart", method="POST", body=b"")
    assert json.loads(r.body)["state"] == "running"


@pytest.mark.vscode(health_timeout=3)
async def test_healthy_code_server_is_not_restarted(jp_fetch, supervisor):
    """Over a dozen probe cycles (counted by the probe itself, ~4 health_timeouts), a stub
    that answers keeps its pid."""
    assert (await get(jp_fetch, "vscode/")).code == 200
    pid = supervisor.pid
    health = supervisor.health
    assert health is not None
    await wait_until(lambda: health.probes >= 12, timeout=60)
    assert supervisor.health is health  # the same process's tracker: no restart meanwhile
    assert supervisor.pid == pid and supervisor.is_running()
    status = supervisor.status()
    assert status["restarts"] == 0 and status["health_restarts"] == 0
    assert status["healthy"] is True


@pytest.mark.vscode(health_timeout=0)
async def test_health_check_off(jp_fetch, supervisor):
    assert (await get(jp_fetch, "vscode/")).code == 200
    assert supervisor.health is None and supervisor.status()["healthy"] is None


@pytest.mark.vscode(health_timeout=1)
async def test_stop_during_a_failing_health_check_stays_stopped(
    jp_fetch, supervisor, stub_code_server
):
    assert (await get(jp_fetch, "vscode/")).code == 200
    os.kill(supervisor.pid, signal.SIGUSR1)
    await wait_until(lambda: supervisor.status()["healthy"] is False, timeout=30)
    await supervisor.stop()
    assert supervisor.state.value == "stopped"
    # several probe periods (1/6 s) later, nothing started it again
    for _ in range(10):
        await asyncio.sleep(0.2)
        assert not supervisor.is_running()
    assert len(stub_code_server.runs()) == 1


@pytest.mark.vscode(health_timeout=1, response_timeout=60)
async def test_request_waiting_on_a_wedged_code_server_when_it_is_restarted(jp_fetch, supervisor):
    """The defaults' order (health_timeout < response_timeout): the health check kills the
    wedged process under a waiting request. The page load is answered by the new code-server
    or with the starting page (which turns into VS Code), never an error."""
    assert (await get(jp_fetch, "vscode/")).code == 200
    first = supervisor.pid
    os.kill(first, signal.SIGUSR1)
    r = await get(jp_fetch, "vscode", "page", headers=page())
    assert supervisor.pid != first
    body = r.body.decode()
    assert r.code in (200, 503), (r.code, body)
    if r.code == 503:
        assert "Starting VS Code" in body
    r = await get(jp_fetch, "vscode", "static", "x.js")  # a script's, after the restart
    assert r.code in (200, 503), (r.code, r.body)
