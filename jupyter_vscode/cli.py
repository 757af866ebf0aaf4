"""``jupyter vscode`` / ``jupyter-vscode``: command-line entry point.

Each subcommand lives in ``jupyter_vscode/commands/<name>.py`` and registers itself with
``register(subparsers)``, setting ``run`` to the function that executes it.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from typing import Any

from . import __version__

#: Modules under jupyter_vscode.commands, in the order ``--help`` lists them.
COMMANDS = ["install", "doctor", "lifecycle_config"]


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="jupyter vscode",
        description="Manage the code-server that jupyter-vscode runs.",
    )
    parser.add_argument("--version", action="version", version=f"jupyter-vscode {__version__}")
    parser.add_argument(
        "--help-all",
        action=_HelpAll,
        help="print every c.VSCode option with its help and default, then exit "
        "(jupyter server --help-all lists only the server's own options)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"{__package__}.commands.{name}").register(sub)
    version = sub.add_parser("version", help="print the jupyter-vscode version")
    version.set_defaults(run=_print_version)
    return parser


class _HelpAll(argparse.Action):
    """``--help-all``: the c.VSCode options as traitlets prints them, defaults included."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, *args: object) -> None:
        from .config import VSCode  # traitlets and the option table: only for this flag

        print(VSCode.class_get_help())
        parser.exit()


def _print_version(args: argparse.Namespace) -> int:
    print(__version__)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = _build_parser()
    try:
        args = parser.parse_args(argv)
        run = getattr(args, "run", None)
        if run is None:
            parser.print_help()
            return 2
        return int(run(args))
    except BrokenPipeError:
        # the reader went away (`jupyter vscode --help-all | head`): no traceback; Python's
        # flush of stdout at exit would fail again, so stdout goes to /dev/null first
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    sys.exit(main())
