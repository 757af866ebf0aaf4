"""One code-server process's life, from its launch to its run directory removed.

A Run owns one start of code-server: its command line and run directory (codeserver.py),
spawning it, waiting until it answers, reading its output (proclog.py), noticing its exit,
warming it up, its health probes (health.py), and terminating it with everything it started
(proctree.py). It decides nothing: it reports to its Supervisor through the callbacks it is
given (``on_version``; ``on_exit`` and ``on_unhealthy`` once it runs; ``stopping`` when a live
process is about to be killed), and the Supervisor counts failures, changes the state and
decides whether to start again or give up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from collections.abc import Awaitable, Callable
from typing import Any

from . import health as health_check
from .background import Background
from .codeserver import (
    WARM_UP_PATH,
    build_launch,
    cleanup_run_dir,
    http_probe,
    http_probe_port,
    is_vscode_socket,
    remove_dead_socket,
    spawn,
)
from .config import VSCode
from .health import HealthTracker
from .proclog import OutputReader, ProcessLog
from .proctree import group_alive, kill_tree, listening_sockets

__all__ = ["PROBE_INTERVAL", "STOP_GRACE_SECONDS", "Run", "StartFailed", "port_taken"]

PROBE_INTERVAL = 0.02
"""Seconds between readiness probes: fixed and short, so readiness is seen within ~20 ms."""

STOP_GRACE_SECONDS = 5.0
"""How long a stopped code-server (and its process group) gets after SIGTERM before SIGKILL."""


class StartFailed(RuntimeError):
    """code-server did not come up; the message says why, the log says more."""


async def port_taken(config: VSCode) -> None:
    """With transport 'port': StartFailed if another program answers on the port (checked
    before a run dir is made for a start that can't be)."""
    if config.transport != "port":
        return
    if await http_probe_port(config.port, timeout=0.5) is not None:
        raise StartFailed(
            f"port {config.port} on 127.0.0.1 is already used by another program; "
            "stop it or set c.VSCode.port to a free port"
        )


class Run:
    """One start of code-server: prepared (``Run(...)``: its run dir is made), spawned
    (``spawn``), ready (``wait_ready``), watched (``watch``), then ended by its exit (``reap``,
    on the Supervisor's word) or by ``terminate``."""

    def __init__(
        self,
        config: VSCode,
        executable: str,
        root_dir: str,
        output: ProcessLog,
        log: logging.Logger,
        clock: Callable[[], float],
        on_version: Callable[[str], None],
        background: Background,
    ):
        self.config = config
        self._background = background
        self.executable = executable
        self.output = output
        self.log = log
        self._clock = clock
        self._on_version = on_version
        try:
            self.spec = build_launch(config, executable, root_dir)
        except OSError as e:
            raise StartFailed(f"could not prepare code-server's directories: {e}") from None
        #: The process while it is this run's to watch and kill; None before the spawn and
        #: once its exit was dealt with (reap) or it was terminated.
        self.proc: asyncio.subprocess.Process | None = None
        self._spawned: asyncio.subprocess.Process | None = None
        self.reader: OutputReader | None = None
        #: When it first answered (the Supervisor's clock); None until then.
        self.ready_at: float | None = None
        #: Its health probes (None: not running yet, or no health check).
        self.health: HealthTracker | None = None
        #: VS Code's own sockets its processes listened on (noted before they are killed),
        #: removed once they are dead
        self._sockets: set[str] = set()
        self._watch_task: asyncio.Task[None] | None = None
        self._warm_task: asyncio.Task[int | None] | None = None
        self._health_task: asyncio.Task[None] | None = None

    @property
    def pid(self) -> int | None:
        return self._spawned.pid if self._spawned is not None else None

    @property
    def returncode(self) -> int | None:
        return self._spawned.returncode if self._spawned is not None else None

    def alive(self) -> bool:
        """Its process runs and is still this run's (not reaped, not being terminated)."""
        return self.proc is not None and self.proc.returncode is None

    # ---------------------------------------------------------------- starting

    async def spawn(self) -> int:
        """Start the process and read its output; return its pid."""
        spec = self.spec
        if spec.session_socket:  # one an earlier run left (e.g. killed with its Jupyter)
            remove_dead_socket(spec.session_socket)
        self.output.mark(f"starting: {' '.join(spec.argv)}")
        self.log.info("[jupyter-vscode] starting code-server: %s", " ".join(spec.argv))
        try:
            proc = await spawn(spec)
        except OSError as e:
            cleanup_run_dir(spec)
            raise StartFailed(f"could not run {self.executable!r}: {e.strerror or e}") from None
        self.proc = self._spawned = proc
        self.reader = OutputReader(proc, self.output, self._on_version)
        return proc.pid

    async def wait_ready(self) -> None:
        """Return once it answers (noting ``ready_at``); StartFailed if it exits first or
        doesn't answer within c.VSCode.start_timeout. The caller terminates it on failure."""
        proc, reader = self.proc, self.reader
        assert proc is not None and reader is not None
        deadline = self._clock() + self.config.start_timeout
        while True:
            if proc.returncode is not None:
                await reader.drain()
                raise StartFailed(
                    f"code-server exited with code {proc.returncode} while starting" + reader.hint()
                )
            status = await http_probe(self.spec, timeout=1.0)
            if status is not None:
                self.ready_at = self._clock()
                return
            if self._clock() >= deadline:
                raise StartFailed(
                    f"code-server did not answer within {self.config.start_timeout:g} s "
                    "(c.VSCode.start_timeout)" + reader.hint()
                )
            await asyncio.sleep(PROBE_INTERVAL)

    # ---------------------------------------------------------------- running

    def watch(
        self,
        on_exit: Callable[[Run, int], None],
        on_unhealthy: Callable[[Run], Awaitable[None]],
    ) -> None:
        """For a run that just became ready: call ``on_exit(run, code)`` when it exits, warm
        it up, and (c.VSCode.health_timeout > 0) await ``on_unhealthy(run)`` once its health
        probes say it is wedged. All end when it is no longer alive()."""
        proc, spec, reader = self.proc, self.spec, self.reader
        assert proc is not None and reader is not None
        spawn = self._background.spawn
        self._watch_task = spawn(self._watch(proc, reader, on_exit), f"exit of pid {proc.pid}")
        # code-server answers /healthz before it has loaded VS Code's server, which its first
        # page request would then wait for (~0.15-0.2 s): load it now, while nobody waits.
        self._warm_task = spawn(
            http_probe(spec, timeout=self.config.start_timeout, path=WARM_UP_PATH),
            f"warm-up of pid {proc.pid}",
        )
        self.health = None
        if self.config.health_timeout > 0:
            health = self.health = HealthTracker(self.config.health_timeout)

            async def probe(timeout: float) -> bool:
                return await http_probe(spec, timeout=timeout) is not None

            async def unhealthy() -> None:
                await on_unhealthy(self)

            self._health_task = spawn(
                health_check.watch(
                    health, probe, self.alive, unhealthy, self._clock, self.log, proc.pid
                ),
                f"health checks of pid {proc.pid}",
            )

    async def _watch(
        self,
        proc: asyncio.subprocess.Process,
        reader: OutputReader,
        on_exit: Callable[[Run, int], None],
    ) -> None:
        code = await proc.wait()
        await reader.drain()
        if self.proc is proc:  # not terminated meanwhile
            on_exit(self, code)

    def reap(self, note: str) -> None:
        """Its process exited by itself (and the Supervisor took note): ``note`` in the log,
        its children (extension host, terminals) killed, its run dir removed."""
        proc, self.proc = self.proc, None
        self.output.mark(note)
        # Children (extension host, terminals) must not outlive it.
        if proc is not None:
            self._note_sockets(proc.pid)
            kill_tree(proc.pid, signal.SIGKILL, include_root=False)
        self._cancel_watches()  # they end by themselves, but maybe only after the loop closed
        self._cleanup()

    def _note_sockets(self, pgid: int) -> None:
        self._sockets |= {p for p in listening_sockets(pgid) if is_vscode_socket(p)}

    def _cleanup(self) -> None:
        """Remove what this run leaves: its run dir, and the sockets of VS Code's that no
        process listens on any more (one still alive keeps its own)."""
        cleanup_run_dir(self.spec)
        for path in self._sockets:
            remove_dead_socket(path)

    def _cancel_watches(self) -> list[asyncio.Task[Any]]:
        """Cancel its warm-up and health probes (but not the caller, a health-check restart);
        return them, to be awaited."""
        current = asyncio.current_task()
        tasks = [t for t in (self._warm_task, self._health_task) if t is not None]
        self._warm_task = self._health_task = None
        self.health = None
        tasks = [t for t in tasks if t is not current and not t.done()]
        for task in tasks:
            task.cancel()
        return tasks

    # ---------------------------------------------------------------- stopping

    async def terminate(self, stopping: Callable[[int], None]) -> None:
        """Stop it (SIGTERM, then SIGKILL after STOP_GRACE_SECONDS) with everything it
        started, and remove its run dir; ``stopping(pid)`` first if its process still runs.
        Idempotent."""
        # Take everything before the first await, so that whatever runs meanwhile sees no
        # half-stopped process.
        proc, self.proc = self.proc, None
        reader, self.reader = self.reader, None
        watch, self._watch_task = self._watch_task, None
        cancelled = self._cancel_watches()
        if watch is not None and not watch.done() and watch is not asyncio.current_task():
            watch.cancel()
            cancelled.append(watch)
        if proc is not None and proc.returncode is None:
            stopping(proc.pid)
            self._note_sockets(proc.pid)
            kill_tree(proc.pid, signal.SIGTERM)
            deadline = time.monotonic() + STOP_GRACE_SECONDS
            try:
                await asyncio.wait_for(proc.wait(), STOP_GRACE_SECONDS)
                # code-server's launcher exits first; the server and its extension hosts (its
                # process group) may still be writing state and Node's compile cache
                while group_alive(proc.pid) and time.monotonic() < deadline:
                    await asyncio.sleep(0.05)
            except asyncio.TimeoutError:
                self.log.warning("[jupyter-vscode] code-server did not stop on SIGTERM; killing")
            kill_tree(proc.pid, signal.SIGKILL)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(proc.wait(), STOP_GRACE_SECONDS)
            # killed processes hold their sockets until they are gone: only then is what
            # they leave (the session socket) recognisably dead
            killed = time.monotonic() + 1.0
            while group_alive(proc.pid) and time.monotonic() < killed:
                await asyncio.sleep(0.02)
            self.output.mark(f"code-server (pid {proc.pid}) stopped")
        elif proc is not None:
            self._note_sockets(proc.pid)
            kill_tree(proc.pid, signal.SIGKILL, include_root=False)
        if reader is not None:
            await reader.finish()
        if cancelled:  # none left pending for a closing event loop
            await asyncio.wait(cancelled, timeout=STOP_GRACE_SECONDS)
        self._cleanup()

    def kill_now(self) -> None:
        """Synchronous last-resort cleanup (interpreter exit)."""
        if self.proc is not None and self.proc.returncode is None:
            kill_tree(self.proc.pid, signal.SIGKILL)
        cleanup_run_dir(self.spec)
