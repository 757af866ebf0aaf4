"""How code-server is launched: its command line, environment and private run directory,
and how we ask it whether it is up."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
import stat
import sys
import tempfile
from dataclasses import dataclass, field

from .config import VSCode
from .credentials import without_credentials
from .proctree import kill_orphaned_group, set_parent_death_signal, start_time
from .workspace_view import keep_install_out_of_view

RUN_DIR_PREFIX = "jupyter-vscode-"
#: What run directories of earlier versions carried to name their Jupyter server (read by the
#: cleanup only; a run directory's name says it now, from its creation).
OWNER_FILE = "owner.pid"
#: code-server's process group (its pid: it starts its own session), for cleaning up after a
#: Jupyter server that was killed outright.
GROUP_FILE = "code-server.pgid"
#: The socket code-server makes in its --user-data-dir for `code-server <file>` from its
#: terminals (its default --session-socket), and leaves behind when stopped.
SESSION_SOCKET = "code-server-ipc.sock"

#: Variables that make code-server listen elsewhere, ask for a password, or hand off to
#: another VS Code instead of starting (VSCODE_IPC_HOOK_CLI is set in VS Code terminals).
SCRUBBED_ENV = (
    "PORT",
    "CODE_SERVER_HOST",
    "PASSWORD",
    "HASHED_PASSWORD",
    "VSCODE_IPC_HOOK_CLI",
    "CODE_SERVER_CONFIG",
)

#: A path no route of code-server's serves: asking for it makes code-server load VS Code's
#: server (it does so lazily, on the first request that isn't /healthz) and answer 404.
WARM_UP_PATH = "/_jupyter_vscode/warm-up"

#: Node's on-disk compile cache (Node >= 22.1; ignored by older Node): code-server and its
#: extension hosts start ~0.1 s faster from the second start on. A value set by the user wins;
#: NODE_DISABLE_COMPILE_CACHE=1 turns it off.
COMPILE_CACHE_ENV = "NODE_COMPILE_CACHE"


def compile_cache_dir() -> str:
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(cache, "jupyter-vscode", "node-compile-cache")


#: code-server's ``--config``: with no such file it writes a default one (``bind-addr:
#: 127.0.0.1:8080``, ``auth: password`` and a password) before it reads it, creating its folder
#: if needed, even for ``--version``. /dev/null exists (so it writes nothing) and reads empty
#: (so nothing of the user's own ~/.config/code-server/config.yaml applies); every setting is on
#: the command line.
NO_CONFIG_FILE = os.devnull


@dataclass
class LaunchSpec:
    argv: list[str]
    env: dict[str, str]
    cwd: str
    run_dir: str
    socket_path: str | None = None
    port: int | None = None
    #: code-server's own session socket (in the user-data dir), which it leaves when stopped
    session_socket: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def address(self) -> str:
        return self.socket_path if self.socket_path else f"127.0.0.1:{self.port}"


@dataclass(frozen=True)
class Endpoint:
    """Where one running code-server answers, and which start of it that is: the proxy route
    asks the Supervisor for this, and pools its connections per ``generation`` (a restart on
    the same socket path or port is a new generation, and never gets the old connections)."""

    socket_path: str | None
    port: int
    generation: int

    @property
    def url_base(self) -> str:
        """``http://host:port`` for requests to it (the host is a placeholder on a socket)."""
        return "http://localhost:80" if self.socket_path else f"http://127.0.0.1:{self.port}"


def run_dir_base() -> str:
    xdg = os.environ.get("XDG_RUNTIME_DIR")
    if xdg and os.path.isdir(xdg) and os.access(xdg, os.W_OK):
        return xdg
    return tempfile.gettempdir()


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _owner_name() -> str:
    pid = os.getpid()
    return f"{RUN_DIR_PREFIX}{pid}-{start_time(pid)}-"


#: The longest path a unix socket may have (sun_path with its final NUL: 108 bytes on Linux,
#: 104 on macOS).
MAX_SOCKET_PATH = 103 if sys.platform == "darwin" else 107
SOCKET_NAME = "code-server.sock"


def socket_path_in(run_dir: str) -> str:
    """code-server's socket in ``run_dir``; OSError with what to do if the path is too long
    for a unix socket (a deep TMPDIR or XDG_RUNTIME_DIR)."""
    path = os.path.join(run_dir, SOCKET_NAME)
    if len(os.fsencode(path)) > MAX_SOCKET_PATH:
        raise OSError(
            f"its socket path {path} is {len(os.fsencode(path))} bytes, more than the "
            f"{MAX_SOCKET_PATH} a unix socket path may have: set XDG_RUNTIME_DIR (or TMPDIR) "
            "to a shorter directory for Jupyter"
        )
    return path


def _owner_gone(path: str, name: str) -> bool:
    """Whether the Jupyter server that made run directory ``path`` has ended: its name holds
    the owner's pid and start time; older versions' directories hold an owner.pid file."""
    parts = name[len(RUN_DIR_PREFIX) :].split("-")
    if len(parts) == 3 and parts[0].isdigit() and parts[1].isdigit():
        pid, started = int(parts[0]), parts[1]
        if not _pid_alive(pid):
            return True
        now = start_time(pid)  # the same pid, another process: the owner is gone too
        return "0" not in (started, now) and started != now
    try:
        with open(os.path.join(path, OWNER_FILE)) as f:
            owner = int(f.read().strip() or "0")
    except (OSError, ValueError):
        return False  # not recognisably ours: left alone
    return bool(owner) and not _pid_alive(owner)


def remove_stale_run_dirs(base: str | None = None) -> list[str]:
    """Remove run directories left by Jupyter servers that died without cleaning up (killed
    outright): the next Jupyter server of the user does it when it starts."""
    base = base or run_dir_base()
    removed: list[str] = []
    try:
        names = os.listdir(base)
    except OSError:
        return removed
    uid = os.getuid()
    for name in names:
        if not name.startswith(RUN_DIR_PREFIX):
            continue
        path = os.path.join(base, name)
        try:
            st = os.lstat(path)
        except OSError:
            continue
        if st.st_uid != uid or not stat.S_ISDIR(st.st_mode) or not _owner_gone(path, name):
            continue
        # code-server itself got our parent-death signal, but its extension host can
        # outlive it: end what is left of its process group first.
        try:
            with open(os.path.join(path, GROUP_FILE)) as f:
                kill_orphaned_group(int(f.read().strip()), marker=b"code-server")
        except (OSError, ValueError):
            pass
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    return removed


def make_run_dir() -> str:
    """A fresh private directory for code-server's socket: 0700 from its creation (mkdtemp),
    and named after this Jupyter server (pid and start time), so that whatever ends this
    server, the next one recognises it as stale and removes it."""
    remove_stale_run_dirs()
    return tempfile.mkdtemp(prefix=_owner_name(), dir=run_dir_base())


def cleanup_run_dir(spec: LaunchSpec) -> None:
    """What a code-server run leaves once it has ended: its run dir, its session socket."""
    shutil.rmtree(spec.run_dir, ignore_errors=True)
    if spec.session_socket:
        remove_dead_socket(spec.session_socket)


def is_vscode_socket(path: str) -> bool:
    """A socket file VS Code or code-server makes for itself (vscode-ipc-*.sock for its
    terminals' `code` command, vscode-git-*.sock, code-server's session socket), not one of
    the user's programs in its terminals."""
    name = os.path.basename(path)
    return name == SESSION_SOCKET or (name.startswith("vscode-") and name.endswith(".sock"))


def remove_dead_socket(path: str) -> None:
    """Remove the unix socket ``path`` if nothing listens on it any more (code-server leaves
    its session socket behind when it is stopped)."""
    try:
        if not stat.S_ISSOCK(os.lstat(path).st_mode):
            return
    except OSError:
        return
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.settimeout(0.5)
        probe.connect(path)
    except ConnectionRefusedError:
        with contextlib.suppress(OSError):
            os.unlink(path)
    except OSError:
        pass
    finally:
        probe.close()


def child_env(base: dict[str, str] | None = None, pass_credentials: bool = False) -> dict[str, str]:
    env = dict(os.environ if base is None else base)
    if not pass_credentials:  # its terminals and extensions would inherit them
        env = without_credentials(env)
    for name in SCRUBBED_ENV:
        env.pop(name, None)
    if not env.get(COMPILE_CACHE_ENV):
        cache = compile_cache_dir()
        try:  # only a directory we could make: Node never reports a cache it can't write
            os.makedirs(cache, mode=0o700, exist_ok=True)
            if os.access(cache, os.W_OK | os.X_OK):
                env[COMPILE_CACHE_ENV] = cache
        except OSError:
            pass
    return env


def build_launch(config: VSCode, executable: str, root_dir: str) -> LaunchSpec:
    folder = os.path.abspath(os.path.expanduser(config.folder or root_dir))
    user_data_dir = os.path.expanduser(config.user_data_dir)
    extensions_dir = os.path.expanduser(config.extensions_dir)
    for path in (user_data_dir, extensions_dir):
        os.makedirs(path, mode=0o700, exist_ok=True)
    # The folders users open: the default one, Jupyter's root, the home directory.
    opened = (folder, os.path.abspath(root_dir), os.path.expanduser("~"))
    keep_install_out_of_view(executable, user_data_dir, opened)

    run_dir = make_run_dir()
    argv = [
        executable,
        "--config",
        NO_CONFIG_FILE,
        "--auth",
        "none",
        "--disable-telemetry",
        "--disable-update-check",
        "--user-data-dir",
        user_data_dir,
        "--extensions-dir",
        extensions_dir,
    ]
    socket_path = None
    port = None
    if config.transport == "socket":
        try:
            socket_path = socket_path_in(run_dir)
        except OSError:
            shutil.rmtree(run_dir, ignore_errors=True)
            raise
        argv += ["--socket", socket_path, "--socket-mode", "600"]
    else:
        port = config.port
        argv += ["--bind-addr", f"127.0.0.1:{port}"]
    if config.disable_workspace_trust:  # unsafe; by default the proxy decides per page (trust.py)
        argv.append("--disable-workspace-trust")
    # No "Deploy code-server for your team" advert in the user's welcome page.
    argv.append("--disable-getting-started-override")
    for origin in config.trusted_origins:
        argv += ["--trusted-origins", origin]
    argv += list(config.extra_args)
    argv.append(folder)
    cwd = folder if os.path.isdir(folder) else os.path.expanduser("~")
    return LaunchSpec(
        argv=argv,
        env=child_env(pass_credentials=config.pass_jupyter_credentials),
        cwd=cwd,
        run_dir=run_dir,
        socket_path=socket_path,
        port=port,
        session_socket=os.path.join(user_data_dir, SESSION_SOCKET),
    )


async def http_probe_port(port: int, timeout: float = 1.0) -> int | None:
    """HTTP status of ``GET /healthz`` on 127.0.0.1:``port``, or None if nothing answers."""
    return await _http_probe(None, port, timeout, "/healthz")


async def http_probe(spec: LaunchSpec, timeout: float = 1.0, path: str = "/healthz") -> int | None:
    """HTTP status of ``GET path`` on code-server's socket/port, or None if nothing answers."""
    return await _http_probe(spec.socket_path, spec.port, timeout, path)


async def _http_probe(
    socket_path: str | None, port: int | None, timeout: float, path: str
) -> int | None:
    async def _probe() -> int | None:
        if socket_path:
            reader, writer = await asyncio.open_unix_connection(socket_path)
        else:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            writer.write(
                f"GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".encode()
            )
            await writer.drain()
            line = await reader.readline()
            # read the rest (Connection: close): closing with unread data would reset the
            # connection under code-server while it still writes its answer
            while await reader.read(65536):
                pass
        finally:
            writer.close()
            with contextlib.suppress(Exception):  # noqa: BLE001 - closing a broken socket
                await writer.wait_closed()
        parts = line.split()
        if len(parts) >= 2 and parts[0].startswith(b"HTTP/") and parts[1].isdigit():
            return int(parts[1])
        return None

    try:
        return await asyncio.wait_for(_probe(), timeout)
    except (OSError, asyncio.TimeoutError, ValueError):
        return None


async def spawn(spec: LaunchSpec) -> asyncio.subprocess.Process:
    """Run code-server as ``spec`` says, in its own session (so its whole process group can be
    stopped) that dies with us, output piped; note its group in the run dir. Raises OSError."""
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
    with contextlib.suppress(OSError):
        with open(os.path.join(spec.run_dir, GROUP_FILE), "w") as f:
            f.write(str(proc.pid))
    return proc
