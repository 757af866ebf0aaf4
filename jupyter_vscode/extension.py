"""The server extension: reads c.VSCode, wires the Supervisor to the proxy route and the API."""

from __future__ import annotations

import atexit
import importlib.util
from typing import Any

from jupyter_server.extension.application import ExtensionApp

from . import __version__, ports, wsrelay
from .access import AddSlashHandler
from .api import api_handlers
from .config import InvalidOption, VSCode, load_options
from .forwarded import KeyedPortHandler
from .http_pool import HTTPPool
from .misconfigured import (
    MisconfiguredHandler,
    MisconfiguredSupervisor,
    explain,
    usable_launcher_options,
)
from .proxy import VSCodeProxyHandler
from .routes import ROUTE
from .supervisor import Supervisor


def port_route_note(options: VSCode, server_proxy: object | None) -> str | None:
    """With transport 'port', what an admin used to <base_url>proxy/<port>/ needs to know when
    jupyter-server-proxy (the optional package that serves that route) is not installed."""
    if options.transport != "port" or server_proxy is not None:
        return None
    return (
        f"c.VSCode.transport is 'port': VS Code is at <base_url>vscode/ as always, but "
        f"<base_url>proxy/{options.port}/ is not served: that route is jupyter-server-proxy's, "
        "which is not installed. To have it, run pip install 'jupyter-vscode[proxy]' in the "
        "environment Jupyter runs from and restart Jupyter."
    )


class VSCodeExtension(ExtensionApp):
    name = "jupyter_vscode"
    description = "VS Code (code-server) next to Jupyter"
    version = __version__
    load_other_extensions = True
    classes = [VSCode]

    supervisor: Supervisor | None = None
    vscode: VSCode | None = None
    #: set instead of supervisor when an option is invalid (see misconfigured.py)
    misconfigured: MisconfiguredSupervisor | None = None
    #: the proxy route's HTTP connections to code-server (http_pool.py)
    pool: HTTPPool | None = None
    #: the websockets the route relays (wsrelay.py)
    relays: wsrelay.Relays | None = None

    def initialize_settings(self) -> None:
        assert self.serverapp is not None
        log = self.serverapp.log
        try:
            self.vscode = load_options(self.serverapp)
        except InvalidOption as e:
            self.vscode = None
            message = explain(e, self.serverapp)
            log.error("[jupyter-vscode] disabled, code-server is not started: %s", message)
            self.misconfigured = MisconfiguredSupervisor(message)
            self.settings["jupyter_vscode_supervisor"] = self.misconfigured
            return
        note = port_route_note(self.vscode, importlib.util.find_spec("jupyter_server_proxy"))
        if note:
            log.warning("[jupyter-vscode] %s", note)
        serverapp = self.serverapp
        self.supervisor = Supervisor(
            self.vscode,
            serverapp.root_dir,
            log,
            # set by Jupyter's signal handler, before it calls stop_extension
            shutting_down=lambda: bool(getattr(serverapp, "_stopping", False)),
        )
        atexit.register(self.supervisor.kill_now)
        self.settings["jupyter_vscode_supervisor"] = self.supervisor
        self.pool = HTTPPool()
        self.relays = wsrelay.Relays()
        self.settings["jupyter_vscode_http"] = self.pool

    def initialize_handlers(self) -> None:
        handlers: list[tuple[str, Any, dict[str, Any]]]
        if self.supervisor is not None and self.vscode is not None:
            proxy = {
                "supervisor": self.supervisor,
                "pool": self.pool,
                "keys": ports.Keys(),
                "relays": self.relays,
            }
            handlers = [
                (f"{ROUTE}/{ports.KEYED_ROUTE}", KeyedPortHandler, proxy),
                (ROUTE + "/(.*)", VSCodeProxyHandler, proxy),
            ]
            handlers += api_handlers(self.supervisor, self.vscode)
        elif self.misconfigured is not None:
            assert self.serverapp is not None
            message = self.misconfigured.error
            handlers = [(ROUTE + "/(.*)", MisconfiguredHandler, {"message": message})]
            launcher = usable_launcher_options(self.serverapp)
            handlers += api_handlers(self.misconfigured, launcher)
        else:
            return
        handlers.append((ROUTE, AddSlashHandler, {}))
        self.handlers.extend(handlers)

    async def _start_jupyter_server_extension(self, serverapp: Any) -> None:
        """jupyter-server's start hook (its event loop runs): c.VSCode.prestart starts
        code-server now, in the background, so the first click finds it running."""
        if self.supervisor is not None and self.vscode is not None and self.vscode.prestart:
            self.supervisor.log.info("[jupyter-vscode] starting code-server (c.VSCode.prestart)")
            self.supervisor.start_soon()

    async def stop_extension(self) -> None:
        """Jupyter's shutdown: code-server stopped for good (nothing starts it again), then
        the connections to it closed, so that no task of ours outlives the event loop."""
        if self.supervisor is not None:
            await self.supervisor.shutdown()
            self.supervisor.output.close()
        if self.relays is not None:
            await self.relays.close_all(timeout=5.0)
        if self.pool is not None:
            await self.pool.close()
