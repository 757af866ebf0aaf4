"""The result types of ``jupyter vscode doctor``, and a check's name, written once.

Which checks run and in which order is runner.py; this module imports no check."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Concatenate, Generic, ParamSpec

P = ParamSpec("P")

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
    #: the SageMaker lifecycle script's last run (sagemaker.log.LastRun.to_json), if it logged
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


class Named:
    """A line of the report by its name, written once: the results it can have are built from
    it (``FOUND.fail(...)``) and other checks' hints refer to ``FOUND.name``."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"<doctor check {self.name!r}>"

    def ok(self, detail: str) -> Check:
        return Check(self.name, OK, detail)

    def warn(self, detail: str, hint: str = "") -> Check:
        return Check(self.name, WARN, detail, hint)

    def fail(self, detail: str, hint: str = "") -> Check:
        return Check(self.name, FAIL, detail, hint)

    def crashed(self, e: Exception) -> Check:
        """What a check that raised ``e`` reports: a failed check, never a traceback."""
        return self.fail(
            f"the check itself failed: {type(e).__name__}: {e}",
            "please include this report in a bug report for jupyter-vscode",
        )


class NamedCheck(Named, Generic[P]):
    """A check function with its name: calling it runs the function, given this object first
    (to build its result), and turns an exception into a failed check (:meth:`Named.crashed`)."""

    def __init__(self, name: str, func: Callable[Concatenate[Named, P], Check]) -> None:
        super().__init__(name)
        self.func = func
        functools.update_wrapper(self, func)

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> Check:
        try:
            return self.func(self, *args, **kwargs)
        except Exception as e:  # noqa: BLE001 - a doctor must report, not crash
            return self.crashed(e)


def doctor_check(name: str) -> Callable[[Callable[Concatenate[Named, P], Check]], NamedCheck[P]]:
    """``@doctor_check("glibc") def check_glibc(c: Named) -> Check: return c.ok(...)``."""

    def wrap(func: Callable[Concatenate[Named, P], Check]) -> NamedCheck[P]:
        return NamedCheck(name, func)

    return wrap
