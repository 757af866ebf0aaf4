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

from ..support.browser import screenshot
from ..support.lab import (
    DIALOG,
    EDITOR_LINES,
    EDITOR_TAB,
    EXPLORER_ROW,
    FRAME,
    FRAME_TAB,
    LAUNCHER_CARD,
    LAUNCHER_CARD_LABEL,
    LOG_TAIL,
    MENU,
    NB7_NEW_DROPDOWN,
    STATUS_ITEM,
    TITLE,
    UI_TIMEOUT,
    WORKBENCH,
    WORKBENCH_TIMEOUT,
    collect_our_errors,
    context_menu_open_in_vscode,
    dir_item,
    expect_state,
    file_new_menu_items,
    new_tab,
    open_lab,
    run_palette_command,
    wait_for_editor_tab,
)

pytestmark = pytest.mark.browser

SUBDIR = "dir with space"
FILE = "ünï cödé.py"
FILE_TEXT = "print('ünï cödé')\n"


@pytest.fixture
def tree(root_dir: Path) -> Path:
    """root_dir plus `dir with space/ünï cödé.py`."""
    (root_dir / SUBDIR).mkdir()
    (root_dir / SUBDIR / FILE).write_text(FILE_TEXT, encoding="utf-8")
    return root_dir


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
