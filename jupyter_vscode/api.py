"""REST API under ``<base_url>api/vscode/``: status, restart, stop, log, launcher, url.

Every method is authenticated (``@web.authenticated``) and authorized (``@authorized``,
resource ``vscode``); POSTs carry Jupyter's XSRF token like every Jupyter API call.

Input is read in one place, ``_Base``: the body by ``_json_body``, query arguments by
``_query_argument``. Both are bounded before anything is parsed, and whatever is wrong with
them is a 4xx with a reason that quotes (the start of) the bad value; a 5xx means a bug here
or a code-server that can't start, never bad input.
"""

from __future__ import annotations

import json
import re
from typing import Any

from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler
from tornado import httputil, web

from . import bounded_json
from .config import VSCode
from .misconfigured import Misconfigured, MisconfiguredSupervisor
from .open_url import AUTHORITY_RE, PathRefused, folder_to_open, resolve_in_root, vscode_url
from .quoting import quoted
from .routes import API_PATH, AUTH_RESOURCE, URL_PATH
from .supervisor import NotInstalled, StartFailed, StartRefused, Supervisor

MAX_LOG_LINES = 1000
#: The API takes no body or a tiny one (``{}``); a bigger one is refused before it is parsed.
MAX_BODY_BYTES = 64 * 1024
#: How deep a body's arrays and objects may nest (json's parser recurses once per level).
MAX_JSON_DEPTH = 32
#: The longest query argument read (a path; the others have their own, smaller bounds).
MAX_ARGUMENT_CHARS = 4096
#: The longest ``authority``: a DNS name (253) or bracketed IPv6 address, and a port.
MAX_AUTHORITY_CHARS = 300

_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")


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
        try:
            body = bounded_json.loads(text, MAX_JSON_DEPTH)
        except bounded_json.JSONRefused as e:
            raise web.HTTPError(400, f"request body {e}") from None
        if not isinstance(body, dict):
            raise web.HTTPError(
                400, f"request body must be a JSON object, not {type(body).__name__}"
            )
        return body

    def _query_argument(self, name: str, default: str, max_chars: int = MAX_ARGUMENT_CHARS) -> str:
        """The query argument ``name`` (``default`` without one), stripped of surrounding
        whitespace like tornado's ``get_argument``; a 400 if it is given more than once, is
        not UTF-8, has control characters (tornado would make them spaces) or more than
        ``max_chars`` characters. Only the query string: a form body is not read."""
        raw = self.request.query_arguments.get(name, [])
        if not raw:
            return default
        if len(raw) > 1:
            raise web.HTTPError(400, f"{name} is given {len(raw)} times; expected once")
        try:
            value = raw[0].decode("utf-8").strip()
        except UnicodeDecodeError:
            raise web.HTTPError(400, f"{name}={quoted(raw[0])}: not UTF-8") from None
        if _CONTROL_CHARS.search(value):
            raise web.HTTPError(400, f"{name}={quoted(value)}: control characters are not allowed")
        if len(value) > max_chars:
            raise web.HTTPError(400, f"{name}={quoted(value)}: longer than {max_chars} characters")
        return value

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """JSON, as from every Jupyter API handler, but with an HTTPError's message as raised:
        jupyter-server sends ``HTTPError.log_message``, in which tornado doubles every ``%``
        (and which, for a message with arguments, is not filled in), where ``get_message()``
        is the text itself. Anything else raised is a bug, not bad input: jupyter-server's
        JSON "Unhandled error" 500, the traceback in the log and not in the answer."""
        exc_info = kwargs.get("exc_info")
        error = exc_info[1] if exc_info else None
        if not isinstance(error, web.HTTPError):
            super().write_error(status_code, **kwargs)
            return
        message = error.get_message() or httputil.responses.get(status_code, "Unknown HTTP Error")
        self.set_header("Content-Type", "application/json")
        self.log.warning("wrote error: %r", message)
        self.finish(json.dumps({"message": message, "reason": error.reason}))

    async def _restart_and_report(self) -> None:
        try:
            await self.supervisor.restart()
        except StartRefused as e:
            raise web.HTTPError(503, str(e)) from None
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
        await self._restart_and_report()


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
        raw = self._query_argument("lines", "100", max_chars=12)
        if not (raw.isascii() and raw.isdigit()):
            raise web.HTTPError(
                400, f"lines={quoted(raw)}: expected a whole number from 0 to {MAX_LOG_LINES}"
            )
        lines = int(raw)
        if lines > MAX_LOG_LINES:
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


class OpenURLHandler(_Base):
    """``GET api/vscode/url?path=<path>[&authority=<host[:port]>]``: see open_url.py."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        path = self._query_argument("path", "")
        authority = self._query_argument("authority", "", max_chars=MAX_AUTHORITY_CHARS)
        authority = authority or self.request.host
        if len(authority) > MAX_AUTHORITY_CHARS or not AUTHORITY_RE.fullmatch(authority):
            raise web.HTTPError(400, f"authority={quoted(authority)}: expected host[:port]")
        root_dir = self.settings["server_root_dir"]
        try:
            target, is_dir = resolve_in_root(root_dir, path)
        except PathRefused as e:
            raise web.HTTPError(e.status, str(e)) from None
        self.finish(
            json.dumps(
                {
                    "url": vscode_url(root_dir, target, is_dir, authority),
                    "kind": "folder" if is_dir else "file",
                    "path": target,
                    "folder": folder_to_open(root_dir, target, is_dir),
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
        (f"{API_PATH}/url", OpenURLHandler, kwargs),
    ]
