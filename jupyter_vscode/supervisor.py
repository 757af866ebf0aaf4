"""Starting, watching, restarting and stopping one code-server process.

One Supervisor per Jupyter server. It starts code-server on demand (many concurrent callers
share one start), notices any exit (crash, signal, exit code 0), starts it again on the next
request, backs off on a crash loop and gives up after ``max_restarts`` failures in a row, until
someone asks for a restart. A running code-server is health-checked (health.py): one that
stops answering for ``health_timeout`` seconds (wedged: the socket accepts, nothing answers) is
killed and started again, and that counts as a failure like a crash. One without use for
``idle_timeout`` seconds is stopped (idle.py).

Its state changes only through ``_enter`` (states.py: the allowed changes, each logged once),
and whether to give up is decided in one place, ``_gave_up``. The proxy route asks it where
code-server answers (``endpoint()``), never for its connections.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import time
from collections.abc import Callable

from . import health as health_check
from .codeserver import (
    WARM_UP_PATH,
    Endpoint,
    LaunchSpec,
    build_launch,
    cleanup_run_dir,
    http_probe,
    remove_stale_run_dirs,
    spawn,
)
from .config import VSCode
from .health import HealthTracker
from .idle import Idle
from .locate import Lookup, find_code_server
from .proclog import OutputReader, ProcessLog
from .proctree import group_alive, kill_tree
from .states import State, StateMachine

__all__ = ["NotInstalled", "StartFailed", "State", "Supervisor"]

QUICK_EXIT_SECONDS = 10.0
"""A non-zero exit sooner than this after becoming ready counts as a failed start."""

PROBE_INTERVAL = 0.02
"""Seconds between readiness probes: fixed and short, so readiness is seen within ~20 ms."""

STOP_GRACE_SECONDS = 5.0


class NotInstalled(RuntimeError):
    """code-server could not be found; carries where we looked."""

    def __init__(self, lookup: Lookup):
        self.lookup = lookup
        super().__init__(lookup.message())

    @property
    def hint(self) -> str:
        """What to do: fix the configured path, or (nothing configured) install code-server."""
        return self.lookup.hint()


class StartFailed(RuntimeError):
    """code-server did not come up; the message says why, the log says more."""


class _GaveUp(StartFailed):
    """A start that was asked for while the supervisor was giving up (e.g. a request during a
    health-check restart that turned out the last allowed): it stays failed."""


class Supervisor:
    def __init__(
        self,
        config: VSCode,
        root_dir: str,
        log: logging.Logger,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.config = config
        self.root_dir = root_dir
        self.log = log
        self._clock = clock
        self._machine = StateMachine(log)
        self.error = ""
        self.executable: str | None = None
        self.version: str | None = None
        self.pid: int | None = None
        self.restarts = 0
        self.last_exit: int | None = None
        self._starts = 0
        self._failures = 0
        self._ready_at: float | None = None
        self._spec: LaunchSpec | None = None
        self._proc: asyncio.subprocess.Process | None = None
        self._reader: OutputReader | None = None
        self._start_task: asyncio.Task[None] | None = None
        self._watch_task: asyncio.Task[None] | None = None
        self._idle_task: asyncio.Task[None] | None = None
        self._warm_task: asyncio.Task[int | None] | None = None
        self._health_task: asyncio.Task[None] | None = None
        #: The current process's health probes (None: not running, or no health check).
        self.health: HealthTracker | None = None
        #: Restarts because code-server stopped answering its health check.
        self.health_restarts = 0
        #: Use of VS Code and idle stops (idle.py); the proxy route reports traffic to it.
        self.idle = Idle(log, clock)
        self._user_data_dir_bytes = os.path.expanduser(config.user_data_dir).encode()
        self._stopping = False
        #: Held while a start or a stop changes the process, the run dir and the socket.
        self._lifecycle = asyncio.Lock()
        self.output = ProcessLog(config.log_dir, log)
        # what a Jupyter server killed outright left behind (an orphaned extension host)
        remove_stale_run_dirs()

    # ---------------------------------------------------------------- public API

    @property
    def state(self) -> State:
        return self._machine.state

    @property
    def user_data_dir_bytes(self) -> bytes:
        """The user-data dir as it appears in VS Code's messages (activity filtering); read
        for every websocket message, so computed once per start, not per message."""
        return self._user_data_dir_bytes

    def is_running(self) -> bool:
        return (
            self.state is State.RUNNING and self._proc is not None and self._proc.returncode is None
        )

    @property
    def socket_path(self) -> str | None:
        """The current run's socket (also while it starts); None with transport 'port'."""
        return self._spec.socket_path if self._spec else None

    def endpoint(self) -> Endpoint | None:
        """Where the running code-server answers, and which start of it this is; None while
        it doesn't run."""
        spec = self._spec
        if not self.is_running() or spec is None:
            return None
        return Endpoint(spec.socket_path, spec.port or 0, self._starts)

    def status(self) -> dict[str, object]:
        uptime = None
        if self.is_running() and self._ready_at is not None:
            uptime = round(self._clock() - self._ready_at, 3)
        return {
            "state": self.state.value,
            "pid": self.pid if self.is_running() or self.state is State.STARTING else None,
            "version": self.version,
            "uptime": uptime,
            "transport": self.config.transport,
            "port": self.config.port if self.config.transport == "port" else None,
            "executable": self.executable,
            "restarts": self.restarts,
            "last_exit_code": self.last_exit,
            "error": self.error or None,
            "log_file": self.output.path,
            "idle_seconds": round(max(0.0, self.idle.idle_seconds()), 1),
            "idle_stops": self.idle.stops,
            "workbench_starting": self.idle.workbench_starting(),
            "healthy": self.is_healthy(),
            "health_restarts": self.health_restarts,
        }

    def is_healthy(self) -> bool | None:
        """Whether the running code-server answered its last health probe; None when it is
        not running or health checks are off (c.VSCode.health_timeout = 0)."""
        if not self.is_running() or self.health is None:
            return None
        return self.health.healthy

    def start_soon(self) -> asyncio.Task[None]:
        """Start code-server unless it runs or is starting; return the shared start task."""
        if self._start_task is None or self._start_task.done():
            self._start_task = asyncio.ensure_future(self._start_loop())
            # Retrieve the exception so asyncio doesn't warn when nobody awaits this task.
            self._start_task.add_done_callback(lambda t: t.cancelled() or t.exception())
        return self._start_task

    async def ensure_started(self, timeout: float | None = None) -> None:
        """Return once code-server answers; raise NotInstalled or StartFailed otherwise.

        Any number of concurrent callers share one start. A supervisor that gave up (state
        failed) stays failed until restart() is called.
        """
        if self.is_running():
            return
        if self.state is State.FAILED:
            raise StartFailed(self.error)
        task = self.start_soon()
        if timeout is None:
            await asyncio.shield(task)
        else:
            await asyncio.wait_for(asyncio.shield(task), timeout)

    async def stop(self, reason: str = "stop asked for") -> None:
        """Stop code-server and everything it started. Idempotent."""
        self._stopping = True
        try:
            if self._start_task is not None and not self._start_task.done():
                self._start_task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await self._start_task
            # A start that begins while we wait (a browser reconnecting) must not interleave
            # with this stop: it would get its run directory removed under it.
            async with self._lifecycle:
                await self._terminate()
                self._enter(State.STOPPED, reason)
        finally:
            self._stopping = False

    def reset_failures(self) -> None:
        """Forget past failures (a user asked for a restart): the next start is immediate."""
        self._failures = 0
        self.error = ""
        if self.state in (State.FAILED, State.MISSING):
            self._enter(State.STOPPED, "restart asked for: past failures forgotten")

    async def restart(self) -> None:
        """Stop, forget past failures, start again and wait until it answers."""
        await self.stop("restart asked for")
        self.reset_failures()
        await self.ensure_started()

    def kill_now(self) -> None:
        """Synchronous last-resort cleanup (interpreter exit)."""
        if self._proc is not None and self._proc.returncode is None:
            kill_tree(self._proc.pid, signal.SIGKILL)
        if self._spec is not None:
            cleanup_run_dir(self._spec)

    def log_tail(self, lines: int = 100) -> list[str]:
        return self.output.tail(lines)

    @property
    def log_file(self) -> str | None:
        return self.output.path

    # ---------------------------------------------------------------- state and failures

    def _enter(self, state: State, reason: str, level: int = logging.INFO) -> None:
        """The one way the state changes (checked against states.TRANSITIONS and logged)."""
        self._machine.enter(state, reason, level)

    def _gave_up(self, cause: str) -> bool:
        """The one place that decides to give up: more than c.VSCode.max_restarts failures in
        a row (counted by the caller) leave the supervisor failed, with ``cause`` (the last
        failure) in its error, until a restart is asked for. False: try again."""
        n = self._failures
        if n <= self.config.max_restarts:
            return False
        self.error = f"failed {n} time{'s' if n != 1 else ''} in a row; the last time: {cause}"
        self._enter(State.FAILED, f"giving up until restarted: {self.error}", logging.ERROR)
        return True

    def _backoff(self) -> float:
        if self._failures <= 0:
            return 0.0
        return float(min(0.5 * 2 ** (self._failures - 1), 8.0))

    # ---------------------------------------------------------------- starting

    async def _start_loop(self) -> None:
        while True:
            if self.state is State.FAILED:  # given up meanwhile (a health-check restart's)
                raise _GaveUp(self.error)
            delay = self._backoff()
            if delay:
                self.log.info("[jupyter-vscode] waiting %.1fs before starting code-server", delay)
                self._enter(State.STARTING, f"the next start in {delay:.1f}s")
                await asyncio.sleep(delay)
            try:
                await self._start_once()
                return
            except _GaveUp:
                raise
            except NotInstalled as e:
                self.error = f"{e}; {e.hint}"
                self._enter(State.MISSING, self.error, logging.WARNING)
                raise
            except StartFailed as e:
                self._failures += 1
                self.error = str(e)
                if self._gave_up(str(e)):
                    raise StartFailed(self.error) from None
                self.log.warning(
                    "[jupyter-vscode] code-server start failed (%d/%d): %s",
                    self._failures,
                    self.config.max_restarts + 1,
                    e,
                )

    async def _start_once(self) -> None:
        async with self._lifecycle:
            await self._start_once_locked()

    async def _start_once_locked(self) -> None:
        if self.state is State.FAILED:  # given up while this start waited for the lock
            raise _GaveUp(self.error)
        await self._terminate()  # leftovers of an earlier run, if any
        self._enter(State.STARTING, "starting code-server")
        lookup = find_code_server(self.config.code_server, self.config.setting("code_server"))
        if lookup.path is None:
            raise NotInstalled(lookup)
        self.executable = lookup.path
        try:
            spec = build_launch(self.config, lookup.path, self.root_dir)
            self._user_data_dir_bytes = os.path.expanduser(self.config.user_data_dir).encode()
        except OSError as e:
            raise StartFailed(f"could not prepare code-server's directories: {e}") from None
        if spec.port and await http_probe(spec, timeout=0.5) is not None:
            cleanup_run_dir(spec)
            raise StartFailed(
                f"port {spec.port} on 127.0.0.1 is already used by another program; "
                "stop it or set c.VSCode.port to a free port"
            )
        self._spec = spec
        self._starts += 1
        if self._starts > 1:
            self.restarts += 1
        self.output.mark(f"starting: {' '.join(spec.argv)}")
        self.log.info("[jupyter-vscode] starting code-server: %s", " ".join(spec.argv))
        try:
            proc = await spawn(spec)
        except OSError as e:
            cleanup_run_dir(spec)
            raise StartFailed(f"could not run {lookup.path!r}: {e.strerror or e}") from None
        self._proc = proc
        self.pid = proc.pid
        reader = self._reader = OutputReader(proc, self.output, self._saw_version)
        try:
            await self._wait_ready(proc, spec, reader)
        except BaseException:
            await self._terminate()
            raise
        self._ready_at = self._clock()
        self.error = ""
        ready = f"code-server {self.version or ''} ready (pid {proc.pid}) on {spec.address}"
        self._enter(State.RUNNING, ready)
        self._watch_task = asyncio.ensure_future(self._watch(proc, reader))
        # code-server answers /healthz before it has loaded VS Code's server, which its first
        # page request would then wait for (~0.15-0.2 s): load it now, while nobody waits.
        self._warm_task = asyncio.ensure_future(
            http_probe(spec, timeout=self.config.start_timeout, path=WARM_UP_PATH)
        )
        self._watch_while_running(proc, spec)

    def _saw_version(self, version: str) -> None:
        self.version = version

    def _watch_while_running(self, proc: asyncio.subprocess.Process, spec: LaunchSpec) -> None:
        """The idle stop (idle.py) and the health checks (health.py) of a process that just
        became ready; both end when it is no longer the current one."""

        def current() -> bool:
            return self._proc is proc and proc.returncode is None

        self.idle.code_server_ready()
        if self.config.idle_timeout > 0:
            self._idle_task = asyncio.ensure_future(
                self.idle.watch(self.config.idle_timeout, current, self.stop)
            )
        self.health = None
        if self.config.health_timeout > 0:
            health = self.health = HealthTracker(self.config.health_timeout)

            async def probe(timeout: float) -> bool:
                return await http_probe(spec, timeout=timeout) is not None

            async def unhealthy() -> None:
                await self._restart_unhealthy(proc, health)

            self._health_task = asyncio.ensure_future(
                health_check.watch(
                    health, probe, current, unhealthy, self._clock, self.log, proc.pid
                )
            )

    async def _wait_ready(
        self, proc: asyncio.subprocess.Process, spec: LaunchSpec, reader: OutputReader
    ) -> None:
        deadline = self._clock() + self.config.start_timeout
        while True:
            if proc.returncode is not None:
                await reader.drain()
                raise StartFailed(
                    f"code-server exited with code {proc.returncode} while starting" + reader.hint()
                )
            status = await http_probe(spec, timeout=1.0)
            if status is not None:
                return
            if self._clock() >= deadline:
                raise StartFailed(
                    f"code-server did not answer within {self.config.start_timeout:g} s "
                    "(c.VSCode.start_timeout)" + reader.hint()
                )
            await asyncio.sleep(PROBE_INTERVAL)

    # ---------------------------------------------------------------- exits and kills

    async def _watch(self, proc: asyncio.subprocess.Process, reader: OutputReader) -> None:
        code = await proc.wait()
        await reader.drain()
        if self._proc is not proc or self._stopping:
            return
        self.last_exit = code
        ran = self._clock() - (self._ready_at or self._clock())
        if code != 0 and ran < QUICK_EXIT_SECONDS:
            self._failures += 1  # a crash soon after start: part of a crash loop
        else:
            self._failures = 0  # a clean exit (e.g. its own --idle-timeout-seconds) or a long run
        how = f"was killed by signal {-code}" if code < 0 else f"exited with code {code}"
        self.output.mark(f"code-server {how} after {ran:.1f}s")
        # Children (extension host, terminals) must not outlive it.
        kill_tree(proc.pid, signal.SIGKILL, include_root=False)
        if self._spec is not None:
            cleanup_run_dir(self._spec)
        self._proc = None
        what = f"code-server (pid {proc.pid}) {how} after {ran:.1f}s"
        if not self._gave_up(what):
            self._enter(
                State.STOPPED, f"{what}; it starts again on the next request", logging.WARNING
            )

    async def _restart_unhealthy(
        self, proc: asyncio.subprocess.Process, health: HealthTracker
    ) -> None:
        """Kill a code-server that stopped answering and start it again: a failure counted
        like a crash (a wedge soon after a start is part of a loop; after max_restarts in a
        row the supervisor gives up)."""
        async with self._lifecycle:
            if self._proc is not proc or self._stopping:
                return
            now = self._clock()
            failing = health.failing_for(now)
            healthy_for = (health.failing_since or now) - (self._ready_at or now)
            if healthy_for < QUICK_EXIT_SECONDS:
                self._failures += 1
            else:
                self._failures = 1  # after a long healthy run: the first of a new series
            self.health_restarts += 1
            why = (
                f"did not answer its health check (GET /healthz) for {failing:.0f} s "
                f"(c.VSCode.health_timeout = {health.limit:g})"
            )
            self.output.mark(f"code-server (pid {proc.pid}) {why}: killing it")
            self.log.warning(
                "[jupyter-vscode] code-server (pid %d) %s; killing it (failure %d/%d)",
                proc.pid,
                why,
                self._failures,
                self.config.max_restarts + 1,
            )
            await self._terminate()
            self.last_exit = proc.returncode
            if self._gave_up(f"code-server {why}; it was killed"):
                return
            self._enter(State.STOPPED, f"code-server (pid {proc.pid}) killed; starting it again")
        if not self._stopping:
            self.start_soon()  # its pause grows with the failures, as after a crash

    async def _terminate(self) -> None:
        # Take everything of the current run before the first await, so that whatever runs
        # meanwhile sees no half-stopped process and we never clean up a newer run's files.
        proc, self._proc = self._proc, None
        spec, self._spec = self._spec, None
        reader, self._reader = self._reader, None
        watch, self._watch_task = self._watch_task, None
        idle_task, self._idle_task = self._idle_task, None
        warm, self._warm_task = self._warm_task, None
        health_task, self._health_task = self._health_task, None
        self.health = None
        if warm is not None:
            warm.cancel()
        if health_task is not None and health_task is not asyncio.current_task():
            health_task.cancel()
        if idle_task is not None and idle_task is not asyncio.current_task():
            idle_task.cancel()
        if watch is not None and not watch.done():
            watch.cancel()
        if proc is not None and proc.returncode is None:
            self._enter(State.STOPPING, f"stopping code-server (pid {proc.pid})")
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
            self.output.mark(f"code-server (pid {proc.pid}) stopped")
        elif proc is not None:
            kill_tree(proc.pid, signal.SIGKILL, include_root=False)
        if reader is not None:
            await reader.finish()
        if spec is not None:
            cleanup_run_dir(spec)
        if self._proc is None:
            self.pid = None
        self._ready_at = None
