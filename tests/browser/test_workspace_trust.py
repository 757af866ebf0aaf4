"""Workspace trust in a real browser: the user's own folder opens trusted, another user's
folder in Restricted Mode, where its .vscode settings do not reach the terminal.

The attack this guards against: another local user writes /tmp/proj/.vscode/settings.json with
a terminal.integrated.env setting and sends a `<base_url>vscode/?folder=/tmp/proj` link; the
victim opens a terminal there. Each folder's settings set $TRUSTMARK for its terminals; the
test types a command that writes what the terminal sees into a file, so the check is the
shell's own answer, not the terminal's rendering.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from urllib.parse import quote

import pytest

pytestmark = pytest.mark.browser

WORKBENCH = ".monaco-workbench"
EXPLORER_ROW = ".explorer-folders-view .monaco-list-row"
STATUS_BAR = ".part.statusbar"
TERMINAL_INPUT = ".terminal-wrapper .xterm-helper-textarea"
QUICK_INPUT = ".quick-input-widget input"
DIALOG = ".monaco-dialog-box"
WORKBENCH_TIMEOUT = 90_000
UI_TIMEOUT = 30_000
NOBODY = 65534


def write_settings(folder: Path, mark: str) -> None:
    (folder / ".vscode").mkdir(parents=True)
    (folder / ".vscode" / "settings.json").write_text(
        json.dumps({"terminal.integrated.env.linux": {"TRUSTMARK": mark}})
    )


def open_folder(page, url: str, file_name: str):  # type: ignore[no-untyped-def]
    page.goto(url)
    page.wait_for_selector(WORKBENCH, timeout=WORKBENCH_TIMEOUT)
    page.locator(EXPLORER_ROW).filter(has_text=file_name).first.wait_for(timeout=WORKBENCH_TIMEOUT)


def create_terminal(page) -> None:  # type: ignore[no-untyped-def]
    page.keyboard.press("F1")
    page.locator(QUICK_INPUT).fill(">Terminal: Create New Terminal")
    page.locator(".quick-input-list .monaco-list-row", has_text="Create New Terminal").first.click(
        timeout=UI_TIMEOUT
    )


def terminal_sees(page, out: Path) -> str:  # type: ignore[no-untyped-def]
    """Open a terminal in the window's folder; what $TRUSTMARK is in it ('unset' if not)."""
    create_terminal(page)
    page.locator(TERMINAL_INPUT).first.wait_for(state="attached", timeout=UI_TIMEOUT)
    deadline = time.monotonic() + 60
    while not out.exists():  # the shell may still be starting: type again until it answers
        if time.monotonic() > deadline:
            raise AssertionError(f"the terminal never ran the command ({out} not written)")
        # never type into a dialog: Enter would answer it (a trust prompt: "Trust Folder")
        assert not page.locator(DIALOG).is_visible(), page.locator(DIALOG).inner_text()
        page.locator(TERMINAL_INPUT).first.focus()
        page.keyboard.type(f'echo "${{TRUSTMARK:-unset}}" > {out}.tmp && mv {out}.tmp {out}')
        page.keyboard.press("Enter")
        for _ in range(50):
            if out.exists():
                break
            page.wait_for_timeout(200)
    return out.read_text().strip()


def restricted_mode_shown(page) -> bool:  # type: ignore[no-untyped-def]
    item = page.locator(STATUS_BAR).get_by_text("Restricted Mode")
    return item.count() > 0 and item.first.is_visible()


def processes_with_env(entry: bytes) -> list[int]:
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/environ", "rb") as f:
                if entry in f.read().split(b"\0"):
                    found.append(int(pid))
        except OSError:
            continue
    return found


def test_own_folder_trusted_other_users_folder_restricted(page, jupyter, root_dir, tmp_path):
    write_settings(root_dir, "own")
    out = tmp_path / "terminal-out"
    out.mkdir()

    # the user's own work: Jupyter's root (the folder VS Code opens when the URL names none)
    open_folder(page, jupyter.url(f"vscode/?token={jupyter.token}"), "hello.py")
    assert terminal_sees(page, out / "own.txt") == "own"  # no prompt, and its settings apply
    assert not restricted_mode_shown(page)

    # a folder another user owns, outside the root and the home directory
    other = tmp_path / "someone-elses-project"
    other.mkdir()
    (other / "README.md").write_text("# not yours\n")
    write_settings(other, "attacker")
    if os.getuid() == 0:  # as it would be on a shared machine (outside root and home anyway)
        for path in (other, other / ".vscode", other / ".vscode" / "settings.json"):
            os.chown(path, NOBODY, NOBODY)
    open_folder(
        page, jupyter.url(f"vscode/?folder={quote(str(other))}&token={jupyter.token}"), "README.md"
    )
    page.locator(STATUS_BAR).get_by_text("Restricted Mode").first.wait_for(timeout=UI_TIMEOUT)
    # a terminal there needs the user to trust the folder first; the user declines
    create_terminal(page)
    prompt = page.locator(DIALOG, has_text="Do you trust the authors")
    prompt.wait_for(timeout=UI_TIMEOUT)
    prompt.locator(".monaco-button", has_text="Cancel").click()
    prompt.wait_for(state="hidden", timeout=UI_TIMEOUT)
    assert restricted_mode_shown(page)
    assert processes_with_env(b"TRUSTMARK=attacker") == []  # its terminal env ran nowhere
    assert processes_with_env(b"TRUSTMARK=own")  # (the own folder's shell still runs)
