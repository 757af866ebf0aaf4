"""Subcommands of ``jupyter vscode``: one module each, with ``register(subparsers)``.

The imports inside their functions are lazy on purpose: the doctor (traitlets, jupyter_server),
the server's view of the options (installer/target.py) and the lifecycle renderer load only for
the command that runs, so ``--help`` and the other commands stay fast. None of them avoids an
import cycle (there is none: tests/test_import_graph.py checks).
"""
