"""The Studio lifecycle script, run for real: it installs jupyter-vscode and code-server into
the persistent home, restarts Jupyter only when something changed, and Jupyter then serves VS
Code.

The tests execute the script in the lifecycle sandbox (tests/support/sandbox.py): a temporary
HOME, a fresh venv standing in for Jupyter's Python (dependencies borrowed read-only from the
test venv, so pip works offline), this package as a wheel (built once per session, or
$JUPYTER_VSCODE_TEST_WHEEL), a code-server release tarball served over loopback HTTP or "S3",
and stubs for `sudo`, `systemctl`, `restart-jupyter-server` and `aws`. They then start Jupyter
from that venv with that HOME and fetch <base_url>vscode/ from the code-server the script
installed from a release tarball with real content (test_installer_real_tarball builds and
caches it); the others install a small release-shaped tarball.
"""

from __future__ import annotations

import json
import os
import subprocess
import time

import pytest

from .support.sandbox import (
    DONE,
    check_serves_vscode,
    make_sandbox,
    put_s3,
    running_jupyter,
    small_tarball,
    start,
    until,
    wait_for_result,
    write_script,
)


@pytest.mark.timeout(900)
def test_studio_script_runs(sandbox, capsys, serve, real_tarball, package_wheel):
    wheel = put_s3(sandbox, f"bucket/wheels/{package_wheel.name}", package_wheel)
    tarball = serve(real_tarball)  # the loopback server speaks http
    script = write_script(
        capsys, sandbox, "studio", wheel=wheel, tarball=tarball, insecure_http=True
    )
    log = sandbox.home / ".jupyter-vscode-lifecycle.log"
    prefix = sandbox.home / ".local" / "share" / "jupyter-vscode"
    # Jupyter restarts (and loads the new extension) before code-server is installed: a
    # click before the install ends gets "not installed", one after it gets VS Code
    hold = sandbox.root / "hold-restart"
    hold.touch()
    proc = start(sandbox, script, JV_WAIT="0")
    proc.communicate(timeout=60)
    until(lambda: "restart-jupyter-server " in sandbox.calls(), 300, "Jupyter's restart")
    with running_jupyter(sandbox, "/jupyterlab/default/") as get:
        status, body = get("vscode/", timeout=60)
        assert "workbench" not in body and not prefix.exists(), (status, body[-500:])
        hold.unlink()
        text = wait_for_result(log)
        assert DONE in text, text
        check_serves_vscode(sandbox, get, prefix)  # no other restart

    assert f"Jupyter's Python: {sandbox.python}" in text
    assert os.access(prefix / "bin" / "code-server", os.X_OK), text
    version = real_tarball.name.split("-")[2]
    assert (prefix / "versions" / f"{version}-standalone" / "lib" / "vscode").is_dir(), text
    calls = sandbox.calls()
    assert f"aws s3 cp --only-show-errors {wheel} " in "\n".join(calls)
    assert calls.count("restart-jupyter-server ") == 1
    assert not any(c.startswith(("sudo", "systemctl")) for c in calls)
    assert "done (Jupyter restarted)" in text


@pytest.mark.timeout(900)
def test_jupyter_restarts_only_when_something_changed(sandbox, capsys, package_wheel):
    """Each start runs the script: Jupyter (kernels, terminals) restarts only when pip
    installed something, and then before the code-server download; a Jupyter of this Python
    that started before jupyter-vscode's install is restarted too."""
    tarball = put_s3(sandbox, "bucket/cs/code-server-4.20.0.tar.gz", small_tarball(sandbox))
    script = write_script(capsys, sandbox, "studio", wheel=package_wheel, tarball=tarball)
    log = sandbox.home / ".jupyter-vscode-lifecycle.log"
    restart = "restart-jupyter-server "
    text = sandbox.run_script(script, cwd=str(sandbox.home), log=log)
    assert "restarting Jupyter now because pip installed jupyter-vscode-" in text, text
    calls = sandbox.calls()
    download = next(
        i for i, c in enumerate(calls) if c.startswith(f"aws s3 cp --only-show-errors {tarball}")
    )
    assert calls.index(restart) < download, calls  # restarted first
    assert text.index("restarting Jupyter now") < text.index(" -m jupyter_vscode.cli install ")

    text = sandbox.run_script(script, cwd=str(sandbox.home), log=log)
    assert "jupyter-vscode 0.1.0 already loaded, nothing changed: Jupyter not restarted" in text
    assert sandbox.calls().count(restart) == 1

    # a Jupyter of this Python started before jupyter-vscode was installed (or upgraded)
    fake = subprocess.Popen(
        [str(sandbox.python), "-c", "import time; time.sleep(300)", "jupyter-lab"]
    )
    try:
        record = next(
            (sandbox.root / "venv").glob(
                "lib/python*/site-packages/jupyter_vscode-*.dist-info/RECORD"
            )
        )
        later = time.time() + 100
        os.utime(record, (later, later))
        text = sandbox.run_script(script, cwd=str(sandbox.home), log=log)
    finally:
        fake.kill()
        fake.wait(10)
    assert (
        f"because Jupyter (pid {fake.pid}) started before jupyter-vscode 0.1.0 was installed"
        in text
    ), text
    assert sandbox.calls().count(restart) == 2


@pytest.mark.timeout(600)
def test_studio_installs_into_the_persistent_home(tmp_path, capsys, package_wheel):
    """Studio's /opt/conda comes from the image at every start, the home persists: with the
    user site enabled, jupyter-vscode goes to ~/.local, where Jupyter finds it at the next
    start, so that start changes nothing and restarts nothing."""
    sandbox = make_sandbox(tmp_path, user_site=True)
    tarball = put_s3(sandbox, "bucket/cs/code-server-4.20.0.tar.gz", small_tarball(sandbox))
    script = write_script(capsys, sandbox, "studio", wheel=package_wheel, tarball=tarball)
    log = sandbox.home / ".jupyter-vscode-lifecycle.log"
    text = sandbox.run_script(script, cwd=str(sandbox.home), log=log)
    assert "restarting Jupyter now because pip installed jupyter-vscode-" in text
    local = sandbox.home / ".local"
    assert next(local.glob("lib/python*/site-packages/jupyter_vscode/__init__.py"), None), text
    assert (local / "etc/jupyter/jupyter_server_config.d/jupyter_vscode.json").is_file()
    assert not list((tmp_path / "venv").glob("lib/python*/site-packages/jupyter_vscode"))

    # the next start: the image's Python is as new, the home still has the package
    text = sandbox.run_script(script, cwd=str(sandbox.home), log=log)
    assert "nothing changed: Jupyter not restarted" in text, text
    assert sandbox.calls().count("restart-jupyter-server ") == 1
    with running_jupyter(sandbox, "/jupyterlab/default/") as get:
        status, body = get("api/vscode/status")
        assert status == 200 and json.loads(body)["state"], body  # the extension is loaded
