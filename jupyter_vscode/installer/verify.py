"""Checking that an install runs before it is activated."""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from pathlib import Path

from ..codeserver import NO_CONFIG_FILE
from . import errors
from .procrun import run_captured

# code-server --version prints e.g. "4.139.1 53c2f32... with Code 1.139.1".
_VERSION_LINE = re.compile(r"^(\d+\.\d+\.\d+\S*)\s", re.MULTILINE)


def verify_executable(executable: Path, version: str, log: Path | None) -> str:
    """Run ``executable --version`` and check it reports ``version``; return its output line.

    Passes no config file (NO_CONFIG_FILE) and XDG dirs in a temp dir: code-server writes
    log dirs on any run, and a check must not touch the user's ~/.config or ~/.local.
    """
    with tempfile.TemporaryDirectory(prefix="jupyter-vscode-verify-") as tmp:
        env = dict(os.environ)
        env["XDG_CONFIG_HOME"] = os.path.join(tmp, "config")
        env["XDG_DATA_HOME"] = os.path.join(tmp, "data")
        cmd = [str(executable), "--version", "--config", NO_CONFIG_FILE]
        try:
            proc = run_captured(cmd, timeout=120, env=env)
        except subprocess.TimeoutExpired:
            raise errors.verify_failed(version, "`code-server --version` hung", log) from None
        except OSError as exc:
            raise errors.verify_failed(version, f"cannot execute it: {exc}", log) from None
    output = (proc.stdout + proc.stderr).strip()
    if log is not None:
        with log.open("a", encoding="utf-8") as out:
            out.write(f"\n$ {' '.join(cmd)}\n{output}\n# exit status {proc.returncode}\n")
    match = _VERSION_LINE.search(proc.stdout)
    if proc.returncode != 0 or match is None:
        last = output.splitlines()[-1] if output else "no output"
        detail = f"`code-server --version` exited with {proc.returncode}: {last}"
        raise errors.verify_failed(version, detail, log)
    if match.group(1) != version:
        raise errors.verify_failed(version, f"it reports version {match.group(1)}", log)
    line_end = proc.stdout.find("\n", match.start())
    return proc.stdout[match.start() : line_end if line_end >= 0 else None].strip()
