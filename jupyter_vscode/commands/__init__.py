"""Subcommands of ``jupyter vscode``: one module each, with ``register(subparsers)``, which
calls :func:`add_command`.

The imports inside their functions are lazy on purpose: the doctor (traitlets, jupyter_server),
the server's view of the options (installer/target.py) and the lifecycle renderer load only for
the command that runs, so ``--help`` and the other commands stay fast. None of them avoids an
import cycle (there is none: tests/test_import_graph.py checks).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

#: what ``register`` is given: ``jupyter vscode``'s subparsers
Subcommands = argparse._SubParsersAction  # type: ignore[type-arg]


def add_command(
    sub: Subcommands,
    name: str,
    run: Callable[[argparse.Namespace], int],
    summary: str,
    description: str,
    formatter_class: type[argparse.HelpFormatter] = argparse.HelpFormatter,
) -> argparse.ArgumentParser:
    """Add the subcommand ``name`` (``summary`` in ``jupyter vscode --help``, ``description``
    in its own), run by ``run``; its parser, for the command's arguments."""
    parser: argparse.ArgumentParser = sub.add_parser(
        name, help=summary, description=description, formatter_class=formatter_class
    )
    parser.set_defaults(run=run)
    return parser
