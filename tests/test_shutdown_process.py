"""Shutdown is final, for a real `jupyter server` process: SIGTERM while a start of code-server
is in flight (its process spawned, not answering yet) ends it, starts nothing after, leaves no
run folder or process, and Jupyter's log has no traceback and no task destroyed pending. With
the stub and with the real code-server."""

from __future__ import annotations

import signal
import threading
import time
import urllib.error
from pathlib import Path

import pytest

from jupyter_vscode.codeserver import GROUP_FILE, RUN_DIR_PREFIX

from .support.procs import pid_alive

BAD_LINES = (
    "Traceback",
    "Task was destroyed",
    "Event loop is closed",
    "tasks still running at shutdown",
    "coroutine was never awaited",
)


def wait_for(predicate, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"{what}: not within {timeout}s"
        time.sleep(0.005)


def spawned_group(base: Path) -> int | None:
    """The process group of a code-server spawned in one of ``base``'s run folders."""
    for folder in base.glob(RUN_DIR_PREFIX + "*"):
        try:
            return int((folder / GROUP_FILE).read_text())
        except (OSError, ValueError):
            continue
    return None


@pytest.mark.parametrize(
    "code_server", ["stub", pytest.param("real", marks=pytest.mark.codeserver)]
)
def test_sigterm_while_a_start_is_in_flight_leaves_nothing(
    jupyter_process, code_server_exe, stub_code_server, run_base, code_server
):
    if code_server == "stub":
        stub_code_server.start_slowly(5.0)
    jp = jupyter_process(code_server_exe, env={"XDG_RUNTIME_DIR": str(run_base)})
    answers: list[object] = []

    def first_request() -> None:
        try:
            with jp.request("vscode/x", timeout=60) as r:
                answers.append(r.status)
        except urllib.error.HTTPError as e:
            answers.append(e.code)
        except OSError as e:  # Jupyter went away before answering
            answers.append(e)

    requester = threading.Thread(target=first_request, daemon=True)
    requester.start()
    wait_for(lambda: spawned_group(run_base) is not None, 60, "code-server spawned")
    group = spawned_group(run_base)
    jp.proc.send_signal(signal.SIGTERM)  # the start is in flight
    assert jp.proc.wait(30) == 0
    requester.join(70)
    assert answers and answers[0] != 200, answers
    log = jp.log_path.read_text()
    for bad in BAD_LINES:
        assert bad not in log, log
    assert "received signal 15" in log
    after = log.split("received signal 15", 1)[1]
    assert "-> starting" not in after and "starting code-server:" not in after, after
    assert list(run_base.iterdir()) == []
    assert list(Path(jp.env["HOME"]).rglob("config.yaml")) == []  # code-server's default
    assert group is not None
    wait_for(lambda: not pid_alive(group), 15, "code-server gone")


def test_the_next_jupyter_removes_the_run_folder_of_one_killed_outright(
    jupyter_process, stub_code_server, run_base
):
    env = {"XDG_RUNTIME_DIR": str(run_base)}
    jp = jupyter_process(str(stub_code_server), env=env)
    with jp.request("vscode/x") as r:
        assert r.status == 200
    (left,) = run_base.iterdir()
    group = int((left / GROUP_FILE).read_text())
    jp.proc.kill()  # no cleanup at all
    jp.proc.wait(10)
    assert left.exists()
    wait_for(lambda: not pid_alive(group), 15, "code-server ended by its parent-death signal")
    jupyter_process(str(stub_code_server), env=env)  # ready: its supervisor was made
    assert not left.exists()
