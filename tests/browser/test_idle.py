"""Idle semantics with a real browser: an open, untouched VS Code tab does not keep Jupyter
"active" (what JupyterHub's culler and SageMaker's idle shutdown read), typing does, and
c.VSCode.idle_timeout stops an untouched code-server although the tab keeps talking to it."""

from __future__ import annotations

import json
import time

import pytest

from .conftest import stop_gracefully

pytestmark = [pytest.mark.browser, pytest.mark.codeserver]

EXPLORER_ROW = ".explorer-folders-view .monaco-list-row"
IDLE_TIMEOUT = 15


def get_json(jp, path: str) -> dict:  # type: ignore[no-untyped-def]
    with jp.request(path) as r:
        return json.loads(r.read())


def wait_until_quiet(jp, quiet: float = 8.0, limit: float = 60.0) -> str:  # type: ignore[no-untyped-def]
    """last_activity once the workbench's start-up work (file search, tasks, decorations, all
    consequences of opening it) has died down: unchanged for ``quiet`` seconds."""
    last, since, start = None, time.monotonic(), time.monotonic()
    while time.monotonic() - start < limit:
        now = get_json(jp, "api/status")["last_activity"]
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return now
        time.sleep(0.5)
    raise AssertionError(f"last_activity kept changing for {limit}s without any use")


def test_untouched_tab_is_idle_and_typing_is_activity(
    browser, jupyter_process, real_code_server, root_dir, lab_settings
):
    jp = jupyter_process(real_code_server, [f"--VSCode.idle_timeout={IDLE_TIMEOUT}"])
    try:
        ctx = browser.new_context(viewport={"width": 1280, "height": 800})
        page = ctx.new_page()
        page.goto(jp.url(f"vscode/?token={jp.token}"))
        page.wait_for_selector(EXPLORER_ROW, timeout=90_000)
        page.dblclick(f"{EXPLORER_ROW} >> text=hello.py")
        page.wait_for_selector(".monaco-editor .view-lines", timeout=30_000)
        settled = wait_until_quiet(jp)

        # Nobody touches the tab: keep-alives, acks, state flushes, pings flow for longer than
        # the idle timeout, and neither last_activity nor the supervisor see any use.
        deadline = time.monotonic() + IDLE_TIMEOUT + 20
        while time.monotonic() < deadline:
            status = get_json(jp, "api/vscode/status")
            if status["idle_stops"] >= 1:
                break
            time.sleep(1)
        assert status["idle_stops"] == 1, status
        page.wait_for_timeout(5000)  # the tab notices and tries to reconnect
        status = get_json(jp, "api/vscode/status")
        assert status["state"] == "stopped", "an open tab's reconnect must not restart it"
        assert get_json(jp, "api/status")["last_activity"] == settled

        # The user comes back: reloading starts it again, and typing counts as activity.
        page.reload()
        page.wait_for_selector(EXPLORER_ROW, timeout=90_000)
        page.dblclick(f"{EXPLORER_ROW} >> text=hello.py")
        page.wait_for_selector(".monaco-editor .view-lines", timeout=30_000)
        page.wait_for_timeout(3000)
        before_typing = get_json(jp, "api/status")["last_activity"]
        assert before_typing > settled
        page.click(".monaco-editor .view-lines")
        page.keyboard.press("Control+End")
        page.keyboard.type("x = 1")
        page.wait_for_timeout(3000)
        assert get_json(jp, "api/status")["last_activity"] > before_typing
        assert get_json(jp, "api/vscode/status")["state"] == "running"
        ctx.close()
    finally:
        stop_gracefully(jp, root_dir)
