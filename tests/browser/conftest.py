"""Browser fixtures: headless Chromium (Playwright's sync API) and a real Jupyter + code-server.

Playwright's own browser download is not used: the tests drive the system Chromium
($JUPYTER_VSCODE_CHROMIUM, else `chromium` on PATH). Without one the tests skip, or fail
when JUPYTER_VSCODE_REQUIRE_CODE_SERVER=1 (CI).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ..support.browser import CHROMIUM_ARGS, HELLO, VIEWPORT, find_chromium, stop_gracefully
from ..support.codeserver import REQUIRE_REAL


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
