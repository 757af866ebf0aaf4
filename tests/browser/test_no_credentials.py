"""VS Code opened with ``?token=`` in a real browser: the token and the Jupyter server's
credential variables reach neither code-server's state nor a terminal opened in VS Code."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

pytestmark = pytest.mark.browser

WORKBENCH = ".monaco-workbench"
TERMINAL = ".terminal-wrapper .xterm"
QUICK_INPUT = ".quick-input-widget input"
WORKBENCH_TIMEOUT = 90_000
UI_TIMEOUT = 60_000

CREDENTIALS = {
    "JUPYTER_TOKEN": "env-t1",
    "JUPYTERHUB_API_TOKEN": "env-t2",
    "JPY_API_TOKEN": "env-t3",
}


@pytest.fixture
def credentials_in_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """In the environment Jupyter starts with (JupyterProcess copies os.environ)."""
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)


def test_terminal_and_state_have_no_jupyter_credentials(
    credentials_in_env, page, jupyter, root_dir: Path, tmp_path: Path
):
    dump = tmp_path / "terminal-env.txt"
    page.goto(jupyter.url(f"vscode/?folder={root_dir}&token={jupyter.token}"))
    page.wait_for_selector(WORKBENCH, timeout=WORKBENCH_TIMEOUT)
    page.locator(".explorer-folders-view .monaco-list-row").filter(
        has_text="hello.py"
    ).first.wait_for(timeout=WORKBENCH_TIMEOUT)
    row = page.locator(".quick-input-list .monaco-list-row").filter(
        has_text="Terminal: Create New Terminal"
    )
    for attempt in range(3):  # a palette opened while the workbench still loads may stay empty
        page.keyboard.press("F1")
        page.locator(QUICK_INPUT).fill(">Terminal: Create New Terminal")
        try:
            row.first.wait_for(timeout=UI_TIMEOUT / 3)
            break
        except PlaywrightTimeout:
            assert attempt < 2, "the command palette never offered Create New Terminal"
            page.keyboard.press("Escape")
    page.keyboard.press("Enter")
    page.locator(TERMINAL).first.wait_for(timeout=UI_TIMEOUT)
    deadline = time.monotonic() + 60
    while not (dump.exists() and dump.read_text().endswith("END\n")):
        assert time.monotonic() < deadline, "the terminal never ran the command"
        page.locator(TERMINAL).first.click()
        page.keyboard.type(f"(env; echo END) > {dump}\n")
        page.wait_for_timeout(2000)
    env = dump.read_text()
    assert "TERM_PROGRAM=vscode" in env  # it is VS Code's terminal
    assert [n for n in CREDENTIALS if f"{n}=" in env] == []
    assert jupyter.token not in env
    # code-server keeps the last URL's query in its state: the token never arrived there
    state = "".join(p.read_text(errors="replace") for p in (tmp_path / "ud").glob("*.json"))
    assert "folder" in state and jupyter.token not in state
