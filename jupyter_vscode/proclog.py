"""code-server's output: a rotating log file per Jupyter server, plus an in-memory tail."""

from __future__ import annotations

import contextlib
import logging
import logging.handlers
import os
import sys
import time
from collections import deque

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
