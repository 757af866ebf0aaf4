"""The notebook-instance lifecycle script: root runs it in `/`, the user-level part runs as
ec2-user. In the lifecycle sandbox (tests/support/sandbox.py) it installs into ~/SageMaker from
a small tarball whose `bin/code-server` wraps the real code-server, and Jupyter then serves VS
Code; in the user box (tests/support/userbox.py: root and a real unprivileged user) the log and
the user's files are written as the user, and links the user plants cannot reach root's files.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import stat
import subprocess
import sysconfig
from pathlib import Path

import pytest

from .support.sandbox import (
    DONE,
    check_jupyter_serves_vscode,
    notebook_instance_env,
    put_s3,
    write_script,
)
from .support.vsix import make_vsix


@pytest.mark.timeout(900)
def test_notebook_instance_script_runs(sandbox, capsys, code_server_tarball, package_wheel):
    tarball = put_s3(sandbox, f"bucket/cs/{code_server_tarball.name}", code_server_tarball)
    vsix = put_s3(sandbox, "bucket/ext/hello.vsix", make_vsix(sandbox.root / "hello.vsix"))
    script = write_script(
        capsys, sandbox, "notebook-instance", wheel=package_wheel, tarball=tarball, extensions=vsix
    )
    persistent = sandbox.home / "SageMaker"  # stands in for /home/ec2-user/SageMaker
    prefix = persistent / ".jupyter-vscode"
    log = persistent / ".jupyter-vscode-lifecycle.log"
    env = notebook_instance_env(sandbox)
    text = sandbox.run_script(script, cwd="/", log=log, **env)  # as root, in /

    assert os.access(prefix / "bin" / "code-server", os.X_OK), text
    calls = sandbox.calls()
    # the user-level part runs in two steps, with Jupyter's restart in between
    assert calls.count("sudo -u ec2-user -i bash -s user") == 1
    assert calls.count("sudo -u ec2-user -i bash -s cs") == 1
    assert calls.count("systemctl restart jupyter-server") == 1
    assert sum(c.startswith(f"aws s3 cp --only-show-errors {tarball} ") for c in calls) == 1
    confd = Path(sysconfig.get_paths(vars={"base": str(sandbox.root / "venv")})["data"])
    config = json.loads((confd / "etc/jupyter/jupyter_server_config.json").read_text())
    assert config["VSCode"]["code_server"] == f"{prefix}/bin/code-server"
    assert f"export JUPYTER_VSCODE_PREFIX={prefix}" in (sandbox.home / ".bashrc").read_text()
    # extensions go where the Jupyter server's code-server looks: the persistent user data dir
    extensions = persistent / ".jupyter-vscode-user-data" / "extensions"
    assert (extensions / "jvtest.hello-0.0.1" / "package.json").is_file(), text

    # on-start runs at every start: the second run skips the download, and Jupyter's restart
    text = sandbox.run_script(script, cwd="/", log=log, **env)
    assert "code-server is already installed" in text
    assert "nothing changed: Jupyter not restarted" in text
    assert "done (Jupyter not restarted)" in sandbox.proc.stdout  # type: ignore[union-attr]
    calls = sandbox.calls()
    assert sum(c.startswith(f"aws s3 cp --only-show-errors {tarball} ") for c in calls) == 1
    assert calls.count("systemctl restart jupyter-server") == 1
    assert (sandbox.home / ".bashrc").read_text().count("JUPYTER_VSCODE_PREFIX") == 1

    # terminals: stale exports are replaced, never duplicated, the user's lines stay
    bashrc = sandbox.home / ".bashrc"
    bashrc.write_text(
        "alias ll='ls -l'\nexport JUPYTER_VSCODE_PREFIX=/old/prefix\n"
        "export JUPYTER_VSCODE_USER_DATA_DIR=/old/data\nexport JUPYTER_VSCODE_PREFIX=/older\n"
    )
    # a changed setting changes Jupyter's config: restart
    data = persistent / "other-user-data"
    env["JV_USER_DATA_DIR"] = str(data)
    text = sandbox.run_script(script, cwd="/", log=log, **env)
    assert "jupyter_server_config.json changed" in text, text
    assert sandbox.calls().count("systemctl restart jupyter-server") == 2
    assert bashrc.read_text().splitlines() == [
        "alias ll='ls -l'",
        f"export JUPYTER_VSCODE_PREFIX={prefix}",
        f"export JUPYTER_VSCODE_USER_DATA_DIR={data}",
    ]
    config = json.loads((confd / "etc/jupyter/jupyter_server_config.json").read_text())
    assert config["VSCode"]["user_data_dir"] == str(data)
    # a terminal's shell sees the dirs the server uses
    shell = subprocess.run(
        [
            "bash",
            "-c",
            f"source {bashrc}; echo $JUPYTER_VSCODE_PREFIX $JUPYTER_VSCODE_USER_DATA_DIR",
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert shell.stdout.split() == [str(prefix), str(data)]
    env["JV_USER_DATA_DIR"] = str(persistent / ".jupyter-vscode-user-data")
    sandbox.run_script(script, cwd="/", log=log, **env)

    check_jupyter_serves_vscode(sandbox, "/", prefix)


def test_notebook_instance_log_is_written_as_the_user(userbox):
    log = Path(userbox.env["JV_LOG"])
    proc = userbox.run()
    assert str(log) in proc.stdout
    text = log.read_text()
    assert DONE in text and "installing as " + userbox.user in text, text
    assert "PROFILE TEXT" in text  # the user-level part runs in their login shell (sudo -i)
    # the foreground opens the log as the user without their login profile (slow, or blocking):
    # what it prints of the profile is the run's lines it copies
    assert proc.stdout.count("PROFILE TEXT") == text.count("PROFILE TEXT")
    assert "PROFILE TEXT" not in proc.stderr
    assert "sudo -u ec2-user tee -a " + str(log) in userbox.calls()
    uid = pwd_uid(userbox.user)
    assert log.stat().st_uid == uid  # created by the user, not by root
    assert (userbox.home / ".bashrc").stat().st_uid == uid
    assert (userbox.persistent / ".jupyter-vscode").stat().st_uid == uid
    # nothing else under the home directory belongs to root
    owned = [p for p in userbox.home.rglob("*") if p.lstat().st_uid != uid]
    assert owned == []


def pwd_uid(user: str) -> int:
    return pwd.getpwnam(user).pw_uid


@pytest.mark.parametrize("plant", ["symlink", "hardlink", "symlinked-parent"])
def test_notebook_instance_log_link_cannot_reach_roots_files(userbox, plant):
    """The user plants a link where the log goes, to a file only root may write (or under a
    directory only root may write): the script must not write there."""
    vault = userbox.outside / "vault"  # root's, mode 0755
    vault.mkdir()
    target = vault / "precious"
    target.write_text("root's file\n")
    target.chmod(0o644)
    log = Path(userbox.env["JV_LOG"])
    if plant == "symlink":
        log.symlink_to(target)
    elif plant == "hardlink":
        os.link(target, log)  # fs.protected_hardlinks=0 lets a user do this
    else:
        # ~/SageMaker itself is a link to a root-owned directory
        shutil.rmtree(userbox.persistent)
        userbox.persistent.symlink_to(vault)
        userbox.env["JV_PREFIX"] = str(userbox.home / ".jupyter-vscode")
    before = sorted(p.name for p in vault.iterdir())

    proc = userbox.run()

    assert target.read_text() == "root's file\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o644 and target.stat().st_uid == 0
    assert sorted(p.name for p in vault.iterdir()) == before  # no log created there
    assert f"cannot write the log {log} as the user" in proc.stdout, proc.stdout + proc.stderr
    # the install itself went ahead, as the user
    assert (userbox.home / ".bashrc").stat().st_uid == pwd_uid(userbox.user)
