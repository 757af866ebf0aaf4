"""JupyterLab and VS Code in the page: selectors and the steps the browser tests share
(open JupyterLab, the file browser's context menu, the status item, the command palette)."""

from __future__ import annotations

import re

TITLE = "VS Code"

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
