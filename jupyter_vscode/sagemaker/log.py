"""The SageMaker lifecycle script's log, read back: how its last run ended and how to rerun it.

The script (lifecycle.sh) logs to one of :data:`~jupyter_vscode.sagemaker.script.LOG_PATHS` lines of
the form ``<ISO-8601 UTC> jupyter-vscode lifecycle: <message>``. A run goes from its
``started ...`` line to its result line, ``done`` or ``FAILED ...``; a failed one logs
``to retry: <command>`` before it. The command runs the rerun file next to the log (a private
copy of the run's settings, see :func:`rerun_file`). Where such a log exists, the not-installed
page, the status API's hint and ``jupyter vscode doctor`` point at it instead of
``jupyter vscode install``, which would install elsewhere, from elsewhere (GitHub, npm), than
the script the administrator configured.

:func:`last_run` looks at the two paths for the current user (``~`` expanded), or at the paths
in ``$JUPYTER_VSCODE_LIFECYCLE_LOGS`` (separated by ``:``; the first is Studio's, run as the
user, the others notebook instances', rerun with sudo) when that is set: for a script whose
``JV_LOG`` was changed, and for tests, which must not read ``/home/ec2-user`` (or any other
fixed path) of the machine they run on. Only a log that belongs to the user reading it counts:
a regular file (not a symbolic link) owned by that user and not writable by others. Another
user's log (a shared machine, root's lifecycle run) says nothing about this user's VS Code, and
its text, rerun command included, is not to be offered to run.
"""

from __future__ import annotations

import os
import re
import shlex
import stat
from collections.abc import Sequence
from dataclasses import dataclass, replace

from .script import LOG_PATHS

DONE = "done"
FAILED = "failed"
RUNNING = "running"
NO_RESULT = "no result"

READ_BYTES = 256 * 1024
#: paths (``:``-separated) to look at instead of LOG_PATHS
LOGS_ENV = "JUPYTER_VSCODE_LIFECYCLE_LOGS"
_LINE_RE = re.compile(r"^(\S+) jupyter-vscode lifecycle: (.*)$")


def rerun_file(log: str) -> str:
    """The rerun file the script writes next to ``log`` (``${JV_LOG%.log}-rerun.sh``)."""
    return (log[: -len(".log")] if log.endswith(".log") else log) + "-rerun.sh"


@dataclass(frozen=True)
class LastRun:
    """The last run in a lifecycle log."""

    log: str
    #: DONE, FAILED, RUNNING (no result yet, its process is alive) or NO_RESULT (it is gone)
    outcome: str
    #: the timestamp of its ``started`` line ('' when the log has none)
    started: str = ""
    #: its result line's message (``done``, ``FAILED (see above); ...``), '' without one
    result: str = ""
    #: the last line of output before the result: usually the error
    detail: str = ""
    #: the command that reruns the setup with the same options ('' when none is known)
    retry: str = ""
    #: the run restarts Jupyter at its end (a rerun or a run from a terminal that must)
    restarts_at_end: bool = False

    def summary(self) -> str:
        """One line: when the last run started and how it ended."""
        when = f" (started {self.started})" if self.started else ""
        if self.outcome == RUNNING:
            text = f"the last run{when} is still running"
        elif self.outcome == NO_RESULT:
            text = f"the last run{when} ended without a result (stopped or killed midway)"
        else:  # "(see above)" points into the log: the detail below is what it shows
            text = f"the last run{when}: " + self.result.replace(" (see above)", "")
        # (a failure's result line usually ends with that message: said once)
        detail = self.detail.rstrip(". ")
        if detail and self.outcome != DONE and detail not in self.result:
            text += f"; last message: {detail}"
        return text

    def guidance(self) -> str:
        """What to do, naming the log and the rerun command."""
        rerun = (
            f"rerun it with `{self.retry}` in a Jupyter terminal"
            if self.retry
            else "restart the app (Studio) or stop and start the notebook instance to run it again"
        )
        if self.outcome == RUNNING:
            then = "then reload"
            if self.restarts_at_end:
                then = "Jupyter restarts when it is done, " + then
            return f"wait for it to end (its log: {self.log}): {then}"
        if self.outcome == FAILED:
            return f"see its log, {self.log}; once the cause is fixed, {rerun}"
        if self.outcome == NO_RESULT:
            return f"see its log, {self.log}; {rerun}"
        return f"its log, {self.log}, says where it installed code-server; {rerun}"

    def to_json(self) -> dict[str, str]:
        return {
            "log": self.log,
            "outcome": self.outcome,
            "started": self.started,
            "result": self.result,
            "detail": self.detail,
            "retry": self.retry,
        }


def log_paths(paths: Sequence[str] | None = None) -> list[str]:
    """``paths``, else ``$JUPYTER_VSCODE_LIFECYCLE_LOGS``, else LOG_PATHS; ``~`` expanded."""
    if paths is None:
        raw = os.environ.get(LOGS_ENV, "")
        paths = [p for p in raw.split(":") if p.strip()] or LOG_PATHS
    return [os.path.expanduser(p) for p in paths]


def _owned(st: os.stat_result) -> bool:
    """A regular file of this user that only this user (and its group) can write."""
    return stat.S_ISREG(st.st_mode) and st.st_uid == os.geteuid() and not st.st_mode & stat.S_IWOTH


def owned_stat(path: str) -> os.stat_result | None:
    """``path``'s lstat when it is this user's own file (see :func:`_owned`), else None."""
    try:
        st = os.lstat(path)
    except OSError:
        return None
    return st if _owned(st) else None


def last_run(paths: Sequence[str] | None = None) -> LastRun | None:
    """The last run of the newest lifecycle log among ``paths`` (default: see
    :func:`log_paths`; the first is Studio's, run as the user; the others need root to rerun)
    that is the user's own; None when there is no such log."""
    found = []
    for index, path in enumerate(log_paths(paths)):
        st = owned_stat(path)
        if st is not None:
            found.append((st.st_mtime, index, path, st))
    if not found:
        return None
    _, index, path, st = max(found, key=lambda f: f[:3])
    try:
        text = _tail(path, st)
    except OSError as e:
        return LastRun(path, NO_RESULT, detail=f"cannot read the log: {e.strerror or e}")
    if text is None:  # replaced since the lstat: no longer this user's file
        return None
    run = parse(text, path, needs_root=index > 0)
    rerun = rerun_file(path)
    if run.retry and os.path.lexists(rerun) and owned_stat(rerun) is None:
        run = replace(run, retry="")  # someone else's script: not a command to offer
    return run


def _tail(path: str, expected: os.stat_result) -> str | None:
    """The log's last READ_BYTES; None when ``path`` is no longer the file ``expected`` was
    (opened without following a link, without blocking on a FIFO, checked after opening)."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    with open(fd, "rb") as f:
        st = os.fstat(fd)
        if not _owned(st) or (st.st_dev, st.st_ino) != (expected.st_dev, expected.st_ino):
            return None
        f.seek(0, os.SEEK_END)
        size = f.tell()
        f.seek(max(0, size - READ_BYTES))
        data = f.read()
    return data.decode("utf-8", "replace")


def parse(text: str, log: str, needs_root: bool = False) -> LastRun:
    """The last run in the log text ``text``."""
    lines = [line.rstrip() for line in text.splitlines()]
    start = 0
    for i, line in enumerate(lines):
        m = _LINE_RE.match(line)
        if m and m.group(2).startswith("started"):
            start = i
    run = lines[start:]
    first = _LINE_RE.match(run[0]) if run else None
    started = first.group(1) if first and first.group(2).startswith("started") else ""
    result, retry, end, late = "", "", len(run), False
    for i, line in enumerate(run):
        m = _LINE_RE.match(line)
        if not m:
            continue
        message = m.group(2)
        if message.startswith("Jupyter must restart because "):
            late = True
        elif message.startswith("to retry: "):
            retry = message.removeprefix("to retry: ").strip()
            end = min(end, i)
        elif message == "done" or message.startswith(("done (", "FAILED")):
            result = message
            end = min(end, i)
    detail = ""
    for line in reversed(run[1:end]):
        if line.strip():
            m = _LINE_RE.match(line)
            detail = m.group(2) if m else line.strip()
            break
    if not retry and os.path.isfile(rerun_file(log)):
        retry = ("sudo " if needs_root else "") + "bash " + shlex.quote(rerun_file(log))
    if result:
        outcome = DONE if result.startswith("done") else FAILED
    else:
        pid = re.search(r"\bpid (\d+)", first.group(2)) if started and first else None
        outcome = RUNNING if pid and _alive(int(pid.group(1))) else NO_RESULT
    detail = "" if outcome == DONE else detail
    return LastRun(log, outcome, started, result, detail, retry, late and outcome == RUNNING)


def _alive(pid: int) -> bool:
    """Whether ``pid`` is a lifecycle script's process (not one that reused its number)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return b"jupyter-vscode-lifecycle" in f.read()
    except FileNotFoundError:
        return False
    except OSError:  # hidden (hidepid) or unreadable: it exists
        return True
