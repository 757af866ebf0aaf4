"""A notebook instance in miniature for the lifecycle script: it runs as root, and
`sudo -u ec2-user -i` becomes a real unprivileged user (needs root, `useradd` and `runuser`).
Fixture `userbox` registered in tests/conftest.py.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from jupyter_vscode.sagemaker.script import LifecycleOptions, render_script

from .sandbox import DONE, wait_for_result, write_platform_stubs, write_stub


@dataclass
class UserBox:
    """A notebook instance in miniature: the script runs as root, `sudo -u ec2-user -i` becomes
    a real unprivileged user (with a login profile whose output they control), whose home and
    ~/SageMaker they own; `outside` is a root-owned directory they can read but not write."""

    user: str
    home: Path
    persistent: Path
    outside: Path
    record: Path
    env: dict[str, str]

    def run(self, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        """Run the notebook-instance script as root in `/`; it follows the run to its end."""
        script = self.outside / "on-start.sh"
        script.write_text(render_script(LifecycleOptions(target="notebook-instance")))
        proc = subprocess.run(
            ["bash", str(script)], cwd="/", env=self.env, capture_output=True, text=True, timeout=60
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert DONE in proc.stdout, (proc, self.calls())
        log = Path(self.env["JV_LOG"])
        if os.access(log, os.W_OK) and not log.is_symlink() and log.stat().st_nlink == 1:
            assert DONE in wait_for_result(log, timeout), (proc, self.calls())
        return proc

    def calls(self) -> list[str]:
        return self.record.read_text().splitlines() if self.record.exists() else []


@pytest.fixture
def userbox():  # type: ignore[no-untyped-def]
    if os.getuid() != 0 or not (shutil.which("useradd") and shutil.which("runuser")):
        pytest.skip("needs root, useradd and runuser (to run the user-level part as a user)")
    import tempfile

    base = Path(tempfile.mkdtemp(prefix="jv-lcsym-", dir="/tmp"))
    base.chmod(0o755)  # pytest's tmp_path is private to root: the user could not reach it
    user = f"jvlc{os.getpid() % 100000}"
    home = base / "home"
    subprocess.run(
        ["useradd", "-M", "-d", str(home), "-s", "/bin/bash", user], check=True, timeout=30
    )
    try:
        outside = base / "root"
        stubs = outside / "bin"
        stubs.mkdir(parents=True)
        record = outside / "calls.txt"
        rec = shlex.quote(str(record))
        write_platform_stubs(stubs, record)
        # sudo -u X [-i] CMD: CMD as the user ([-i]: through their login shell, profile and all)
        write_stub(
            stubs / "sudo",
            f'echo "sudo $*" >>{rec}\n'
            "l=; while :; do case $1 in -u) shift 2 ;; -i) l=-l; shift ;; *) break ;; esac; done\n"
            f'exec runuser -u {user} -- env -i HOME={home} PATH="$PATH" USER={user} '
            'bash $l -c \'exec "$@"\' bash "$@"\n',
        )
        # Jupyter's Python: enough for the user-level part to run through (nothing installed)
        python = stubs / "python"
        write_stub(python, '[ "$2 $3" != "jupyter_vscode.cli install" ] || mkdir -p "$5"\n')
        persistent = home / "SageMaker"
        persistent.mkdir(parents=True)
        (home / ".bash_profile").write_text("echo 'PROFILE TEXT the user controls'\n")
        subprocess.run(["chown", "-R", f"{user}:", str(home)], check=True)
        env = {
            "PATH": f"{stubs}:/usr/sbin:/usr/bin:/sbin:/bin",
            "HOME": "/root",
            "JV_PYTHON": str(python),
            "JV_PREFIX": str(persistent / ".jupyter-vscode"),
            "JV_USER_DATA_DIR": str(persistent / ".jupyter-vscode-user-data"),
            "JV_LOG": str(persistent / ".jupyter-vscode-lifecycle.log"),
            "JV_LOCK": str(outside / "lifecycle.lock"),  # not /run
        }
        yield UserBox(user, home, persistent, outside, record, env)
    finally:
        # the background run may still be ending (its log writer runs as the user)
        deadline = time.monotonic() + 30
        while subprocess.run(["pgrep", "-u", user], capture_output=True).returncode == 0:
            if time.monotonic() > deadline:
                break
            time.sleep(0.1)
        subprocess.run(["userdel", "-r", user], capture_output=True, timeout=30)
        shutil.rmtree(base, ignore_errors=True)
