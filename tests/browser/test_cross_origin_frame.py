"""A page of another origin (same site: same host, another port) cannot frame VS Code.

The same-origin frame of the JupyterLab-tab mode is test_lab_experience's
test_jupyterlab_tab_setting_opens_workbench_in_iframe.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

import pytest

from ..support.browser import serve_page

pytestmark = pytest.mark.browser


def test_other_origin_cannot_frame_vscode(page, jupyter, root_dir: Path):
    with jupyter.request("vscode/healthz") as r:  # running: the frame gets code-server's page,
        assert r.status == 200  # not our starting page
    target = jupyter.url(f"vscode/?folder={root_dir}&token={jupyter.token}")
    attacker = serve_page(f'<iframe id="victim" src="{escape(target)}"></iframe>')
    try:
        with page.expect_event("framenavigated", lambda f: f != page.main_frame, timeout=90_000):
            page.goto(f"http://127.0.0.1:{attacker.server_address[1]}/")
        frame = page.frames[1]
        frame.wait_for_load_state("load", timeout=90_000)
        # Chromium replaces a frame its CSP frame-ancestors refuses with its error page
        assert frame.url.startswith("chrome-error://"), frame.url
    finally:
        attacker.shutdown()
