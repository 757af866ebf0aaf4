"""Starting, watching, restarting and stopping one code-server process.

One Supervisor per Jupyter server. It starts code-server on demand (many concurrent callers
share one start), notices any exit (crash, signal, exit code 0), starts it again on the next
request, backs off on a crash loop and gives up after ``max_restarts`` failures in a row, until
someone asks for a restart. A running code-server is health-checked (``GET /healthz``): one
that stops answering for ``health_timeout`` seconds (wedged: the socket accepts, nothing
answers) is killed and started again, and that counts as a failure like a crash.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
import os
import re
import signal
import time
from collections import deque
from collections.abc import Callable

from .activity import STARTUP_LIMIT, STARTUP_QUIET
from .codeserver import (
    GROUP_FILE,
    WARM_UP_PATH,
    LaunchSpec,
    build_launch,
    cleanup_run_dir,
    http_probe,
    remove_stale_run_dirs,
)
from .config import VSCode
from .http_pool import HTTPPool as Backend
from .locate import Lookup, find_code_server
from .proclog import ProcessLog
from .proctree import group_alive, kill_tree, set_parent_death_signal

QUICK_EXIT_SECONDS = 10.0
"""A non-zero exit sooner than this after becoming ready counts as a failed start."""

PROBE_INTERVAL = 0.02
"""Seconds between readiness probes: fixed and short, so readiness is seen within ~20 ms."""

STOP_GRACE_SECONDS = 5.0

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


class State(str, enum.Enum):
    STOPPED = "stopped"
    STARTING = "starting"
    RUNNING = "running"
    STOPPING = "stopping"
    FAILED = "failed"
    MISSING = "missing"
    #: an invalid c.VSCode option: nothing is started until it is fixed (misconfigured.py)
    MISCONFIGURED = "misconfigured"


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


_VERSION_RE = re.compile(r"\bcode-server (\d+\.\d+\.\d+\S*)")


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
        #: Every activity decision at DEBUG (activity.py); a child of Jupyter's logger, so
        #: --log-level=DEBUG shows it, or it alone via c.ServerApp.logging_config.
        self.activity_log = log.getChild("jupyter_vscode.activity")
        self._clock = clock
        self.state = State.STOPPED
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
        self._start_task: asyncio.Task[None] | None = None
        self._watch_task: asyncio.Task[None] | None = None
        self._reader_task: asyncio.Task[None] | None = None
        self._idle_task: asyncio.Task[None] | None = None
        self._warm_task: asyncio.Task[int | None] | None = None
        self._health_task: asyncio.Task[None] | None = None
        #: The current process's health probes (None: not running, or no health check).
        self.health: HealthTracker | None = None
        #: Restarts because code-server stopped answering its health check.
        self.health_restarts = 0
        self._last_use = clock()
        #: Until when the traffic of a workbench that was just opened is its start-up, not use
        #: (see note_workbench_opened), and the latest that start-up may end.
        self._startup_until = 0.0
        self._startup_limit = 0.0
        self.idle_stops = 0
        #: True from an idle stop until the next start (the proxy then doesn't let an open
        #: tab's automatic reconnection start code-server again).
        self.stopped_for_idle = False
        self._user_data_dir_bytes = os.path.expanduser(config.user_data_dir).encode()
        self._stopping = False
        #: Held while a start or a stop changes the process, the run dir and the socket.
        self._lifecycle = asyncio.Lock()
        self.output = ProcessLog(config.log_dir, log)
        # what a Jupyter server killed outright left behind (an orphaned extension host)
        remove_stale_run_dirs()
        self._recent: deque[str] = deque(maxlen=50)
        #: Pooled keep-alive HTTP connections of the proxy route to this code-server.
        self.http = Backend()

    # ---------------------------------------------------------------- public API

    @property
    def user_data_dir_bytes(self) -> bytes:
        """The user-data dir as it appears in VS Code's messages (activity filtering); read
        for every websocket message, so computed once per start, not per message."""
        return self._user_data_dir_bytes

    @property
    def socket_path(self) -> str | None:
        return self._spec.socket_path if self._spec else None

    @property
    def port(self) -> int:
        return self._spec.port if self._spec and self._spec.port else 0

    def is_running(self) -> bool:
        return (
            self.state is State.RUNNING and self._proc is not None and self._proc.returncode is None
        )

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
            "idle_seconds": round(max(0.0, self._idle_seconds()), 1),
            "idle_stops": self.idle_stops,
            "workbench_starting": self.workbench_starting(),
            "healthy": self.is_healthy(),
            "health_restarts": self.health_restarts,
        }

    def is_healthy(self) -> bool | None:
        """Whether the running code-server answered its last health probe; None when it is
        not running or health checks are off (c.VSCode.health_timeout = 0)."""
        if not self.is_running() or self.health is None:
            return None
        return self.health.healthy

    def note_activity(self) -> None:
        """Somebody used VS Code just now (see activity.py for what counts)."""
        self._last_use = self._clock()

    def note_workbench_opened(self) -> None:
        """A VS Code window was opened (its first connection, not a reconnection): that is use,
        and what the workbench then does by itself to start is part of it (activity.py)."""
        now = self._clock()
        self._last_use = now
        self._startup_limit = now + STARTUP_LIMIT
        self._startup_until = min(now + STARTUP_QUIET, self._startup_limit)

    def workbench_starting(self) -> bool:
        return self._clock() < self._startup_until

    def absorb_startup_traffic(self) -> bool:
        """For traffic that would count as use: True (and not use) while a workbench that was
        just opened is still starting; start-up ends after STARTUP_QUIET seconds without such
        traffic, and STARTUP_LIMIT seconds after the window was opened at the latest."""
        now = self._clock()
        if now >= self._startup_until:
            return False
        self._startup_until = min(now + STARTUP_QUIET, self._startup_limit)
        return True

    def _idle_seconds(self) -> float:
        """Seconds without use; a starting workbench is in use until its start-up ends."""
        now = self._clock()
        return now - max(self._last_use, min(self._startup_until, now))

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

    async def stop(self) -> None:
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
                self.state = State.STOPPED
        finally:
            self._stopping = False

    def reset_failures(self) -> None:
        """Forget past failures (a user asked for a restart): the next start is immediate."""
        self._failures = 0
        self.error = ""
        if self.state in (State.FAILED, State.MISSING):
            self.state = State.STOPPED

    async def restart(self) -> None:
        """Stop, forget past failures, start again and wait until it answers."""
        await self.stop()
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

    # ---------------------------------------------------------------- internals

    def _backoff(self) -> float:
        if self._failures <= 0:
            return 0.0
        return float(min(0.5 * 2 ** (self._failures - 1), 8.0))

    async def _start_loop(self) -> None:
        while True:
            delay = self._backoff()
            if delay:
                self.log.info("[jupyter-vscode] waiting %.1fs before starting code-server", delay)
                self.state = State.STARTING
                await asyncio.sleep(delay)
            try:
                await self._start_once()
                return
            except _GaveUp:
                raise
            except NotInstalled as e:
                self.state = State.MISSING
                self.error = f"{e}; {e.hint}"
                self.log.warning("[jupyter-vscode] %s", self.error)
                raise
            except StartFailed as e:
                self._failures += 1
                self.error = str(e)
                if self._failures > self.config.max_restarts:
                    self.state = State.FAILED
                    self.log.error(
                        "[jupyter-vscode] code-server failed %d times in a row, giving up "
                        "until restarted: %s",
                        self._failures,
                        e,
                    )
                    raise
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
        lookup = find_code_server(self.config.code_server, self.config.setting("code_server"))
        if lookup.path is None:
            raise NotInstalled(lookup)
        self.executable = lookup.path
        self.state = State.STARTING
        await self._terminate()  # leftovers of an earlier run, if any

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
            proc = await asyncio.create_subprocess_exec(
                *spec.argv,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
                cwd=spec.cwd,
                env=spec.env,
                start_new_session=True,
                preexec_fn=set_parent_death_signal,
            )
        except OSError as e:
            cleanup_run_dir(spec)
            raise StartFailed(f"could not run {lookup.path!r}: {e.strerror or e}") from None
        self._proc = proc
        self.pid = proc.pid
        with contextlib.suppress(OSError):
            with open(os.path.join(spec.run_dir, GROUP_FILE), "w") as f:
                f.write(str(proc.pid))
        self._recent.clear()
        self._reader_task = asyncio.ensure_future(self._read_output(proc))
        try:
            await self._wait_ready(proc, spec)
        except BaseException:
            await self._terminate()
            raise
        self._ready_at = self._clock()
        self.state = State.RUNNING
        self.stopped_for_idle = False
        self.error = ""
        self.log.info(
            "[jupyter-vscode] code-server %s ready (pid %d) on %s",
            self.version or "",
            proc.pid,
            spec.address,
        )
        self._watch_task = asyncio.ensure_future(self._watch(proc))
        # code-server answers /healthz before it has loaded VS Code's server, which its first
        # page request would then wait for (~0.15-0.2 s): load it now, while nobody waits.
        self._warm_task = asyncio.ensure_future(
            http_probe(spec, timeout=self.config.start_timeout, path=WARM_UP_PATH)
        )
        self._last_use = self._clock()
        if self.config.idle_timeout > 0:
            self._idle_task = asyncio.ensure_future(self._idle_watch(proc))
        self.health = None
        if self.config.health_timeout > 0:
            self.health = HealthTracker(self.config.health_timeout)
            self._health_task = asyncio.ensure_future(self._health_watch(proc, spec, self.health))

    async def _wait_ready(self, proc: asyncio.subprocess.Process, spec: LaunchSpec) -> None:
        deadline = self._clock() + self.config.start_timeout
        while True:
            if proc.returncode is not None:
                await self._drain_output()
                raise StartFailed(
                    f"code-server exited with code {proc.returncode} while starting"
                    + self._recent_hint()
                )
            status = await http_probe(spec, timeout=1.0)
            if status is not None:
                return
            if self._clock() >= deadline:
                raise StartFailed(
                    f"code-server did not answer within {self.config.start_timeout:g} s "
                    "(c.VSCode.start_timeout)" + self._recent_hint()
                )
            await asyncio.sleep(PROBE_INTERVAL)

    def _recent_hint(self) -> str:
        lines = [line for line in self._recent if line.strip()]
        return (": " + " | ".join(lines[-3:])) if lines else ""

    async def _drain_output(self) -> None:
        if self._reader_task is not None:
            with contextlib.suppress(asyncio.TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(asyncio.shield(self._reader_task), 1.0)

    async def _read_output(self, proc: asyncio.subprocess.Process) -> None:
        assert proc.stdout is not None
        while True:
            try:
                raw = await proc.stdout.readline()
            except (ValueError, asyncio.LimitOverrunError):
                raw = await proc.stdout.read(65536)
            if not raw:
                return
            line = raw.decode("utf-8", "replace").rstrip("\n")
            self._recent.append(line)
            self.output.write(line)
            if self.version is None or self.state is State.STARTING:
                m = _VERSION_RE.search(line)
                if m:
                    self.version = m.group(1)

    async def _watch(self, proc: asyncio.subprocess.Process) -> None:
        code = await proc.wait()
        await self._drain_output()
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
        self.log.warning(
            "[jupyter-vscode] code-server (pid %d) %s after %.1fs; it starts again on the next "
            "request",
            proc.pid,
            how,
            ran,
        )
        # Children (extension host, terminals) must not outlive it.
        kill_tree(proc.pid, signal.SIGKILL, include_root=False)
        if self._spec is not None:
            cleanup_run_dir(self._spec)
        self._proc = None
        if self._failures > self.config.max_restarts:
            self.state = State.FAILED
            self.error = f"code-server {how} {self._failures} times in a row shortly after start"
        else:
            self.state = State.STOPPED

    async def _idle_watch(self, proc: asyncio.subprocess.Process) -> None:
        timeout = self.config.idle_timeout
        interval = min(max(timeout / 4, 0.25), 30.0)
        while self._proc is proc and proc.returncode is None:
            await asyncio.sleep(interval)
            idle = self._idle_seconds()
            if self._proc is proc and idle >= timeout:
                self.idle_stops += 1
                self.stopped_for_idle = True
                self.output.mark(f"stopping code-server after {idle:.0f}s without use")
                self.log.info(
                    "[jupyter-vscode] stopping code-server after %.0fs without use "
                    "(c.VSCode.idle_timeout); the next request starts it again",
                    idle,
                )
                await self.stop()
                return

    async def _health_watch(
        self, proc: asyncio.subprocess.Process, spec: LaunchSpec, health: HealthTracker
    ) -> None:
        """Probe ``/healthz`` (over the proxy's transport) while this process runs; restart it
        when it stops answering (see HealthTracker)."""
        interval, probe_timeout = health_timings(health.limit)
        while self._proc is proc and proc.returncode is None:
            await asyncio.sleep(interval)
            if self._proc is not proc or proc.returncode is not None:
                return
            began = self._clock()
            answered = await http_probe(spec, timeout=probe_timeout) is not None
            if self._proc is not proc or proc.returncode is not None:
                return  # stopped or exited meanwhile: _watch or stop() deal with it
            if health.record(answered, began, self._clock()):
                await self._restart_unhealthy(proc, health)
                return
            if not answered:
                self.log.info(
                    "[jupyter-vscode] code-server (pid %d) did not answer its health check "
                    "(%d in a row, %.0fs)",
                    proc.pid,
                    health.failures,
                    health.failing_for(self._clock()),
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
                "[jupyter-vscode] code-server (pid %d) %s; killing it and starting it again "
                "(failure %d/%d)",
                proc.pid,
                why,
                self._failures,
                self.config.max_restarts + 1,
            )
            await self._terminate()
            self.last_exit = proc.returncode
            if self._failures > self.config.max_restarts:
                self.state = State.FAILED
                self.error = (
                    f"code-server {why}, {self._failures} times in a row; it was killed each time"
                )
                self.log.error("[jupyter-vscode] giving up until restarted: %s", self.error)
                return
            self.state = State.STOPPED
        if not self._stopping:
            self.start_soon()  # its pause grows with the failures, as after a crash

    async def _terminate(self) -> None:
        # Take everything of the current run before the first await, so that whatever runs
        # meanwhile sees no half-stopped process and we never clean up a newer run's files.
        proc, self._proc = self._proc, None
        spec, self._spec = self._spec, None
        reader, self._reader_task = self._reader_task, None
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
            self.state = State.STOPPING
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
            with contextlib.suppress(asyncio.TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(reader, 1.0)
        if spec is not None:
            cleanup_run_dir(spec)
        if self._proc is None:
            self.pid = None
        self._ready_at = None
        await self.http.close()
