"""The stub code-server (stub_code_server.py next to this file) as an object.

``StubCodeServer(tmp_path, monkeypatch)`` writes an executable ``code-server`` wrapper
(:attr:`exe`) and is how a test steers the stub and reads back what it saw: every behaviour
is a method (``stub.start_slowly(0.5)``, ``stub.crash()``, ...), every record a method
(``stub.runs()``, ``stub.requests()``). The stub reads its behaviour from its environment,
which it inherits from the Jupyter server of the test (this process, or a ``jupyter server``
subprocess started after the call); only this class sets those variables.
"""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path
from typing import Any

import pytest

#: The stub's script.
STUB = Path(__file__).with_name("stub_code_server.py")


def write_stub_wrapper(path: Path) -> Path:
    """An executable ``path`` that runs the stub with this Python (no environment set)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{STUB}" "$@"\n')
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def _jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines()]


class StubCodeServer:
    """A stand-in for code-server: serves on the --socket or --bind-addr it is given."""

    def __init__(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
        self.exe = write_stub_wrapper(tmp_path / "stub-bin" / "code-server")
        #: One JSON line per run: pid, argv and selected env vars.
        self.record_file = tmp_path / "stub-record.jsonl"
        #: One JSON line per request: method, path, headers, body.
        self.requests_file = tmp_path / "stub-requests.jsonl"
        self._env = monkeypatch
        for name in [n for n in os.environ if n.startswith("STUB_")]:
            monkeypatch.delenv(name)
        self._set("STUB_RECORD", str(self.record_file))
        self._set("STUB_REQUESTS", str(self.requests_file))

    def __fspath__(self) -> str:
        return str(self.exe)

    def __str__(self) -> str:
        return str(self.exe)

    def _set(self, name: str, value: str | None) -> None:
        if value is None:
            self._env.delenv(name, raising=False)
        else:
            self._env.setenv(name, value)

    # --- how it starts and ends (each applies to the runs started after the call) ---------

    def serve(self) -> None:
        """Start and answer (the default)."""
        self._set("STUB_MODE", "serve")

    def crash(self) -> None:
        """Exit with code 3 at start, after a line of output."""
        self._set("STUB_MODE", "crash")

    def hang(self) -> None:
        """Listen and accept connections, never answer."""
        self._set("STUB_MODE", "hang")

    def start_slowly(self, seconds: float) -> None:
        """Wait ``seconds`` before listening."""
        self._set("STUB_MODE", "slow")
        self._set("STUB_DELAY", str(seconds))

    def exit_cleanly_after(self, seconds: float) -> None:
        """Serve, then exit with code 0 ``seconds`` after start."""
        self._set("STUB_MODE", "exit0")
        self._set("STUB_EXIT_AFTER", str(seconds))

    def exit_slowly_on_term(self, seconds: float) -> None:
        """On SIGTERM take ``seconds`` before exiting."""
        self._set("STUB_TERM_DELAY", str(seconds))

    def wedge_after(self, seconds: float | None) -> None:
        """Stop answering (socket still accepting) ``seconds`` after listening; None: never.
        (SIGUSR1 wedges a running stub at once, SIGUSR2 un-wedges it.)"""
        self._set("STUB_WEDGE_AFTER", None if seconds is None else str(seconds))

    def start_session_child(self) -> None:
        """Start a sleeping child in its own session, like code-server's terminals."""
        self._set("STUB_CHILD", "1")

    def start_group_child(self, marker: Path) -> None:
        """Start a child in the stub's process group that writes ``marker`` as it stops
        (and ``marker``.ready once it runs)."""
        self._set("STUB_GROUP_CHILD", str(marker))

    # --- what it answers --------------------------------------------------------------------

    def hold_websockets(self) -> None:
        """Keep upgraded websockets open (read to their end) instead of closing them."""
        self._set("STUB_WS_HOLD", "1")

    def send_csp(self, policy: str) -> None:
        """Send ``policy`` as the Content-Security-Policy header."""
        self._set("STUB_CSP", policy)

    def serve_workbench(self) -> None:
        """Answer "/" and "/vscode" with a page like code-server's workbench."""
        self._set("STUB_WORKBENCH", "1")

    # --- what it saw ------------------------------------------------------------------------

    @property
    def ran(self) -> bool:
        """Whether it was started at all."""
        return self.record_file.exists()

    def runs(self) -> list[dict[str, Any]]:
        """One record per start: ``{"pid", "argv", "env"}``."""
        return _jsonl(self.record_file)

    def argv(self, run: int = 0) -> list[str]:
        """The command-line arguments of a run (the first by default)."""
        return list(self.runs()[run]["argv"])

    def requests(self) -> list[dict[str, Any]]:
        """Every request it received: ``{"method", "path", "headers", "body"}``."""
        return _jsonl(self.requests_file)
