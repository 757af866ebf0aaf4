"""What ``<base_url>vscode/`` answers itself, instead of code-server: an HTML page for a
browser's page load, JSON (message and state) for everything else."""

from __future__ import annotations

import json
from typing import Any

from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.utils import url_path_join
from tornado import httputil, web

from . import pages
from .routes import API_PATH
from .states import State
from .supervisor import NotInstalled, StartRefused


def user_page_load(request: httputil.HTTPServerRequest) -> bool:
    """A user's load of a top-level page (a click, a reload): it may start a code-server that
    was stopped; a frame's or a script's request may not (Supervisor.refusal). Browsers say
    which in Sec-Fetch-*; without them (plain http to a remote host), a GET for HTML."""
    if request.method != "GET":
        return False
    dest = request.headers.get("Sec-Fetch-Dest")
    if dest is not None:
        return dest == "document" and request.headers.get("Sec-Fetch-Mode") == "navigate"
    return wants_page(request)


def wants_page(request: httputil.HTTPServerRequest) -> bool:
    """A browser's page load (show an HTML page), not a script's request (answer JSON)."""
    if request.headers.get("Sec-Fetch-Mode") == "navigate":
        return True
    return "text/html" in request.headers.get("Accept", "")


def send_answer(
    handler: web.RequestHandler, status: int, html: str | None, message: str, state: str
) -> None:
    """Answer instead of code-server: the HTML page, else JSON with the message and state."""
    handler.set_status(status)
    handler.set_header("Cache-Control", "no-store")
    if status == 503:
        handler.set_header("Retry-After", "2")
    if html is not None:
        handler.set_header("Content-Type", "text/html; charset=UTF-8")
        handler.finish(html)
    else:
        handler.set_header("Content-Type", "application/json")
        handler.finish(json.dumps({"message": message, "state": state}))


def _xsrf(handler: JupyterHandler) -> str:
    return handler.xsrf_token.decode()


def _api_url(handler: JupyterHandler) -> str:
    return url_path_join(handler.base_url, API_PATH)


def send_starting(handler: JupyterHandler, sup: Any, as_page: bool, message: str) -> None:
    """503 while code-server starts (the page reloads itself when it runs)."""
    html = pages.starting_page(_api_url(handler), _xsrf(handler)) if as_page else None
    send_answer(handler, 503, html, message, sup.state.value)


def send_problem(handler: JupyterHandler, sup: Any, error: Exception, as_page: bool) -> None:
    """503 for a code-server that may not start now, is not installed, failed, or is still
    starting."""
    api = _api_url(handler)
    if isinstance(error, StartRefused):
        html = pages.stopped_page(str(error), error.final, api, _xsrf(handler)) if as_page else None
        send_answer(handler, 503, html, str(error), sup.state.value)
    elif isinstance(error, NotInstalled):
        html = pages.missing_page(error.lookup, api, _xsrf(handler)) if as_page else None
        send_answer(handler, 503, html, f"{error}; {error.hint}", sup.state.value)
    elif sup.state is State.FAILED:
        html = (
            pages.failed_page(str(error), sup.log_tail(40), api, _xsrf(handler))
            if as_page
            else None
        )
        send_answer(handler, 503, html, f"VS Code could not start: {error}", sup.state.value)
    else:
        send_starting(handler, sup, as_page, f"VS Code is starting: {error}")


def send_not_answering(
    handler: JupyterHandler, sup: Any, method: str, path: str, limit: float
) -> None:
    """504: code-server accepted the request but sent no answer within response_timeout."""
    handler.log.warning(
        "[jupyter-vscode] code-server did not answer %s %s within %gs "
        "(c.VSCode.response_timeout): 504",
        method,
        path,
        limit,
    )
    health = sup.config.health_timeout
    html = None
    if wants_page(handler.request):
        html = pages.not_answering_page(limit, health, _api_url(handler), _xsrf(handler))
    watch = (
        f"it is health-checked and restarted if it stays unresponsive for {health:g} s"
        if health > 0
        else "health checks are off (c.VSCode.health_timeout = 0)"
    )
    message = f"code-server did not answer within {limit:g} s; {watch}"
    send_answer(handler, 504, html, message, sup.state.value)
