"""Which checks ``jupyter vscode doctor`` runs, in which order, and what each is given.

The one module that imports the checks; they import only report.py (the result types), so the
checks and the report never import each other.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from jupyter_core.paths import jupyter_runtime_dir

from . import checks, lifecycle, logtail, options, packages, running, system
from .checks import Found
from .options import Options
from .report import NamedCheck, Report


@dataclass(frozen=True)
class Inputs:
    """What the checks are given: the options as a server would see them, and the lookup."""

    opts: Options
    found: Found


@dataclass(frozen=True)
class Step:
    #: called with ``inputs(...)``; its name is the line's name in the report
    check: NamedCheck[...]
    inputs: Callable[[Inputs], tuple[Any, ...]] = lambda _: ()
    #: a check that starts code-server: skipped, with a note, by ``--no-start``
    starts: bool = False


#: The checks after the lifecycle script's and the lookup of code-server, in report order.
STEPS: tuple[Step, ...] = (
    Step(checks.check_version, lambda i: (i.found,)),
    Step(checks.check_start, lambda i: (i.found, i.opts), starts=True),
    Step(system.check_glibc),
    Step(system.check_platform),
    Step(system.check_python),
    Step(system.check_node, lambda i: (i.found.path,)),
    Step(packages.check_versions),
    Step(packages.check_server_extension, lambda i: (i.opts.config,)),
    Step(packages.check_labextension),
    Step(packages.check_conflicts, lambda i: (i.opts.config,)),
    Step(system.check_env_vars),
    Step(options.check_config_files, lambda i: (i.opts,)),
    Step(options.check_options, lambda i: (i.opts,)),
)


def run(lines: int = 20, start: bool = True) -> Report:
    """Run every check; never raises (except KeyboardInterrupt)."""
    report = Report()
    add = report.checks.append

    opts = options.load()
    report.options = opts.as_json()
    found = checks.lookup(opts)
    # first: on a machine a lifecycle script sets up, its log explains a failure
    first = lifecycle.check_last_run(found.lookup, found.path is not None)
    if first is not None:
        report.lifecycle = first[1]
        add(first[0])
    add(found.check)
    report.notes.extend(checks.install_notes(found))

    inputs = Inputs(opts, found)
    for step in STEPS:
        if step.starts and not start:
            report.notes.append("the start test was skipped (--no-start)")
            continue
        add(step.check(*step.inputs(inputs)))

    try:
        report.log = logtail.newest_log(opts.log_dir, lines)
    except Exception as e:  # noqa: BLE001 - a doctor must report, not crash
        report.log = {"file": None, "lines": [], "error": f"{type(e).__name__}: {e}"}
    if opts.servers is not None:  # else check_options says why they are not listed
        report.notes.extend(running.notes(opts.servers, jupyter_runtime_dir()))
    return report
