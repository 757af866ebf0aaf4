"""Lifecycle suite, issue 13 point 3: the generated scripts, run in the lifecycle sandbox
(tests/support/sandbox.py), leave one version per home after an upgrade, and the code-server
they install inside the folder VS Code opens is excluded from its search and file watching.
"""

from __future__ import annotations

import json
import os
import re

import pytest

from .support.sandbox import (
    check_jupyter_serves_vscode,
    notebook_instance_env,
    put_s3,
    small_tarball,
    write_script,
)

NI = "notebook-instance"


@pytest.mark.timeout(900)
def test_an_upgrade_on_the_next_start_leaves_one_version(
    sandbox,  # noqa: F811
    capsys,
    package_wheel,  # noqa: F811
):
    old = small_tarball(sandbox, "4.20.0", padding=2_000_000)
    new = small_tarball(sandbox, "4.21.0")
    persistent = sandbox.home / "SageMaker"
    prefix = persistent / ".jupyter-vscode"
    log = persistent / ".jupyter-vscode-lifecycle.log"
    env = notebook_instance_env(sandbox)
    tarball = put_s3(sandbox, f"bucket/cs/{old.name}", old)
    first = write_script(capsys, sandbox, NI, "on-start-1.sh", wheel=package_wheel, tarball=tarball)
    text = sandbox.run_script(first, cwd="/", log=log, **env)
    assert os.listdir(prefix / "versions") == ["4.20.0-standalone"], text

    # The admin points the lifecycle configuration at a newer release; the next start:
    tarball = put_s3(sandbox, f"bucket/cs/{new.name}", new)
    second = write_script(
        capsys, sandbox, NI, "on-start-2.sh", wheel=package_wheel, tarball=tarball
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
    script = write_script(capsys, sandbox, "studio", wheel=wheel, tarball=tarball)
    log = sandbox.home / ".jupyter-vscode-lifecycle.log"
    sandbox.run_script(script, cwd=str(sandbox.home), log=log)
    prefix = sandbox.home / ".local" / "share" / "jupyter-vscode"

    # Jupyter after the restart; opening VS Code starts code-server from the home directory
    check_jupyter_serves_vscode(sandbox, "/jupyterlab/default/", prefix)
    machine = sandbox.home / ".local" / "share" / "code-server" / "Machine" / "settings.json"
    settings = json.loads(machine.read_text())
    assert settings["files.watcherExclude"] == {str(prefix): True}, settings
    assert settings["search.exclude"] == {".local/share/jupyter-vscode": True}, settings
