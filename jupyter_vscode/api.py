"""REST API under ``<base_url>api/vscode/``: status, restart, stop, log, launcher.

Every method is authenticated (``@web.authenticated``) and authorized (``@authorized``,
resource ``vscode``); POSTs carry Jupyter's XSRF token like every Jupyter API call.
"""

from __future__ import annotations

import json
from typing import Any

from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler
from tornado import web

from .config import VSCode
from .misconfigured import Misconfigured, MisconfiguredSupervisor
from .open_url import OpenURLHandler
from .routes import API_PATH, AUTH_RESOURCE, URL_PATH
from .supervisor import NotInstalled, StartFailed, Supervisor

MAX_LOG_LINES = 1000


class _Base(APIHandler):
    auth_resource = AUTH_RESOURCE
    supervisor: Supervisor | MisconfiguredSupervisor
    vscode_config: VSCode

    def initialize(  # type: ignore[override]
        self, supervisor: Supervisor | MisconfiguredSupervisor, config: VSCode
    ) -> None:
        self.supervisor = supervisor
        self.vscode_config = config

    def _json_body(self) -> dict[str, Any]:
        """Accept no body or a JSON object; anything else is a 400 with a reason."""
        raw = self.request.body.strip()
        if not raw:
            return {}
        try:
            body = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as e:
            raise web.HTTPError(400, f"request body is not valid JSON: {e}") from None
        if not isinstance(body, dict):
            raise web.HTTPError(400, "request body must be a JSON object")
        return body

    async def _start_and_report(self) -> None:
        try:
            await self.supervisor.ensure_started()
        except NotInstalled as e:
            raise web.HTTPError(409, f"{e}; {e.hint}") from None
        except StartFailed as e:
            raise web.HTTPError(503, f"VS Code could not start: {e}") from None
        except Misconfigured as e:
            raise web.HTTPError(409, str(e)) from None
        self.finish(json.dumps(self.supervisor.status()))


class StatusHandler(_Base):
    _track_activity = False  # polled by the frontends: not a sign of use

    @web.authenticated
    @authorized
    async def get(self) -> None:
        self.finish(json.dumps(self.supervisor.status()))


class RestartHandler(_Base):
    @web.authenticated
    @authorized
    async def post(self) -> None:
        self._json_body()
        await self.supervisor.stop()
        self.supervisor.reset_failures()
        await self._start_and_report()


class StopHandler(_Base):
    @web.authenticated
    @authorized
    async def post(self) -> None:
        self._json_body()
        await self.supervisor.stop()
        self.finish(json.dumps(self.supervisor.status()))


class LogHandler(_Base):
    _track_activity = False

    @web.authenticated
    @authorized
    async def get(self) -> None:
        raw = self.get_argument("lines", "100")
        try:
            lines = int(raw)
        except ValueError:
            raise web.HTTPError(400, f"lines={raw!r}: expected a whole number") from None
        if not 0 <= lines <= MAX_LOG_LINES:
            raise web.HTTPError(400, f"lines={lines}: expected 0 to {MAX_LOG_LINES}")
        self.finish(
            json.dumps(
                {"lines": self.supervisor.log_tail(lines), "log_file": self.supervisor.log_file}
            )
        )


class LauncherHandler(_Base):
    _track_activity = False

    @web.authenticated
    @authorized
    async def get(self) -> None:
        c = self.vscode_config
        self.finish(
            json.dumps(
                {
                    "enabled": c.launcher_enabled,
                    "title": c.launcher_title,
                    "category": c.launcher_category,
                    "url": URL_PATH,
                }
            )
        )


def api_handlers(
    supervisor: Supervisor | MisconfiguredSupervisor, config: VSCode
) -> list[tuple[str, type, dict[str, Any]]]:
    """The API routes; ``config`` supplies the launcher options."""
    kwargs = {"supervisor": supervisor, "config": config}
    return [
        (f"{API_PATH}/status", StatusHandler, kwargs),
        (f"{API_PATH}/restart", RestartHandler, kwargs),
        (f"{API_PATH}/stop", StopHandler, kwargs),
        (f"{API_PATH}/log", LogHandler, kwargs),
        (f"{API_PATH}/launcher", LauncherHandler, kwargs),
        (f"{API_PATH}/url", OpenURLHandler, {}),
    ]
