"""jupyter-vscode against code-server opened directly: one command, one table.

    python benchmarks/run.py            # full run (~7 min on 2 cores)
    python benchmarks/run.py --quick    # fewer repetitions (~3 min)
    python benchmarks/run.py --only ws,assets --reps 5 --json out.json

Every comparison runs the extension (A: a real `jupyter server` subprocess importing the
jupyter_vscode of THIS checkout) and the reference (B: the same code-server, same flags, started
by hand on 127.0.0.1:<port>, the browser pointed straight at it) in the same run, alternating
A/B and B/A, and reports medians and ratios. Needs code-server (found like the extension finds
it, e.g. $JUPYTER_VSCODE_CODE_SERVER), Chromium (/usr/bin/chromium or $JUPYTER_VSCODE_CHROMIUM)
and the Python packages playwright and aiohttp. Timings are noisy on a busy machine: compare
ratios from one run, not absolute numbers from different runs.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.harness import Bench, log  # noqa: E402
from benchmarks.phases import browser, hop, net, process  # noqa: E402
from benchmarks.report import merge_runs, report  # noqa: E402
from jupyter_vscode.locate import find_code_server  # noqa: E402

__all__ = ["main", "merge_runs", "report"]

#: The phases (--only), in the order of the table.
PHASES = {
    "cold": "first load of the workbench after code-server starts",
    "warm": "reload of a workbench whose HTTP cache is filled",
    "prestart": "first click on a Jupyter started with c.VSCode.prestart",
    "ws": "websocket round trips, bursts and throughput",
    "small": "small sequential GETs on one connection",
    "hop": "small GETs as other clients make them: new connections, ?token=, a login cookie",
    "assets": "the GETs of one workbench load, then their revalidation",
    "cost": "RSS and idle CPU the extension adds to Jupyter",
    "ready": "how soon the supervisor sees code-server answering",
}
#: What runs, in order, and the phases each serves (assets and cost need the asset paths that
#: one browser load records).
RUNNERS: list[tuple[Any, set[str]]] = [
    (browser.run, {"cold", "warm", "prestart", "assets", "cost"}),
    (net.run, {"ws", "small", "assets"}),
    (hop.run, {"hop"}),
    (process.cost, {"cost"}),
    (process.readiness, {"ready"}),
]


def main() -> int:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--quick", action="store_true", help="fewer repetitions (about 3 minutes)")
    p.add_argument("--reps", type=int, help="repetitions of every A/B comparison")
    p.add_argument("--only", default=",".join(PHASES),
                   help="comma-separated phases (default: all): " + "; ".join(
                       f"{name}: {what}" for name, what in PHASES.items()))  # fmt: skip
    p.add_argument("--json", help="also write the raw results here")
    p.add_argument("--compare-checkout", metavar="DIR",
                   help="hop phase: also measure a Jupyter importing the jupyter_vscode of DIR "
                        "(e.g. a worktree at an older commit), in the same run")  # fmt: skip
    p.add_argument("--keep", action="store_true", help="keep the work directory")
    p.add_argument("--merge", nargs="+", metavar="JSON",
                   help="measure nothing: one table from the browser phases' repetitions of "
                        "several --json files (same checkout), pooled")  # fmt: skip
    args = p.parse_args()
    if args.merge:
        print(report(merge_runs([json.loads(Path(f).read_text()) for f in args.merge])))
        return 0
    args.only = [x.strip() for x in args.only.split(",") if x.strip()]
    unknown = [x for x in args.only if x not in PHASES]
    if unknown:
        p.error(f"--only: no phase {', '.join(unknown)}; the phases are {', '.join(PHASES)}")
    reps = args.reps or (3 if args.quick else 5)
    args.cold_reps = args.reps or (4 if args.quick else 8)
    args.warm_reps = args.reps or (4 if args.quick else 8)
    args.prestart_reps = args.reps or (3 if args.quick else 6)
    args.ws_reps = reps
    args.ws_messages = 1000 if args.quick else 3000
    args.ws_mib = 20 if args.quick else 50
    args.asset_reps = reps
    args.cost_reps = 1 if args.quick else 2
    args.idle_seconds = 5 if args.quick else 10
    args.ready_reps = reps

    code_server = find_code_server(os.environ.get("JUPYTER_VSCODE_CODE_SERVER", "")).path
    if not code_server:
        print(
            "code-server not found: set $JUPYTER_VSCODE_CODE_SERVER "
            "or run `jupyter vscode install`",
            file=sys.stderr,
        )
        return 2
    work = Path(tempfile.mkdtemp(prefix="jv-bench-"))
    log(f"code-server {code_server}; checkout {REPO}; work dir {work}")
    bench = Bench(work, code_server)
    results: dict[str, Any] = {}
    t0 = time.monotonic()
    try:
        for runner, phases in RUNNERS:
            if phases & set(args.only):
                runner(bench, args, results)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print(report(results))
    print(f"\n({time.monotonic() - t0:.0f} s; {os.cpu_count()} CPUs; code-server {code_server})")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
