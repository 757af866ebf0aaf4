"""Nothing of code-server outlives a Jupyter server that was killed outright (SIGKILL) with a
workbench connected.

code-server gets a parent-death signal; an extension host that outlived it anyway (seen once
during development) is ended by the next Jupyter server start, which clears the killed
server's run directory and the remains of its code-server process group.
"""

from __future__ import annotations

import signal
import time

import pytest

from ..support.browser import processes_in, stop_gracefully

pytestmark = [pytest.mark.browser, pytest.mark.codeserver]


def test_extension_host_of_killed_jupyter_is_ended(
    browser, jupyter_process, real_code_server, root_dir, lab_settings
):
    jp = jupyter_process(real_code_server)
    ctx = browser.new_context(viewport={"width": 1280, "height": 800})
    page = ctx.new_page()
    page.goto(jp.url(f"vscode/?token={jp.token}"))
    page.wait_for_selector(".explorer-folders-view .monaco-list-row", timeout=90_000)
    page.wait_for_timeout(3000)  # the extension host starts once the workbench connects
    before = processes_in(root_dir)
    assert len(before) >= 2, before  # code-server and (at least) its extension host
    jp.proc.send_signal(signal.SIGKILL)  # with the workbench still connected
    jp.proc.wait(10)
    ctx.close()
    time.sleep(3)
    jp2 = jupyter_process(real_code_server)  # its start cleans up what the killed one left
    try:
        deadline = time.monotonic() + 20
        while any(p in before for p in processes_in(root_dir)) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert [p for p in processes_in(root_dir) if p in before] == []
    finally:
        stop_gracefully(jp2, root_dir)
