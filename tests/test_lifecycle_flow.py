"""The lifecycle run's flow, on a quick Studio sandbox: what reaches the output and the log
when the install fails, the background leaving the script's session, `--wait` running out,
the log appended and rotated, overlapping runs serialised, no HOME, an old glibc said up front.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from jupyter_vscode.sagemaker.script import (
    LifecycleOptions,
    render_script,
)

from .support.quick import quick_sandbox
from .support.sandbox import (
    DONE,
    FAILED,
    Sandbox,
    put_s3,
    small_tarball,
    start,
    until,
    wait_for_result,
    write_stub,
)


@pytest.fixture
def quick(tmp_path: Path) -> Sandbox:
    """A Studio sandbox in seconds (tests/support/quick.py)."""
    return quick_sandbox(tmp_path)


def studio_script(sandbox: Sandbox, **opts: object) -> Path:
    script = sandbox.root / "on-jupyter-server-start.sh"
    script.write_text(render_script(LifecycleOptions(target="studio", **opts)))  # type: ignore[arg-type]
    return script


def studio_log(sandbox: Sandbox) -> Path:
    return sandbox.home / ".jupyter-vscode-lifecycle.log"


@pytest.mark.timeout(300)
@pytest.mark.parametrize("fault", ["404", "sha256"])
@pytest.mark.parametrize("fail_on_error", [False, True])
def test_failed_install_reaches_the_output_and_the_log(quick, serve, fault, fail_on_error):
    """SageMaker sends the script's output to CloudWatch: a failed install shows there with
    its reason, and in the log; only --fail-on-error makes the script (the start) fail."""
    tarball = small_tarball(quick)
    url = serve(tarball)
    if fault == "404":
        url = url.replace(tarball.name, "gone-" + tarball.name)
    script = studio_script(
        quick,
        code_server_tarball=url,
        code_server_sha256="0" * 64 if fault == "sha256" else None,
        allow_insecure_http=True,
        fail_on_error=fail_on_error,
    )
    proc = subprocess.run(
        ["bash", str(script)],
        cwd=str(quick.home),
        env=quick.env,
        capture_output=True,
        text=True,
        timeout=200,
    )
    assert proc.returncode == (1 if fail_on_error else 0), proc.stdout + proc.stderr
    reason = "404" if fault == "404" else "sha256"
    result = [line for line in proc.stdout.splitlines() if FAILED in line]
    assert len(result) == 1 and "installing code-server: " in result[0], proc.stdout
    assert reason in result[0].lower(), result
    assert "X-Amz-Signature=abc" not in proc.stdout  # redacted there too
    text = wait_for_result(studio_log(quick))
    assert result[0] in text and DONE not in text, text


@pytest.mark.timeout(120)
def test_background_leaves_the_scripts_session_and_output(quick):
    """--wait 0 returns at once; the background is in a session and process group of its own
    and holds none of the script's output open (SageMaker may wait for EOF)."""
    tarball = put_s3(quick, "bucket/cs.tar.gz", small_tarball(quick))
    script = studio_script(quick, code_server_tarball=tarball, wait=0)
    (quick.root / "hold-aws").touch()  # the background waits in `aws s3 cp`
    proc = start(quick, script, FAKE_INSTALL="1")
    out, err = proc.communicate(timeout=60)  # EOF on both while the background waits
    assert proc.returncode == 0, out + err
    assert FAILED not in out and DONE not in out
    session = quick.root / "aws-session"
    until(lambda: session.exists() and session.read_text().split(), what="aws stub")
    pgid, sid = map(int, session.read_text().split())
    assert proc.pid not in (pgid, sid)  # setsid: the script's pid is its pgid and sid
    log = studio_log(quick)
    assert DONE not in log.read_text()  # the run goes on after the script returned
    (quick.root / "hold-aws").unlink()
    assert DONE in wait_for_result(log, 60)


@pytest.mark.timeout(120)
def test_wait_runs_out_and_says_where_the_result_goes(quick):
    tarball = put_s3(quick, "bucket/cs.tar.gz", small_tarball(quick))
    script = studio_script(quick, code_server_tarball=tarball, wait=2)
    (quick.root / "hold-aws").touch()
    proc = start(quick, script, FAKE_INSTALL="1")
    out, err = proc.communicate(timeout=60)
    log = studio_log(quick)
    assert proc.returncode == 0, out + err
    assert f"no result after 2 s: the run goes on, see {log}" in out
    assert "lifecycle: started as " in out  # the run's lines until then
    (quick.root / "hold-aws").unlink()
    assert DONE in wait_for_result(log, 60)


@pytest.mark.timeout(120)
def test_log_is_appended_and_rotated(quick):
    log = studio_log(quick)
    old = "an earlier run's line\n" * (1 + (1 << 20) // 22)  # just over 1 MiB
    log.write_text(old)
    script = studio_script(quick)
    env = {"FAKE_INSTALL": "1"}
    quick.run_script(script, cwd=str(quick.home), log=log, **env)
    assert Path(f"{log}.1").read_text() == old  # rotated, one old file kept
    first = log.read_text()
    assert first.startswith(first.splitlines()[0]) and "earlier run" not in first
    assert first.count("lifecycle: started") == 1
    quick.run_script(script, cwd=str(quick.home), log=log, **env)
    text = log.read_text()
    assert text.startswith(first) and text.count("lifecycle: started") == 2  # appended
    assert Path(f"{log}.1").read_text() == old


@pytest.mark.timeout(180)
def test_overlapping_runs_are_serialised(quick):
    """A second run waits for the first (and says so): their lines never interleave."""
    tarball = put_s3(quick, "bucket/cs.tar.gz", small_tarball(quick))
    script = studio_script(quick, code_server_tarball=tarball, wait=0)
    hold = quick.root / "hold-aws"
    hold.touch()
    first = start(quick, script, FAKE_INSTALL="1")
    first.communicate(timeout=60)
    until(lambda: any(c.startswith("aws s3 cp") for c in quick.calls()), what="first run")
    (quick.root / "on-start-2.sh").write_text(script.read_text())
    second = start(quick, quick.root / "on-start-2.sh", FAKE_INSTALL="1", JV_WAIT="100")
    assert second.stdout is not None
    line = second.stdout.readline()  # "installing in the background ..."
    line = second.stdout.readline()
    assert "waiting for another run (" in line, line
    hold.unlink()
    out, _ = second.communicate(timeout=100)
    assert second.returncode == 0 and DONE in out, out
    text = studio_log(quick).read_text()
    runs: list[list[str]] = []
    for line in text.splitlines():
        if "jupyter-vscode lifecycle: started" in line:
            runs.append([])
        runs[-1].append(line)
    assert len(runs) == 2, text
    for run in runs:
        # each run's lines from its start to its result, the next run's after them
        assert DONE in run[-1] and sum(DONE in line for line in run) == 1, text
    assert "s for another run" in runs[1][0] and "after waiting " in runs[1][0], text


@pytest.mark.timeout(120)
def test_home_unset_falls_back_to_the_passwd_database(quick):
    """Some start paths have no HOME: the script must not stop at `set -u`."""
    script = studio_script(quick)
    env = {k: v for k, v in quick.env.items() if k != "HOME"}
    getent = quick.root / "stubs" / "getent"
    write_stub(getent, f'[ "$1" = passwd ] && echo "u:x:{os.getuid()}:0::{quick.home}:/bin/sh"\n')
    proc = subprocess.run(
        ["bash", str(script)],
        cwd="/",
        env={**env, "FAKE_INSTALL": "1"},
        capture_output=True,
        text=True,
        timeout=100,
    )
    assert proc.returncode == 0 and DONE in proc.stdout, proc.stdout + proc.stderr
    assert DONE in wait_for_result(studio_log(quick), 60)

    # no home at all: a clear message, and the app start goes on (unless --fail-on-error)
    write_stub(getent, "exit 2\n")
    for fail, code in (("", 0), ("1", 1)):
        proc = subprocess.run(
            ["bash", str(script)],
            cwd="/",
            env={**env, "JV_FAIL_ON_ERROR": fail},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert proc.returncode == code, proc.stdout + proc.stderr
        assert "FAILED: no HOME, and none for uid" in proc.stdout, proc.stdout + proc.stderr


@pytest.mark.timeout(120)
@pytest.mark.parametrize(
    "glibc, pin, expect",
    [
        ("2.26", None, "installs 4.16.1"),
        ("2.26", "4.139.1", "fails early"),
        ("2.26", "4.16.1", "installs 4.16.1"),
        ("2.36", None, "no note"),
    ],
)
def test_old_glibc_is_said_up_front(quick, glibc, pin, expect):
    """Amazon Linux 2 (glibc 2.26) runs code-server 4.16.1 at most. The script reads the
    glibc with `getconf GNU_LIBC_VERSION` (here a stub on PATH)."""
    write_stub(quick.root / "stubs" / "getconf", f'echo "glibc {glibc}"\n')
    script = studio_script(quick, code_server_version=pin)
    ok = expect != "fails early"
    text = quick.run_script(
        script, cwd=str(quick.home), log=studio_log(quick), ok=ok, FAKE_INSTALL="1"
    )
    out = quick.proc.stdout  # type: ignore[union-attr]
    installs = [c for c in quick.calls() if c.startswith("install ")]
    note = f"glibc {glibc} (Amazon Linux 2?) runs code-server 4.16.1 at most"
    if expect == "no note":
        assert "runs code-server 4.16.1 at most" not in out and "--version" not in installs[0]
        return
    # up front: right after the start line, before any install step
    assert note in out.splitlines()[2] and note in text.splitlines()[1], out
    if ok:
        assert "--version 4.16.1" in installs[0], installs
    else:
        assert f"FAILED: {note}, not 4.139.1: use --code-server-version 4.16.1" in out, out
        assert not any(c.startswith(("pip", "install")) for c in quick.calls())


@pytest.mark.timeout(180)
def test_default_lock_is_not_in_the_home_directory(quick):
    """The lock was ~/.jupyter-vscode-lifecycle.lock, in VS Code's Explorer; now in ~/.cache
    (created if need be), and runs are still serialised by it."""
    env = {k: v for k, v in quick.env.items() if k != "JV_LOCK"} | {"FAKE_INSTALL": "1"}
    script = studio_script(quick, wait=0)
    (quick.root / "hold-restart").touch()  # the first run waits in Jupyter's restart
    (quick.root / "pip-installs").touch()
    first = subprocess.Popen(["bash", str(script)], cwd=str(quick.home), env=env)
    assert first.wait(60) == 0
    until(lambda: "restart-jupyter-server " in quick.calls(), 60, "the first run's restart")
    second = subprocess.Popen(
        ["bash", str(script)],
        cwd=str(quick.home),
        env={**env, "JV_WAIT": "100"},
        stdout=subprocess.PIPE,
        text=True,
    )
    assert second.stdout is not None
    second.stdout.readline()  # "installing in the background ..."
    assert "waiting for another run (" in second.stdout.readline()
    (quick.root / "hold-restart").unlink()
    out, _ = second.communicate(timeout=100)
    assert second.returncode == 0 and DONE in out, out
    files = sorted(p.name for p in quick.home.iterdir() if not p.is_dir())
    assert files == [".jupyter-vscode-lifecycle-rerun.sh", ".jupyter-vscode-lifecycle.log"]
    assert (quick.home / ".cache" / "jupyter-vscode-lifecycle.lock").is_file()
