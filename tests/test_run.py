"""One start of code-server (run.py's Run) on its own, without a Supervisor: what it reports
through its callbacks, and what it leaves behind (nothing). Stub code-server, fast.

The Supervisor's decisions on these reports are checked through the Jupyter route in
test_supervision.py and test_health.py.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from pathlib import Path

import pytest
from traitlets.config import Config

from jupyter_vscode.background import Background
from jupyter_vscode.config import VSCode
from jupyter_vscode.proclog import ProcessLog
from jupyter_vscode.run import Run, StartFailed

from .support.procs import pid_alive, wait_until

LOG = logging.getLogger("test_run")


@pytest.fixture
def make_run(tmp_path: Path, stub_code_server):  # type: ignore[no-untyped-def]
    """``make_run(**options)``: a Run of the stub with these c.VSCode options. A test
    terminates its runs; whatever a failing one left is killed (Run.kill_now) at the end."""
    made: list[tuple[Run, ProcessLog]] = []
    versions: list[str] = []

    def make(**options: object) -> Run:
        values: dict[str, object] = {
            "code_server": str(stub_code_server),
            "user_data_dir": str(tmp_path / "user-data"),
            "log_dir": str(tmp_path / "logs"),
            "start_timeout": 30.0,
            **options,
        }
        config = VSCode(config=Config({"VSCode": values}))
        output = ProcessLog(config.log_dir, LOG)
        run = Run(
            config, str(stub_code_server), str(tmp_path), output, LOG, time.monotonic,
            versions.append, Background(LOG),
        )  # fmt: skip
        made.append((run, output))
        return run

    yield make
    for run, output in made:
        run.kill_now()
        output.close()


async def terminate(run: Run) -> None:
    await asyncio.wait_for(run.terminate(lambda pid: None), 30)


async def test_a_run_that_exits_reports_its_code_once_and_reap_cleans_up(
    make_run, stub_code_server
):
    stub_code_server.exit_cleanly_after(0.5)
    run = make_run(health_timeout=0)
    pid = await asyncio.wait_for(run.spawn(), 30)
    await asyncio.wait_for(run.wait_ready(), 30)
    assert run.alive() and run.ready_at is not None and os.path.isdir(run.spec.run_dir)
    exits: list[tuple[Run, int]] = []

    async def never(r: Run) -> None:
        raise AssertionError("no health check with health_timeout = 0")

    run.watch(lambda r, code: exits.append((r, code)), never)
    await wait_until(lambda: exits, timeout=30)
    assert exits == [(run, 0)] and run.returncode == 0 and run.pid == pid
    run.reap("code-server exited with code 0")
    assert not run.alive() and not os.path.exists(run.spec.run_dir)
    await terminate(run)  # what the Supervisor does before its next start
    assert len(exits) == 1


async def test_terminate_says_stopping_first_and_leaves_nothing(make_run):
    run = make_run()
    pid = await asyncio.wait_for(run.spawn(), 30)
    await asyncio.wait_for(run.wait_ready(), 30)
    exits: list[int] = []

    async def never(r: Run) -> None:
        raise AssertionError("a healthy stub is not reported unhealthy")

    run.watch(lambda r, code: exits.append(code), never)
    stopping: list[tuple[int, bool]] = []
    await asyncio.wait_for(run.terminate(lambda p: stopping.append((p, pid_alive(p)))), 30)
    assert stopping == [(pid, True)]  # said while it still ran, before the kill
    assert not pid_alive(pid) and not run.alive() and run.health is None
    assert not os.path.exists(run.spec.run_dir)
    assert exits == []  # a terminated run's exit is no exit to report
    await asyncio.wait_for(run.terminate(lambda p: stopping.append((p, True))), 30)
    assert stopping == [(pid, True)]  # idempotent: nothing left to stop


async def test_a_wedged_run_is_reported_unhealthy(make_run, stub_code_server):
    stub_code_server.wedge_after(0.3)
    run = make_run(health_timeout=1)
    await asyncio.wait_for(run.spawn(), 30)
    await asyncio.wait_for(run.wait_ready(), 30)
    reported: list[Run] = []

    async def unhealthy(r: Run) -> None:
        reported.append(r)

    run.watch(lambda r, code: None, unhealthy)
    await wait_until(lambda: reported, timeout=60)
    assert reported == [run] and run.alive()  # reported, not killed: the Supervisor decides
    assert run.health is not None and not run.health.healthy
    await terminate(run)
    assert not run.alive() and not os.path.exists(run.spec.run_dir)


async def test_a_start_that_exits_fails_with_its_output(make_run, stub_code_server):
    stub_code_server.crash()
    run = make_run()
    await asyncio.wait_for(run.spawn(), 30)
    with pytest.raises(
        StartFailed, match="exited with code 3 while starting: .*simulated crash at start"
    ):
        await asyncio.wait_for(run.wait_ready(), 30)
    await terminate(run)
    assert not os.path.exists(run.spec.run_dir)
