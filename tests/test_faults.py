"""Faults: a full disk, a read-only home, code-server deleted while running.

Each must give a clear error (never a 500 or a traceback), leave the user's settings intact,
and recover once the condition clears. Full disks and read-only directories are real: a 1 MiB
tmpfs and a read-only bind mount (root only; CI runs as root).
"""

from __future__ import annotations

import asyncio
import html
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from .support.codeserver import REQUIRE_REAL
from .support.procs import wait_until


def _mount(*args: str) -> None:
    subprocess.run(["mount", *args], check=True, capture_output=True)


@pytest.fixture
def can_mount(tmp_path: Path) -> None:
    probe = tmp_path / "mount-probe"
    probe.mkdir()
    try:
        _mount("-t", "tmpfs", "-o", "size=64k", "tmpfs", str(probe))
    except (OSError, subprocess.CalledProcessError) as e:
        if REQUIRE_REAL:
            pytest.fail(f"cannot mount here ({e}); these fault tests need root")
        pytest.skip("needs root to mount a tmpfs / read-only bind mount")
    subprocess.run(["umount", str(probe)], check=True)


@pytest.fixture
def tiny_disk(tmp_path: Path, can_mount: None):  # type: ignore[no-untyped-def]
    path = tmp_path / "tiny-disk"
    path.mkdir()
    _mount("-t", "tmpfs", "-o", "size=1m", "tmpfs", str(path))
    yield path
    subprocess.run(["umount", "-l", str(path)], check=False)


def fill(disk: Path) -> Path:
    filler = disk / "filler"
    with open(filler, "wb", buffering=0) as f:
        try:
            while True:
                f.write(b"\0" * 65536)
        except OSError:
            pass
    return filler


async def test_full_disk_for_the_log_does_not_break_vscode(jp_fetch, supervisor, tiny_disk, caplog):
    supervisor.output.close()
    from jupyter_vscode.proclog import ProcessLog

    supervisor.output = ProcessLog(str(tiny_disk / "logs"), supervisor.log)
    filler = fill(tiny_disk)
    r = await jp_fetch("vscode/", raise_error=False)
    assert r.code == 200
    warnings = [
        m.getMessage() for m in caplog.records if "cannot write code-server's log" in m.getMessage()
    ]
    assert len(warnings) == 1 and "No space left" in warnings[0]
    assert "Traceback" not in caplog.text
    # the API still shows the output, from memory
    lines = json.loads((await jp_fetch("api", "vscode", "log")).body)["lines"]
    assert any("HTTP server listening" in line for line in lines)
    # space comes back: the file is written again
    filler.unlink()
    supervisor.output.mark("after the disk was freed")
    assert "after the disk was freed" in Path(supervisor.output.path).read_text()


@pytest.mark.codeserver
async def test_full_disk_for_user_data_real(jp_fetch, supervisor, tiny_disk):
    """A full home: the user's settings survive, the failure is explained, and VS Code works
    again once there is space."""
    user = tiny_disk / "User"
    user.mkdir()
    settings = user / "settings.json"
    settings.write_text('{"editor.fontSize": 17}\n')
    supervisor.config.user_data_dir = str(tiny_disk)
    supervisor.config.extensions_dir = str(tiny_disk / "extensions")
    filler = fill(tiny_disk)
    r = await jp_fetch("vscode/", raise_error=False, follow_redirects=False, request_timeout=120)
    assert r.code in (200, 302, 503), r.code
    if r.code == 503:
        assert "Traceback" not in r.body.decode()
    filler.unlink()
    await supervisor.restart()
    r = await jp_fetch("vscode/", raise_error=False, follow_redirects=False)
    assert r.code == 302
    assert settings.read_text() == '{"editor.fontSize": 17}\n'


@pytest.mark.vscode(max_restarts=0)
async def test_read_only_user_data_dir_then_recovery(jp_fetch, supervisor, tmp_path, can_mount):
    ro = tmp_path / "ro-home"
    ro.mkdir()
    supervisor.config.user_data_dir = str(ro / "code-server")
    supervisor.config.extensions_dir = str(ro / "code-server" / "extensions")
    _mount("--bind", str(ro), str(ro))
    _mount("-o", "remount,bind,ro", str(ro))
    try:
        for _ in range(60):  # a busy machine may show the "starting" page first
            r = await jp_fetch(
                "vscode/", headers={"Accept": "text/html"}, raise_error=False, request_timeout=120
            )
            body = html.unescape(r.body.decode())
            if "Starting VS Code" not in body:
                break
            await asyncio.sleep(0.5)
        assert r.code == 503
        assert "could not prepare code-server's directories" in body
        assert "Read-only file system" in body and "Traceback" not in body
        assert "Restart VS Code" in body
    finally:
        subprocess.run(["umount", str(ro)], check=True)
    # the condition clears; the page's restart button (this API call) brings VS Code back
    r = await jp_fetch("api", "vscode", "restart", method="POST", body=b"", request_timeout=120)
    assert json.loads(r.body)["state"] == "running"


async def test_code_server_deleted_while_running(jp_fetch, supervisor, stub_code_server, tmp_path):
    installed = tmp_path / "install" / "code-server"
    installed.parent.mkdir()
    shutil.copy2(stub_code_server, installed)
    supervisor.config.code_server = str(installed)
    assert (await jp_fetch("vscode/", raise_error=False)).code == 200
    pid = supervisor.pid
    installed.unlink()  # e.g. an admin removes the install, or a reinstall is half way
    assert (await jp_fetch("vscode/", raise_error=False)).code == 200  # still running
    os.kill(pid, 9)
    await wait_until(lambda: not supervisor.is_running())
    r = await jp_fetch("vscode/", headers={"Accept": "text/html"}, raise_error=False)
    body = r.body.decode()
    assert r.code == 503 and "does not exist" in body and "c.VSCode.code_server" in body
    shutil.copy2(stub_code_server, installed)  # reinstalled
    assert (await jp_fetch("vscode/", raise_error=False)).code == 200


async def test_log_dir_not_writable_keeps_log_in_memory(jp_fetch, supervisor, tmp_path, caplog):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    from jupyter_vscode.proclog import ProcessLog

    supervisor.output = ProcessLog(str(blocker / "logs"), supervisor.log)
    assert supervisor.output.path is None
    assert (await jp_fetch("vscode/", raise_error=False)).code == 200
    status = json.loads((await jp_fetch("api", "vscode", "status")).body)
    assert status["log_file"] is None
    lines = json.loads((await jp_fetch("api", "vscode", "log")).body)["lines"]
    assert any("HTTP server listening" in line for line in lines)
