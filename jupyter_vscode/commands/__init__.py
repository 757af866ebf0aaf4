"""Subcommands of ``jupyter vscode``: one module each, with ``register(subparsers)``."""
