"""The supervisor's background tasks (a start, the watches of a run, an idle stop, a
health-check restart): each one named and kept, so that Jupyter's shutdown ends every one of
them before its event loop closes, and none is left pending ("Task was destroyed but it is
pending!")."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

#: Every task's name starts so (tests look for ours among the loop's tasks).
PREFIX = "jupyter-vscode: "


class Background:
    def __init__(self, log: logging.Logger):
        self._log = log
        self._tasks: set[asyncio.Task[Any]] = set()

    def spawn(
        self,
        coro: Coroutine[Any, Any, T],
        name: str,
        expected: tuple[type[BaseException], ...] = (),
    ) -> asyncio.Task[T]:
        """Run ``coro`` as a task named ``jupyter-vscode: <name>``, kept until it is done. An
        exception it ends with is logged as a bug unless ``expected`` (its awaiters get it)."""
        task = asyncio.ensure_future(coro)
        task.set_name(PREFIX + name)
        self._tasks.add(task)
        task.add_done_callback(lambda t: self._done(t, expected))
        return task

    def _done(self, task: asyncio.Task[Any], expected: tuple[type[BaseException], ...]) -> None:
        self._tasks.discard(task)
        # Retrieved here, so asyncio doesn't warn when nobody awaits the task (a start's
        # waiters may all have gone); whoever awaits it still gets it.
        error = None if task.cancelled() else task.exception()
        if error is not None and not isinstance(error, expected):
            self._log.error(
                "[jupyter-vscode] %s failed",
                task.get_name(),
                exc_info=(type(error), error, error.__traceback__),
            )

    def pending(self) -> list[asyncio.Task[Any]]:
        return [t for t in self._tasks if not t.done()]

    async def close(self, timeout: float) -> list[str]:
        """Cancel every task (but the caller's own) and wait up to ``timeout`` seconds for them
        to end; return the names of those that did not (logged as errors)."""
        current = asyncio.current_task()
        tasks = [t for t in self.pending() if t is not current]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=timeout)
        left = [t.get_name() for t in tasks if not t.done()]
        if left:
            self._log.error("[jupyter-vscode] tasks still running at shutdown: %s", left)
        return left
