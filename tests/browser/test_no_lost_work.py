"""Unsaved edits survive code-server restarts and Jupyter restarts (VS Code's hot-exit backups
live in the persistent user-data dir), checked in a real browser.

code-server saves files automatically by default; these tests turn auto-save off so an edit
stays unsaved, the case hot exit is for.
"""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest

from ..support.browser import stop_gracefully

pytestmark = [pytest.mark.browser, pytest.mark.codeserver]

EXPLORER_ROW = ".explorer-folders-view .monaco-list-row"
MARKER = "#unsaved_edit_7f3a"  # no spaces: the editor renders them as NBSP


@pytest.fixture
def user_data(tmp_path: Path) -> Path:
    """The user-data dir JupyterProcess gives code-server, with auto-save off."""
    ud = tmp_path / "ud"
    (ud / "User").mkdir(parents=True)
    (ud / "User" / "settings.json").write_text(json.dumps({"files.autoSave": "off"}))
    return ud


def open_vscode(context, jp):  # type: ignore[no-untyped-def]
    page = context.new_page()
    page.goto(jp.url(f"vscode/?token={jp.token}"))
    page.wait_for_selector(EXPLORER_ROW, timeout=90_000)
    return page


def type_unsaved_edit(page, user_data: Path) -> None:  # type: ignore[no-untyped-def]
    page.dblclick(f"{EXPLORER_ROW} >> text=hello.py")
    page.wait_for_selector(".monaco-editor .view-lines", timeout=30_000)
    for _ in range(3):  # a busy machine may still be settling the editor: focus and retry
        page.wait_for_timeout(1000)
        page.click(".monaco-editor .view-lines")
        page.keyboard.press("Control+End")
        page.keyboard.type(MARKER)
        try:
            page.wait_for_selector(".tab.dirty", timeout=10_000)
            break
        except Exception:  # noqa: BLE001 - playwright's TimeoutError; try again
            continue
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:  # VS Code writes the backup a moment after the edit
        for path in (user_data / "User" / "Backups").rglob("*"):
            if path.is_file() and MARKER in path.read_text(errors="replace"):
                return
        time.sleep(0.2)
    raise AssertionError("VS Code wrote no backup of the unsaved edit")


def assert_edit_restored(context, jp, root_dir: Path) -> None:  # type: ignore[no-untyped-def]
    page = open_vscode(context, jp)
    tab = page.locator(".tabs-container .tab", has_text="hello")
    tab.wait_for(timeout=60_000)
    tab.click()
    page.wait_for_function(
        "m => [...document.querySelectorAll('.monaco-editor .view-lines')]"
        ".some(e => e.innerText.includes(m))",
        arg=MARKER,
        timeout=30_000,
    )
    assert page.locator(".tab.dirty").count() >= 1
    assert MARKER not in (root_dir / "hello.py").read_text()  # restored, not saved


def api(jp, path: str, method: str = "GET") -> dict:  # type: ignore[no-untyped-def]
    with jp.request(f"api/vscode/{path}", method=method) as r:
        return json.loads(r.read())


@pytest.mark.parametrize("how", ["api restart", "crash", "idle stop"])
def test_unsaved_edit_survives_code_server_restart(
    browser, jupyter_process, real_code_server, root_dir, user_data, lab_settings, how
):
    extra = ["--VSCode.idle_timeout=10"] if how == "idle stop" else []
    jp = jupyter_process(real_code_server, extra)
    try:
        ctx = browser.new_context(viewport={"width": 1280, "height": 800})
        type_unsaved_edit(open_vscode(ctx, jp), user_data)
        pid = api(jp, "status")["pid"]
        ctx.close()  # the tab is gone too: nothing is kept in the browser
        if how == "api restart":
            assert api(jp, "restart", "POST")["state"] == "running"
        elif how == "crash":
            os.kill(pid, signal.SIGKILL)
        else:
            deadline = time.monotonic() + 60
            while api(jp, "status")["idle_stops"] < 1:
                assert time.monotonic() < deadline, "no idle stop"
                time.sleep(1)
        ctx2 = browser.new_context(viewport={"width": 1280, "height": 800})
        assert_edit_restored(ctx2, jp, root_dir)
        assert api(jp, "status")["pid"] != pid
        ctx2.close()
    finally:
        stop_gracefully(jp, root_dir)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_unsaved_edit_survives_jupyter_restart(
    browser, jupyter_process, real_code_server, root_dir, user_data, lab_settings, sig
):
    jp = jupyter_process(real_code_server)
    ctx = browser.new_context(viewport={"width": 1280, "height": 800})
    type_unsaved_edit(open_vscode(ctx, jp), user_data)
    ctx.close()
    jp.proc.send_signal(sig)
    jp.proc.wait(30)
    # the same address, as after a restart on SageMaker or JupyterHub: VS Code keys its
    # backups by the workspace URI, which includes the host and port
    jp2 = jupyter_process(real_code_server, port=jp.port)
    try:
        ctx2 = browser.new_context(viewport={"width": 1280, "height": 800})
        assert_edit_restored(ctx2, jp2, root_dir)
        # settings came back too
        assert json.loads((user_data / "User" / "settings.json").read_text()) == {
            "files.autoSave": "off"
        }
        ctx2.close()
    finally:
        stop_gracefully(jp2, root_dir)
