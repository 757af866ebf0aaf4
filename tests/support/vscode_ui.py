"""Driving the real VS Code workbench in the browser tests about workspace trust: open a folder,
open a terminal, read what the terminal's shell sees, decline the trust prompt, and look for
processes that got a folder's terminal environment.

Each test folder's .vscode/settings.json sets $TRUSTMARK for its terminals
(:func:`write_settings`); :func:`terminal_sees` types a command that writes what the shell sees
into a file, so the check is the shell's own answer, not the terminal's rendering.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

WORKBENCH = ".monaco-workbench"
EXPLORER_ROW = ".explorer-folders-view .monaco-list-row"
STATUS_BAR = ".part.statusbar"
TERMINAL_INPUT = ".terminal-wrapper .xterm-helper-textarea"
QUICK_INPUT = ".quick-input-widget input"
DIALOG = ".monaco-dialog-box"
WORKBENCH_TIMEOUT = 90_000
UI_TIMEOUT = 30_000
#: the uid (and gid) of "nobody": the owner of another user's folder when the tests run as root
NOBODY = 65534


def write_settings(folder: Path, mark: str) -> None:
    """``folder``/.vscode/settings.json: its terminals get ``TRUSTMARK=<mark>``."""
    (folder / ".vscode").mkdir(parents=True)
    (folder / ".vscode" / "settings.json").write_text(
        json.dumps({"terminal.integrated.env.linux": {"TRUSTMARK": mark}})
    )


def open_folder(page, url: str, file_name: str):  # type: ignore[no-untyped-def]
    """Load the workbench at ``url``; return once its explorer lists ``file_name``."""
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


def wait_for_restricted_mode(page) -> None:  # type: ignore[no-untyped-def]
    page.locator(STATUS_BAR).get_by_text("Restricted Mode").first.wait_for(timeout=UI_TIMEOUT)


def decline_terminal_trust(page) -> None:  # type: ignore[no-untyped-def]
    """Ask for a terminal in a Restricted Mode window: VS Code asks whether the user trusts the
    folder's authors first, and the user answers Cancel."""
    create_terminal(page)
    prompt = page.locator(DIALOG, has_text="Do you trust the authors")
    prompt.wait_for(timeout=UI_TIMEOUT)
    prompt.locator(".monaco-button", has_text="Cancel").click()
    prompt.wait_for(state="hidden", timeout=UI_TIMEOUT)


def decline_trust_and_check(page, mark: str) -> None:  # type: ignore[no-untyped-def]
    """In a Restricted Mode window: ask for a terminal, decline to trust the folder, and check
    that the window stays restricted and the folder's terminal env (``TRUSTMARK=<mark>``, see
    write_settings) reached no process."""
    decline_terminal_trust(page)
    assert restricted_mode_shown(page)
    assert processes_with_env(f"TRUSTMARK={mark}".encode()) == []  # its terminal env ran nowhere


def processes_with_env(entry: bytes) -> list[int]:
    """Live processes whose environment holds ``entry`` (``b"NAME=value"``)."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/environ", "rb") as f:
                if entry in f.read().split(b"\0"):
                    found.append(int(pid))
        except OSError:
            continue
    return found
