"""The quick Studio sandbox (Jupyter's Python a stub over this test venv's: pip only records,
the installer runs for real), and a Jupyter server in miniature whose terminal runs a command:
what the lifecycle tests need to run the script the way a user reruns it after a failure.
"""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

from .sandbox import Sandbox, make_sandbox, server_env, write_stub


def quick_sandbox(tmp_path: Path) -> Sandbox:
    """A Studio sandbox in seconds: Jupyter's Python is this test venv's behind a stub in
    which pip only records (jupyter-vscode is installed already; with a `pip-installs` file in
    ``tmp_path`` it says it installed it); the rest, the installer included, runs for real.
    With FAKE_INSTALL=1, `jupyter vscode install` only records."""
    stub = tmp_path / "py" / "python"
    stub.parent.mkdir()
    rec = shlex.quote(str(tmp_path / "calls.txt"))
    installs = shlex.quote(str(tmp_path / "pip-installs"))
    py = shlex.quote(sys.executable)
    write_stub(
        stub,
        'case "$1 $2 $3" in\n'
        f'"-m pip install") echo "pip $*" >>{rec}\n'
        f"  if [ -e {installs} ]; then echo 'Successfully installed jupyter-vscode-0.1.0'\n"
        '  else echo "Requirement already satisfied"; fi ;;\n'
        '"-m jupyter_vscode.cli install")\n'
        f'  [ -n "${{FAKE_INSTALL-}}" ] || exec {py} "$@"\n'
        f'  echo "install $*" >>{rec}; mkdir -p "$5/bin"\n'
        '  printf "#!/bin/sh\\n" >"$5/bin/code-server"\n'
        '  chmod +x "$5/bin/code-server" ;;\n'
        f'*) exec {py} "$@" ;;\n'
        "esac\n",
    )
    return make_sandbox(tmp_path, python=stub)


#: A Jupyter server in miniature, saved as `jupyter-lab` (the name the script looks for among
#: its ancestors): it runs argv[2] in a terminal, a pty in a session of its own as terminado's,
#: copying what it shows to argv[1]. On SIGTERM (the restart) it ends the way Jupyter's
#: shutdown ends its terminals (SIGHUP, SIGCONT, SIGINT to the shell, the pty closed), and then
#: nothing of the terminal's session survives (SIGKILL to each process of that session).
FAKE_JUPYTER = r"""
import os, pty, signal, sys

out, command = sys.argv[1], sys.argv[2]
shell, fd = pty.fork()
if shell == 0:
    os.execvp("bash", ["bash", "-c", command])


def send(pid, sig):
    try:
        os.kill(pid, sig)
    except OSError:
        pass


def stop(*_):
    for sig in (signal.SIGHUP, signal.SIGCONT, signal.SIGINT):
        send(shell, sig)
    os.close(fd)
    for entry in os.listdir("/proc"):
        try:
            if entry.isdigit() and os.getsid(int(entry)) == shell:
                send(int(entry), signal.SIGKILL)
        except OSError:
            pass
    os._exit(0)


signal.signal(signal.SIGTERM, stop)
with open(out, "ab", buffering=0) as f:
    while True:
        try:
            data = os.read(fd, 4096)
        except OSError:  # EIO: nothing holds the terminal any more
            break
        if not data:
            break
        f.write(data)
while True:  # the terminal's shell ended; the server goes on until the restart
    signal.pause()
"""


def write_restart_stub(sandbox: Sandbox, prefix: Path) -> Path:
    """`restart-jupyter-server` that records its call (and whether code-server was installed
    by then) and stops the miniature Jupyter (its pid in the returned file)."""
    pidfile = sandbox.root / "jupyter.pid"
    rec = shlex.quote(str(sandbox.record))
    cs = shlex.quote(str(prefix / "bin" / "code-server"))
    write_stub(
        sandbox.root / "stubs" / "restart-jupyter-server",
        f'echo "restart-jupyter-server $*" >>{rec}\n'
        f'[ -x {cs} ] && echo "restart: code-server installed" >>{rec}\n'
        f'kill -TERM "$(cat {shlex.quote(str(pidfile))})"\n',
    )
    return pidfile


def jupyter_with_terminal(sandbox: Sandbox, command: str, pidfile: Path) -> subprocess.Popen[bytes]:
    """The miniature Jupyter (in a session of its own, as a service's), its terminal running
    ``command``; what the terminal shows goes to terminal.out in the sandbox's root."""
    exe = sandbox.root / "server" / "jupyter-lab"
    exe.parent.mkdir(exist_ok=True)
    exe.write_text(FAKE_JUPYTER)
    proc = subprocess.Popen(
        [sys.executable, str(exe), str(sandbox.root / "terminal.out"), command],
        cwd=str(sandbox.home),
        env=server_env(sandbox),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    pidfile.write_text(f"{proc.pid}\n")
    return proc
