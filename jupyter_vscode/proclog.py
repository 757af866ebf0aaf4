"""code-server's output: a rotating log file per Jupyter server, plus an in-memory tail."""

from __future__ import annotations

import contextlib
import logging
import logging.handlers
import os
import time
from collections import deque

MAX_BYTES = 2 * 1024 * 1024
BACKUPS = 3
TAIL_LINES = 1000


class ProcessLog:
    def __init__(self, log_dir: str, log: logging.Logger):
        self._log = log
        self._tail: deque[str] = deque(maxlen=TAIL_LINES)
        self.path: str | None = os.path.join(log_dir, f"code-server-{os.getpid()}.log")
        self._handler: logging.Handler | None = None
        try:
            os.makedirs(log_dir, mode=0o700, exist_ok=True)
            self._handler = logging.handlers.RotatingFileHandler(
                self.path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8", delay=True
            )
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
            with contextlib.suppress(Exception):  # noqa: BLE001 - a full disk must not stop us
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
