"""`jupyter vscode install --extensions` in a terminal puts extensions where the Jupyter server's
code-server looks, with the installed code-server and no version lookup.

The notebook-instance tests run the CLI as a user's terminal would on a notebook instance:
`<JupyterSystemEnv>/bin/python -m jupyter_vscode.cli` from a temporary env whose
`etc/jupyter/jupyter_server_config.json` carries `c.VSCode.code_server` and
`c.VSCode.user_data_dir` as the lifecycle script writes them, HOME in tmp, the real
code-server, a local .vsix, and the npm registry, release downloads, GitHub API and extension
gallery all pointed at a loopback stand-in that records every connection.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

import pytest

from jupyter_vscode.installer import InstallError
from jupyter_vscode.installer.target import resolve

from .release_server import make_release_tarball
from .support.codeserver import require_real_code_server
from .support.installer import ARCH
from .support.loopback import ConnectionRecorder
from .support.vsix import make_vsix

REPO = Path(__file__).resolve().parent.parent


@dataclass
class Instance:
    """A notebook instance in miniature, seen from a Jupyter terminal."""

    root: Path
    home: Path
    python: Path
    config: Path
    prefix: Path
    user_data_dir: Path
    env: dict[str, str]

    def cli(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.python), "-m", "jupyter_vscode.cli", *args],
            env={**self.env, **env},
            cwd=self.home,
            capture_output=True,
            text=True,
            timeout=300,
        )


def make_env(root: Path) -> tuple[Path, Path]:
    """A Python env of its own running this checkout: its python and its sys.prefix (which
    holds etc/jupyter)."""
    env = root / "JupyterSystemEnv"
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(env)], check=True, timeout=120
    )
    python = env / "bin" / "python"
    ask = "import sys, sysconfig; print(sys.prefix); print(sysconfig.get_paths()['purelib'])"
    prefix, purelib = subprocess.check_output([python, "-c", ask], text=True, timeout=60).split()
    here = sysconfig.get_paths()["purelib"]
    (Path(purelib) / "zz_test_deps.pth").write_text(f"{REPO}\n{here}\n")
    return python, Path(prefix)


@pytest.fixture
def instance(tmp_path: Path) -> Instance:
    code_server = os.path.realpath(require_real_code_server())
    home = tmp_path / "home"
    persistent = home / "SageMaker"  # stands in for /home/ec2-user/SageMaker
    prefix = persistent / ".jupyter-vscode"
    (prefix / "bin").mkdir(parents=True)
    (prefix / "bin" / "code-server").symlink_to(code_server)
    user_data_dir = persistent / ".jupyter-vscode-user-data"
    python, prefix_of_env = make_env(tmp_path)
    # what the lifecycle script writes into Jupyter's env
    config = prefix_of_env / "etc" / "jupyter" / "jupyter_server_config.json"
    config.parent.mkdir(parents=True)
    settings = {"code_server": f"{prefix}/bin/code-server", "user_data_dir": str(user_data_dir)}
    config.write_text(json.dumps({"VSCode": settings}, indent=2) + "\n")

    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("JUPYTER", "npm_config", "NPM_CONFIG", "EXTENSIONS_GALLERY"))
        and k not in ("PYTHONPATH", "VIRTUAL_ENV", "VSCODE_IPC_HOOK_CLI")
    }
    env.update(
        HOME=str(home),
        PATH=os.pathsep.join([str(python.parent), "/usr/bin", "/bin"]),
        # what the script's line in ~/.bashrc exports to terminals
        JUPYTER_VSCODE_PREFIX=str(prefix),
    )
    return Instance(tmp_path, home, python, config, prefix, user_data_dir, env)


def offline(recorder: ConnectionRecorder) -> dict[str, str]:
    """Every place a version lookup, download or gallery query would go: the stand-in."""
    url = recorder.url
    return {
        "JUPYTER_VSCODE_NPM_REGISTRY": url,
        "npm_config_registry": url,
        "JUPYTER_VSCODE_RELEASES_URL": url,
        "JUPYTER_VSCODE_GITHUB_API": url,
        "EXTENSIONS_GALLERY": json.dumps(
            {"serviceUrl": f"{url}/gallery", "itemUrl": f"{url}/item"}
        ),
    }


@pytest.mark.codeserver
@pytest.mark.timeout(600)
def test_terminal_install_goes_to_the_configured_user_data_dir_offline(
    instance: Instance,
) -> None:
    vsix = make_vsix(instance.root / "hello.vsix")
    with ConnectionRecorder() as recorder:
        proc = instance.cli("install", "--extensions", str(vsix), **offline(recorder))
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    installed = instance.user_data_dir / "extensions" / "jvtest.hello-0.0.1" / "package.json"
    assert json.loads(installed.read_text())["publisher"] == "jvtest", out
    # neither persistent nor used by the server
    assert not (instance.home / ".local" / "share" / "code-server").exists(), out
    # no version lookup, no download, no gallery query
    assert recorder.connections == [], out
    # it says which dirs and which code-server, and where each came from
    conf = instance.config
    assert f"user data dir: {instance.user_data_dir} (c.VSCode.user_data_dir in {conf})" in out
    ext_dir = instance.user_data_dir / "extensions"
    assert f"extensions dir: {ext_dir} (default: <user data dir>/extensions)" in out
    launcher = instance.prefix / "bin" / "code-server"
    assert f"using the installed code-server {launcher} (c.VSCode.code_server in {conf})" in out
    assert "warning" not in out

    # a terminal that also exports the dir (as the lifecycle script's ~/.bashrc line does) is
    # the same; the doctor does not call that a conflict
    env = {"JUPYTER_VSCODE_USER_DATA_DIR": str(instance.user_data_dir)}
    proc = instance.cli("doctor", "--no-start", "--json", **env)
    report = json.loads(proc.stdout)
    assert report["options"]["user_data_dir"] == {
        "value": str(instance.user_data_dir),
        "source": f"config {conf}",
    }
    options = [c for c in report["checks"] if c["name"] == "options"][0]
    assert "JUPYTER_VSCODE_USER_DATA_DIR" not in options["detail"], options


@pytest.mark.codeserver
@pytest.mark.timeout(600)
def test_an_explicit_other_dir_warns_and_names_the_servers(instance: Instance) -> None:
    vsix = make_vsix(instance.root / "hello.vsix")
    other = instance.home / "elsewhere"
    with ConnectionRecorder() as recorder:
        proc = instance.cli(
            "install",
            "--extensions",
            str(vsix),
            "--extensions-dir",
            str(other),
            **offline(recorder),
        )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (other / "jvtest.hello-0.0.1" / "package.json").is_file()
    assert recorder.connections == []
    server_dir = instance.user_data_dir / "extensions"
    warning = proc.stderr
    assert f"warning: {other} is not the extensions dir the Jupyter server" in warning
    assert f"that is {server_dir} (default: <user data dir>/extensions)" in warning
    assert f"--extensions-dir {server_dir}" in warning
    assert "extensions dir: " + f"{other} (--extensions-dir)" in proc.stdout


def test_missing_configured_code_server_is_a_clear_error_offline(tmp_path: Path) -> None:
    """The server's configured code-server is missing (the lifecycle install failed): say so and
    how to install it there, rather than install elsewhere or ask the registry."""
    prefix = tmp_path / "SageMaker" / ".jupyter-vscode"
    config_dir = tmp_path / "jupyter-config"
    config_dir.mkdir()
    (config_dir / "jupyter_server_config.json").write_text(
        json.dumps({"VSCode": {"code_server": f"{prefix}/bin/code-server"}})
    )
    vsix = make_vsix(tmp_path / "hello.vsix")
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUPYTER")}
    env.update(
        HOME=str(tmp_path / "home"),
        PYTHONPATH=str(REPO),
        JUPYTER_CONFIG_DIR=str(config_dir),
        JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
    )
    with ConnectionRecorder() as recorder:
        env.update(offline(recorder))
        proc = subprocess.run(
            [sys.executable, "-m", "jupyter_vscode.cli", "install", "--extensions", str(vsix)],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "points at a file that does not exist" in proc.stderr
    assert f"jupyter vscode install --prefix {prefix}" in proc.stderr
    assert recorder.connections == []


# -- the precedence, in-process (fast) ---------------------------------------------------------


@pytest.fixture
def jupyter_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Isolated Jupyter config and runtime dirs; returns the config dir."""
    for name in list(os.environ):
        if name.startswith("JUPYTER_VSCODE_"):
            monkeypatch.delenv(name)
    config_dir = tmp_path / "jupyter-config"
    config_dir.mkdir()
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(config_dir))
    monkeypatch.delenv("JUPYTER_CONFIG_PATH", raising=False)
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "runtime"))
    return config_dir


def test_precedence_flags_config_env_default(
    jupyter_dirs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    targets = resolve()
    assert targets.user_data_dir.path == home / ".local" / "share" / "code-server"
    assert targets.user_data_dir.source == "default"
    assert targets.warning() is None

    monkeypatch.setenv("JUPYTER_VSCODE_USER_DATA_DIR", str(tmp_path / "env-ud"))
    targets = resolve()
    assert targets.user_data_dir.source == "$JUPYTER_VSCODE_USER_DATA_DIR"
    assert targets.extensions_dir.path == tmp_path / "env-ud" / "extensions"

    py = jupyter_dirs / "jupyter_server_config.py"
    py.write_text(f"c.VSCode.user_data_dir = {str(tmp_path / 'conf-ud')!r}\n")
    targets = resolve()  # the config file beats the variable, as in the server
    assert targets.user_data_dir.path == tmp_path / "conf-ud"
    assert targets.user_data_dir.source == f"c.VSCode.user_data_dir in {py}"
    assert targets.extensions_dir.path == tmp_path / "conf-ud" / "extensions"

    targets = resolve(user_data_dir=tmp_path / "flag-ud")  # a flag beats both
    assert targets.user_data_dir.describe() == f"{tmp_path / 'flag-ud'} (--user-data-dir)"
    assert targets.extensions_dir.path == tmp_path / "flag-ud" / "extensions"
    assert targets.server_extensions_dir.path == tmp_path / "conf-ud" / "extensions"
    assert "conf-ud" in (targets.warning() or "")

    # a configured extensions dir is kept with another --user-data-dir, as on a server's
    # command line
    monkeypatch.setenv("JUPYTER_VSCODE_EXTENSIONS_DIR", str(tmp_path / "env-ext"))
    targets = resolve(user_data_dir=tmp_path / "flag-ud")
    assert targets.extensions_dir.path == tmp_path / "env-ext"
    assert targets.extensions_dir.source == "$JUPYTER_VSCODE_EXTENSIONS_DIR"
    assert targets.warning() is None


def test_a_running_servers_command_line_counts(jupyter_dirs: Path, tmp_path: Path) -> None:
    runtime = tmp_path / "runtime"
    runtime.mkdir()
    ud = tmp_path / "cli-ud"
    # a process whose command line carries --VSCode.user_data_dir, registered as a server
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; print('up', flush=True); sys.stdin.read()",
            f"--VSCode.user_data_dir={ud}",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    try:
        # /proc/<pid>/cmdline can still be empty right after Popen returns: wait until the
        # child runs (it says so), bounded by the test timeout
        assert proc.stdout is not None and proc.stdout.readline() == b"up\n"
        (runtime / f"jpserver-{proc.pid}.json").write_text(
            json.dumps({"pid": proc.pid, "url": "http://127.0.0.1:1/"})
        )
        targets = resolve()
    finally:
        proc.communicate(timeout=10)
    assert targets.user_data_dir.path == ud
    assert targets.user_data_dir.source == (
        f"--VSCode.user_data_dir on the command line of Jupyter pid {proc.pid}"
    )


def test_bad_configured_dir_is_refused(jupyter_dirs: Path) -> None:
    (jupyter_dirs / "jupyter_server_config.json").write_text(
        json.dumps({"VSCode": {"user_data_dir": 5}})
    )
    with pytest.raises(InstallError, match="c.VSCode.user_data_dir"):
        resolve()


def test_dir_flags_need_extensions(jupyter_dirs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from jupyter_vscode import cli

    assert cli.main(["install", "--extensions-dir", "/tmp/x"]) == 1
    assert "give --extensions" in capsys.readouterr().err


def test_install_says_when_the_server_runs_another_code_server(
    jupyter_dirs: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from jupyter_vscode import cli

    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    monkeypatch.setenv("FAKE_CS_RECORD", str(tmp_path / "record.txt"))
    tarball = make_release_tarball(tmp_path / f"code-server-4.20.0-linux-{ARCH}.tar.gz", "4.20.0")
    other = tmp_path / "SageMaker" / ".jupyter-vscode" / "bin" / "code-server"
    config = jupyter_dirs / "jupyter_server_config.json"
    config.write_text(json.dumps({"VSCode": {"code_server": str(other)}}))
    prefix = tmp_path / "prefix"
    assert cli.main(["install", "--from", str(tarball), "--prefix", str(prefix)]) == 0
    err = capsys.readouterr().err
    assert f"the Jupyter server's c.VSCode.code_server={str(other)!r} points at" in err
    assert f"(c.VSCode.code_server in {config}), not this install" in err
    assert f"c.VSCode.code_server = {str(prefix / 'bin' / 'code-server')!r}" in err

    # nothing configured, another prefix than the one the server looks in: a note
    config.unlink()
    monkeypatch.setenv("JUPYTER_VSCODE_PREFIX", str(tmp_path / "default-prefix"))
    assert cli.main(["install", "--from", str(tarball), "--prefix", str(prefix)]) == 0
    out = capsys.readouterr().out
    assert "note: the Jupyter server would run no code-server, not this install" in out
    assert f"JUPYTER_VSCODE_PREFIX={prefix} for the Jupyter server" in out

    # configured to run this very launcher: nothing to say
    config.write_text(json.dumps({"VSCode": {"code_server": str(prefix / "bin/code-server")}}))
    assert cli.main(["install", "--from", str(tarball), "--prefix", str(prefix)]) == 0
    out, err = capsys.readouterr()
    assert "not this install" not in out + err
