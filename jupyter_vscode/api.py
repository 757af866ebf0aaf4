"""REST API under ``<base_url>api/vscode/``: status, restart, stop, log, launcher.

Every method is authenticated (``@web.authenticated``) and authorized (``@authorized``,
resource ``vscode``); POSTs carry Jupyter's XSRF token like every Jupyter API call.
"""

from __future__ import annotations

import json
import re
from typing import Any

from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler
from tornado import web

from .config import VSCode
from .misconfigured import Misconfigured, MisconfiguredSupervisor
from .open_url import OpenURLHandler
from .quoting import quoted
from .routes import API_PATH, AUTH_RESOURCE, URL_PATH
from .supervisor import NotInstalled, StartFailed, Supervisor

MAX_LOG_LINES = 1000
#: The API takes no body or a tiny one (``{}``); a bigger one is refused before it is parsed.
MAX_BODY_BYTES = 64 * 1024
#: How deep a body's arrays and objects may nest (json's parser recurses once per level).
MAX_JSON_DEPTH = 32

#: A JSON string (closed or not) or a bracket, for json_depth
_STRING_OR_BRACKET = re.compile(r'"(?:[^"\\]|\\.)*"?|[\[\]{}]', re.DOTALL)


def json_depth(text: str) -> int:
    """How deep the arrays and objects of JSON ``text`` nest, counted without parsing it (and
    without recursion). Brackets inside strings don't count. Where json's parser would go deep,
    the text up to there is valid JSON, whose strings are found as json finds them: so this is
    never less than the depth the parser would recurse to. Malformed text gets a number too;
    the parser refuses it afterwards."""
    depth = deepest = 0
    for match in _STRING_OR_BRACKET.finditer(text):
        token = match.group()
        if token in ("[", "{"):
            depth += 1
            deepest = max(deepest, depth)
        elif token in ("]", "}"):
            depth = max(depth - 1, 0)
    return deepest


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
        """Accept no body or a JSON object; anything else is a 4xx with a reason.

        Bounded before it is parsed: at most MAX_BODY_BYTES (else 413), UTF-8, arrays and
        objects nested at most MAX_JSON_DEPTH deep (counted first: json's recursive parser
        never sees a deeper body). Whatever else the parser raises is a 400 too: it only
        ever fails on its input.
        """
        raw = self.request.body
        if len(raw) > MAX_BODY_BYTES:
            raise web.HTTPError(
                413, f"request body is {len(raw)} bytes; the API takes at most {MAX_BODY_BYTES}"
            )
        raw = raw.strip()
        if not raw:
            return {}
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            raise web.HTTPError(
                400, f"request body is not UTF-8: {e.reason} at byte {e.start}"
            ) from None
        depth = json_depth(text)
        if depth > MAX_JSON_DEPTH:
            raise web.HTTPError(
                400,
                f"request body nests arrays or objects {depth} deep; at most {MAX_JSON_DEPTH}",
            )
        try:
            body = json.loads(text)
        except (ValueError, RecursionError) as e:  # JSONDecodeError, too many digits, ...
            raise web.HTTPError(400, f"request body is not valid JSON: {quoted(str(e))}") from None
        if not isinstance(body, dict):
            raise web.HTTPError(
                400, f"request body must be a JSON object, not {type(body).__name__}"
            )
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
