"""Ports, processes and waiting: the small helpers every tier uses."""

from __future__ import annotations

import asyncio
import shutil
import socket
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (right now)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pid_alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


async def wait_until(predicate, timeout: float = 30.0, interval: float = 0.05) -> None:  # type: ignore[no-untyped-def]
    """Await ``predicate()`` becoming true; AssertionError after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        await asyncio.sleep(interval)


@pytest.fixture
def run_base() -> Iterator[Path]:
    """An XDG_RUNTIME_DIR of the test's own for code-server's run folders (checked for
    leftovers without reading the shared /tmp): under TMPDIR (CI's is in its cache dir), as
    short as a real one, since a unix socket path may not exceed 107 bytes."""
    base = Path(tempfile.mkdtemp(prefix="jv-"))
    yield base
    shutil.rmtree(base, ignore_errors=True)
