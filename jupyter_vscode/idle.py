"""The idle feature: which requests are use of VS Code, the start-up of a just-opened window,
and stopping code-server after ``c.VSCode.idle_timeout`` seconds without use.

Use moves Jupyter's ``last_activity`` (what JupyterHub's idle culler and SageMaker's idle
shutdown read) and this module's own clock for the idle stop. Which websocket messages are
use is activity.py's rule (by their bytes); this module applies it and adds what bytes can't
tell: opening a window is use, and what the workbench then does by itself to start is part of
that opening (it ends after STARTUP_QUIET seconds without traffic that would count, at most
STARTUP_LIMIT seconds after the opening), and HTTP requests count except the browser's own
service-worker update checks and a dead code-server's tab retrying. The Supervisor only starts
and ends ``Idle.watch`` with each process; the proxy route reports traffic here.

Every decision is logged at DEBUG on the ``<Jupyter's logger>.jupyter_vscode.activity`` logger
(see activity.py).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, MutableMapping
from datetime import datetime, timezone
from typing import Any

from .activity import classify, describe

#: A just-opened workbench starts up until this many seconds pass without traffic that would
#: count as use (measured: gaps of up to 4.2 s within a start-up on a busy 2-core machine) ...
STARTUP_QUIET = 10.0
#: ... and at most this many seconds after it was opened (measured: ~20-30 s from the first
#: connection to the last start-up request on that machine).
STARTUP_LIMIT = 60.0

START_UP = "not use (workbench start-up, part of opening it)"


class Idle:
    """Time since the last use of one Supervisor's code-server, and its idle stops."""

    def __init__(self, log: logging.Logger, clock: Callable[[], float] = time.monotonic):
        #: Every activity decision at DEBUG; a child of Jupyter's logger, so --log-level=DEBUG
        #: shows it, or it alone via c.ServerApp.logging_config.
        self.log = log.getChild("jupyter_vscode.activity")
        self._supervisor_log = log
        self.clock = clock
        self.last_use = clock()
        #: Until when the traffic of a workbench that was just opened is its start-up, not use
        #: (see note_workbench_opened), and the latest that start-up may end.
        self._startup_until = 0.0
        self._startup_limit = 0.0
        self.stops = 0

    def note_use(self) -> None:
        """Somebody used VS Code just now."""
        self.last_use = self.clock()

    def note_workbench_opened(self) -> None:
        """A VS Code window was opened (its first connection, not a reconnection): that is use,
        and what the workbench then does by itself to start is part of it."""
        now = self.clock()
        self.last_use = now
        self._startup_limit = now + STARTUP_LIMIT
        self._startup_until = min(now + STARTUP_QUIET, self._startup_limit)

    def workbench_starting(self) -> bool:
        return self.clock() < self._startup_until

    def absorb_startup_traffic(self) -> bool:
        """For traffic that would count as use: True (and not use) while a workbench that was
        just opened is still starting; start-up ends after STARTUP_QUIET seconds without such
        traffic, and STARTUP_LIMIT seconds after the window was opened at the latest."""
        now = self.clock()
        if now >= self._startup_until:
            return False
        self._startup_until = min(now + STARTUP_QUIET, self._startup_limit)
        return True

    def idle_seconds(self) -> float:
        """Seconds without use; a starting workbench is in use until its start-up ends."""
        now = self.clock()
        return now - max(self.last_use, min(self._startup_until, now))

    def code_server_ready(self) -> None:
        """A code-server just started: idle time counts from now."""
        self.last_use = self.clock()

    async def watch(
        self, timeout: float, current: Callable[[], bool], stop: Callable[[str], Awaitable[None]]
    ) -> None:
        """While ``current()`` (the process this watch was started for runs), await
        ``stop(why)`` once it has gone ``timeout`` seconds without use, and end."""
        interval = min(max(timeout / 4, 0.25), 30.0)
        while current():
            await asyncio.sleep(interval)
            idle = self.idle_seconds()
            if current() and idle >= timeout:
                self.stops += 1
                self._supervisor_log.info(
                    "[jupyter-vscode] stopping code-server after %.0fs without use "
                    "(c.VSCode.idle_timeout); the next request starts it again",
                    idle,
                )
                await stop(f"stopping code-server after {idle:.0f}s without use")
                return


# -- the proxy route's traffic -----------------------------------------------------------------


def _count_use(idle: Idle, settings: MutableMapping[str, Any]) -> str:
    """Traffic that counts as use, unless it is a just-opened workbench starting up: then it
    is part of that opening. Returns the decision, for the debug log."""
    if idle.absorb_startup_traffic():
        return START_UP
    settings["api_last_activity"] = datetime.now(timezone.utc)
    idle.note_use()
    return "use"


def http_request(
    idle: Idle,
    settings: MutableMapping[str, Any],
    request: Any,
    path: str,
    running: bool,
    page: bool,
) -> None:
    """An HTTP request to VS Code (not a websocket): use, unless it is the browser checking
    its service worker or the tab of a code-server that is gone retrying (not a page load)."""
    headers = request.headers
    if headers.get("Service-Worker") == "script":
        # the browser fetching the service worker's script: at registration, and again by
        # itself to check it for updates (seen 6-12 s after a load), never the user
        decision, why = "not use", "the browser checking its service worker"
    elif running or page:
        decision, why = _count_use(idle, settings), "request"
    else:
        decision, why = "not use", "code-server not running: the tab retrying"
    if idle.log.isEnabledFor(logging.DEBUG):
        idle.log.debug(
            "[jupyter-vscode] activity: HTTP %s %s (dest=%s mode=%s%s): %s (%s)",
            request.method,
            "/" + path.lstrip("/"),
            headers.get("Sec-Fetch-Dest", "?"),
            headers.get("Sec-Fetch-Mode", "?"),
            " service-worker" if "Service-Worker" in headers else "",
            decision,
            why,
        )


def websocket_opened(
    idle: Idle,
    settings: MutableMapping[str, Any],
    ws: int,
    reconnection: bool,
    user_data_dir: bytes,
) -> Callable[[bytes], None]:
    """A websocket to code-server opened (``ws``: its number in the log): a window opened,
    unless it is the tab's automatic reconnection. Returns what to call with the first bytes
    of each browser-to-code-server message."""
    log = idle.log
    if not reconnection:
        settings["api_last_activity"] = datetime.now(timezone.utc)
        idle.note_workbench_opened()
    if log.isEnabledFor(logging.DEBUG):
        log.debug(
            "[jupyter-vscode] activity: websocket #%d opened (%s): %s",
            ws,
            "reconnection" if reconnection else "new connection",
            "not use" if reconnection else "use (a window opened; start-up follows)",
        )

    def on_message(prefix: bytes) -> None:
        use, why = classify(prefix, user_data_dir)
        decision = _count_use(idle, settings) if use else "not use"
        if log.isEnabledFor(logging.DEBUG):
            log.debug(
                "[jupyter-vscode] activity: websocket #%d %s: %s (%s)",
                ws,
                describe(prefix),
                decision,
                why,
            )

    return on_message
