"""Idle semantics: what counts as use of VS Code, idle stop, and our own polls never counting."""

from __future__ import annotations

import asyncio
import json
import logging
import struct

import pytest
from traitlets.config import Config

from jupyter_vscode.activity import classify, describe, is_user_activity
from jupyter_vscode.config import VSCode
from jupyter_vscode.idle import STARTUP_LIMIT, STARTUP_QUIET
from jupyter_vscode.supervisor import Supervisor

from .support.procs import wait_until
from .support.route import PAGE_LOAD

UDD = b"/home/u/.local/share/code-server"


def frame(kind: int, body: bytes) -> bytes:
    """A VS Code protocol message: type, id, ack, length, body."""
    return struct.pack(">BIII", kind, 1, 1, len(body)) + body


# Bodies as an idle workbench sends them (recorded through the proxy from code-server 4.139).
IDLE = [
    frame(9, b""),  # keep-alive
    frame(3, b""),  # ack
    frame(1, b'\x04\x04\x06d\x06\x01\x0eagentHostProxy\x01\x04send\x01K{"method":"ping"}'),
    frame(
        1,
        b'\x04\x04\x06d\x01\x10remoteFilesystem\x01\x04stat{"path":"'
        + UDD
        + b'/User/workspaceStorage/x"}',
    ),
    frame(
        1,
        b'\x04\x04\x06d\x01\x10remoteFilesystem\x01\twriteFile{"external":"vscode-remote:'
        + UDD
        + b'/User/workspaceStorage/x/state.vscdb"}',
    ),
    frame(1, b"\x05\x00\x00\x01\x8a\x01\x00\x00\x03\xad$onDidTunnelsChange\x00[]"),
    frame(1, b"\x07\x00\x00\x01\xe9"),  # RPC reply
    frame(1, b'\x04\x04\x06d\x01\ttelemetry\x01\x0clogTelemetry{"eventName":"x"}'),
    frame(1, b"\x04\x04\x06d\x06\xb5\x07\x01\ttelemetry\x01\x04ping\x00"),
    frame(
        1,
        b'\x01\x00\x00\x00\x9df\x0c$onFileEvent\x00\x00\x00\xa3[{"changed":[{"external":'
        b'"vscode-log:/20261129T090616/window.log"}]}]',
    ),
]
USE = [
    frame(1, b'\x01\x00\x00\x00\xc1^\x1f$acceptDocumentsAndEditorsDelta[{"addedDocuments":[]}]'),
    frame(1, b'\x01\x00\x00\x00\xc1^\x13$acceptModelChanged[{"changes":[{"text":"a"}]}]'),
    frame(1, b'\x04\x04\x06d\x01\x0eremoteterminal\x01\x06$input[1,"ls\\r"]'),
    frame(1, b'\x04\x04\x06d\x01\x10remoteFilesystem\x01\x08readFile{"path":"/home/u/work/a.py"}'),
    frame(1, b'\x04\x04\x06d\x01\x10remoteFilesystem\x01\twriteFile{"path":"/home/u/work/a.py"}'),
]

# The last requests of a workbench starting by itself, 10-18 s after the Explorer showed the
# files (recorded through the proxy from code-server 4.139.1; the finding's "last_activity
# moved ~12 s into an untouched window"): task detection, an extension's findFiles, a stat of
# the folder. By their bytes they are requests like the user's own (Run Task lists tasks too).
ROOT = b"/tmp/idle-repro/run2/root"
START_UP_TAIL = [
    frame(
        1,
        b'\x01\x00\x00\x00\xbat\r$provideTasks\x00\x00\x00c[0,{"grunt":true,"gulp":true,'
        b'"jake":true,"npm":true,"typescript":true,"shell":true,"process":true}]',
    ),
    frame(
        1,
        b"\x04\x04\x06d\x06\xae\x07\x01\x10remoteFilesystem\x01\x04stat\x04\x01\x05\xaa\x01"
        b'{"$mid":1,"external":"vscode-remote://127.0.0.1:59409' + ROOT + b'","path":"'
        b"" + ROOT + b'","scheme":"vscode-remote","authority":"127.0.0.1:59409"}',
    ),
    frame(
        1,
        b'\x02\x00\x00\x00\xbbs\x19$provideFileSearchResults\x00\x00\x02\x96[2,2,{"_reason":'
        b'"startFileSearch","folderQueries":[{"folder":{"$mid":1,"external":"vscode-remote:'
        b"//127.0.0.1:59409" + ROOT + b'","path":"' + ROOT + b'","scheme":"vscode-remote"',
    ),
]


@pytest.mark.parametrize("message", IDLE)
def test_idle_traffic_is_not_use(message):
    assert not is_user_activity(message, UDD)


@pytest.mark.parametrize("message", USE)
def test_editing_terminal_and_files_are_use(message):
    assert is_user_activity(message, UDD)


@pytest.mark.parametrize("message", START_UP_TAIL)
def test_start_up_tail_is_a_request_by_its_bytes(message):
    """Why start-up is told by its timing (below), not by the classifier."""
    assert classify(message, UDD) == (True, "request")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def idle_supervisor(tmp_path, clock: Clock) -> Supervisor:
    config = VSCode(config=Config({"VSCode": {"log_dir": str(tmp_path / "logs")}}))
    return Supervisor(config, str(tmp_path), logging.getLogger("test"), clock=clock)


def test_start_up_ends_after_a_quiet_spell(tmp_path):
    clock = Clock()
    sup = idle_supervisor(tmp_path, clock)
    sup.idle.note_workbench_opened()
    for step in (3.0, 4.2, STARTUP_QUIET - 0.5):  # gaps as measured within a start-up
        clock.now += step
        assert sup.idle.absorb_startup_traffic()
        assert sup.status()["idle_seconds"] == 0
    clock.now += STARTUP_QUIET
    assert not sup.idle.workbench_starting()
    assert not sup.idle.absorb_startup_traffic()  # now it is use
    # idle time (c.VSCode.idle_timeout) counts from the end of start-up, not from the opening
    assert sup.status()["idle_seconds"] == 0.0
    clock.now += 5
    assert sup.status()["idle_seconds"] == 5.0


def test_start_up_is_bounded(tmp_path):
    clock = Clock()
    sup = idle_supervisor(tmp_path, clock)
    sup.idle.note_workbench_opened()
    absorbed = 0.0
    while sup.idle.absorb_startup_traffic():  # somebody working right away, without a pause
        clock.now += 1.0
        absorbed += 1.0
    assert STARTUP_LIMIT - 1 <= absorbed <= STARTUP_LIMIT


def test_no_start_up_without_an_opened_window(tmp_path):
    sup = idle_supervisor(tmp_path, Clock())
    assert not sup.idle.workbench_starting()
    assert not sup.idle.absorb_startup_traffic()


async def activity_decisions(caplog, name: str, count: int) -> list[str]:
    def decisions() -> list[str]:
        return [
            r.getMessage()
            for r in caplog.records
            if r.name == name and "activity: websocket" in r.getMessage()
        ]

    await wait_until(lambda: len(decisions()) >= count, timeout=10)
    return decisions()


async def test_start_up_tail_after_opening_a_window_is_not_use(
    jp_ws_fetch, jp_fetch, supervisor, caplog, monkeypatch, stub_code_server
):
    """The finding: an untouched, just-opened window's own start-up requests moved
    last_activity. Sent through the proxy's relay as the browser sent them."""
    stub_code_server.hold_websockets()
    clock = Clock()
    monkeypatch.setattr(supervisor.idle, "clock", clock)
    name = supervisor.idle.log.name
    caplog.set_level(logging.DEBUG, logger=name)
    params = {"reconnectionToken": "t-1", "reconnection": "false", "skipWebSocketFrames": "false"}
    ws = await jp_ws_fetch("vscode/", params=params)
    try:
        await activity_decisions(caplog, name, 1)  # opened: use
        opened = await last_activity(jp_fetch)
        await asyncio.sleep(0.01)
        for i, message in enumerate(START_UP_TAIL):
            clock.now += 4.0
            await ws.write_message(message, binary=True)
            lines = await activity_decisions(caplog, name, 2 + i)
            assert "not use (workbench start-up" in lines[-1], lines[-1]
        assert await last_activity(jp_fetch) == opened
        # start-up over: the same request from the user (Run Task) is use
        clock.now += STARTUP_QUIET + 0.1
        await ws.write_message(START_UP_TAIL[0], binary=True)
        lines = await activity_decisions(caplog, name, 2 + len(START_UP_TAIL))
        assert lines[-1].endswith(": use (request)"), lines[-1]
        assert await last_activity(jp_fetch) > opened
    finally:
        ws.close()


async def test_service_worker_update_check_is_not_use(jp_fetch):
    """The browser re-fetches the service worker's script by itself (seen 6-12 s after a load,
    with `Service-Worker: script`): no use."""
    assert (await jp_fetch("vscode/", raise_error=False)).code == 200  # started
    before = await last_activity(jp_fetch)
    await asyncio.sleep(0.05)
    headers = {"Service-Worker": "script", "Sec-Fetch-Dest": "serviceworker"}
    await jp_fetch("vscode", "_static", "out", "browser", "serviceWorker.js", headers=headers)
    assert await last_activity(jp_fetch) == before


def test_described_by_names_never_by_arguments():
    text = describe(USE[2])  # terminal input
    assert "remoteterminal" in text and "$input" in text and "Regular" in text
    assert "ls" not in text.replace("$input", "")
    assert describe(IDLE[0]).startswith("KeepAlive")
    assert "readFile" in describe(USE[3]) and "a.py" not in describe(USE[3])


def test_classification_says_why():
    assert classify(IDLE[0], UDD) == (False, "not a Regular message")
    assert classify(IDLE[3], UDD) == (False, "user-data dir only")
    assert classify(USE[0], UDD) == (True, "request")


async def test_http_decisions_are_logged_at_debug(jp_fetch, supervisor, caplog):
    caplog.set_level(logging.DEBUG, logger=supervisor.idle.log.name)
    await jp_fetch("vscode/", raise_error=False)
    lines = [r.getMessage() for r in caplog.records if r.name == supervisor.idle.log.name]
    assert any("activity: HTTP GET /" in line and ": use (request)" in line for line in lines)


async def last_activity(jp_fetch) -> str:
    return json.loads((await jp_fetch("api", "status")).body)["last_activity"]


async def test_status_polls_do_not_count_as_activity(jp_fetch, jp_serverapp):
    before = await last_activity(jp_fetch)
    await asyncio.sleep(0.05)
    for path in ("status", "launcher", "log"):
        await jp_fetch("api", "vscode", path)
    assert await last_activity(jp_fetch) == before


async def test_opening_vscode_counts_as_activity(jp_fetch):
    before = await last_activity(jp_fetch)
    await asyncio.sleep(0.05)
    r = await jp_fetch("vscode/", raise_error=False)
    assert r.code == 200
    assert await last_activity(jp_fetch) > before


@pytest.mark.vscode(idle_timeout=1.0)
async def test_idle_timeout_stops_and_next_page_load_restarts(jp_fetch, supervisor):
    """After an idle stop an open tab's requests start nothing (its session is gone); a page
    load (the reload VS Code offers) starts it again."""
    assert (await jp_fetch("vscode/", raise_error=False)).code == 200
    first = supervisor.pid
    await wait_until(lambda: supervisor.state.value == "stopped", timeout=10)
    assert supervisor.status()["idle_stops"] == 1
    assert supervisor.status()["held"] == "VS Code was stopped after being idle"
    assert (await jp_fetch("vscode", "x", raise_error=False)).code == 503
    assert supervisor.state.value == "stopped"
    page = await jp_fetch("vscode/", headers=dict(PAGE_LOAD), raise_error=False)
    assert page.code == 200
    assert supervisor.pid != first and supervisor.status()["held"] is None


@pytest.mark.vscode(idle_timeout=2.0)
async def test_use_keeps_it_running(jp_fetch, supervisor):
    assert (await jp_fetch("vscode/", raise_error=False)).code == 200
    for _ in range(6):
        await asyncio.sleep(0.5)
        supervisor.idle.note_use()
    assert supervisor.state.value == "running"
    assert supervisor.status()["idle_stops"] == 0


@pytest.mark.serverapp(allow_remote_access=True)
async def test_insecure_context_is_reported_once(jp_fetch, caplog):
    for _ in range(3):
        await jp_fetch("vscode/", headers={"Host": "jupyter.example.org"}, raise_error=False)
    warnings = [r.getMessage() for r in caplog.records if "insecure context" in r.getMessage()]
    assert len(warnings) == 1
    assert "jupyter.example.org" in warnings[0] and "https" in warnings[0]


@pytest.mark.vscode(trusted_origins=["jupyter.example.org"])
async def test_trusted_origins_reach_code_server(jp_fetch, stub_code_server):
    assert (await jp_fetch("vscode/", raise_error=False)).code == 200
    argv = stub_code_server.argv()
    assert argv[argv.index("--trusted-origins") + 1] == "jupyter.example.org"
