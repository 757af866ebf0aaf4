"""Idle semantics with a real browser: an open, untouched VS Code tab does not keep Jupyter
"active" (what JupyterHub's culler and SageMaker's idle shutdown read) at any point after the
workbench has loaded, typing does, and c.VSCode.idle_timeout stops an untouched code-server
although the tab keeps talking to it."""

from __future__ import annotations

import json
import time

import pytest

from ..support.browser import stop_gracefully

pytestmark = [pytest.mark.browser, pytest.mark.codeserver]

EXPLORER_ROW = ".explorer-folders-view .monaco-list-row"
IDLE_TIMEOUT = 15
SETTLE = 5.0  # after the Explorer shows the files
UNTOUCHED = 25.0  # seconds watched at least ...
AFTER_START_UP = 10.0  # ... and at least this long after the workbench's start-up ended
WATCH_LIMIT = 100.0  # start-up ends 60 s after the opening at the latest (activity.py)


def get_json(jp, path: str) -> dict:  # type: ignore[no-untyped-def]
    with jp.request(path) as r:
        return json.loads(r.read())


def watch_untouched(jp) -> tuple[str, list[str]]:  # type: ignore[no-untyped-def]
    """Poll last_activity every second while nobody touches the tab, for UNTOUCHED seconds and
    until the workbench's start-up has been over for AFTER_START_UP seconds (so that both the
    start-up and the classifier of what follows are covered). Returns the first value and a
    line per change."""
    first = get_json(jp, "api/status")["last_activity"]
    start = time.monotonic()
    last, changes, ended = first, [], None
    while True:
        time.sleep(1)
        elapsed = time.monotonic() - start
        now = get_json(jp, "api/status")["last_activity"]
        starting = get_json(jp, "api/vscode/status")["workbench_starting"]
        if now != last:
            changes.append(f"+{elapsed:.1f}s: {last} -> {now} (start-up: {starting})")
            last = now
        if not starting and ended is None:
            ended = elapsed
        if ended is not None and elapsed >= UNTOUCHED and elapsed - ended >= AFTER_START_UP:
            return first, changes
        if elapsed > WATCH_LIMIT:
            raise AssertionError(f"the workbench's start-up did not end in {WATCH_LIMIT}s")


def wait_start_up_over(jp, limit: float = 70.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + limit
    while get_json(jp, "api/vscode/status")["workbench_starting"]:
        assert time.monotonic() < deadline, f"start-up did not end within {limit}s"
        time.sleep(0.5)


def test_untouched_tab_is_idle_and_typing_is_activity(
    browser, jupyter_process, real_code_server, root_dir, lab_settings
):
    jp = jupyter_process(real_code_server, [f"--VSCode.idle_timeout={IDLE_TIMEOUT}"])
    try:
        ctx = browser.new_context(viewport={"width": 1280, "height": 800})
        page = ctx.new_page()
        page.goto(jp.url(f"vscode/?folder={root_dir}&token={jp.token}"))
        page.wait_for_selector(f"{EXPLORER_ROW} >> text=hello.py", timeout=90_000)
        page.wait_for_timeout(SETTLE * 1000)

        # Nobody touches the tab: the workbench's own start-up, then keep-alives, acks, state
        # flushes, pings, telemetry; last_activity must not move at any point.
        settled, changes = watch_untouched(jp)
        assert changes == [], "an untouched tab moved last_activity:\n" + "\n".join(changes)

        # c.VSCode.idle_timeout: it is stopped although the tab keeps talking to it
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

        # The user comes back: reloading starts it again and counts, and so does typing.
        page.reload()
        page.wait_for_selector(EXPLORER_ROW, timeout=90_000)
        assert get_json(jp, "api/status")["last_activity"] > settled
        page.dblclick(f"{EXPLORER_ROW} >> text=hello.py")
        page.wait_for_selector(".monaco-editor .view-lines", timeout=30_000)
        # use during start-up is credited to the opening (activity.py): type after it
        wait_start_up_over(jp)
        before_typing = get_json(jp, "api/status")["last_activity"]
        page.click(".monaco-editor .view-lines")
        page.keyboard.press("Control+End")
        page.keyboard.type("x = 1")
        page.wait_for_timeout(3000)
        assert get_json(jp, "api/status")["last_activity"] > before_typing
        assert get_json(jp, "api/vscode/status")["state"] == "running"
        ctx.close()
    finally:
        stop_gracefully(jp, root_dir)
