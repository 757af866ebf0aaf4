"""JupyterLab experience beyond the tile: "Open in VS Code", status and control, the iframe tab.

Real `jupyter server` (base_url /jupyter/default/), real code-server, built labextension,
headless Chromium; fixtures from tests/browser/conftest.py.
"""

from __future__ import annotations

import json
import re
import stat
import time
from pathlib import Path
from urllib.parse import unquote

import pytest

from .conftest import screenshot

pytestmark = pytest.mark.browser

TITLE = "VS Code"
SUBDIR = "dir with space"
FILE = "ünï cödé.py"
FILE_TEXT = "print('ünï cödé')\n"

# --- JupyterLab selectors -------------------------------------------------------------------
STATUS_ITEM = ".jp-vscode-StatusItem"
DIR_ITEM = ".jp-DirListing-item"
DIR_ITEM_TEXT = ".jp-DirListing-itemText"
MENU = ".lm-Menu"
MENU_OPEN_IN_VSCODE = '.lm-Menu-item[data-command="vscode:open-path"]'
PALETTE_INPUT = ".lm-CommandPalette-input"
PALETTE_ITEM = ".lm-CommandPalette-item"
DIALOG = ".jp-Dialog"
LOG_TAIL = ".jp-vscode-LogTail"
FRAME_TAB = ".lm-DockPanel-tabBar .lm-TabBar-tab"
FRAME = ".jp-vscode-Frame iframe"
LAUNCHER_CARD = ".jp-LauncherCard"
LAUNCHER_CARD_LABEL = ".jp-LauncherCard-label"
NB7_NEW_DROPDOWN = '[data-jp-item-name="new-dropdown"]'
# --- VS Code selectors ----------------------------------------------------------------------
WORKBENCH = ".monaco-workbench"
EXPLORER_ROW = ".explorer-folders-view .monaco-list-row"
EDITOR_TAB = ".tabs-container .tab"
EDITOR_LINES = ".editor-instance .monaco-editor .view-lines"

WORKBENCH_TIMEOUT = 90_000
UI_TIMEOUT = 60_000


@pytest.fixture
def tree(root_dir: Path) -> Path:
    """root_dir plus `dir with space/ünï cödé.py`."""
    (root_dir / SUBDIR).mkdir()
    (root_dir / SUBDIR / FILE).write_text(FILE_TEXT, encoding="utf-8")
    return root_dir


def open_lab(page, jupyter):  # type: ignore[no-untyped-def]
    page.goto(jupyter.url(f"lab?token={jupyter.token}"))
    # the status item is added once the extension has heard from the server
    page.locator(STATUS_ITEM).wait_for(timeout=UI_TIMEOUT)
    page.locator(DIR_ITEM).first.wait_for(timeout=UI_TIMEOUT)


def file_new_menu_items(page):  # type: ignore[no-untyped-def]
    """Open File → New; the VS Code entries in it. Closes the menu again."""
    page.locator(".lm-MenuBar-item", has_text=re.compile(r"^File$")).click()
    page.locator('#jp-mainmenu-file .lm-Menu-item[data-type="submenu"]').first.hover()
    new_menu = page.locator("#jp-mainmenu-file-new")
    new_menu.wait_for()
    items = new_menu.locator('.lm-Menu-item[data-command="vscode:open"]')
    count = items.count()
    labels = items.all_inner_texts()
    page.mouse.click(700, 790)  # away from any menu: closes them all
    new_menu.wait_for(state="hidden")

    class Found:
        def __init__(self) -> None:
            self.labels = labels

        def count(self) -> int:
            return count

    return Found()


def collect_our_errors(page) -> list[str]:  # type: ignore[no-untyped-def]
    """Uncaught errors and console errors that come from this extension.

    (Notebook 7.x itself throws "Cannot read properties of undefined (reading 'schema')"
    while loading settings, with or without this extension; not ours to assert on.)
    """
    errors: list[str] = []

    def on_page_error(error) -> None:  # type: ignore[no-untyped-def]
        if "jupyter-vscode" in (error.stack or "") or "vscode" in str(error).lower():
            errors.append(f"{error}\n{error.stack}")

    def on_console(message) -> None:  # type: ignore[no-untyped-def]
        if message.type == "error" and (
            "jupyter-vscode" in message.text or "jupyter-vscode" in message.location.get("url", "")
        ):
            errors.append(message.text)

    page.on("pageerror", on_page_error)
    page.on("console", on_console)
    return errors


def dir_item(page, name: str):  # type: ignore[no-untyped-def]
    return page.locator(DIR_ITEM).filter(
        has=page.locator(DIR_ITEM_TEXT, has_text=re.compile(rf"^{re.escape(name)}$"))
    )


def context_menu_open_in_vscode(page, name: str):  # type: ignore[no-untyped-def]
    """Right-click `name` in the file browser; the "Open in VS Code" entry (visible)."""
    dir_item(page, name).click(button="right")
    entry = page.locator(MENU_OPEN_IN_VSCODE)
    entry.wait_for()
    assert entry.inner_text().strip() == f"Open in {TITLE}"
    return entry


def expect_state(page, state: str, timeout: float = UI_TIMEOUT) -> None:  # type: ignore[no-untyped-def]
    page.locator(f'{STATUS_ITEM}[data-state="{state}"]').wait_for(timeout=timeout)


def run_palette_command(page, label: str) -> None:  # type: ignore[no-untyped-def]
    page.keyboard.press("Control+Shift+C")
    palette = page.locator(PALETTE_INPUT)
    palette.wait_for()
    palette.fill(label)
    item = page.locator(PALETTE_ITEM).filter(has_text=re.compile(rf"^{re.escape(label)}"))
    item.first.wait_for()
    item.first.click()


def new_tab(context, action):  # type: ignore[no-untyped-def]
    with context.expect_page(timeout=UI_TIMEOUT) as new_page:
        action()
    return new_page.value


def wait_for_editor_tab(vscode, name: str):  # type: ignore[no-untyped-def]
    vscode.wait_for_selector(WORKBENCH, timeout=WORKBENCH_TIMEOUT)
    tab = vscode.locator(EDITOR_TAB).filter(has_text=name)
    tab.first.wait_for(timeout=WORKBENCH_TIMEOUT)
    return tab


@pytest.mark.codeserver
def test_context_menu_opens_folder_then_status_running(context, page, jupyter, tree):
    open_lab(page, jupyter)
    entry = context_menu_open_in_vscode(page, SUBDIR)
    screenshot(page, "context-menu.png")
    vscode = new_tab(context, entry.click)
    vscode.wait_for_url(re.compile(re.escape(jupyter.url("vscode/?folder="))), timeout=UI_TIMEOUT)
    assert unquote(vscode.url.split("folder=", 1)[1].split("&")[0]) == str(tree / SUBDIR)
    vscode.wait_for_selector(WORKBENCH, timeout=WORKBENCH_TIMEOUT)
    # the Explorer shows the folder's content (and not the root's)
    rows = vscode.locator(EXPLORER_ROW)
    rows.filter(has_text=FILE).first.wait_for(timeout=WORKBENCH_TIMEOUT)
    assert rows.filter(has_text="hello.py").count() == 0

    expect_state(page, "running")
    assert page.locator(STATUS_ITEM).inner_text().strip() == f"{TITLE}: running"


@pytest.mark.codeserver
def test_context_menu_opens_file_in_editor_tab(context, page, jupyter, tree):
    open_lab(page, jupyter)
    dir_item(page, SUBDIR).dblclick()
    entry = context_menu_open_in_vscode(page, FILE)
    vscode = new_tab(context, entry.click)
    tab = wait_for_editor_tab(vscode, FILE)
    assert tab.count() == 1
    vscode.locator(EDITOR_LINES).filter(has_text="ünï cödé").wait_for(timeout=UI_TIMEOUT)
    # in the root workspace: the Explorer lists the root
    vscode.locator(EXPLORER_ROW).filter(has_text="hello.py").first.wait_for(timeout=UI_TIMEOUT)


@pytest.mark.codeserver
def test_status_bar_restart_and_stop(context, page, jupyter, tree):
    open_lab(page, jupyter)
    expect_state(page, "stopped")
    run_palette_command(page, f"Restart {TITLE}")
    expect_state(page, "running", timeout=WORKBENCH_TIMEOUT)
    pid = json.loads(jupyter.request("api/vscode/status").read())["pid"]

    # the status item's menu: restart gives a new process
    page.locator(STATUS_ITEM).click()
    page.locator(f'{MENU} .lm-Menu-item[data-command="vscode:restart"]').wait_for()
    screenshot(page, "status-menu.png")
    page.locator(f'{MENU} .lm-Menu-item[data-command="vscode:restart"]').click()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        status = json.loads(jupyter.request("api/vscode/status").read())
        if status["state"] == "running" and status["pid"] != pid:
            break
        time.sleep(0.2)
    assert status["pid"] != pid
    expect_state(page, "running")

    # the Running panel lists it
    page.locator('[data-id="jp-running-sessions"]').click()
    section = page.locator(".jp-RunningSessions-item", has_text=f"{TITLE} (running)")
    section.first.wait_for(timeout=UI_TIMEOUT)

    run_palette_command(page, f"Stop {TITLE}")
    expect_state(page, "stopped")
    assert json.loads(jupyter.request("api/vscode/status").read())["state"] == "stopped"
    assert section.count() == 0


@pytest.fixture
def boom(tmp_path: Path) -> str:
    exe = tmp_path / "boom-bin" / "code-server"
    exe.parent.mkdir()
    exe.write_text("#!/bin/sh\necho boom\necho 'boom: cannot start' >&2\nexit 1\n")
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR)
    return str(exe)


def test_failed_start_shows_log_dialog(page, jupyter_process, boom, root_dir, lab_settings):
    jupyter = jupyter_process(boom, ["--VSCode.max_restarts=0"])
    open_lab(page, jupyter)
    new_items = file_new_menu_items(page)
    assert new_items.count() == 1 and new_items.labels[0].strip().startswith(TITLE)
    run_palette_command(page, f"Restart {TITLE}")
    dialog = page.locator(DIALOG)
    dialog.wait_for(timeout=UI_TIMEOUT)
    assert f"{TITLE} could not start" in dialog.inner_text()
    page.locator(f"{DIALOG} {LOG_TAIL}").filter(has_text="boom").wait_for()
    expect_state(page, "failed")
    screenshot(page, "failed-log-dialog.png")
    assert page.locator(DIALOG).count() == 1  # one dialog, not one per signal
    page.locator(f"{DIALOG} .jp-mod-reject").click()  # Close
    dialog.wait_for(state="detached")
    assert page.locator(STATUS_ITEM).inner_text().strip() == f"{TITLE}: failed"


@pytest.fixture
def iframe_setting(tmp_path: Path, lab_settings) -> None:  # type: ignore[no-untyped-def]
    settings = tmp_path / "home" / ".jupyter" / "lab" / "user-settings" / "jupyter-vscode"
    settings.mkdir(parents=True)
    (settings / "plugin.jupyterlab-settings").write_text('{"openIn": "jupyterlab-tab"}\n')


@pytest.mark.codeserver
def test_jupyterlab_tab_setting_opens_workbench_in_iframe(
    context, page, jupyter_process, real_code_server, tree, iframe_setting
):
    jupyter = jupyter_process(real_code_server)
    open_lab(page, jupyter)
    pages_before = len(context.pages)
    entry = context_menu_open_in_vscode(page, "hello.py")
    entry.click()
    tab = page.locator(FRAME_TAB).filter(has_text=f"{TITLE}: hello.py")
    tab.wait_for(timeout=UI_TIMEOUT)
    assert len(context.pages) == pages_before  # no browser tab
    frame = page.frame_locator(FRAME)
    frame.locator(WORKBENCH).wait_for(timeout=WORKBENCH_TIMEOUT)
    frame.locator(EDITOR_TAB).filter(has_text="hello.py").first.wait_for(timeout=WORKBENCH_TIMEOUT)
    lines = frame.locator(EDITOR_LINES)
    lines.filter(has_text="hello from Jupyter").wait_for(timeout=UI_TIMEOUT)
    screenshot(page, "vscode-in-jupyterlab-tab.png")
    # keyboard reaches VS Code inside the tab: type and save
    lines.click()
    marker = f"typed in the JupyterLab tab {time.monotonic_ns()}"
    page.keyboard.press("Control+End")
    page.keyboard.type(f"# {marker}")
    lines.filter(has_text=marker).wait_for(timeout=UI_TIMEOUT)
    page.keyboard.press("Control+S")
    hello = tree / "hello.py"
    deadline = time.monotonic() + 15
    while marker not in hello.read_text() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert marker in hello.read_text()


def test_launcher_disabled_hides_tile_and_new_menus(
    page, jupyter_process, tmp_path, root_dir, lab_settings
):
    jupyter = jupyter_process(str(tmp_path / "nowhere"), ["--VSCode.launcher_enabled=False"])
    errors = collect_our_errors(page)
    open_lab(page, jupyter)
    page.locator(LAUNCHER_CARD).first.wait_for(timeout=UI_TIMEOUT)
    page.wait_for_timeout(500)
    labels = page.locator(LAUNCHER_CARD_LABEL).all_inner_texts()
    assert TITLE not in labels
    assert file_new_menu_items(page).count() == 0
    # still available where the user asks for it explicitly
    context_menu_open_in_vscode(page, "hello.py")
    page.keyboard.press("Escape")

    page.goto(jupyter.url(f"tree?token={jupyter.token}"))
    new = page.locator(NB7_NEW_DROPDOWN)
    new.wait_for(timeout=UI_TIMEOUT)
    page.wait_for_timeout(1000)  # the launcher API has answered by now
    new.click()
    page.locator(MENU).first.wait_for()
    assert page.locator('.lm-Menu-item[data-command="vscode:open"]').count() == 0
    assert not errors


def test_notebook7_pages_without_status_bar_have_no_errors(
    page, jupyter_process, tmp_path, root_dir, lab_settings
):
    jupyter = jupyter_process(str(tmp_path / "nowhere"))
    (root_dir / "nb.ipynb").write_text(
        json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})
    )
    errors = collect_our_errors(page)
    for path in ("tree", "notebooks/nb.ipynb"):
        page.goto(jupyter.url(f"{path}?token={jupyter.token}"))
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(1000)
        assert page.locator(STATUS_ITEM).count() == 0
        if path == "tree":  # Notebook 7's file browser has "Open in VS Code" too
            context_menu_open_in_vscode(page, "hello.py")
            page.keyboard.press("Escape")
    assert not errors
