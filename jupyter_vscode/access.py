"""Who may reach ``<base_url>vscode/``: the one auth rule of its handlers.

VS Code is a shell on this machine, so its routes require what a terminal requires: a logged-in
user (tornado's ``@web.authenticated``: a page load is redirected to the login page, any other
method gets 403) who is authorized for ``execute`` on :data:`~.routes.AUTH_RESOURCE`. A websocket
upgrade without a user gets a plain 403 instead of the login redirect it can't follow.
The route's handlers derive from :class:`RouteHandler`, which prepares them for that.

A request another site's page makes with the user's cookie (a same-site page on another port of
the host sends it too) must not start code-server either (~700 MB): :func:`refuses_start` is
asked before anything starts. Only the user's own navigation (a link followed, a URL typed) and
the route's own pages' requests may start it.
"""

from __future__ import annotations

import functools
import inspect
import json
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.utils import ensure_async
from tornado import httputil, web

from .routes import AUTH_RESOURCE

#: jupyter-server ≥ 2.13 (``ServerApp.allow_unauthenticated_access = False``) authenticates in
#: ``JupyterHandler.prepare`` and takes this keyword, as its own websocket handlers pass it, to
#: answer 403 instead of redirecting; older versions leave authentication to the handler.
_PREPARE_CAN_REFUSE = "_redirect_to_login" in inspect.signature(JupyterHandler.prepare).parameters

F = TypeVar("F", bound=Callable[..., Awaitable[Any]])


def is_websocket_upgrade(request: httputil.HTTPServerRequest) -> bool:
    return request.method == "GET" and request.headers.get("Upgrade", "").lower() == "websocket"


def prepare_options(request: httputil.HTTPServerRequest) -> dict[str, Any]:
    """Keyword arguments for ``JupyterHandler.prepare`` for this request."""
    if _PREPARE_CAN_REFUSE and is_websocket_upgrade(request):
        return {"_redirect_to_login": False}
    return {}


#: Sec-Fetch-Site values of a request made by a page of another origin.
_FOREIGN_SITES = ("cross-site", "same-site")


def refuses_start(handler: JupyterHandler) -> str | None:
    """Why this request may not start code-server, or None if it may.

    Refused: a request whose ``Origin`` Jupyter's origin rule refuses (``c.ServerApp.allow_origin``;
    a websocket always names its origin), and a request the browser marks as made by another
    origin's page (``Sec-Fetch-Site``) that is not a top-level page load (``Sec-Fetch-Mode:
    navigate``, ``Sec-Fetch-Dest: document``): an image, script, fetch or frame on another
    site. Requests without those headers (scripts, older browsers) are judged by ``Origin``.
    """
    headers = handler.request.headers
    origin = headers.get("Origin")
    if origin is not None:  # Jupyter's rule: the same host, or c.ServerApp.allow_origin
        return None if handler.check_origin(origin) else f"a request from {origin[:100]!r}"
    if headers.get("Sec-Fetch-Site") not in _FOREIGN_SITES or handler.skip_check_origin():
        return None
    if headers.get("Sec-Fetch-Mode") == "navigate" and headers.get("Sec-Fetch-Dest") in (
        None,
        "document",
    ):
        return None
    return "a request another site's page made"


async def allowed(handler: JupyterHandler) -> bool:
    """Whether the (authenticated) user may use VS Code."""
    answer = handler.authorizer.is_authorized(
        handler, handler.current_user, "execute", AUTH_RESOURCE
    )
    return bool(await ensure_async(answer))


def vscode_access(method: F) -> F:
    """Decorates every HTTP method of a ``vscode/`` handler with the rule above."""

    @functools.wraps(method)
    async def wrapper(self: JupyterHandler, *args: Any) -> Any:
        if self.current_user is None:
            if is_websocket_upgrade(self.request):
                self.log.warning("[jupyter-vscode] websocket upgrade without a logged-in user: 403")
                raise web.HTTPError(403)
            # tornado's own: a redirect to the login page for GET and HEAD, else 403
            web.authenticated(lambda _: None)(self)
            return None
        if not await allowed(self):
            raise web.HTTPError(403, "not allowed to use VS Code on this server")
        return await method(self, *args)

    # jupyter-server's mark for a method that checks authentication itself (as its own
    # @ws_authenticated does): no "endpoint without authentication" warning in strict mode
    setattr(wrapper, "__allow_unauthenticated", False)  # noqa: B010
    return wrapper  # type: ignore[return-value]


class RouteHandler(JupyterHandler):
    """What every handler of the ``vscode`` route shares: prepare() with the options above, and
    the answer to a request refused before prepare() ran."""

    async def prepare(self) -> None:  # type: ignore[override]
        await super().prepare(**prepare_options(self.request))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """Jupyter's error page, except for a request refused before prepare(): tornado refuses
        a body it can't parse as the form its Content-Type says, or a path that isn't UTF-8,
        before any handler code runs. The page asks who the user is, which prepare() finds out
        (until then jupyter-server raises in get_current_user: the answer would be an empty
        400 and a traceback in the log), so that refusal is JSON with tornado's message."""
        if hasattr(self, "_jupyter_current_user"):  # jupyter-server's own test for that
            super().write_error(status_code, **kwargs)
            return
        exc_info = kwargs.get("exc_info")
        error = exc_info[1] if exc_info else None
        message = error.get_message() if isinstance(error, web.HTTPError) else None
        self.set_header("Content-Type", "application/json")
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps({"message": message or httputil.responses.get(status_code, "")}))


class AddSlashHandler(RouteHandler):
    """``<base_url>vscode`` → ``<base_url>vscode/`` (query kept), for allowed users only."""

    @vscode_access
    async def get(self, *args: Any) -> None:
        src = urlsplit(self.request.uri or "")
        self.redirect(urlunsplit(src._replace(path=src.path + "/")))
