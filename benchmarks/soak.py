"""The soak test's loop (tests/support/soak.py, issue 20) for N minutes, with a table.

    python benchmarks/soak.py --minutes 30

Rounds of open, reload, api/vscode/restart, reload, api/vscode/stop (the open tab retries),
reload, with one headless Chromium tab connected throughout, against a real `jupyter server`
importing the jupyter_vscode of THIS checkout. A row per round, sampled after the stop: Jupyter's
RSS and fds, the browser's connections among them, code-server's processes, run folders and
sockets; then the last round against the baseline (the first round after the warm-up), what
broke the soak test's bounds, and what Jupyter's shutdown (SIGTERM, tab connected) left. Exit
status 1 if anything broke. Needs code-server (found like the extension finds it, e.g.
$JUPYTER_VSCODE_CODE_SERVER), Chromium and Playwright's Python package.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.harness import log  # noqa: E402
from jupyter_vscode.locate import find_code_server  # noqa: E402
from tests.support import soak  # noqa: E402
from tests.support.browser import CHROMIUM_ARGS, HELLO, VIEWPORT, find_chromium  # noqa: E402

WARMUP = 1


def main() -> int:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--minutes", type=float, default=10.0,
                   help="start rounds until this much time has passed (default 10); at least "
                        f"{WARMUP + 2} rounds run")  # fmt: skip
    p.add_argument("--keep", action="store_true", help="keep the work directory")
    args = p.parse_args()
    code_server = find_code_server(os.environ.get("JUPYTER_VSCODE_CODE_SERVER", "")).path
    chromium = find_chromium()
    if not code_server or not chromium:
        print("needs code-server ($JUPYTER_VSCODE_CODE_SERVER or `jupyter vscode install`) and "
              "Chromium ($JUPYTER_VSCODE_CHROMIUM)", file=sys.stderr)  # fmt: skip
        return 2
    from playwright.sync_api import sync_playwright

    work = Path(tempfile.mkdtemp(prefix="jv-soak-"))
    root, run_base = work / "root", work / "xdg-runtime"
    root.mkdir()
    (root / soak.MARKER).write_text(HELLO)
    log(f"code-server {code_server}; checkout {REPO}; work dir {work}")
    jp = soak.start_jupyter(work, code_server, root, run_base, {"PYTHONPATH": str(REPO)})
    rounds: list[soak.Round] = []
    problems: list[str] = []
    t0 = time.monotonic()
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            try:
                page = browser.new_context(viewport=VIEWPORT).new_page()
                page.set_default_timeout(60_000)
                loop = soak.Soak(jp, page, root, run_base)
                print(soak.table_header(), flush=True)
                while len(rounds) < WARMUP + 2 or time.monotonic() - t0 < args.minutes * 60:
                    rounds.append(loop.round(len(rounds) + 1))
                    print(soak.table_row(rounds[-1]), flush=True)
                print(soak.ratios(rounds, WARMUP))
                problems += soak.judge(rounds, WARMUP)
            finally:
                problems += soak.shut_down(jp, root, run_base)  # with the tab connected
                browser.close()
    finally:
        jp.stop()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print(f"\n{len(rounds)} rounds in {time.monotonic() - t0:.0f} s; {os.cpu_count()} CPUs")
    print("\n".join(["problems:", *problems]) if problems else "no problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
