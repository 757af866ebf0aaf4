"""code-server's output: a rotating log file per Jupyter server, plus an in-memory tail, and
the reader that fills it from one process's stdout."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import logging.handlers
import os
import re
import sys
import time
from collections import deque
from collections.abc import Callable

MAX_BYTES = 2 * 1024 * 1024
BACKUPS = 3
TAIL_LINES = 1000


class _LogFile(logging.handlers.RotatingFileHandler):
    """A rotating file that reports a write failure (full disk, read-only home) once, as one
    warning line, instead of logging's traceback on stderr, and keeps trying afterwards."""

    def __init__(self, path: str, log: logging.Logger):
        super().__init__(
            path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8", delay=True
        )
        self._owner_log = log
        self.failing = False

    def emit(self, record: logging.LogRecord) -> None:
        super().emit(record)
        if self.failing and self.stream is not None and not getattr(self, "_error_now", False):
            self.failing = False
            self._owner_log.info("[jupyter-vscode] writing code-server's log works again")
        self._error_now = False

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 - logging's name
        self._error_now = True
        if not self.failing:
            self.failing = True
            error = sys.exc_info()[1]
            self._owner_log.warning(
                "[jupyter-vscode] cannot write code-server's log %s (%s); keeping it in memory "
                "until writing works again",
                self.baseFilename,
                error,
            )
        # drop the broken stream so the next line reopens the file
        stream, self.stream = self.stream, None  # type: ignore[assignment]
        if stream is not None:
            with contextlib.suppress(OSError):
                stream.close()


class ProcessLog:
    def __init__(self, log_dir: str, log: logging.Logger):
        self._log = log
        self._tail: deque[str] = deque(maxlen=TAIL_LINES)
        self.path: str | None = os.path.join(log_dir, f"code-server-{os.getpid()}.log")
        self._handler: logging.Handler | None = None
        try:
            os.makedirs(log_dir, mode=0o700, exist_ok=True)
            self._handler = _LogFile(self.path, log)
            self._handler.setFormatter(logging.Formatter("%(message)s"))
        except OSError as e:
            log.warning(
                "[jupyter-vscode] cannot write code-server's log in %r (%s); keeping it in memory",
                log_dir,
                e,
            )
            self.path = None

    def _emit(self, line: str) -> None:
        self._tail.append(line)
        if self._handler is not None:
            record = logging.makeLogRecord({"msg": line, "levelno": logging.INFO})
            self._handler.emit(record)

    def write(self, line: str) -> None:
        self._emit(line)
        self._log.debug("[code-server] %s", line)

    def mark(self, event: str) -> None:
        """A line of our own, so the log reads as a history of starts and exits."""
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S")
        self._emit(f"[jupyter-vscode {stamp}] {event}")

    def tail(self, lines: int) -> list[str]:
        lines = max(0, min(lines, TAIL_LINES))
        return list(self._tail)[-lines:] if lines else []

    def close(self) -> None:
        if self._handler is not None:
            self._handler.close()


_VERSION_RE = re.compile(r"\bcode-server (\d+\.\d+\.\d+\S*)")


class OutputReader:
    """Reads one code-server process's output (stdout and stderr) into ``output`` as it
    comes; keeps its last lines (for error messages) and reports the version it prints."""

    def __init__(
        self,
        proc: asyncio.subprocess.Process,
        output: ProcessLog,
        on_version: Callable[[str], None],
    ):
        self._proc = proc
        self._output = output
        self._on_version = on_version
        self._version_seen = False
        self.recent: deque[str] = deque(maxlen=50)
        self.task: asyncio.Task[None] = asyncio.ensure_future(self._read())

    async def _read(self) -> None:
        stdout = self._proc.stdout
        assert stdout is not None
        while True:
            try:
                raw = await stdout.readline()
            except (ValueError, asyncio.LimitOverrunError):
                raw = await stdout.read(65536)
            if not raw:
                return
            line = raw.decode("utf-8", "replace").rstrip("\n")
            self.recent.append(line)
            self._output.write(line)
            if not self._version_seen:
                m = _VERSION_RE.search(line)
                if m:
                    self._version_seen = True
                    self._on_version(m.group(1))

    def hint(self) -> str:
        """Its last few non-empty lines, for an error message (``": a | b | c"``)."""
        lines = [line for line in self.recent if line.strip()]
        return (": " + " | ".join(lines[-3:])) if lines else ""

    async def drain(self, timeout: float = 1.0) -> None:
        """Wait (up to ``timeout``) for the rest of the output of a process that exited."""
        with contextlib.suppress(asyncio.TimeoutError, asyncio.CancelledError):
            await asyncio.wait_for(asyncio.shield(self.task), timeout)

    async def finish(self, timeout: float = 1.0) -> None:
        """Read to the end (up to ``timeout``; then stop reading) of a process that stopped."""
        with contextlib.suppress(asyncio.TimeoutError, asyncio.CancelledError):
            await asyncio.wait_for(self.task, timeout)
