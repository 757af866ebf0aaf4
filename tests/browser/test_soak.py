"""Issue 20, "Shutdown is final": open, reload, restart and stop VS Code many times with a tab
connected; nothing may pile up, nothing may start code-server after a stop but a page load or
the restart API, and Jupyter's shutdown leaves nothing behind.

JUPYTER_VSCODE_SOAK_ROUNDS raises the number of rounds (the default takes 3-4 minutes on two
cores); benchmarks/soak.py runs the same loop (tests/support/soak.py) for N minutes.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ..support import soak
from ..support.browser import VIEWPORT

pytestmark = [pytest.mark.browser, pytest.mark.codeserver]

#: The first round loads modules and fills caches (Jupyter's and the browser's): the baseline
#: is taken after it. Then enough rounds that a leak per round shows against the slack.
WARMUP = 1
ROUNDS = max(WARMUP + 2, int(os.environ.get("JUPYTER_VSCODE_SOAK_ROUNDS", "6")))
ROUND_LIMIT = 120  # seconds one round may take on a busy machine before pytest-timeout stops it


@pytest.mark.timeout(120 + ROUNDS * ROUND_LIMIT)
def test_soak_leaves_nothing_behind(
    browser, real_code_server, root_dir: Path, tmp_path: Path, run_base: Path
):
    ctx = browser.new_context(viewport=VIEWPORT)
    ctx.set_default_timeout(60_000)
    jp = soak.start_jupyter(tmp_path, real_code_server, root_dir, run_base)
    problems: list[str] = []
    try:
        loop = soak.Soak(jp, ctx.new_page(), root_dir, run_base)
        rounds: list[soak.Round] = []
        print("\n" + soak.table_header())
        for n in range(1, ROUNDS + 1):
            rounds.append(loop.round(n))
            print(soak.table_row(rounds[-1]), flush=True)
        end = loop.sample()
        print(f"end: {end.state}, RSS {end.rss_kib / 1024:.1f} MiB, fds {end.fds} "
              f"({end.clients} browser connections), processes {len(end.processes)}")  # fmt: skip
        print(soak.ratios(rounds, WARMUP))
        problems += soak.judge(rounds, WARMUP)
    finally:
        # SIGTERM with the workbench still connected: its retries must not start code-server
        # during the shutdown, which must leave nothing (shut_down kills what is left).
        try:
            left = soak.shut_down(jp, root_dir, run_base)
            print("\n".join(["after SIGTERM:", *left]) if left else "after SIGTERM: all well")
            problems += left
        finally:
            ctx.close()
            jp.stop()
    assert problems == [], "\n".join(problems)
