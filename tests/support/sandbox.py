"""The lifecycle sandbox: the generated SageMaker scripts run for real in a temporary HOME
with a fresh venv standing in for Jupyter's Python (dependencies borrowed read-only from the
test venv, so pip works offline), "S3" in a directory and stubs for `sudo`, `systemctl`,
`restart-jupyter-server` and `aws`; then Jupyter started from that venv must serve VS Code.
Also the steps the lifecycle tests share: write a target's script with `jupyter vscode
lifecycle-config` (`write_script`), a small release tarball, start a script, wait for a run.
Fixture `sandbox` registered in tests/conftest.py (`userbox`, the notebook instance with a
real second user, is in userbox.py).
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import shutil
import subprocess
import sys
import sysconfig
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from jupyter_vscode.cli import main
from jupyter_vscode.installer.standalone import release_arch

from ..release_server import make_release_tarball
from .hermetic import lifecycle_logs_env
from .procs import free_port

DONE = "jupyter-vscode lifecycle: done"
FAILED = "jupyter-vscode lifecycle: FAILED"


def generate(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["lifecycle-config", *argv])
    out, err = capsys.readouterr()
    return code, out, err


SCRIPT_NAMES = {"studio": "on-jupyter-server-start.sh", "notebook-instance": "on-start.sh"}


def write_script(
    capsys: pytest.CaptureFixture[str],
    sandbox: Sandbox,
    target: str,
    filename: str | None = None,
    *,
    wheel: str | Path | None = None,
    tarball: str | Path | None = None,
    extensions: str | Path | None = None,
    insecure_http: bool = False,
) -> Path:
    """The target's script, as `jupyter vscode lifecycle-config --target TARGET -o FILE` writes
    it to ``filename`` (default: the name SageMaker's docs use) in the sandbox's root.

    ``wheel``, ``tarball`` (`--code-server-tarball`) and ``extensions`` are passed when given,
    `--allow-insecure-http` with ``insecure_http`` (loopback servers speak http); Studio
    scripts get `--python` the sandbox's Python. The command must succeed."""
    argv = ["--target", target]
    for flag, value in (
        ("--wheel", wheel),
        ("--code-server-tarball", tarball),
        ("--extensions", extensions),
    ):
        if value is not None:
            argv += [flag, str(value)]
    if insecure_http:
        argv.append("--allow-insecure-http")
    if target == "studio":
        argv += ["--python", str(sandbox.python)]
    script = sandbox.root / (filename or SCRIPT_NAMES[target])
    code, _, err = generate(capsys, *argv, "-o", str(script))
    assert code == 0, err
    return script


def settings(script: str, *names: str, env: dict[str, str] | None = None) -> list[str]:
    """The JV_* values the script's settings block sets, as bash sees them."""
    head = script.split("\njv_log()", 1)[0]
    show = "".join(f'printf "%s\\n" "${n}"\n' for n in names)
    clean = {k: v for k, v in os.environ.items() if not k.startswith("JV_")}
    proc = subprocess.run(
        ["bash", "-c", head + "\n" + show],
        env={**clean, **(env or {})},
        capture_output=True,
        text=True,
        check=True,
    )
    return proc.stdout.splitlines()


def dependency_farm(dest: Path) -> Path:
    """Links to the test venv's packages except jupyter-vscode (the wheel brings that)."""
    site = Path(sysconfig.get_paths()["purelib"])
    dest.mkdir()
    for entry in site.iterdir():
        name = entry.name.lower()
        if "jupyter_vscode" in name or name.startswith(("pip", "_distutils", "__editable__")):
            continue
        if entry.suffix == ".pth":
            continue
        (dest / entry.name).symlink_to(entry)
    return dest


def last_run(text: str) -> str:
    """The last run's lines of a lifecycle log (the log is appended to at every start)."""
    i = text.rfind("jupyter-vscode lifecycle: started")
    return text[text.rfind("\n", 0, i) + 1 :] if i >= 0 else ""


def wait_for_result(log: Path, timeout: float = 400) -> str:
    """The last run's lines once its result line is in the log."""
    deadline = time.monotonic() + timeout
    while True:
        text = last_run(log.read_text(errors="replace")) if log.exists() else ""
        if DONE in text or FAILED in text or time.monotonic() > deadline:
            return text
        time.sleep(0.2)


@dataclass
class Sandbox:
    root: Path
    home: Path
    python: Path
    s3: Path
    record: Path
    env: dict[str, str]
    proc: subprocess.CompletedProcess[str] | None = None

    def calls(self) -> list[str]:
        return self.record.read_text().splitlines() if self.record.exists() else []

    def run_script(self, script: Path, cwd: str, log: Path, ok: bool = True, **env: str) -> str:
        """Run the script as SageMaker would (its output in self.proc); this run's log lines.

        The foreground follows the background run up to JV_WAIT s (default 120), so it
        usually returns with the result; its background may still be appending to the log."""
        proc = subprocess.run(
            ["bash", str(script)],
            cwd=cwd,
            env={**self.env, **env},
            capture_output=True,
            text=True,
            timeout=600,
        )
        self.proc = proc
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert str(log) in proc.stdout
        text = wait_for_result(log)
        assert (DONE if ok else FAILED) in text, f"log {log}:\n{text}\nstdout:\n{proc.stdout}"
        return text


def write_stub(path: Path, body: str) -> None:
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)


def write_platform_stubs(stubs: Path, record: Path) -> None:
    """`systemctl`, `restart-jupyter-server` and `sudo` that record their calls; the restart
    blocks while a `hold-restart` file exists next to the record (bounded)."""
    rec = shlex.quote(str(record))
    hold = shlex.quote(str(record.parent / "hold-restart"))
    wait = f"i=0; while [ -e {hold} ] && [ $i -lt 1200 ]; do sleep 0.1; i=$((i+1)); done\n"
    write_stub(stubs / "systemctl", f'echo "systemctl $*" >>{rec}\n{wait}')
    write_stub(
        stubs / "restart-jupyter-server", f'echo "restart-jupyter-server $*" >>{rec}\n{wait}'
    )
    # sudo -u ec2-user -i CMD: CMD as this user, with a login-like (empty) environment
    write_stub(
        stubs / "sudo",
        f'echo "sudo $*" >>{rec}\n'
        "while :; do case $1 in -u) shift 2 ;; -i) shift ;; *) break ;; esac; done\n"
        # (and the test's TMPDIR, so the script's temporary files stay in the test's tree)
        'exec env -i HOME="$HOME" PATH="$PATH" USER="$(id -un)" ${TMPDIR:+TMPDIR="$TMPDIR"} "$@"\n',
    )


@pytest.fixture
def sandbox(tmp_path: Path, package_wheel: Path) -> Sandbox:
    return make_sandbox(tmp_path)


def make_sandbox(tmp_path: Path, python: Path | None = None, user_site: bool = False) -> Sandbox:
    """A sandbox whose Jupyter's Python is a fresh venv, or ``python`` (a stub) if given.
    ``user_site``: the venv reads the user's site-packages (~/.local), as conda's Python
    does; a plain venv does not."""
    home = tmp_path / "home"
    home.mkdir()
    if python is None:
        venv = tmp_path / "venv"
        user = ["--system-site-packages"] if user_site else []
        subprocess.run([sys.executable, "-m", "venv", *user, str(venv)], check=True, timeout=120)
        python = venv / "bin" / "python"
        purelib = subprocess.run(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        farm = dependency_farm(tmp_path / "deps")
        (Path(purelib) / "zz_test_deps.pth").write_text(f"{farm}\n")

    record = tmp_path / "calls.txt"
    s3 = tmp_path / "s3"
    stubs = tmp_path / "stubs"
    stubs.mkdir()
    rec = shlex.quote(str(record))
    write_platform_stubs(stubs, record)
    # `aws s3 cp` from the "S3" dir; a `hold-aws` file makes it wait (bounded) and it records the
    # process group and session it runs in
    hold = shlex.quote(str(tmp_path / "hold-aws"))
    write_stub(
        stubs / "aws",
        f'echo "aws $*" >>{rec}\n'
        f'echo "$(ps -o pgid=,sid= -p $$)" >{shlex.quote(str(tmp_path / "aws-session"))}\n'
        f"i=0; while [ -e {hold} ] && [ $i -lt 1200 ]; do sleep 0.1; i=$((i+1)); done\n"
        '[ "$1 $2" = "s3 cp" ] || exit 1\nshift 2\n'
        '[ "$1" = --only-show-errors ] && shift\n'
        f'exec cp {shlex.quote(str(s3))}/"${{1#s3://}}" "$2"\n',
    )

    scratch = tmp_path / "tmp"
    scratch.mkdir(exist_ok=True)
    dev_bin = str(Path(sys.executable).parent)
    path = [p for p in os.environ["PATH"].split(os.pathsep) if p and p != dev_bin]
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("JUPYTER", "JV_", "PIP_"))
        and k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")
    }
    env.update(
        HOME=str(home),
        PATH=os.pathsep.join([str(stubs), *path]),
        # offline: dependencies come from the test venv through the .pth above
        JV_PIP_ARGS="--no-index --no-deps",
        JV_PYTHON=str(python),
        # notebook-instance scripts lock in /run: keep tests out of it
        JV_LOCK=str(tmp_path / "lifecycle.lock"),
        # the script's temporary copies (mktemp) in the test's tree, not the machine's /tmp
        TMPDIR=str(scratch),
        # Jupyter and doctor read the logs here, not in the machine's /home/ec2-user
        **lifecycle_logs_env(home / "SageMaker"),
    )
    return Sandbox(tmp_path, home, python, s3, record, env)


def put_s3(sandbox: Sandbox, key: str, source: Path) -> str:
    dest = sandbox.s3 / key
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(source, dest)
    return f"s3://{key}"


def notebook_instance_env(sandbox: Sandbox) -> dict[str, str]:
    """A notebook-instance run's JV_* settings in the sandbox: its ~/SageMaker stands in for
    /home/ec2-user/SageMaker (what survives a stop/start), Jupyter's Python is its venv's."""
    persistent = sandbox.home / "SageMaker"
    return dict(
        JV_PYTHON=str(sandbox.python),
        JV_PREFIX=str(persistent / ".jupyter-vscode"),
        JV_USER_DATA_DIR=str(persistent / ".jupyter-vscode-user-data"),
        JV_LOG=str(persistent / ".jupyter-vscode-lifecycle.log"),
    )


def small_tarball(sandbox: Sandbox, version: str = "4.20.0", padding: int = 0) -> Path:
    """A small release-shaped code-server tarball in the sandbox's dist/ (not a real one)."""
    arch = release_arch()
    dest = sandbox.root / "dist" / f"code-server-{version}-linux-{arch}.tar.gz"
    return make_release_tarball(dest, version, arch, padding=padding)


def start(sandbox: Sandbox, script: Path, **env: str) -> subprocess.Popen[str]:
    """Start the script in a session of its own (its pid is its pgid and sid)."""
    return subprocess.Popen(
        ["bash", str(script)],
        cwd=str(sandbox.home),
        env={**sandbox.env, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def start_script(sandbox: Sandbox, script: Path, **env: str) -> None:
    """Run the script in `/` until it returns (its background may go on); it must exit 0."""
    proc = subprocess.run(
        ["bash", str(script)],
        cwd="/",
        env={**sandbox.env, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def until(check, timeout: float = 60, what: str = "") -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what or check}"
        time.sleep(0.1)


def server_env(sandbox: Sandbox) -> dict[str, str]:
    """The environment Jupyter runs with in the sandbox: its HOME and PATH, no JV_* settings,
    and the test run's own TMPDIR (short: code-server's socket path must fit in 107 bytes)."""
    env = {k: v for k, v in sandbox.env.items() if not k.startswith("JV_") and k != "TMPDIR"}
    if "TMPDIR" in os.environ:
        env["TMPDIR"] = os.environ["TMPDIR"]
    return env


@contextlib.contextmanager
def running_jupyter(sandbox: Sandbox, base_url: str, headers: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    """Jupyter from the sandbox's Python, as the platform starts it; yields get(path), which
    sends ``headers`` with the token."""
    port, token = free_port(), "lifecycle-test"
    root = sandbox.root / "notebooks"
    root.mkdir(exist_ok=True)
    argv = [
        str(sandbox.python),
        "-m",
        "jupyter_server",
        "--no-browser",
        "--ip=127.0.0.1",
        f"--port={port}",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        f"--ServerApp.base_url={base_url}",
    ]
    if os.getuid() == 0:
        argv.append("--allow-root")
    log = sandbox.root / "jupyter.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(argv, env=server_env(sandbox), stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}{base_url}"

    def get(path: str, timeout: float = 5) -> tuple[int, str]:
        req = urllib.request.Request(
            url + path, headers={"Authorization": f"token {token}", **(headers or {})}
        )
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode(errors="replace")

    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, log.read_text()
            try:
                get("api/status")
                break
            except OSError:
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.3)
        yield get
    finally:
        proc.kill()
        proc.wait(10)


def check_jupyter_serves_vscode(sandbox: Sandbox, base_url: str, prefix: Path) -> None:
    """Start Jupyter as the platform would after the restart; VS Code must come up."""
    with running_jupyter(sandbox, base_url) as get:
        check_serves_vscode(sandbox, get, prefix)


def check_serves_vscode(sandbox: Sandbox, get, prefix: Path) -> None:  # type: ignore[no-untyped-def]
    root = sandbox.root / "notebooks"
    log = sandbox.root / "jupyter.log"
    # loaded from the wheel's jupyter_server_config.d, not from the command line
    status, body = get(f"vscode/?folder={root}", timeout=120)
    assert status == 200 and "workbench" in body, (status, body[-2000:], log.read_text())
    info = json.loads(get("api/vscode/status")[1])
    assert info["state"] == "running", info
    assert info["executable"].startswith(str(prefix)), (info, prefix)
