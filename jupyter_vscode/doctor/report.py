"""The result types of ``jupyter vscode doctor`` and the order its checks run in."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

OK = "ok"
WARN = "warn"
FAIL = "fail"


@dataclass
class Check:
    """One line of the report. ``hint`` says what to do; set for warn and fail."""

    name: str
    status: str
    detail: str
    hint: str = ""

    def to_json(self) -> dict[str, str]:
        return {"name": self.name, "status": self.status, "detail": self.detail, "hint": self.hint}


@dataclass
class Report:
    checks: list[Check] = field(default_factory=list)
    #: option name -> {"value": ..., "source": ...} (and "error" for an invalid value)
    options: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: {"file": path or None, "lines": [...]}
    log: dict[str, Any] = field(default_factory=lambda: {"file": None, "lines": []})
    notes: list[str] = field(default_factory=list)
    #: the SageMaker lifecycle script's last run (lifecycle_log.LastRun.to_json), if it logged
    lifecycle: dict[str, str] | None = None

    @property
    def ok(self) -> bool:
        """False when something blocks use (any failed check); warnings don't count."""
        return not any(c.status == FAIL for c in self.checks)

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "checks": [c.to_json() for c in self.checks],
            "options": self.options,
            "log": self.log,
            "notes": self.notes,
            "lifecycle": self.lifecycle,
        }


def guarded(name: str) -> Callable[[Callable[..., Check]], Callable[..., Check]]:
    """Turn any exception of a check into a failed check named ``name`` with its message."""

    def wrap(func: Callable[..., Check]) -> Callable[..., Check]:
        @functools.wraps(func)
        def inner(*args: Any, **kwargs: Any) -> Check:
            try:
                return func(*args, **kwargs)
            except Exception as e:  # noqa: BLE001 - a doctor must report, not crash
                return Check(
                    name,
                    FAIL,
                    f"the check itself failed: {type(e).__name__}: {e}",
                    "please include this report in a bug report for jupyter-vscode",
                )

        return inner

    return wrap


def run(lines: int = 20, start: bool = True) -> Report:
    """Run every check; never raises (except KeyboardInterrupt)."""
    from . import checks, lifecycle, logtail, options, packages, running, system

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
    add(checks.check_version(found))
    if start:
        add(checks.check_start(found, opts))
    else:
        report.notes.append("the start test was skipped (--no-start)")

    add(system.check_glibc())
    add(system.check_platform())
    add(system.check_python())
    add(system.check_node(found.path))
    add(packages.check_versions())
    add(packages.check_server_extension(opts.config))
    add(packages.check_labextension())
    add(packages.check_conflicts(opts.config))
    add(system.check_env_vars())
    add(options.check_config_files(opts))
    add(options.check_options(opts))

    try:
        report.log = logtail.newest_log(opts.log_dir, lines)
    except Exception as e:  # noqa: BLE001 - a doctor must report, not crash
        report.log = {"file": None, "lines": [], "error": f"{type(e).__name__}: {e}"}
    if opts.servers is not None:  # else the 'options' check says why they are not listed
        from jupyter_core.paths import jupyter_runtime_dir

        report.notes.extend(running.notes(opts.servers, jupyter_runtime_dir()))
    return report
