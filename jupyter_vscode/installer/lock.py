"""An exclusive lock on the prefix, so two installs never work on it at once.

Uses ``flock(2)``: the kernel drops the lock when the holder dies, so a killed install never
leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable
from pathlib import Path

from .errors import lock_timeout


class InstallLock:
    def __init__(
        self,
        path: Path,
        *,
        timeout: float = 1800.0,
        on_wait: Callable[[str], None] | None = None,
        poll: float = 0.2,
    ) -> None:
        self.path = path
        self.timeout = timeout
        self.on_wait = on_wait
        self.poll = poll
        self._fd: int | None = None

    def acquire(self) -> None:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + self.timeout
        told = False
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    holder = _read_holder(fd)
                    if time.monotonic() >= deadline:
                        raise lock_timeout(self.path, holder) from None
                    if not told and self.on_wait is not None:
                        who = f" ({holder})" if holder else ""
                        self.on_wait(f"another install is running in this prefix{who}; waiting")
                        told = True
                    time.sleep(self.poll)
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"pid {os.getpid()}\n".encode(), 0)
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            try:
                os.ftruncate(fd, 0)
            finally:
                os.close(fd)  # closing drops the flock

    def __enter__(self) -> InstallLock:
        self.acquire()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.release()


def _read_holder(fd: int) -> str:
    try:
        return os.pread(fd, 64, 0).decode(errors="replace").strip()
    except OSError:
        return ""
