"""A wedged code-server (its socket accepts, nothing answers): requests get a 504 within
c.VSCode.response_timeout.

The stub wedges on SIGUSR1 (SIGUSR2 un-wedges it) or $STUB_WEDGE_AFTER seconds after start.
Every wait is bounded: a request by request_timeout, a condition by wait_until's timeout.
"""

from __future__ import annotations

import html
import json
import os
import signal

import pytest
from tornado.httpclient import HTTPClientError


def page() -> dict[str, str]:
    """A page load's headers (a new dict each time: jp_fetch adds its token to it)."""
    return {"Accept": "text/html"}


async def get(jp_fetch, *parts, **kw):
    kw.setdefault("raise_error", False)
    kw.setdefault("request_timeout", 30)  # a hang fails the test, never blocks it
    return await jp_fetch(*parts, **kw)


# ---- requests to a wedged code-server: a bounded wait, a 504 that explains


@pytest.mark.vscode(response_timeout=2)
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


@pytest.mark.vscode(response_timeout=0)
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
