"""Lifecycle suite, issue 13 point 3: the generated scripts, run in the lifecycle sandbox
(tests/support/sandbox.py), leave one version per home after an upgrade, and the code-server
they install inside the folder VS Code opens is excluded from its search and file watching.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from jupyter_vscode.installer.standalone import release_arch

from .release_server import make_release_tarball
from .support.sandbox import check_jupyter_serves_vscode, generate, put_s3


def notebook_instance_script(box, capsys, wheel: Path, tarball: str, name: str) -> Path:  # type: ignore[no-untyped-def]
    script = box.root / name
    code, _, err = generate(
        capsys,
        "--target",
        "notebook-instance",
        "--wheel",
        str(wheel),
        "--code-server-tarball",
        tarball,
        "-o",
        str(script),
    )
    assert code == 0, err
    return script


@pytest.mark.timeout(900)
def test_an_upgrade_on_the_next_start_leaves_one_version(
    sandbox,  # noqa: F811
    capsys,
    package_wheel,  # noqa: F811
):
    dist = sandbox.root / "dist"
    arch = release_arch()
    old = make_release_tarball(
        dist / f"code-server-4.20.0-linux-{arch}.tar.gz", "4.20.0", arch, padding=2_000_000
    )
    new = make_release_tarball(dist / f"code-server-4.21.0-linux-{arch}.tar.gz", "4.21.0", arch)
    persistent = sandbox.home / "SageMaker"
    prefix = persistent / ".jupyter-vscode"
    log = persistent / ".jupyter-vscode-lifecycle.log"
    env = dict(
        JV_PYTHON=str(sandbox.python),
        JV_PREFIX=str(prefix),
        JV_USER_DATA_DIR=str(persistent / ".jupyter-vscode-user-data"),
        JV_LOG=str(log),
    )
    first = notebook_instance_script(
        sandbox,
        capsys,
        package_wheel,
        put_s3(sandbox, f"bucket/cs/{old.name}", old),
        "on-start-1.sh",
    )
    text = sandbox.run_script(first, cwd="/", log=log, **env)
    assert os.listdir(prefix / "versions") == ["4.20.0-standalone"], text

    # The admin points the lifecycle configuration at a newer release; the next start:
    second = notebook_instance_script(
        sandbox,
        capsys,
        package_wheel,
        put_s3(sandbox, f"bucket/cs/{new.name}", new),
        "on-start-2.sh",
    )
    text = sandbox.run_script(second, cwd="/", log=log, **env)
    assert os.listdir(prefix / "versions") == ["4.21.0-standalone"], text
    assert "removed old version 4.20.0-standalone (2 MB)" in text
    assert re.search(r"freed \d+ MB in " + re.escape(str(prefix)), text), text
    assert os.listdir(prefix / "staging") == []


@pytest.mark.timeout(900)
def test_studio_install_is_kept_out_of_vscodes_search_and_watcher(
    sandbox,  # noqa: F811
    capsys,
    code_server_tarball,  # noqa: F811
    package_wheel,  # noqa: F811
):
    tarball = put_s3(sandbox, f"bucket/cs/{code_server_tarball.name}", code_server_tarball)
    wheel = put_s3(sandbox, f"bucket/wheels/{package_wheel.name}", package_wheel)
    script = sandbox.root / "on-jupyter-server-start.sh"
    code, _, err = generate(
        capsys,
        "--target",
        "studio",
        "--wheel",
        wheel,
        "--code-server-tarball",
        tarball,
        "--python",
        str(sandbox.python),
        "-o",
        str(script),
    )
    assert code == 0, err
    log = sandbox.home / ".jupyter-vscode-lifecycle.log"
    sandbox.run_script(script, cwd=str(sandbox.home), log=log)
    prefix = sandbox.home / ".local" / "share" / "jupyter-vscode"

    # Jupyter after the restart; opening VS Code starts code-server from the home directory
    check_jupyter_serves_vscode(sandbox, "/jupyterlab/default/", prefix)
    machine = sandbox.home / ".local" / "share" / "code-server" / "Machine" / "settings.json"
    settings = json.loads(machine.read_text())
    assert settings["files.watcherExclude"] == {str(prefix): True}, settings
    assert settings["search.exclude"] == {".local/share/jupyter-vscode": True}, settings
