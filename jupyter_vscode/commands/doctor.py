"""``jupyter vscode doctor``: check everything jupyter-vscode needs, in one report."""

from __future__ import annotations

import argparse
import sys

from . import Subcommands, add_command

SUMMARY = "check code-server, Jupyter and the configuration; paste the output in a ticket"
DESCRIPTION = (
    "Check that code-server is found, runs and answers (started with throwaway "
    "user-data and extensions directories), the Jupyter packages and extension "
    "enablement, conflicting packages, the configured options and where each came "
    "from (including --VSCode options of running Jupyter servers), and show the end "
    "of the newest code-server log. Exits 1 when something blocks VS Code, else 0 "
    "(warnings don't count)."
)


def register(sub: Subcommands) -> None:
    doctor = add_command(sub, "doctor", run, SUMMARY, DESCRIPTION)
    doctor.add_argument("--json", action="store_true", help="print a JSON document instead")
    doctor.add_argument(
        "--lines",
        type=int,
        default=20,
        metavar="N",
        help="lines of the newest code-server log to show (default: 20)",
    )
    doctor.add_argument(
        "--no-start", action="store_true", help="don't start code-server to test it"
    )


def run(args: argparse.Namespace) -> int:
    # lazy: only this command loads it (commands/__init__.py)
    from ..doctor import Check, Report
    from ..doctor import run as run_checks
    from ..doctor.render import to_json, to_text

    try:
        report = run_checks(lines=max(0, args.lines), start=not args.no_start)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as e:  # noqa: BLE001 - never a traceback: report it as a failed check
        report = Report(
            checks=[
                Check(
                    "doctor",
                    "fail",
                    f"{type(e).__name__}: {e}",
                    "please include this in a bug report for jupyter-vscode",
                )
            ]
        )
    sys.stdout.write(to_json(report) + "\n" if args.json else to_text(report, sys.stdout))
    sys.stdout.flush()
    return 0 if report.ok else 1
