"""From Jupyter's UIs to VS Code in a real browser: JupyterLab, Notebook 7, nbclassic.

Everything is real: a `jupyter server` subprocess under base_url /jupyter/default/,
code-server behind jupyter-server-proxy, the built labextension and nbextension, headless
Chromium. Each test starts (and stops) its own Jupyter and browser.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from ..support.browser import HELLO, SCREENSHOTS, screenshot

pytestmark = pytest.mark.browser

# --- selectors: one place -----------------------------------------------------------------
TITLE = "VS Code"  # c.VSCode.launcher_title's default
# JupyterLab launcher cards (@jupyterlab/launcher); ours has the command's label as its text
LAUNCHER_CARD = ".jp-LauncherCard"
LAUNCHER_CARD_LABEL = ".jp-LauncherCard-label"
STATUS_ITEM = ".jp-vscode-StatusItem"
DIALOG = ".jp-Dialog"
# Notebook 7 tree: the file browser toolbar's "New" item, a lumino MenuBar opening a Menu
NB7_NEW_DROPDOWN = '[data-jp-item-name="new-dropdown"]'
NB7_OPEN_MENU = ".lm-Menu"
NB7_MENU_ITEM = ".lm-Menu-item"
NB7_MENU_ITEM_LABEL = ".lm-Menu-itemLabel"
# nbclassic tree: bootstrap dropdown, item added by jupyter_vscode/nbextension/tree.js
CLASSIC_NEW_BUTTON = "#new-dropdown-button"
CLASSIC_NEW_MENU = "#new-menu"
CLASSIC_VSCODE_ITEM = "#new-menu #new-vscode a"
# VS Code workbench
WORKBENCH = ".monaco-workbench"
EXPLORER_ROW = ".explorer-folders-view .monaco-list-row"
EDITOR = ".editor-instance .monaco-editor"
EDITOR_LINES = ".editor-instance .monaco-editor .view-lines"
SECONDARY_SIDEBAR = ".part.auxiliarybar"
LANGUAGE_STATUS = '[id="status.editor.mode"]'

# cold start: code-server's first start plus the workbench's first load
WORKBENCH_TIMEOUT = 90_000
UI_TIMEOUT = 60_000


def vscode_url_pattern(jupyter) -> re.Pattern[str]:  # type: ignore[no-untyped-def]
    return re.compile(re.escape(jupyter.url("vscode/")))


def wait_for_explorer(vscode, root: Path) -> None:  # type: ignore[no-untyped-def]
    """The workbench is up and its Explorer lists the Jupyter root's files."""
    vscode.wait_for_selector(WORKBENCH, timeout=WORKBENCH_TIMEOUT)
    rows = vscode.locator(EXPLORER_ROW)
    for name in ("hello.py", "subfolder"):
        rows.filter(has_text=name).first.wait_for(timeout=WORKBENCH_TIMEOUT)
    # the folder VS Code opened is Jupyter's root dir
    assert parse_qs(urlsplit(vscode.url).query).get("folder") == [str(root)]


def open_lab_launcher(page, jupyter):  # type: ignore[no-untyped-def]
    page.goto(jupyter.url(f"lab?token={jupyter.token}"))
    tiles = page.locator(LAUNCHER_CARD).filter(
        has=page.locator(LAUNCHER_CARD_LABEL, has_text=re.compile(rf"^{re.escape(TITLE)}$"))
    )
    tiles.first.wait_for(timeout=UI_TIMEOUT)
    return tiles


def click_opens_new_tab(context, locator, jupyter):  # type: ignore[no-untyped-def]
    """Click; the target opens in a new tab at <base_url>vscode/... (returned, loaded)."""
    pages_before = len(context.pages)
    with context.expect_page(timeout=UI_TIMEOUT) as new_page:
        locator.click()
    tab = new_page.value
    assert len(context.pages) == pages_before + 1
    tab.wait_for_url(vscode_url_pattern(jupyter), timeout=UI_TIMEOUT)
    return tab


@pytest.mark.codeserver
def test_launcher_tile_opens_vscode_in_new_tab(context, page, jupyter, root_dir):
    tiles = open_lab_launcher(page, jupyter)
    # the launcher has rendered all its cards by now (ours arrives after an API call)
    page.wait_for_timeout(500)
    assert tiles.count() == 1
    assert tiles.first.get_attribute("title") == f"Open {TITLE} in a new browser tab"
    screenshot(page, "launcher-tile.png")

    vscode = click_opens_new_tab(context, tiles.first, jupyter)
    wait_for_explorer(vscode, root_dir)
    assert page.url.startswith(jupyter.url("lab"))  # JupyterLab stays where it was


@pytest.mark.codeserver
def test_edit_and_save_writes_to_disk(context, page, jupyter, root_dir):
    tiles = open_lab_launcher(page, jupyter)
    vscode = click_opens_new_tab(context, tiles.first, jupyter)
    wait_for_explorer(vscode, root_dir)

    vscode.locator(EXPLORER_ROW).filter(has_text="hello.py").first.click()
    lines = vscode.locator(EDITOR_LINES)
    lines.filter(has_text="hello from Jupyter").wait_for(timeout=UI_TIMEOUT)
    if SCREENSHOTS:
        if vscode.locator(SECONDARY_SIDEBAR).is_visible():  # the Chat view, not our business
            vscode.keyboard.press("Control+Alt+B")
            vscode.locator(SECONDARY_SIDEBAR).wait_for(state="hidden")
        vscode.locator(LANGUAGE_STATUS, has_text="Python").wait_for()  # highlighted
        screenshot(vscode, "vscode-in-jupyter.png")
    lines.click()
    marker = f"edited in VS Code {time.monotonic_ns()}"
    vscode.keyboard.press("Control+End")
    vscode.keyboard.type(f"# {marker}")
    lines.filter(has_text=marker).wait_for(timeout=UI_TIMEOUT)  # VS Code saw the typing
    vscode.keyboard.press("Control+S")

    hello = root_dir / "hello.py"
    deadline = time.monotonic() + 15
    while marker not in hello.read_text() and time.monotonic() < deadline:
        time.sleep(0.2)
    text = hello.read_text()
    assert marker in text
    assert text.startswith(HELLO)  # appended, nothing else lost


@pytest.mark.codeserver
def test_notebook7_new_menu_opens_vscode(context, page, jupyter, root_dir):
    page.goto(jupyter.url(f"tree?token={jupyter.token}"))
    new = page.locator(NB7_NEW_DROPDOWN)
    new.wait_for(timeout=UI_TIMEOUT)
    # the entry is added once the launcher API answered; reopen the menu until it shows up
    items = page.locator(f"{NB7_OPEN_MENU} {NB7_MENU_ITEM}").filter(
        has=page.locator(NB7_MENU_ITEM_LABEL, has_text=re.compile(rf"^{re.escape(TITLE)}$"))
    )
    deadline = time.monotonic() + UI_TIMEOUT / 1000
    while True:
        new.click()
        page.locator(NB7_OPEN_MENU).first.wait_for()
        if items.count() or time.monotonic() > deadline:
            break
        page.keyboard.press("Escape")
        page.wait_for_timeout(500)
    assert items.count() == 1
    screenshot(page, "notebook7-new-menu.png")

    vscode = click_opens_new_tab(context, items.first, jupyter)
    wait_for_explorer(vscode, root_dir)


@pytest.mark.codeserver
def test_nbclassic_new_menu_opens_vscode(context, page, jupyter, root_dir):
    page.goto(jupyter.url(f"nbclassic/tree?token={jupyter.token}"))
    item = page.locator(CLASSIC_VSCODE_ITEM)
    item.wait_for(state="attached", timeout=UI_TIMEOUT)  # added by the nbextension
    page.locator(CLASSIC_NEW_BUTTON).click()
    page.locator(CLASSIC_NEW_MENU).wait_for()
    assert page.locator(CLASSIC_NEW_MENU).get_by_text(TITLE, exact=True).count() == 1
    assert item.inner_text().strip() == TITLE

    vscode = click_opens_new_tab(context, item, jupyter)
    wait_for_explorer(vscode, root_dir)


def test_missing_configured_code_server_page_names_the_variable(
    context, page, jupyter_without_code_server
):
    jupyter = jupyter_without_code_server  # $JUPYTER_VSCODE_CODE_SERVER points at nothing
    tiles = open_lab_launcher(page, jupyter)
    page.wait_for_timeout(500)
    assert tiles.count() == 1  # the tile is still there

    tab = click_opens_new_tab(context, tiles.first, jupyter)
    tab.wait_for_load_state()
    heading = tab.locator("h1")
    heading.wait_for(timeout=UI_TIMEOUT)
    assert heading.inner_text() == "The configured code-server cannot be used"
    body = tab.locator("body").inner_text()
    assert "$JUPYTER_VSCODE_CODE_SERVER" in body and "does not exist" in body
    # installing would not change the configured path: not offered
    assert "jupyter vscode install" not in body
    assert "Traceback" not in body
    assert tab.locator(WORKBENCH).count() == 0


def test_invalid_option_shows_misconfigured_status_and_page(
    context, page, jupyter_process, tmp_path, root_dir, lab_settings
):
    jupyter = jupyter_process(str(tmp_path / "nowhere"), ["--VSCode.start_timeout=-5"])
    tiles = open_lab_launcher(page, jupyter)  # the tile stays
    item = page.locator(f'{STATUS_ITEM}[data-state="misconfigured"]')
    item.wait_for(timeout=UI_TIMEOUT)
    assert item.inner_text().strip() == f"{TITLE}: misconfigured"
    # a click explains the option instead of offering restart/stop
    item.click()
    dialog = page.locator(DIALOG)
    dialog.wait_for(timeout=UI_TIMEOUT)
    text = dialog.inner_text()
    assert f"{TITLE} is misconfigured" in text
    assert "c.VSCode.start_timeout=-5.0" in text
    assert "--VSCode.start_timeout on the command line" in text
    assert dialog.locator(".jp-mod-accept").count() == 0  # no Restart button
    dialog.locator(".jp-mod-reject").click()
    dialog.wait_for(state="detached")
    # the tile opens the explanation page
    tab = click_opens_new_tab(context, tiles.first, jupyter)
    heading = tab.locator("h1")
    heading.wait_for(timeout=UI_TIMEOUT)
    assert heading.inner_text() == "VS Code is turned off: an option is invalid"
    assert "restart Jupyter" in tab.locator("body").inner_text()
