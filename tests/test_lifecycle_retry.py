"""Issue 21: the retry after a failed rollout must not kill itself. The user opens a Jupyter
terminal and runs the `to retry: bash ...` command; the run pip-installs, and Jupyter's
restart ends that terminal with everything in its session: the run must go on in a process
of its own, restart Jupyter once, and only when everything is installed.

A quick Studio sandbox (tests/support/quick.py) and a Jupyter server in miniature whose
terminal runs the command; the `restart-jupyter-server` stub stops that server the way a
restart does (its terminals closed, their sessions killed).
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from pathlib import Path

import pytest

from jupyter_vscode.sagemaker.script import LifecycleOptions, render_script

from .support.quick import jupyter_with_terminal, quick_sandbox, write_restart_stub
from .support.sandbox import (
    DONE,
    FAILED,
    last_run,
    put_s3,
    small_tarball,
    until,
    wait_for_result,
    write_script,
    write_stub,
)


@pytest.mark.timeout(300)
@pytest.mark.parametrize("command", ["retry", "script"])
def test_run_from_a_jupyter_terminal_survives_the_restart_it_causes(tmp_path, command):
    """`retry`: the `to retry:` command after a failed first start; `script`: the lifecycle
    script itself run in a terminal. Both pip-install (Jupyter must restart to load it)."""
    sandbox = quick_sandbox(tmp_path)
    tarball = small_tarball(sandbox)
    script = sandbox.root / "on-jupyter-server-start.sh"
    # the code-server tarball is not in "S3" yet: the first start fails
    # (its settings written in: the terminal's environment has none of the sandbox's JV_*)
    options = LifecycleOptions(
        target="studio",
        code_server_tarball="s3://bucket/cs.tar.gz",
        python=str(sandbox.python),
        pip_args=sandbox.env["JV_PIP_ARGS"],
    )
    script.write_text(render_script(options))
    log = sandbox.home / ".jupyter-vscode-lifecycle.log"
    prefix = sandbox.home / ".local" / "share" / "jupyter-vscode"
    text = sandbox.run_script(script, cwd=str(sandbox.home), log=log, ok=False)
    retry = re.search(r"lifecycle: to retry: (.*)", text)
    assert retry and FAILED in text, text

    # the cause fixed; this time pip installs something, so Jupyter must restart
    put_s3(sandbox, "bucket/cs.tar.gz", tarball)
    (tmp_path / "pip-installs").touch()
    pidfile = write_restart_stub(sandbox, prefix)
    run = retry.group(1) if command == "retry" else f"bash {script}"
    jupyter = jupyter_with_terminal(sandbox, run, pidfile)
    try:
        until(lambda: log.read_text().count("lifecycle: started") == 2, 60, "the second run")
        text = wait_for_result(log, 120)
        assert DONE in text, f"{text}\nterminal:\n{terminal(sandbox.root)}"
        jupyter.wait(60)  # the restart stopped it
    finally:
        if jupyter.poll() is None:
            jupyter.kill()
            jupyter.wait(10)

    assert text.rstrip().endswith("lifecycle: done (restarting Jupyter now)"), text
    assert "Jupyter must restart because pip installed jupyter-vscode-0.1.0" in text, text
    assert (prefix / "bin" / "code-server").is_file(), text
    calls = sandbox.calls()
    restarts = [c for c in calls if c.startswith("restart-jupyter-server")]
    assert len(restarts) == 1, calls  # once, for both runs
    assert "restart: code-server installed" in calls, calls  # at the end, not before
    # the terminal showed the run's lines until its result
    shown = terminal(sandbox.root)
    assert "lifecycle: started as " in shown and DONE in shown, shown
    # the log says nothing after its result (read again after the server stopped)
    assert last_run(log.read_text()).rstrip().endswith("done (restarting Jupyter now)")


def terminal(root: Path) -> str:
    out = root / "terminal.out"
    return out.read_text(errors="replace") if out.exists() else ""


@pytest.mark.timeout(120)
def test_failed_restart_after_the_run_is_reported(tmp_path):
    """The late restart fails: its FAILED line follows the run's `done` in the log, and the
    rerun exits 1 (its last result)."""
    sandbox = quick_sandbox(tmp_path)
    script = sandbox.root / "on-jupyter-server-start.sh"
    script.write_text(render_script(LifecycleOptions(target="studio")))
    (tmp_path / "pip-installs").touch()
    log = sandbox.home / ".jupyter-vscode-lifecycle.log"
    sandbox.run_script(script, cwd=str(sandbox.home), log=log, FAKE_INSTALL="1")
    rerun = sandbox.home / ".jupyter-vscode-lifecycle-rerun.sh"
    restart = sandbox.root / "stubs" / "restart-jupyter-server"
    write_stub(restart, "echo 'no such service'; exit 1\n")
    proc = subprocess.run(
        ["bash", str(rerun)],
        env={**sandbox.env, "FAKE_INSTALL": "1"},
        capture_output=True,
        text=True,
        timeout=100,
    )
    # the rerun's output, and its exit status, follow the run to its very end
    assert proc.returncode == 1 and DONE in proc.stdout, proc.stdout + proc.stderr
    assert proc.stdout.rstrip().endswith("restart Jupyter to load what was installed")
    text = last_run(log.read_text())
    assert text.rstrip().endswith(
        "FAILED: `restart-jupyter-server` failed: no such service; restart Jupyter to load what "
        "was installed"
    ), text


def process_start(pid: int) -> float:
    """When ``pid`` started (epoch seconds, to the clock tick), from /proc."""
    ticks = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19])
    boot = time.time() - time.clock_gettime(time.CLOCK_BOOTTIME)
    return boot + ticks / os.sysconf("SC_CLK_TCK")


@pytest.mark.timeout(600)
def test_jupyter_started_in_the_installs_second_is_not_restarted(sandbox, capsys, package_wheel):
    """ "Jupyter started before jupyter-vscode was installed" compared whole seconds: a Jupyter
    restarted in the install's second (after it) was restarted again. Now to the tick."""
    tarball = put_s3(sandbox, "bucket/cs/code-server-4.20.0.tar.gz", small_tarball(sandbox))
    script = write_script(capsys, sandbox, "studio", wheel=package_wheel, tarball=tarball)
    log = sandbox.home / ".jupyter-vscode-lifecycle.log"
    sandbox.run_script(script, cwd=str(sandbox.home), log=log)
    restart = "restart-jupyter-server "
    assert sandbox.calls().count(restart) == 1
    record = next(
        (sandbox.root / "venv").glob("lib/python*/site-packages/jupyter_vscode-*.dist-info/RECORD")
    )
    # a Jupyter of this Python started early in a second (so that the install, 50 ms
    # before it, is in the same second)
    until(lambda: 0.1 <= time.time() % 1 < 0.3, 5, "the start of a second")
    fake = subprocess.Popen(
        [str(sandbox.python), "-c", "import time; time.sleep(300)", "jupyter-lab"]
    )
    try:
        started = process_start(fake.pid)
        os.utime(record, (started - 0.05, started - 0.05))
        assert int(started - 0.05) == int(started)  # the same second
        for _ in range(3):  # (whole seconds got it wrong whenever now's fraction >= start's)
            text = sandbox.run_script(script, cwd=str(sandbox.home), log=log)
            assert "nothing changed: Jupyter not restarted" in text, text
        assert sandbox.calls().count(restart) == 1
        # installed 50 ms after this Jupyter started: it has the old one
        os.utime(record, (started + 0.05, started + 0.05))
        text = sandbox.run_script(script, cwd=str(sandbox.home), log=log)
    finally:
        fake.kill()
        fake.wait(10)
    assert f"because Jupyter (pid {fake.pid}) started before jupyter-vscode 0.1.0 was" in text
    assert sandbox.calls().count(restart) == 2
