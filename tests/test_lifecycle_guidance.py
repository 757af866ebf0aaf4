"""Issue 13, point 6: the guidance after a failed lifecycle run (its log, the `to retry:`
command and the rerun file), on the not-installed page, in the status API and in
`jupyter vscode doctor`.

The run tests execute the generated scripts in the lifecycle sandbox (tests/support/sandbox.py:
a temporary HOME, a venv standing in for Jupyter's Python, stubs for `aws`, `sudo`,
`restart-jupyter-server`) or, on a notebook instance, in the user box (tests/support/userbox.py).
"""

from __future__ import annotations

import json
import os
import pwd
import re
import shlex
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from jupyter_vscode.installer.standalone import release_arch
from jupyter_vscode.locate import Lookup
from jupyter_vscode.pages import missing_page
from jupyter_vscode.sagemaker.log import (
    DONE,
    FAILED,
    LOGS_ENV,
    NO_RESULT,
    RUNNING,
    LastRun,
    last_run,
    log_paths,
    parse,
    rerun_file,
)
from jupyter_vscode.sagemaker.script import (
    LifecycleOptions,
    render_script,
)

from .support.artifacts import build_wheel
from .support.sandbox import DONE as DONE_LINE
from .support.sandbox import FAILED as FAILED_LINE
from .support.sandbox import (
    Sandbox,
    make_sandbox,
    put_s3,
    running_jupyter,
    server_env,
    small_tarball,
    start_script,
    wait_for_result,
    write_script,
)

T = "2026-12-01T10:00:0"


def lines(*messages: str) -> str:
    return "".join(
        f"{T}{i} jupyter-vscode lifecycle: {m}\n" if not m.startswith("|") else m[1:] + "\n"
        for i, m in enumerate(messages)
    )


def test_parse_failed_run_has_reason_and_retry(tmp_path):
    log = str(tmp_path / ".jupyter-vscode-lifecycle.log")
    text = lines(
        "started (as u, pid 1)",
        "done",
        "started (as u, pid 2)",
        "installing as u",
        "|jupyter vscode install: error: The file /tmp/x/cs.tar.gz does not exist.",
        f"to retry: bash {tmp_path}/.jupyter-vscode-lifecycle-rerun.sh",
        "FAILED (see above); Jupyter was not restarted",
    )
    run = parse(text, log)
    assert run.outcome == FAILED and run.started == T + "2"
    assert run.result == "FAILED (see above); Jupyter was not restarted"
    assert run.detail == "jupyter vscode install: error: The file /tmp/x/cs.tar.gz does not exist."
    assert run.retry == f"bash {tmp_path}/.jupyter-vscode-lifecycle-rerun.sh"
    assert run.retry in run.guidance() and log in run.guidance()
    assert "FAILED" in run.summary() and "does not exist" in run.summary()


def test_parse_done_and_unfinished_runs(tmp_path):
    log = str(tmp_path / "x.log")
    assert parse(lines("started (as u, pid 7)", "done (restarted)"), log).outcome == DONE
    # the process named in "started" is gone: no result (the machine stopped midway)
    dead = subprocess.Popen(["true"])
    dead.wait(10)
    run = parse(lines(f"started (as u, pid {dead.pid})", "installing as u"), log)
    assert run.outcome == NO_RESULT and "without a result" in run.summary()
    # alive, and a lifecycle script's process (not a reused pid): still running
    alive = subprocess.Popen(
        ["bash", "-c", "read x", "/tmp/jupyter-vscode-lifecycle.abc/run.sh"], stdin=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 30  # /proc/<pid>/cmdline is empty until exec is done
        while not Path(f"/proc/{alive.pid}/cmdline").read_bytes():
            assert time.monotonic() < deadline
            time.sleep(0.05)
        run = parse(lines(f"started (as u, pid {alive.pid})", "installing as u"), log)
        assert run.outcome == RUNNING and "still running" in run.summary()
        other = parse(lines(f"started (as u, pid {os.getpid()})"), log)
        assert other.outcome == NO_RESULT  # pytest's own pid: not a lifecycle script
    finally:
        alive.kill()
        alive.wait(10)


def test_notebook_instance_log_path_and_sudo(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    ni = tmp_path / "SageMaker" / ".jupyter-vscode-lifecycle.log"
    ni.parent.mkdir()
    studio = "~/.jupyter-vscode-lifecycle.log"
    assert last_run((studio, str(ni))) is None  # no log: no lifecycle guidance
    ni.write_text(lines("started (as ec2-user, pid 1)", "|ERROR: no space left on device"))
    # no `to retry:` line (the run was cut short), but a rerun file: root's command on NI
    Path(rerun_file(str(ni))).write_text("set -eu\n")
    run = last_run((studio, str(ni)))
    assert run is not None and run.log == str(ni) and run.outcome == NO_RESULT
    assert run.retry == f"sudo bash {tmp_path}/SageMaker/.jupyter-vscode-lifecycle-rerun.sh"
    # the newest of the logs counts
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / ".jupyter-vscode-lifecycle.log").write_text(lines("started", "done"))
    os.utime(ni, (1, 1))
    assert last_run((studio, str(ni))).outcome == DONE  # type: ignore[union-attr]


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to give a file to another user")
def test_only_the_users_own_log_is_reported(tmp_path, monkeypatch):
    """A log of another user (a shared machine's /home/ec2-user/SageMaker, seen by root or by
    someone else) is not this user's setup: not reported, nor a link or a log anyone can write."""
    other = 65534  # nobody
    persistent = tmp_path / "SageMaker"
    persistent.mkdir()
    log = persistent / ".jupyter-vscode-lifecycle.log"
    log.write_text(lines("started (as u, pid 1)", "|Error: boom", "FAILED (see above)"))
    paths = (str(tmp_path / "home" / "none.log"), str(log))
    rerun = Path(rerun_file(str(log)))
    rerun.write_text("set -eu\n")
    assert last_run(paths).retry == f"sudo bash {rerun}"  # type: ignore[union-attr]

    os.chown(log, other, other)
    assert last_run(paths) is None
    os.chown(log, os.geteuid(), os.getegid())
    # ours again, but the rerun file next to it is someone else's: not a command to offer
    os.chown(rerun, other, other)
    run = last_run(paths)
    assert run is not None and run.outcome == FAILED and run.retry == ""
    os.chown(rerun, os.geteuid(), os.getegid())

    log.chmod(0o666)  # anyone could have written it
    assert last_run(paths) is None
    log.chmod(0o644)

    # a link (ours) to a log: not followed, neither to our own file nor to another user's
    link = tmp_path / "link.log"
    link.symlink_to(log)
    assert last_run((str(link),)) is None
    assert last_run((str(log),)) is not None

    # the paths come from $JUPYTER_VSCODE_LIFECYCLE_LOGS when set (tests set it: conftest.py)
    monkeypatch.setenv(LOGS_ENV, f"{tmp_path}/x.log:{log}")
    assert last_run().log == str(log)  # type: ignore[union-attr]
    os.chown(log, other, other)
    assert last_run() is None


def test_lifecycle_log_lookups_stay_in_the_test_tree(tmp_path):
    """Tests never read the machine's /home/ec2-user/SageMaker log (conftest.py, support/
    hermetic.py): in the test process, and in a product process a helper starts."""
    from .support.doctor import Doctor

    assert log_paths()[0] == os.path.expanduser("~/.jupyter-vscode-lifecycle.log")
    assert log_paths()[1:] == [str(tmp_path / "SageMaker" / ".jupyter-vscode-lifecycle.log")]
    doctor = Doctor(tmp_path)
    code = "from jupyter_vscode.sagemaker.log import log_paths; print(*log_paths(), sep=chr(10))"
    proc = subprocess.run(
        [sys.executable, "-c", code], env=doctor.env, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    paths = proc.stdout.splitlines()
    assert len(paths) == 2 and all(p.startswith(f"{doctor.home}/") for p in paths), paths


def test_hint_and_page_name_the_log_and_the_command(tmp_path):
    run = LastRun(
        log="/home/u/.jupyter-vscode-lifecycle.log",
        outcome=FAILED,
        started="2026-12-01T10:00:00Z",
        result="FAILED (see above); Jupyter was not restarted",
        detail="download failed: HTTP Error 404: Not Found",
        retry="bash /home/u/.jupyter-vscode-lifecycle-rerun.sh",
    )
    lookup = Lookup(None, "", ["code-server on PATH"], lifecycle=run)
    hint = lookup.hint()
    assert run.retry in hint and run.log in hint and "404" in hint
    assert "jupyter vscode install" not in hint
    page = missing_page(lookup, "/api/vscode", "x")
    assert "VS Code&#x27;s setup failed" in page
    assert f"<pre>{run.retry}</pre>" in page and f"<code>{run.log}</code>" in page
    assert "<pre>jupyter vscode install</pre>" not in page
    running = Lookup(None, "", [], lifecycle=LastRun(run.log, RUNNING, run.started))
    assert "being installed" in missing_page(running, "/api", "x")
    assert "wait for it to end" in running.hint()
    # no log: the old guidance
    plain = Lookup(None, "", ["code-server on PATH"])
    assert "jupyter vscode install" in plain.hint()
    assert "<pre>jupyter vscode install</pre>" in missing_page(plain, "/api/vscode", "x")


def test_doctor_without_code_server_starts_with_the_lifecycle_log(tmp_path):
    from .support.doctor import Doctor

    doctor = Doctor(tmp_path)
    log = doctor.home / ".jupyter-vscode-lifecycle.log"
    retry = f"bash {doctor.home}/.jupyter-vscode-lifecycle-rerun.sh"
    log.write_text(
        lines("started (as u, pid 1)", "|Error: boom", f"to retry: {retry}", "FAILED (see above)")
    )
    code, report = doctor.json("--no-start")
    assert code == 1
    first = report["checks"][0]
    assert first["name"] == "lifecycle script" and first["status"] == "fail", first
    assert str(log) in first["detail"] and "Error: boom" in first["detail"]
    assert retry in first["hint"]
    found = report["checks"][1]
    assert found["name"] == "code-server found" and "see 'lifecycle script'" in found["hint"]
    assert "jupyter vscode install" not in found["hint"]
    assert report["lifecycle"]["outcome"] == "failed" and report["lifecycle"]["retry"] == retry
    log.unlink()
    code, report = doctor.json("--no-start")
    assert report["checks"][0]["name"] == "code-server found" and report["lifecycle"] is None
    assert "jupyter vscode install" in report["checks"][0]["hint"]


def run_doctor(sandbox: Sandbox) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(sandbox.python), "-m", "jupyter_vscode.cli", "doctor", "--no-start"],
        env={**server_env(sandbox), "PYTHONIOENCODING": "utf-8"},
        cwd=str(sandbox.root),
        capture_output=True,
        text=True,
        timeout=180,
    )


def not_installed_page(sandbox: Sandbox) -> tuple[str, dict[str, object]]:
    """Start Jupyter from the sandbox's Python with its HOME (no code-server anywhere): the
    VS Code page and then the status API."""
    with running_jupyter(sandbox, "/jupyterlab/default/", {"Accept": "text/html"}) as get:
        status, page = get("vscode/", timeout=30)
        assert status == 503, page
        return page, json.loads(get("api/vscode/status", timeout=30)[1])


@pytest.mark.timeout(900)
def test_failed_run_says_how_to_retry_and_the_retry_works(tmp_path, capsys, tmp_path_factory):
    sandbox = make_sandbox(tmp_path)
    wheel = build_wheel(tmp_path_factory)
    name = f"code-server-4.20.0-linux-{release_arch()}.tar.gz"
    key = f"bucket/cs/{name}"  # not uploaded yet: the run fails
    script = write_script(capsys, sandbox, "studio", wheel=wheel, tarball=f"s3://{key}")
    log = sandbox.home / ".jupyter-vscode-lifecycle.log"
    start_script(sandbox, script)
    text = wait_for_result(log)

    assert DONE_LINE not in text and FAILED_LINE in text, text
    rerun = sandbox.home / ".jupyter-vscode-lifecycle-rerun.sh"
    retry = f"bash {rerun}"
    result_lines = text.splitlines()[-2:]
    assert result_lines[0].endswith(f" jupyter-vscode lifecycle: to retry: {retry}"), text
    assert FAILED_LINE in result_lines[1]
    assert stat.S_IMODE(rerun.stat().st_mode) == 0o600  # it holds the run's URLs
    assert f"s3://{key}" in rerun.read_text()

    # doctor: the lifecycle log first, with the outcome and the command
    doctor = run_doctor(sandbox)
    out = doctor.stdout
    checks = out.split("Checks\n", 1)[1]
    assert checks.lstrip().startswith("✗ lifecycle script"), out
    assert str(log) in checks.split("\n")[0] and "FAILED" in checks.split("\n")[0], out
    assert retry in out
    assert "jupyter vscode install`" not in out, out

    # the not-installed page and the status API's hint (a real Jupyter, HOME = the sandbox's)
    page, status = not_installed_page(sandbox)
    assert "VS Code&#x27;s setup failed" in page, page
    assert f"<code>{log}</code>" in page and f"<pre>{retry}</pre>" in page, page
    assert "<pre>jupyter vscode install</pre>" not in page
    assert status["state"] == "missing" and retry in str(status["error"]), status
    assert "run `jupyter vscode install`" not in str(status["error"])

    # the admin fixes the cause (uploads the tarball); the user runs the command
    put_s3(sandbox, key, small_tarball(sandbox))
    tmp = Path(server_env(sandbox).get("TMPDIR") or "/tmp")
    copies_before = set(tmp.glob("jupyter-vscode-lifecycle.*"))
    proc = subprocess.run(
        shlex.split(retry),
        cwd="/",
        env=server_env(sandbox),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert DONE_LINE in proc.stdout.rstrip().splitlines()[-1], proc.stdout  # shown on the terminal
    text = log.read_text()
    assert text.count("jupyter-vscode lifecycle: started") == 2, text  # appended
    assert DONE_LINE in text.rstrip().splitlines()[-1], text
    prefix = sandbox.home / ".local" / "share" / "jupyter-vscode"
    assert (prefix / "bin" / "code-server").exists(), text
    assert "restart-jupyter-server " in sandbox.calls()
    # lifecycle.sh copies itself to `mktemp -d $TMPDIR/jupyter-vscode-lifecycle.XXXXXX` (the
    # terminal's TMPDIR) and removes the copy when it is done
    assert set(tmp.glob("jupyter-vscode-lifecycle.*")) <= copies_before
    doctor = run_doctor(sandbox)
    assert "✓ lifecycle script" in doctor.stdout and "done" in doctor.stdout, doctor.stdout


def test_rerun_needs_root_on_notebook_instances(tmp_path):
    """Run without sudo on a notebook instance, the rerun says to use sudo (it restarts
    Jupyter with systemctl) instead of failing half-way."""
    script = render_script(LifecycleOptions(target="notebook-instance"))
    func = re.search(r"^jv_rerun\(\) \{.*?^\}$", script, re.S | re.M).group(0)  # type: ignore[union-attr]
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "id").write_text("#!/bin/sh\necho 1000\n")  # ec2-user
    (fake / "id").chmod(0o755)
    proc = subprocess.run(
        ["bash", "-c", f"set -eu\nJV_SUDO='sudo -u ec2-user -i'\n{func}\njv_rerun", "/x/rerun.sh"],
        env={"PATH": f"{fake}:/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert proc.returncode == 1 and "needs root: sudo bash /x/rerun.sh" in proc.stdout, proc


def test_notebook_instance_rerun_file_is_the_users_and_reruns(userbox):  # noqa: F811
    """On a notebook instance (root runs the script, ec2-user owns ~/SageMaker) the rerun file
    is written by the user, private; root's rerun appends a whole run to the log."""
    userbox.run()
    log = Path(userbox.env["JV_LOG"])
    rerun = Path(rerun_file(str(log)))
    assert rerun.parent == userbox.persistent
    assert rerun.stat().st_uid == pwd.getpwnam(userbox.user).pw_uid
    assert stat.S_IMODE(rerun.stat().st_mode) == 0o600
    run = parse(log.read_text(), str(log), needs_root=True)
    assert run.outcome == DONE and run.retry == f"sudo bash {rerun}"

    proc = subprocess.run(
        ["bash", str(rerun)],  # what `sudo bash <file>` runs
        cwd="/",
        env=userbox.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    text = log.read_text()
    assert text.count("jupyter-vscode lifecycle: started") == 2, text
    assert DONE_LINE in text.rstrip().splitlines()[-1], text
    assert userbox.calls().count("systemctl restart jupyter-server") == 2
    for path in (log, rerun):  # still the user's
        assert path.stat().st_uid == pwd.getpwnam(userbox.user).pw_uid, path
