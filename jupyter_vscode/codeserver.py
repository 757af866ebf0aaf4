"""How code-server is launched: its command line, environment and private run directory,
and how we ask it whether it is up."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import tempfile
from dataclasses import dataclass, field

from .config import VSCode
from .credentials import without_credentials
from .proctree import kill_orphaned_group, set_parent_death_signal
from .workspace_view import keep_install_out_of_view

RUN_DIR_PREFIX = "jupyter-vscode-"
OWNER_FILE = "owner.pid"
#: code-server's process group (its pid: it starts its own session), for cleaning up after a
#: Jupyter server that was killed outright.
GROUP_FILE = "code-server.pgid"

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


CONFIG_YAML = """\
# Written by jupyter-vscode for this code-server process only.
# Only Jupyter's authenticated proxy can reach the socket/loopback port.
auth: none
cert: false
"""


@dataclass
class LaunchSpec:
    argv: list[str]
    env: dict[str, str]
    cwd: str
    run_dir: str
    socket_path: str | None = None
    port: int | None = None
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


def remove_stale_run_dirs(base: str | None = None) -> list[str]:
    """Remove run directories left by Jupyter servers that died without cleaning up."""
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
            if os.lstat(path).st_uid != uid or not os.path.isdir(path):
                continue
            with open(os.path.join(path, OWNER_FILE)) as f:
                owner = int(f.read().strip() or "0")
        except (OSError, ValueError):
            continue
        if owner and not _pid_alive(owner):
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
    """A fresh private (0700) directory for the socket and the generated config file."""
    remove_stale_run_dirs()
    path = tempfile.mkdtemp(prefix=RUN_DIR_PREFIX, dir=run_dir_base())
    os.chmod(path, 0o700)
    with open(os.path.join(path, OWNER_FILE), "w") as f:
        f.write(str(os.getpid()))
    return path


def cleanup_run_dir(spec: LaunchSpec) -> None:
    shutil.rmtree(spec.run_dir, ignore_errors=True)


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
    config_file = os.path.join(run_dir, "config.yaml")
    fd = os.open(config_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(CONFIG_YAML)

    argv = [
        executable,
        "--config",
        config_file,
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
        socket_path = os.path.join(run_dir, "code-server.sock")
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
    )


async def http_probe(spec: LaunchSpec, timeout: float = 1.0, path: str = "/healthz") -> int | None:
    """HTTP status of ``GET path`` on code-server's socket/port, or None if nothing answers."""

    async def _probe() -> int | None:
        if spec.socket_path:
            reader, writer = await asyncio.open_unix_connection(spec.socket_path)
        else:
            reader, writer = await asyncio.open_connection("127.0.0.1", spec.port)
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
