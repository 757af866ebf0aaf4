"""Idle semantics: what counts as use of VS Code, idle stop, and our own polls never counting."""

from __future__ import annotations

import asyncio
import json
import logging
import struct

import pytest

from jupyter_vscode.activity import classify, describe, is_user_activity

from .conftest import wait_until

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


@pytest.mark.parametrize("message", IDLE)
def test_idle_traffic_is_not_use(message):
    assert not is_user_activity(message, UDD)


@pytest.mark.parametrize("message", USE)
def test_editing_terminal_and_files_are_use(message):
    assert is_user_activity(message, UDD)


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
    caplog.set_level(logging.DEBUG, logger=supervisor.activity_log.name)
    await jp_fetch("vscode/", raise_error=False)
    lines = [r.getMessage() for r in caplog.records if r.name == supervisor.activity_log.name]
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
async def test_idle_timeout_stops_and_next_request_restarts(jp_fetch, supervisor):
    assert (await jp_fetch("vscode/", raise_error=False)).code == 200
    first = supervisor.pid
    await wait_until(lambda: supervisor.state.value == "stopped", timeout=10)
    assert supervisor.status()["idle_stops"] == 1
    assert (await jp_fetch("vscode/", raise_error=False)).code == 200
    assert supervisor.pid != first


@pytest.mark.vscode(idle_timeout=2.0)
async def test_use_keeps_it_running(jp_fetch, supervisor):
    assert (await jp_fetch("vscode/", raise_error=False)).code == 200
    for _ in range(6):
        await asyncio.sleep(0.5)
        supervisor.note_activity()
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
async def test_trusted_origins_reach_code_server(jp_fetch, tmp_path):
    assert (await jp_fetch("vscode/", raise_error=False)).code == 200
    argv = json.loads((tmp_path / "stub-record.jsonl").read_text().splitlines()[0])["argv"]
    assert argv[argv.index("--trusted-origins") + 1] == "jupyter.example.org"
