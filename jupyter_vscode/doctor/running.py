"""``--VSCode.*`` options on the command lines of running Jupyter servers.

Config files and environment variables are visible to any process; a Jupyter command line
(``jupyter lab --VSCode.start_timeout=30``) only to its own. So the running servers are found
through jupyter_server's runtime files (``jpserver-<pid>.json`` in the runtime dir, via
``list_running_servers``) and each one's arguments are read from ``/proc/<pid>/cmdline``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from traitlets.config.loader import KVArgParseConfigLoader

from ..config import VSCode

PREFIX = "--VSCode."


@dataclass
class Server:
    pid: int
    url: str
    #: the ``--VSCode.*`` arguments as given; None when the command line cannot be read
    args: list[str] | None = None
    #: option name -> value, as Jupyter parses them
    options: dict[str, Any] = field(default_factory=dict)
    #: why ``args`` could not be read or parsed
    error: str = ""

    @property
    def source(self) -> str:
        return f"command line of Jupyter pid {self.pid}"

    def describe(self) -> str:
        where = f"Jupyter pid {self.pid} ({self.url})"
        if self.error:
            return f"{where}: {self.error}"
        if not self.args:
            return f"{where}: no --VSCode options on its command line"
        return f"{where}: command line has {' '.join(self.args)}"


def vscode_args(argv: list[str]) -> list[str]:
    """The ``--VSCode.name=value`` (or ``--VSCode.name value``) arguments of a command line."""
    found: list[str] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            break
        if arg.startswith(PREFIX):
            if "=" not in arg and i + 1 < len(argv) and not argv[i + 1].startswith("-"):
                found.append(f"{arg}={argv[i + 1]}")
                i += 1
            else:
                found.append(arg)
        i += 1
    return found


def parse(args: list[str]) -> dict[str, Any]:
    """Parse ``--VSCode.*`` arguments the way Jupyter's command line does."""
    config = KVArgParseConfigLoader(argv=args, classes=[VSCode]).load_config()
    return dict(config["VSCode"]) if "VSCode" in config else {}


def read_cmdline(pid: int) -> list[str]:
    with open(f"/proc/{pid}/cmdline", "rb") as f:
        raw = f.read()
    return [part.decode("utf-8", "replace") for part in raw.split(b"\0") if part]


def find(runtime_dir: str | None = None) -> list[Server]:
    """The running Jupyter servers of this user, each with its ``--VSCode.*`` options."""
    # lazy: jupyter_server.serverapp is heavy to import; only this listing needs it
    from jupyter_server.serverapp import list_running_servers

    servers = []
    for info in list_running_servers(runtime_dir):
        server = Server(int(info["pid"]), str(info.get("url", "?")))
        try:
            server.args = vscode_args(read_cmdline(server.pid))
        except OSError as e:
            server.error = (
                f"its command line cannot be read ({e.strerror or e}), so its --VSCode options "
                "cannot be seen"
            )
        else:
            try:
                server.options = parse(server.args)
            except (Exception, SystemExit) as e:  # noqa: BLE001 - argparse exits on bad input
                server.error = f"its --VSCode options cannot be parsed: {e}"
        servers.append(server)
    return servers


def notes(servers: list[Server], runtime_dir: str) -> list[str]:
    if not servers:
        return [
            f"no running Jupyter server was found (in {runtime_dir}): options given on a "
            "Jupyter command line (--VSCode.name=value) cannot be seen here"
        ]
    return [server.describe() for server in servers]
