"""Health checks of a running code-server: ``GET /healthz`` while it runs, and when failing
probes mean it is wedged (the socket accepts, nothing answers) and must be killed."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

#: A failing health check restarts code-server only after this many failed probes in a row
#: (besides their spanning c.VSCode.health_timeout seconds).
HEALTH_MIN_FAILURES = 3
#: Longest pause between two health probes.
HEALTH_MAX_INTERVAL = 5.0
#: Longest wait for one probe's answer (a busy but healthy Node answers /healthz in ms).
HEALTH_MAX_PROBE_TIMEOUT = 10.0


def health_timings(health_timeout: float) -> tuple[float, float]:
    """(pause between probes, one probe's timeout) for ``health_timeout`` seconds: at least
    six probes fit in it, and each waits up to a third of it (the default 30 s: every 5 s,
    10 s each)."""
    interval = min(health_timeout / 6, HEALTH_MAX_INTERVAL)
    return interval, min(health_timeout / 3, HEALTH_MAX_PROBE_TIMEOUT)


class HealthTracker:
    """Decides when failing health probes mean "restart": ``HEALTH_MIN_FAILURES`` failed
    probes in a row whose failing spans at least ``limit`` seconds (from the start of the
    first failed probe). One answer in between starts the count again."""

    def __init__(self, limit: float):
        self.limit = limit
        self.failures = 0
        self.failing_since: float | None = None
        self.probes = 0

    @property
    def healthy(self) -> bool:
        return self.failures == 0

    def failing_for(self, now: float) -> float:
        return 0.0 if self.failing_since is None else now - self.failing_since

    def record(self, answered: bool, began: float, now: float) -> bool:
        """Note one probe (started at ``began``, done at ``now``); True: restart now."""
        self.probes += 1
        if answered:
            self.failures = 0
            self.failing_since = None
            return False
        self.failures += 1
        if self.failing_since is None:
            self.failing_since = began
        return self.failures >= HEALTH_MIN_FAILURES and now - self.failing_since >= self.limit


async def watch(
    health: HealthTracker,
    probe: Callable[[float], Awaitable[bool]],
    current: Callable[[], bool],
    unhealthy: Callable[[], Awaitable[None]],
    clock: Callable[[], float],
    log: logging.Logger,
    pid: int,
) -> None:
    """Probe while ``current()`` (this process still runs and is the supervisor's); await
    ``unhealthy()`` once ``health`` says restart, and end."""
    interval, probe_timeout = health_timings(health.limit)
    while current():
        await asyncio.sleep(interval)
        if not current():
            return
        began = clock()
        answered = await probe(probe_timeout)
        if not current():
            return  # stopped or exited meanwhile: the supervisor deals with it
        if health.record(answered, began, clock()):
            await unhealthy()
            return
        if not answered:
            log.info(
                "[jupyter-vscode] code-server (pid %d) did not answer its health check "
                "(%d in a row, %.0fs)",
                pid,
                health.failures,
                health.failing_for(clock()),
            )
