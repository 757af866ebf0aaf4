"""The labextension's plugins: commands without a launcher answer, VS Code tabs reused and
restored. Real `jupyter server`, built labextension, headless Chromium; no code-server needed
(c.VSCode.code_server points at nothing: the iframe shows the explanation page)."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from urllib.parse import unquote

import pytest

from ..support.lab import (
    DIALOG,
    DIR_ITEM,
    FRAME,
    FRAME_TAB,
    STATUS_ITEM,
    TITLE,
    UI_TIMEOUT,
    context_menu_open_in_vscode,
    expect_state,
    run_palette_command,
)

pytestmark = pytest.mark.browser

LAUNCHER_API = re.compile(r"/api/vscode/launcher(\?.*)?$")  # JupyterLab adds a cache-busting query


def open_lab_files(page, jupyter):  # type: ignore[no-untyped-def]
    page.goto(jupyter.url(f"lab?token={jupyter.token}"))
    page.locator(DIR_ITEM).first.wait_for(timeout=UI_TIMEOUT)


def fail_launcher_requests(page, count: int | None) -> list[str]:  # type: ignore[no-untyped-def]
    """Abort the first `count` launcher requests (all with None); the list grows per request."""
    seen: list[str] = []

    def handle(route) -> None:  # type: ignore[no-untyped-def]
        seen.append(route.request.url)
        if count is None or len(seen) <= count:
            route.abort()
        else:
            route.continue_()

    page.route(LAUNCHER_API, handle)
    return seen


def wait_until(page, predicate, what: str, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    """Poll `predicate`; Playwright's own wait, so that route handlers run meanwhile."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        page.wait_for_timeout(200)


def test_commands_work_when_the_first_launcher_request_fails(page, jupyter_without_code_server):
    jupyter = jupyter_without_code_server
    seen = fail_launcher_requests(page, 1)
    open_lab_files(page, jupyter)
    wait_until(page, lambda: len(seen) >= 1, "the launcher request")
    # the commands and their entries exist although the server's first answer was lost
    context_menu_open_in_vscode(page, "hello.py")
    page.keyboard.press("Escape")
    assert page.locator(STATUS_ITEM).count() == 0  # nothing known to show yet
    # running one asks again: the server answers, the restart runs and says what is missing
    run_palette_command(page, f"Restart {TITLE}")
    dialog = page.locator(DIALOG)
    dialog.wait_for(timeout=UI_TIMEOUT)
    assert f"{TITLE}: code-server not found" in dialog.inner_text()
    dialog.locator(".jp-mod-reject").click()
    dialog.wait_for(state="detached")
    assert len(seen) == 2
    # and what needs the launcher settings appears now
    expect_state(page, "missing")


def test_command_says_why_when_the_server_extension_does_not_answer(
    page, jupyter_without_code_server
):
    jupyter = jupyter_without_code_server
    seen = fail_launcher_requests(page, None)
    open_lab_files(page, jupyter)
    wait_until(page, lambda: len(seen) >= 1, "the launcher request")
    run_palette_command(page, f"Show {TITLE} Status and Log")
    dialog = page.locator(DIALOG)
    dialog.wait_for(timeout=UI_TIMEOUT)
    text = dialog.inner_text()
    assert f"{TITLE} is unavailable" in text
    assert "jupyter_vscode server extension" in text
    assert len(seen) == 2  # asked again when run
    dialog.locator(".jp-mod-reject, .jp-mod-accept").first.click()
    dialog.wait_for(state="detached")
    assert page.locator(STATUS_ITEM).count() == 0


@pytest.fixture
def iframe_setting(tmp_path: Path, lab_settings) -> None:  # type: ignore[no-untyped-def]
    settings = tmp_path / "home" / ".jupyter" / "lab" / "user-settings" / "jupyter-vscode"
    settings.mkdir(parents=True)
    (settings / "plugin.jupyterlab-settings").write_text('{"openIn": "jupyterlab-tab"}\n')


def main_area_layout(jupyter) -> str:  # type: ignore[no-untyped-def]
    """The saved JupyterLab workspace's main-area layout (what a reload restores)."""
    data = json.loads(jupyter.request("lab/api/workspaces/default").read())
    return json.dumps(data.get("data", {}).get("layout-restorer:data", {}).get("main", {}))


def test_jupyterlab_tab_is_reused_per_folder_and_restored_after_reload(
    page, jupyter_process, tmp_path, root_dir, iframe_setting
):
    jupyter = jupyter_process(str(tmp_path / "nowhere" / "code-server"))
    open_lab_files(page, jupyter)
    sub_tab = page.locator(FRAME_TAB).filter(has_text=f"{TITLE}: subfolder")
    vscode_tabs = page.locator(FRAME_TAB).filter(has_text=TITLE)

    context_menu_open_in_vscode(page, "subfolder").click()
    sub_tab.wait_for(timeout=UI_TIMEOUT)
    # the same folder again: the tab is activated, not duplicated
    page.locator(FRAME_TAB).filter(has_text="Launcher").click()
    context_menu_open_in_vscode(page, "subfolder").click()
    page.locator(f"{FRAME_TAB}.lm-mod-current", has_text=f"{TITLE}: subfolder").wait_for()
    assert sub_tab.count() == 1
    # another folder (a file opens in the root's workspace): a tab of its own
    context_menu_open_in_vscode(page, "hello.py").click()
    page.locator(FRAME_TAB).filter(has_text=f"{TITLE}: hello.py").wait_for(timeout=UI_TIMEOUT)
    assert vscode_tabs.count() == 2

    names = [f'"jupyter-vscode:folder:{root_dir}/subfolder"', f'"jupyter-vscode:folder:{root_dir}"']
    wait_until(
        page,
        lambda: all(name in main_area_layout(jupyter) for name in names),
        "the workspace to list both VS Code tabs",
    )
    page.reload()
    page.locator(DIR_ITEM).first.wait_for(timeout=UI_TIMEOUT)
    sub_tab.wait_for(timeout=UI_TIMEOUT)
    page.locator(FRAME_TAB).filter(has_text=f"{TITLE}: hello.py").wait_for(timeout=UI_TIMEOUT)
    assert vscode_tabs.count() == 2
    srcs = page.eval_on_selector_all(FRAME, "frames => frames.map(f => f.getAttribute('src'))")
    assert sorted(unquote(src).split("?folder=")[1].split("&")[0] for src in srcs) == [
        str(root_dir),
        f"{root_dir}/subfolder",
    ]
    assert all(src.startswith(jupyter.url("vscode/?folder=")) for src in srcs)
