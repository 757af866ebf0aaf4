"""Browser fixtures: headless Chromium (Playwright's sync API) and a real Jupyter + code-server.

Playwright's own browser download is not used: the tests drive the system Chromium
($JUPYTER_VSCODE_CHROMIUM, else `chromium` on PATH). Without one the tests skip, or fail
when JUPYTER_VSCODE_REQUIRE_CODE_SERVER=1 (CI).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ..conftest import REQUIRE_REAL, JupyterProcess

REPO = Path(__file__).resolve().parents[2]
SCREENSHOT_DIR = REPO / "docs" / "screenshots"
SCREENSHOTS = os.environ.get("JUPYTER_VSCODE_SCREENSHOTS") == "1"
VIEWPORT = {"width": 1280, "height": 800}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
HELLO = "print('hello from Jupyter')\n"


def find_chromium() -> str | None:
    for candidate in (
        os.environ.get("JUPYTER_VSCODE_CHROMIUM", ""),
        "/usr/bin/chromium",
        shutil.which("chromium") or "",
        shutil.which("chromium-browser") or "",
    ):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


@pytest.fixture
def browser() -> Iterator[object]:
    chromium = find_chromium()
    if chromium is None:
        if REQUIRE_REAL:
            pytest.fail("no Chromium found for the browser tests (set $JUPYTER_VSCODE_CHROMIUM)")
        pytest.skip("no Chromium found (set $JUPYTER_VSCODE_CHROMIUM)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):  # type: ignore[no-untyped-def]
    report = yield
    if report.when == "call":
        item.browser_test_failed = report.failed
    return report


@pytest.fixture
def context(browser, request, tmp_path: Path):  # type: ignore[no-untyped-def]
    """A browser context; on failure its pages' screenshots and console go to tmp_path."""
    ctx = browser.new_context(viewport=VIEWPORT)
    ctx.set_default_timeout(60_000)  # generous: CI machines can be busy
    console: list[str] = []
    ctx.on(
        "page",
        lambda p: p.on("console", lambda m: console.append(f"{p.url} {m.type}: {m.text}")),
    )
    try:
        yield ctx
    finally:
        if getattr(request.node, "browser_test_failed", False):
            for i, p in enumerate(ctx.pages):
                try:
                    p.screenshot(path=str(tmp_path / f"failure-page{i}.png"))
                except Exception as e:
                    console.append(f"screenshot of {p.url} failed: {e}")
            (tmp_path / "browser-console.log").write_text("\n".join(console))
            print(f"browser state saved in {tmp_path}")
        ctx.close()


@pytest.fixture
def page(context):  # type: ignore[no-untyped-def]
    return context.new_page()


@pytest.fixture
def lab_settings(tmp_path: Path) -> None:
    """JupyterLab user settings in the isolated HOME (tmp_path/"home", see JupyterProcess).

    Without them a "get notified about official Jupyter news?" toast covers the launcher.
    """
    settings = tmp_path / "home" / ".jupyter" / "lab" / "user-settings" / "@jupyterlab"
    notification = settings / "apputils-extension" / "notification.jupyterlab-settings"
    notification.parent.mkdir(parents=True)
    notification.write_text('{"fetchNews": "false"}\n')


@pytest.fixture
def root_dir(tmp_path: Path) -> Path:
    """Jupyter's root dir (JupyterProcess uses tmp_path/"root"): a file and a subfolder."""
    root = tmp_path / "root"
    root.mkdir()
    (root / "hello.py").write_text(HELLO)
    (root / "subfolder").mkdir()
    (root / "subfolder" / "notes.md").write_text("# notes\n")
    return root


def processes_in(root: Path) -> list[int]:
    """Live processes whose working directory is ``root`` or below: code-server's tree."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            cwd = os.readlink(f"/proc/{entry}/cwd")
        except OSError:
            continue
        if cwd == str(root) or cwd.startswith(f"{root}/"):
            found.append(int(entry))
    return found


def stop_gracefully(jp: JupyterProcess, root: Path) -> None:
    """Stop Jupyter like a user does (SIGTERM), then require that code-server's whole tree,
    extension hosts included, is gone; anything left is killed so no test leaks processes."""
    if jp.proc.poll() is None:
        jp.proc.send_signal(signal.SIGTERM)
        try:
            jp.proc.wait(30)
        except subprocess.TimeoutExpired:
            jp.proc.kill()
    deadline = time.monotonic() + 15
    while processes_in(root) and time.monotonic() < deadline:
        time.sleep(0.1)
    leftover = processes_in(root)
    for pid in leftover:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    assert leftover == [], f"processes left in {root} after Jupyter stopped: {leftover}"


@pytest.fixture
def jupyter(jupyter_process, real_code_server: str, root_dir: Path, lab_settings):  # type: ignore[no-untyped-def]
    """A real `jupyter server` (base_url /jupyter/default/) with the real code-server."""
    jp = jupyter_process(real_code_server)
    yield jp
    stop_gracefully(jp, root_dir)


@pytest.fixture
def jupyter_without_code_server(jupyter_process, tmp_path: Path, root_dir: Path, lab_settings):  # type: ignore[no-untyped-def]
    """A real `jupyter server` whose c.VSCode.code_server points at nothing."""
    jp = jupyter_process(str(tmp_path / "nowhere" / "code-server"))
    yield jp
    stop_gracefully(jp, root_dir)


def screenshot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    """Save docs/screenshots/<name> for the README, only with JUPYTER_VSCODE_SCREENSHOTS=1."""
    if SCREENSHOTS:
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOT_DIR / name))
