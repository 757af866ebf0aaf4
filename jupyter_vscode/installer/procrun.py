"""Running the package manager: output to a log file, heartbeats to the user, clean interrupts."""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from .report import Reporter


def run_logged(
    cmd: Sequence[str],
    *,
    cwd: Path,
    log: Path,
    reporter: Reporter,
    label: str,
    env: Mapping[str, str] | None = None,
    heartbeat: float = 30.0,
) -> int:
    """Run ``cmd`` with its output appended to ``log``; return its exit status.

    Prints ``label: still working (N s)`` every ``heartbeat`` seconds so that long builds don't
    look hung in a log. The command runs in its own process group, which is killed if we are
    interrupted, so no npm/node-gyp/make is left behind writing into a staging dir.
    """
    with log.open("a", encoding="utf-8") as out:
        out.write(f"\n$ {shlex.join(cmd)}\n# in {cwd}\n")
        out.flush()
        proc = subprocess.Popen(
            list(cmd),
            cwd=cwd,
            env=dict(env) if env is not None else None,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        start = time.monotonic()
        try:
            while True:
                try:
                    code = proc.wait(timeout=heartbeat)
                    break
                except subprocess.TimeoutExpired:
                    elapsed = int(time.monotonic() - start)
                    reporter.info(f"{label}: still working ({elapsed} s)")
        except BaseException:
            _kill_group(proc)
            raise
        out.write(f"# exit status {code} after {time.monotonic() - start:.1f} s\n")
    return code


def run_captured(
    cmd: Sequence[str], *, timeout: float = 120.0, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run a short command and capture its output (for queries like ``npm view``)."""
    return subprocess.run(
        list(cmd),
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        env=dict(env) if env is not None else None,
        check=False,
    )


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    for sig, wait in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue
