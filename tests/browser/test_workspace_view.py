"""code-server installed inside the folder VS Code opens (as on SageMaker) stays out of the
user's workspace: its files take no inotify watches and give no search hits.

Real Jupyter, real code-server, real Chromium. Jupyter's root holds an install prefix in the
layout `jupyter vscode install` makes (`current` -> `versions/<V>`, `bin/code-server`), whose
launcher runs the real code-server, with PREFIX_DIRS directories of files standing in for
code-server's own. The file watcher (a process of code-server's) starts once the workbench
has opened the folder; its inotify watches are counted in /proc/<pid>/fdinfo.

Also here, because it needs the same opened workbench: which of code-server's processes a
NODE_OPTIONS heap cap reaches (the reason the README gives for offering no such option).
"""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

import pytest

from ..support.browser import stop_gracefully

pytestmark = [pytest.mark.browser, pytest.mark.codeserver]

EXPLORER_ROW = ".explorer-folders-view .monaco-list-row"
SEARCH_MESSAGE = ".search-view .text-search-provider-messages, .search-view .result-messages"
PREFIX_DIRS = 300
MARKER = "NEEDLE_7f3a"
WORKBENCH_TIMEOUT = 90_000


def make_prefix_in(root: Path, real_code_server: str) -> Path:
    """<root>/.local/share/jupyter-vscode laid out like an install; its launcher."""
    prefix = root / ".local" / "share" / "jupyter-vscode"
    version = prefix / "versions" / "4.139.1-npm"
    for i in range(PREFIX_DIRS):
        d = version / "lib" / f"module{i:03}"
        d.mkdir(parents=True)
        (d / "index.js").write_text(f"// {MARKER}\n")
    launcher = version / "bin" / "code-server"
    launcher.parent.mkdir()
    launcher.write_text(f'#!/bin/sh\nexec "{real_code_server}" "$@"\n')
    launcher.chmod(0o755)
    (prefix / "current").symlink_to("versions/4.139.1-npm")
    (prefix / "bin").mkdir()
    (prefix / "bin" / "code-server").symlink_to("../current/bin/code-server")
    return prefix


def code_server_tree(jp) -> list[int]:  # type: ignore[no-untyped-def]
    """code-server's processes: its own session (the supervisor starts it in a new one)."""
    with jp.request("api/vscode/status") as r:
        pid = json.loads(r.read())["pid"]
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.getsid(int(entry)) == pid:
                    found.append(int(entry))
            except OSError:
                pass
    return found


def inotify_watches(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            fds = os.listdir(f"/proc/{pid}/fdinfo")
        except OSError:
            continue
        for fd in fds:
            try:
                with open(f"/proc/{pid}/fdinfo/{fd}") as f:
                    total += f.read().count("inotify wd:")
            except OSError:
                pass
    return total


def wait_for_watcher(jp, limit: float = 60.0) -> int:  # type: ignore[no-untyped-def]
    """Inotify watches once the file watcher has crawled the folder (the count stops
    growing, and at least one watch on the root exists)."""
    deadline = time.monotonic() + limit
    last, stable = -1, 0
    while time.monotonic() < deadline:
        now = inotify_watches(code_server_tree(jp))
        stable = stable + 1 if now == last and now > 0 else 0
        if stable >= 4:
            return now
        last = now
        time.sleep(0.5)
    raise AssertionError(f"the watch count never settled (last {last})")


def search_result(page) -> str:  # type: ignore[no-untyped-def]
    """Search the workspace for MARKER in VS Code's Search view: its summary line, once it
    stops changing."""
    page.keyboard.press("Control+Shift+F")
    # the Search view is open and its query box has the keyboard
    page.wait_for_function(
        "document.activeElement && document.activeElement.closest('.search-view')",
        timeout=30_000,
    )
    page.keyboard.type(MARKER)
    page.keyboard.press("Enter")
    summary = re.compile(r"\d+ results? in \d+ files?")
    deadline = time.monotonic() + 60
    last, stable = "", 0
    while time.monotonic() < deadline and stable < 3:
        texts = page.locator(SEARCH_MESSAGE).all_inner_texts()
        now = next((t for t in texts if summary.search(t)), "")
        stable = stable + 1 if now and now == last else 0
        last = now
        time.sleep(0.5)
    assert stable >= 3, f"no stable search summary (last: {last!r})"
    return last


def test_install_inside_the_root_takes_no_watches_and_gives_no_search_hits(
    browser, jupyter_process, real_code_server, root_dir, lab_settings, tmp_path
):
    prefix = make_prefix_in(root_dir, real_code_server)
    (root_dir / "hello.py").write_text(f"{MARKER} = 1\n")
    user_data = tmp_path / "ud"
    machine = user_data / "Machine" / "settings.json"
    machine.parent.mkdir(parents=True)
    # the user's own machine settings survive, their own choices included
    machine.write_text(json.dumps({"editor.fontSize": 17, "search.exclude": {"**/build": True}}))

    jp = jupyter_process(str(prefix / "bin" / "code-server"))
    try:
        ctx = browser.new_context(viewport={"width": 1280, "height": 800})
        page = ctx.new_page()
        page.goto(jp.url(f"vscode/?folder={root_dir}&token={jp.token}"))
        page.wait_for_selector(f"{EXPLORER_ROW} >> text=hello.py", timeout=WORKBENCH_TIMEOUT)

        watches = wait_for_watcher(jp)
        # Without the exclusions the watcher holds one watch per directory of the prefix.
        assert watches < PREFIX_DIRS // 3, f"{watches} inotify watches"
        # One hit, the user's file: none in versions/ nor again through current/.
        try:
            summary = search_result(page)
        except Exception:
            page.screenshot(path=str(tmp_path / "search-failure.png"))
            raise
        assert summary.startswith("1 result in 1 file"), summary
        ctx.close()
    finally:
        stop_gracefully(jp, root_dir)

    settings = json.loads(machine.read_text())
    assert settings["editor.fontSize"] == 17
    assert settings["search.exclude"] == {"**/build": True, ".local/share/jupyter-vscode": True}
    assert settings["files.watcherExclude"] == {str(prefix): True}


def test_node_options_reach_only_code_servers_own_processes(
    browser, jupyter_process, real_code_server, root_dir, lab_settings, monkeypatch
):
    """Why there is no Node heap cap option: a NODE_OPTIONS heap cap for code-server reaches
    its launcher and VS Code's server, but VS Code removes NODE_OPTIONS from the environment
    of the processes it forks (extension host, pty host, file watcher), so the extension
    host, which runs the extensions, is not capped (README, "Memory")."""
    monkeypatch.setenv("NODE_OPTIONS", "--max-old-space-size=512")
    jp = jupyter_process(real_code_server)
    try:
        ctx = browser.new_context(viewport={"width": 1280, "height": 800})
        page = ctx.new_page()
        page.goto(jp.url(f"vscode/?folder={root_dir}&token={jp.token}"))
        page.wait_for_selector(f"{EXPLORER_ROW} >> text=hello.py", timeout=WORKBENCH_TIMEOUT)
        deadline = time.monotonic() + 60
        seen: dict[str, str | None] = {}
        while time.monotonic() < deadline and not {"extensionHost", "fileWatcher"} <= set(seen):
            seen = {}
            for pid in code_server_tree(jp):
                try:
                    with open(f"/proc/{pid}/cmdline", "rb") as f:
                        argv = f.read().decode(errors="replace").split("\0")
                    with open(f"/proc/{pid}/environ", "rb") as f:
                        env = f.read().decode(errors="replace").split("\0")
                except OSError:
                    continue
                kind = next((a.split("=", 1)[1] for a in argv if a.startswith("--type=")), None)
                name = kind or "code-server"
                value = next((e[13:] for e in env if e.startswith("NODE_OPTIONS=")), None)
                if name not in seen or value is not None:
                    seen[name] = value
            time.sleep(0.5)
        ctx.close()
    finally:
        stop_gracefully(jp, root_dir)
    assert seen.get("code-server") == "--max-old-space-size=512", seen
    forked = {name: value for name, value in seen.items() if name != "code-server"}
    assert {"extensionHost", "fileWatcher"} <= set(forked), seen
    assert all(value is None for value in forked.values()), seen
