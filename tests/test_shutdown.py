"""Shutdown is final (issue 20): once Jupyter's shutdown has begun, or after a stop, nothing
starts code-server again by itself; a run folder lives exactly as long as its code-server; no
task of ours is left to a closing event loop.

The races are made on purpose, not waited for: a start is held in flight (the stub starts
slowly; the real code-server takes its own ~second) while the shutdown begins, and requests
are fired from a state listener in the instant after ``stopped``. Each test runs with the
stub and with the real code-server.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import stat
import subprocess
import time
from pathlib import Path

import pytest
from tornado.httpclient import HTTPClientError

from jupyter_vscode import codeserver
from jupyter_vscode.background import PREFIX, Background
from jupyter_vscode.codeserver import NO_CONFIG_FILE, RUN_DIR_PREFIX
from jupyter_vscode.states import State
from jupyter_vscode.supervisor import StartRefused

from .support.procs import pid_alive, wait_until
from .support.route import PAGE_LOAD, get

BOTH = pytest.mark.parametrize(
    "code_server", ["stub", pytest.param("real", marks=pytest.mark.codeserver)]
)
RECONNECT = {"reconnectionToken": "2b4c3f9e-1d7a-4e55-9d0c-5f1e2a3b4c5d", "reconnection": "true"}


@pytest.fixture(autouse=True)
def _runs_in_run_base(run_base: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(run_base))


def run_dirs(base: Path) -> list[str]:
    return sorted(p.name for p in base.iterdir() if p.name.startswith(RUN_DIR_PREFIX))


def our_tasks() -> list[str]:
    """Our background tasks still pending (every one is named PREFIX...)."""
    return [t.get_name() for t in asyncio.all_tasks() if t.get_name().startswith(PREFIX)]


def extension(jp_serverapp):  # type: ignore[no-untyped-def]
    (app,) = jp_serverapp.extension_manager.extension_apps["jupyter_vscode"]
    return app


def message(response) -> str:  # type: ignore[no-untyped-def]
    return str(json.loads(response.body)["message"])


async def when(predicate, action, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    """Call ``action()`` in the very step ``predicate()`` is seen true (nothing else runs in
    between: the race is made, not hoped for); AssertionError after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"condition not met within {timeout}s"
        await asyncio.sleep(0.002)
    action()


def begin_shutdown(jp_serverapp) -> None:  # type: ignore[no-untyped-def]
    """What Jupyter's signal handler does first (ServerApp.stop), before the extension's stop."""
    jp_serverapp._stopping = True


def spawned_not_ready(supervisor, old: int | None = None):  # type: ignore[no-untyped-def]
    return lambda: supervisor.pid not in (None, old) and supervisor.state is State.STARTING


async def reconnect(jp_ws_fetch) -> int:  # type: ignore[no-untyped-def]
    """A VS Code tab's automatic websocket reconnection: its status (101 if it got through)."""
    try:
        ws = await asyncio.wait_for(jp_ws_fetch("vscode/", params=dict(RECONNECT)), 60)
    except HTTPClientError as e:
        return e.code
    ws.close()
    return 101


@BOTH
async def test_a_start_in_flight_when_shutdown_begins_is_ended_and_nothing_starts_after(
    jp_fetch, jp_serverapp, supervisor, stub_code_server, run_base, code_server, caplog
):
    if code_server == "stub":
        stub_code_server.start_slowly(5.0)
    first = asyncio.ensure_future(get(jp_fetch, "vscode", "x"))
    await when(spawned_not_ready(supervisor), lambda: begin_shutdown(jp_serverapp))
    pid = supervisor.pid
    assert len(run_dirs(run_base)) == 1
    late = await get(jp_fetch, "vscode", "x", headers=dict(PAGE_LOAD))
    assert late.code == 503 and "Jupyter is shutting down" in late.body.decode()
    await asyncio.wait_for(extension(jp_serverapp).stop_extension(), 30)
    answer = await asyncio.wait_for(first, 30)
    assert answer.code == 503 and message(answer).startswith("Jupyter is shutting down")
    assert not pid_alive(pid)
    assert run_dirs(run_base) == []
    assert our_tasks() == []
    assert supervisor.state is State.STOPPED and supervisor.status()["shutting_down"] is True
    # and nothing starts it again: a page load, a tab's request, a timer, a restart
    for headers in (dict(PAGE_LOAD), {}):
        assert (await get(jp_fetch, "vscode", "x", headers=headers)).code == 503
    assert supervisor.start_soon(by_user=True) is None
    with pytest.raises(StartRefused):
        await supervisor.restart()
    restart = await get(jp_fetch, "api", "vscode", "restart", method="POST", body="{}")
    assert restart.code == 503 and "shutting down" in message(restart)
    assert supervisor.pid is None and run_dirs(run_base) == []
    assert "Task was destroyed" not in caplog.text and "Traceback" not in caplog.text


@BOTH
@pytest.mark.parametrize("how", ["stop", "shutdown"])
@pytest.mark.vscode(idle_timeout=600.0, health_timeout=30.0)  # an idle watch, health probes
async def test_requests_in_the_instant_after_stopped_start_nothing(
    jp_fetch, jp_ws_fetch, jp_serverapp, supervisor, run_base, code_server, how
):
    assert (await get(jp_fetch, "vscode", "healthz")).code == 200
    pid = supervisor.pid
    loop = asyncio.get_running_loop()
    fired: list[object] = []

    def at_once() -> None:
        # the next turn of the event loop: a restart timer, a reconnection, a tab's request
        fired.append(asyncio.ensure_future(supervisor.ensure_started()))
        fired.append(asyncio.ensure_future(reconnect(jp_ws_fetch)))
        fired.append(asyncio.ensure_future(get(jp_fetch, "vscode", "y")))
        if how == "shutdown":  # after a stop a page load may start it; during shutdown not
            fired.append(
                asyncio.ensure_future(get(jp_fetch, "vscode", "x", headers=dict(PAGE_LOAD)))
            )

    def on_change(old: State, new: State, reason: str) -> None:
        if new is State.STOPPED and not fired:
            fired.append(supervisor.start_soon())  # 0 ms after: a timer firing
            loop.call_soon(at_once)

    supervisor.on_state_change(on_change)
    if how == "stop":
        stopped = await get(jp_fetch, "api", "vscode", "stop", method="POST", body="{}")
        assert stopped.code == 200
    else:
        await asyncio.wait_for(extension(jp_serverapp).stop_extension(), 30)
    assert fired and fired[0] is None
    results = await asyncio.wait_for(asyncio.gather(*fired[1:], return_exceptions=True), 90)
    assert isinstance(results[0], StartRefused)
    assert results[1] == 503
    assert [r.code for r in results[2:]] == [503] * (len(results) - 2)
    await asyncio.sleep(0.2)  # anything started would be starting by now
    assert supervisor.state is State.STOPPED and supervisor.pid is None
    assert not pid_alive(pid)
    assert run_dirs(run_base) == []
    assert our_tasks() == []  # no health probe, idle watch or restart timer left to fire


@BOTH
async def test_a_restart_cannot_interleave_with_a_shutdown(
    jp_fetch, jp_serverapp, supervisor, stub_code_server, run_base, code_server
):
    assert (await get(jp_fetch, "vscode", "healthz")).code == 200
    if code_server == "stub":
        stub_code_server.start_slowly(5.0)
    old = supervisor.pid
    restart = asyncio.ensure_future(supervisor.restart())
    await when(spawned_not_ready(supervisor, old), lambda: begin_shutdown(jp_serverapp))
    new = supervisor.pid
    await asyncio.wait_for(extension(jp_serverapp).stop_extension(), 30)
    with pytest.raises(StartRefused) as refused:
        await asyncio.wait_for(restart, 30)
    assert refused.value.final
    assert not pid_alive(old) and not pid_alive(new)
    assert run_dirs(run_base) == [] and our_tasks() == []


@BOTH
async def test_an_open_websocket_is_closed_by_the_shutdown(
    jp_fetch, jp_ws_fetch, jp_serverapp, supervisor, stub_code_server, run_base, code_server
):
    stub_code_server.hold_websockets()
    params = {**RECONNECT, "reconnection": "false"}
    ws = await asyncio.wait_for(jp_ws_fetch("vscode/", params=params), 90)
    ext = extension(jp_serverapp)
    assert len(ext.relays) == 1
    await asyncio.wait_for(ext.stop_extension(), 30)
    assert len(ext.relays) == 0 and our_tasks() == []
    assert await asyncio.wait_for(ws.read_message(), 10) is None  # closed
    assert run_dirs(run_base) == []


@BOTH
async def test_the_run_folder_is_private_named_for_its_owner_and_holds_no_config(
    jp_fetch, supervisor, run_base, code_server
):
    assert (await get(jp_fetch, "vscode", "healthz")).code == 200
    (name,) = run_dirs(run_base)
    folder = run_base / name
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    owner = name[len(RUN_DIR_PREFIX) :].split("-")
    assert owner[0] == str(os.getpid()) and owner[1].isdigit()
    assert not (folder / "config.yaml").exists()
    argv = Path(f"/proc/{supervisor.pid}/cmdline").read_bytes().split(b"\0")
    assert argv[argv.index(b"--config") + 1] == NO_CONFIG_FILE.encode()
    await supervisor.stop()
    assert run_dirs(run_base) == []
    session = Path(supervisor.config.user_data_dir).expanduser() / "code-server-ipc.sock"
    assert not session.exists()  # code-server's own socket, left when it stops


async def test_a_crash_removes_the_run_folder(jp_fetch, supervisor, stub_code_server, run_base):
    stub_code_server.exit_cleanly_after(1.0)
    assert (await get(jp_fetch, "vscode", "healthz")).code == 200
    assert len(run_dirs(run_base)) == 1
    await wait_until(lambda: supervisor.state is State.STOPPED, timeout=30)
    assert run_dirs(run_base) == []
    assert supervisor.status()["held"] is None  # a crash is healed by the next request
    assert (await get(jp_fetch, "vscode", "x")).code == 200


@pytest.mark.vscode(max_restarts=0)
async def test_a_socket_path_too_long_is_a_clear_error_and_leaves_no_folder(
    jp_fetch, supervisor, tmp_path, monkeypatch
):
    deep = tmp_path / ("d" * 60) / ("e" * 60)
    deep.mkdir(parents=True)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(deep))
    answer = await get(jp_fetch, "vscode", "x")
    assert answer.code == 503
    assert "more than the 107 a unix socket path may have" in message(answer)
    assert "set XDG_RUNTIME_DIR (or TMPDIR) to a shorter directory" in supervisor.error
    assert run_dirs(deep) == []


def test_a_run_folder_is_stale_once_its_jupyter_server_is_gone(tmp_path):
    """The next Jupyter server removes the run folders of one that was killed outright: its
    pid is gone, or is another process now (same pid, another start time); live owners' and
    unrecognisable folders stay."""
    mine = codeserver._owner_name()  # this process: a live owner
    pid, started = mine[len(RUN_DIR_PREFIX) :].split("-")[:2]
    gone = _a_gone_pid()
    names = {
        "live": f"{mine}live0001",
        "dead": f"{RUN_DIR_PREFIX}{gone}-{started}-dead0001",
        "reused": f"{RUN_DIR_PREFIX}{pid}-{int(started) + 1}-reused01",
        "legacy-dead": f"{RUN_DIR_PREFIX}legacy01",
        "unknown": f"{RUN_DIR_PREFIX}unknown1",
    }
    for name in names.values():
        (tmp_path / name).mkdir()
    (tmp_path / names["legacy-dead"] / codeserver.OWNER_FILE).write_text(str(gone))
    removed = codeserver.remove_stale_run_dirs(str(tmp_path))
    assert sorted(Path(p).name for p in removed) == sorted(
        names[k] for k in ("dead", "reused", "legacy-dead")
    )
    assert sorted(run_dirs(tmp_path)) == sorted([names["live"], names["unknown"]])


def _a_gone_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait(10)
    assert not pid_alive(proc.pid)
    return proc.pid


async def test_background_tasks_are_named_logged_when_they_fail_and_ended_by_close(caplog):
    log = logging.getLogger("test-background")
    tasks = Background(log)
    fine = tasks.spawn(asyncio.sleep(0), "fine")
    broken = tasks.spawn(_raise(ValueError("a bug")), "broken")
    expected = tasks.spawn(_raise(StartRefused("refused")), "refused", expected=(StartRefused,))
    stuck = tasks.spawn(asyncio.sleep(3600), "stuck")
    await asyncio.wait([fine, broken, expected], timeout=5)
    assert stuck.get_name() == PREFIX + "stuck"
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert [r.getMessage() for r in errors] == [f"[jupyter-vscode] {PREFIX}broken failed"]
    assert errors[0].exc_info is not None and errors[0].exc_info[0] is ValueError
    assert await asyncio.wait_for(tasks.close(5), 10) == []
    assert stuck.cancelled() and tasks.pending() == []


async def _raise(error: BaseException) -> None:
    raise error
