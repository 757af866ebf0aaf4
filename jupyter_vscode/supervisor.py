"""The one code-server of a Jupyter server: when it starts, restarts, stops and gives up.

One Supervisor per Jupyter server. It starts code-server on demand (many concurrent callers
share one start), notices any exit (crash, signal, exit code 0), starts it again on the next
request, backs off on a crash loop and gives up after ``max_restarts`` failures in a row, until
someone asks for a restart. A code-server that stops answering its health check for
``health_timeout`` seconds is killed and started again, a failure like a crash; one without
use for ``idle_timeout`` seconds is stopped (idle.py).

Each start is a Run (run.py): it owns that process's life (launch, readiness, output, exit,
health probes, kill, run dir) and reports its exit and a failed health check here. This module
owns the decisions: who may start it (``refusal``: nothing once Jupyter's shutdown has begun
or while a stop is under way; after a stop asked for, or an idle stop, only a user's page load
or a restart), the state, changed only through ``_enter`` (states.py: the allowed
changes, each logged once), failures counted and whether to give up, in one place
(``_gave_up``), the backoff, the idle stop, status() and endpoint() (where code-server answers,
asked for by the proxy route, which never sees its connections).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import Callable

from .background import Background
from .codeserver import Endpoint, remove_stale_run_dirs
from .config import VSCode
from .health import HealthTracker
from .idle import Idle
from .locate import NotInstalled, find_code_server
from .proclog import ProcessLog
from .run import STOP_GRACE_SECONDS, Run, StartFailed, port_taken
from .states import State, StateMachine

__all__ = ["NotInstalled", "StartFailed", "StartRefused", "State", "Supervisor"]

QUICK_EXIT_SECONDS = 10.0
"""A non-zero exit sooner than this after becoming ready counts as a failed start."""


#: While code-server is missing, the status looks for it again at most this often (a lifecycle
#: rerun or `jupyter vscode install` in a terminal may have installed it meanwhile).
MISSING_RECHECK_SECONDS = 2.0
SHUTTING_DOWN = "Jupyter is shutting down: VS Code is not started again"
#: Why code-server stays stopped after a stop asked for (API, "Stop VS Code").
STOPPED_HOLD = "VS Code was stopped"
#: ... and after an idle stop (c.VSCode.idle_timeout).
IDLE_HOLD = "VS Code was stopped after being idle"


class StartRefused(StartFailed):
    """A start nobody may make now (see Supervisor.refusal): ``final`` once Jupyter is shutting
    down; otherwise a stop is under way, or code-server was stopped and only a page load or a
    restart starts it again."""

    def __init__(self, message: str, final: bool = False):
        super().__init__(message)
        self.final = final


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
        shutting_down: Callable[[], bool] = lambda: False,
    ):
        self.config = config
        #: Whether Jupyter's shutdown has begun (its signal handler says so before it calls
        #: the extension's stop): from then on nothing starts code-server.
        self._shutting_down = shutting_down
        self._closed = False
        #: Why code-server stays stopped until a user's page load or a restart (a stop asked
        #: for, an idle stop); None: any request starts it (e.g. after a crash).
        self.held: str | None = None
        self.background = Background(log)
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
        #: when the status last looked for a missing code-server (clock time)
        self._missing_checked: float | None = None
        #: The current start of code-server (run.py), from its launch until it is terminated.
        self._run: Run | None = None
        self._start_task: asyncio.Task[None] | None = None
        self._idle_task: asyncio.Task[None] | None = None
        #: Restarts because code-server stopped answering its health check.
        self.health_restarts = 0
        #: Use of VS Code and idle stops (idle.py); the proxy route reports traffic to it.
        self.idle = Idle(log, clock)
        self._user_data_dir_bytes = os.path.expanduser(config.user_data_dir).encode()
        #: stops under way (a restart's, an idle stop, Jupyter's shutdown may overlap)
        self._stopping = 0
        #: Held while a start or a stop changes the process, the run dir and the socket.
        self._lifecycle = asyncio.Lock()
        #: One restart at a time: a second one waits and then makes its own.
        self._restarting = asyncio.Lock()
        self.output = ProcessLog(config.log_dir, log)
        # what a Jupyter server killed outright left behind (an orphaned extension host)
        remove_stale_run_dirs()

    # ---------------------------------------------------------------- public API

    @property
    def state(self) -> State:
        return self._machine.state

    def on_state_change(self, listener: Callable[[State, State, str], None]) -> None:
        """Call ``listener(old, new, reason)`` right after each change of state."""
        self._machine.listeners.append(listener)

    @property
    def user_data_dir_bytes(self) -> bytes:
        """The user-data dir as it appears in VS Code's messages (activity filtering); read
        for every websocket message, so computed once per start, not per message."""
        return self._user_data_dir_bytes

    def is_running(self) -> bool:
        return self.state is State.RUNNING and self._run is not None and self._run.alive()

    @property
    def socket_path(self) -> str | None:
        """The current run's socket (also while it starts); None with transport 'port'."""
        return self._run.spec.socket_path if self._run else None

    @property
    def health(self) -> HealthTracker | None:
        """The current process's health probes (None: not running, or no health check)."""
        return self._run.health if self._run else None

    def endpoint(self) -> Endpoint | None:
        """Where the running code-server answers, and which start of it this is; None while
        it doesn't run."""
        run = self._run
        if not self.is_running() or run is None:
            return None
        return Endpoint(run.spec.socket_path, run.spec.port or 0, self._starts)

    def status(self) -> dict[str, object]:
        self._recheck_missing()
        uptime = None
        ready_at = self._run.ready_at if self._run else None
        if self.is_running() and ready_at is not None:
            uptime = round(self._clock() - ready_at, 3)
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
            "held": self.held,
            "shutting_down": self.closed(),
        }

    def _recheck_missing(self) -> None:
        """Missing: look again (a few stat calls and the lifecycle log's tail, at most every
        MISSING_RECHECK_SECONDS). Found: stopped, its error gone, started by the next request;
        still missing: the error as of now (the lifecycle run's outcome may have changed)."""
        if self.state is not State.MISSING:
            return
        now = self._clock()
        if self._missing_checked is not None and now - self._missing_checked < (
            MISSING_RECHECK_SECONDS
        ):
            return
        self._missing_checked = now
        lookup = find_code_server(self.config.code_server, self.config.setting("code_server"))
        if lookup.path is None:
            missing = NotInstalled(lookup)
            self.error = f"{missing}; {missing.hint}"
            return
        self.error = ""
        self.executable = lookup.path
        self._enter(State.STOPPED, f"code-server is installed now: {lookup.path}")

    def is_healthy(self) -> bool | None:
        """Whether the running code-server answered its last health probe; None when it is
        not running or health checks are off (c.VSCode.health_timeout = 0)."""
        if not self.is_running() or self.health is None:
            return None
        return self.health.healthy

    def closed(self) -> bool:
        """Jupyter's shutdown has begun: code-server is never started again by this server."""
        return self._closed or self._shutting_down()

    def refusal(self, by_user: bool) -> StartRefused | None:
        """Why a start may not be made now, or None. ``by_user``: a user's page load or a
        restart asked for; other starts (a tab's requests and reconnections, a timer) are
        automatic, and don't undo a stop that was asked for."""
        if self.closed():
            return StartRefused(SHUTTING_DOWN, final=True)
        if self._stopping:
            return StartRefused("VS Code is being stopped; start it again once it has stopped")
        if self.held is not None and not by_user:
            return StartRefused(f"{self.held}; reload the page to start it again")
        return None

    def start_soon(self, by_user: bool = False) -> asyncio.Task[None] | None:
        """Start code-server unless it runs or is starting; return the shared start task, or
        None if a start may not be made now (``refusal``)."""
        if self._start_task is None or self._start_task.done():
            refused = self.refusal(by_user)
            if refused is not None:
                self.log.debug("[jupyter-vscode] not starting code-server: %s", refused)
                return None
            self.held = None  # a start that may be made ends what held it
            self._start_task = self.background.spawn(
                self._start_loop(), "start", expected=(StartFailed, NotInstalled)
            )
        return self._start_task

    async def ensure_started(self, timeout: float | None = None, by_user: bool = False) -> None:
        """Return once code-server answers; raise StartRefused (``refusal``), NotInstalled or
        StartFailed otherwise.

        Any number of concurrent callers share one start. A supervisor that gave up (state
        failed) stays failed until restart() is called.
        """
        if self.is_running():
            return
        refused = self.refusal(by_user)
        if refused is not None:
            raise refused
        if self.state is State.FAILED:
            raise StartFailed(self.error)
        task = self.start_soon(by_user)
        assert task is not None  # refusal() said yes, and nothing awaited since
        if timeout is None:
            await asyncio.shield(task)
        else:
            await asyncio.wait_for(asyncio.shield(task), timeout)

    async def stop(self, reason: str = "stop asked for", hold: str | None = STOPPED_HOLD) -> None:
        """Stop code-server and everything it started. Idempotent. Until it has stopped
        nothing starts it; after that, with ``hold``, only a page load or a restart does."""
        self._stopping += 1
        try:
            if hold is not None and not self.closed():
                self.held = hold
            if self._start_task is not None and not self._start_task.done():
                self._start_task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await self._start_task
            async with self._lifecycle:
                await self._terminate()
                self._enter(State.STOPPED, reason)
        finally:
            self._stopping -= 1

    async def shutdown(self) -> None:
        """Jupyter is shutting down: stop code-server for good (a start in flight is ended,
        nothing starts it again) and end every background task."""
        self._closed = True
        self.held = None
        await self.stop("Jupyter is shutting down", hold=None)
        await self.background.close(STOP_GRACE_SECONDS)

    def reset_failures(self) -> None:
        """Forget past failures (a user asked for a restart): the next start is immediate."""
        self._failures = 0
        self.error = ""
        if self.state in (State.FAILED, State.MISSING):
            self._enter(State.STOPPED, "restart asked for: past failures forgotten")

    async def restart(self) -> None:
        """Stop, forget past failures, start again and wait until it answers: one operation
        (one restart at a time); a shutdown that begins meanwhile ends it with StartRefused."""
        async with self._restarting:
            refused = self.refusal(by_user=True)
            if refused is not None:
                raise refused
            await self.stop("restart asked for", hold=None)
            self.reset_failures()
            await self.ensure_started(by_user=True)

    def kill_now(self) -> None:
        """Synchronous last-resort cleanup (interpreter exit)."""
        if self._run is not None:
            self._run.kill_now()

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
        try:
            await self._start_attempts()
        except asyncio.CancelledError:
            # ended by a stop or the shutdown: its waiters get why, as for any refusal
            refused = self.refusal(by_user=True)
            if refused is None:
                raise
            raise refused from None

    async def _start_attempts(self) -> None:
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
            except (_GaveUp, StartRefused):
                raise
            except NotInstalled as e:
                self.error = f"{e}; {e.hint}"
                self._missing_checked = self._clock()  # (just looked)
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
        if self.closed():  # however it got here, nothing starts once the shutdown has begun
            raise StartRefused(SHUTTING_DOWN, final=True)
        await self._terminate()  # leftovers of an earlier run, if any
        self._enter(State.STARTING, "starting code-server")
        lookup = find_code_server(self.config.code_server, self.config.setting("code_server"))
        if lookup.path is None:
            raise NotInstalled(lookup)
        self.executable = lookup.path
        await port_taken(self.config)
        # The run dir is made here, and the run is ours to end from here (no await between).
        run = Run(
            self.config,
            lookup.path,
            self.root_dir,
            self.output,
            self.log,
            self._clock,
            self._saw_version,
            self.background,
        )
        self._user_data_dir_bytes = os.path.expanduser(self.config.user_data_dir).encode()
        self._run = run
        self._starts += 1
        if self._starts > 1:
            self.restarts += 1
        self.pid = await run.spawn()
        try:
            await run.wait_ready()
        except BaseException:
            await self._terminate()
            raise
        if self.closed():  # Jupyter's shutdown began while it started: it must not run on
            await self._terminate()
            raise StartRefused(SHUTTING_DOWN, final=True)
        self.error = ""
        ready = f"code-server {self.version or ''} ready (pid {self.pid}) on {run.spec.address}"
        self._enter(State.RUNNING, ready)
        run.watch(self._exited, self._restart_unhealthy)
        # the idle stop (idle.py) ends, as the run's watches do, when it is no longer alive
        self.idle.code_server_ready()
        if self.config.idle_timeout > 0:
            self._idle_task = self.background.spawn(
                self.idle.watch(self.config.idle_timeout, run.alive, self._idle_stop),
                f"idle stop of pid {self.pid}",
            )

    async def _idle_stop(self, reason: str) -> None:
        await self.stop(reason, hold=IDLE_HOLD)

    def _saw_version(self, version: str) -> None:
        self.version = version

    # ---------------------------------------------------------------- exits and kills

    def _exited(self, run: Run, code: int) -> None:
        """The run's process exited by itself: count it, and start again or give up."""
        if self._run is not run or self._stopping:
            return
        self.last_exit = code
        ran = self._clock() - (run.ready_at or self._clock())
        if code != 0 and ran < QUICK_EXIT_SECONDS:
            self._failures += 1  # a crash soon after start: part of a crash loop
        else:
            self._failures = 0  # a clean exit (e.g. its own --idle-timeout-seconds) or a long run
        how = f"was killed by signal {-code}" if code < 0 else f"exited with code {code}"
        run.reap(f"code-server {how} after {ran:.1f}s")
        what = f"code-server (pid {run.pid}) {how} after {ran:.1f}s"
        if not self._gave_up(what):
            self._enter(
                State.STOPPED, f"{what}; it starts again on the next request", logging.WARNING
            )

    async def _restart_unhealthy(self, run: Run) -> None:
        """Kill a code-server that stopped answering and start it again: a failure counted
        like a crash (a wedge soon after a start is part of a loop; after max_restarts in a
        row the supervisor gives up)."""
        async with self._lifecycle:
            health = run.health
            if self._run is not run or run.proc is None or health is None or self._stopping:
                return
            now = self._clock()
            failing = health.failing_for(now)
            healthy_for = (health.failing_since or now) - (run.ready_at or now)
            if healthy_for < QUICK_EXIT_SECONDS:
                self._failures += 1
            else:
                self._failures = 1  # after a long healthy run: the first of a new series
            self.health_restarts += 1
            why = (
                f"did not answer its health check (GET /healthz) for {failing:.0f} s "
                f"(c.VSCode.health_timeout = {health.limit:g})"
            )
            self.output.mark(f"code-server (pid {run.pid}) {why}: killing it")
            self.log.warning(
                "[jupyter-vscode] code-server (pid %d) %s; killing it (failure %d/%d)",
                run.pid,
                why,
                self._failures,
                self.config.max_restarts + 1,
            )
            await self._terminate()
            self.last_exit = run.returncode
            if self._gave_up(f"code-server {why}; it was killed"):
                return
            self._enter(State.STOPPED, f"code-server (pid {run.pid}) killed; starting it again")
        self.start_soon()  # unless refused; its pause grows with the failures, as after a crash

    async def _terminate(self) -> None:
        # Take the current run before the first await, so that whatever runs meanwhile sees
        # no half-stopped process and we never clean up a newer run's files.
        run, self._run = self._run, None
        idle_task, self._idle_task = self._idle_task, None
        if idle_task is not None and idle_task is not asyncio.current_task():
            idle_task.cancel()
        if run is not None:
            await run.terminate(
                lambda pid: self._enter(State.STOPPING, f"stopping code-server (pid {pid})")
            )
        self.pid = None
