"""The ``<base_url>vscode/`` route: jupyter-server-proxy's proxy handler, fed by our Supervisor.

jupyter-server-proxy does the websocket proxying; plain HTTP goes over our own pooled
keep-alive connections with streamed bodies (backend.py). We decide when code-server runs, what
a browser sees while it doesn't, and what must not reach it.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
from typing import Any

from jupyter_server._tz import utcnow
from jupyter_server.utils import ensure_async, url_path_join
from jupyter_server_proxy.handlers import NamedLocalProxyHandler
from tornado import httputil, web
from tornado.iostream import StreamClosedError
from yarl import URL

from . import backend as http_backend
from . import credentials, framing, pages, trust, wsrelay
from .activity import HEADER_SIZE, SCAN_BYTES, classify, describe
from .paths import API_PATH, URL_PATH
from .supervisor import NotInstalled, StartFailed, State, Supervisor

#: How long a page load waits for a starting code-server before showing the "starting" page.
NAVIGATION_WAIT = 1.5

_JUPYTER_COOKIE_PREFIXES = ("username-", "jupyterhub-")
_JUPYTER_COOKIES = {"_xsrf"}
_STRIPPED_HEADERS = ("Authorization", "X-XSRFToken")
_WEBSOCKET_IDS = itertools.count(1)


def filter_cookie_header(value: str, extra_names: set[str]) -> str:
    """Drop Jupyter's and JupyterHub's cookies from a Cookie header, keep the rest."""
    kept = []
    for part in value.split(";"):
        item = part.strip()
        if not item:
            continue
        name = item.split("=", 1)[0].strip()
        if name in _JUPYTER_COOKIES or name in extra_names:
            continue
        if name.startswith(_JUPYTER_COOKIE_PREFIXES):
            continue
        kept.append(item)
    return "; ".join(kept)


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


class VSCodeProxyHandler(NamedLocalProxyHandler):
    supervisor: Supervisor

    def initialize(self, supervisor: Supervisor) -> None:  # type: ignore[override]
        self.supervisor = supervisor
        self.name = "vscode"
        self.proxy_base = URL_PATH.rstrip("/")
        self.absolute_url = False
        self.mappath = {}
        self.rewrite_response = ()

    # -- where code-server is ----------------------------------------------------------

    @property  # type: ignore[override]
    def unix_socket(self) -> str | None:
        if self.supervisor.config.transport != "socket":
            return None
        # Before the first start there is no socket yet; any path keeps the resolver happy
        # and is never used because we start code-server before proxying.
        return self.supervisor.socket_path or "/nonexistent"

    @property  # type: ignore[override]
    def port(self) -> int:
        if self.supervisor.config.transport == "port":
            return int(self.supervisor.config.port)
        return 0

    # -- activity: only real use of VS Code counts (see activity.py) -------------------------

    def _record_activity(self) -> None:
        """jupyter-server-proxy's own record (every request and message would count as use);
        ours is _note_use, fed by the activity filter."""

    def _is_reconnection(self) -> bool:
        return self.get_query_argument("reconnection", "") == "true"

    def _note_use(self) -> str:
        """Traffic that counts as use, unless it is a just-opened workbench starting up: then
        it is part of that opening (activity.py). Returns the decision, for the debug log."""
        if self.supervisor.absorb_startup_traffic():
            return "not use (workbench start-up, part of opening it)"
        self.settings["api_last_activity"] = utcnow()
        self.supervisor.note_activity()
        return "use"

    def _note_workbench_opened(self) -> None:
        self.settings["api_last_activity"] = utcnow()
        self.supervisor.note_workbench_opened()

    def _log_http_decision(self, path: str, decision: str, why: str) -> None:
        log = self.supervisor.activity_log
        if log.isEnabledFor(logging.DEBUG):
            headers = self.request.headers
            log.debug(
                "[jupyter-vscode] activity: HTTP %s %s (dest=%s mode=%s%s): %s (%s)",
                self.request.method,
                "/" + path.lstrip("/"),
                headers.get("Sec-Fetch-Dest", "?"),
                headers.get("Sec-Fetch-Mode", "?"),
                " service-worker" if "Service-Worker" in headers else "",
                decision,
                why,
            )

    # -- websockets: relayed as bytes after the handshake (wsrelay.py) ----------------------

    async def _relay_websocket(self, path: str) -> None:
        """Hand the browser's upgrade to code-server and relay the connection's bytes."""
        origin = self.request.headers.get("Origin")
        if origin is not None and not self.check_origin(origin):  # tornado's websocket check
            raise web.HTTPError(403, "cross-origin websocket refused")
        sup = self.supervisor
        port = self.port
        uri = URL(self.get_client_uri("ws", "localhost", port or 80, path), encoded=True)
        headers = self.proxy_request_headers()
        try:
            backend = await wsrelay.open_backend(self.unix_socket, port)
        except OSError as e:
            # code-server went away between our check and the connection (a crash, a stop):
            # VS Code reconnects, which starts it again.
            self.log.info("[jupyter-vscode] websocket to code-server failed: %s", e)
            self._send(502, None, f"code-server did not answer: {e}")
            return
        try:
            start, answer = await wsrelay.handshake(backend, uri.raw_path_qs, headers)
        except wsrelay.HandshakeRefused as e:
            backend.close()
            self._send(e.code if e.code >= 400 else 502, None, f"code-server refused: {e}")
            return
        except asyncio.TimeoutError:
            backend.close()
            self._send(
                504,
                None,
                "code-server did not answer the websocket handshake within "
                f"{wsrelay.HANDSHAKE_TIMEOUT:g} s",
            )
            return
        except (StreamClosedError, httputil.HTTPInputError) as e:
            backend.close()
            self._send(502, None, f"code-server did not answer the websocket handshake: {e!r}")
            return
        log = sup.activity_log
        ws = next(_WEBSOCKET_IDS)
        reconnection = self._is_reconnection()
        if not reconnection:  # a window opened, not the tab's automatic reconnect
            self._note_workbench_opened()
        if log.isEnabledFor(logging.DEBUG):
            log.debug(
                "[jupyter-vscode] activity: websocket #%d opened (%s): %s",
                ws,
                "reconnection" if reconnection else "new connection",
                "not use" if reconnection else "use (a window opened; start-up follows)",
            )
        browser = self.detach()
        user_data_dir = sup.user_data_dir_bytes

        def on_message(prefix: bytes) -> None:
            use, why = classify(prefix, user_data_dir)
            decision = self._note_use() if use else "not use"
            if log.isEnabledFor(logging.DEBUG):
                log.debug(
                    "[jupyter-vscode] activity: websocket #%d %s: %s (%s)",
                    ws,
                    describe(prefix),
                    decision,
                    why,
                )

        scanner = wsrelay.FrameScanner(on_message, HEADER_SIZE + SCAN_BYTES)
        try:
            await browser.write(wsrelay.switching_protocols(start, answer))
        except StreamClosedError:
            backend.close()
            return
        await wsrelay.relay(browser, backend, scanner.feed)

    # -- auth ------------------------------------------------------------------------------

    async def prepare(self, *args: Any, **kwargs: Any) -> None:
        await super().prepare(*args, **kwargs)
        self._warn_if_insecure_context()
        # VS Code is a shell on this machine: require the same right as a terminal.
        allowed = await ensure_async(
            self.authorizer.is_authorized(self, self.current_user, "execute", "vscode")
        )
        if not allowed:
            raise web.HTTPError(403, "not allowed to use VS Code on this server")

    def _warn_if_insecure_context(self) -> None:
        """VS Code's webviews and service workers need HTTPS or localhost: say so, once."""
        settings = self.settings
        if settings.get("jupyter_vscode_warned_insecure"):
            return
        proto = self.request.headers.get("X-Forwarded-Proto", self.request.protocol)
        host = self.request.host_name
        if (
            proto == "https"
            or host in ("localhost", "127.0.0.1", "::1")
            or host.endswith(".localhost")
        ):
            return
        settings["jupyter_vscode_warned_insecure"] = True
        self.log.warning(
            "[jupyter-vscode] VS Code is opened over plain http on %r: browsers treat that as an "
            "insecure context, so webviews (Markdown preview, notebooks, extension views) and "
            "service workers won't work. Serve Jupyter over https (or reach it via localhost, "
            "e.g. an SSH tunnel).",
            host,
        )

    # -- what reaches code-server ---------------------------------------------------------

    def proxy_request_headers(self) -> Any:
        headers = super().proxy_request_headers()
        for name in _STRIPPED_HEADERS:
            if name in headers:
                del headers[name]
        if "Cookie" in headers:
            own = set()
            get_name = getattr(self.identity_provider, "get_cookie_name", None)
            if get_name is not None:
                own.add(get_name(self))
            cookies = filter_cookie_header("; ".join(headers.get_list("Cookie")), own)
            del headers["Cookie"]
            if cookies:
                headers["Cookie"] = cookies
        if "Referer" in headers:  # a page opened with ?token= names it in every request
            referers = headers.get_list("Referer")
            del headers["Referer"]
            for referer in referers:
                headers.add("Referer", credentials.strip_token_url(referer))
        return headers

    def get_client_uri(self, protocol: str, host: str, port: int, proxied_path: str) -> str:
        uri = super().get_client_uri(protocol, host, port, proxied_path)
        query = self.request.query  # jupyter-server-proxy appends it as it came
        if query and uri.endswith("?" + query):
            kept = credentials.strip_token_query(query)
            uri = uri[: -len(query) - 1] + ("?" + kept if kept else "")
        return uri

    def _proxied_body(self) -> bytes | None:
        """The request body, without a ``token`` form field."""
        body = self.request.body
        if not body:
            return None
        return credentials.strip_token_body(body, self.request.headers.get("Content-Type", ""))

    # -- what reaches the browser -----------------------------------------------------------

    def _frame_like_jupyter(self) -> None:
        """Jupyter's framing policy and the admin's headers on a proxied response (whose
        headers are code-server's): see framing.py."""
        upstream = self._headers.get_list(framing.CSP)
        self.clear_header(framing.CSP)
        for policy in framing.merge_csp(upstream, self.content_security_policy):
            self.add_header(framing.CSP, policy)
        for name, value in framing.admin_headers(self.settings).items():
            try:
                self.set_header(name, value)
            except ValueError:
                pass  # a value tornado refuses: Jupyter logs it on each of its own pages

    # -- requests ---------------------------------------------------------------------------

    def _api_url(self) -> str:
        return url_path_join(self.base_url, API_PATH)

    def _wants_page(self) -> bool:
        return wants_page(self.request)

    def _send(self, status: int, html: str | None, message: str) -> None:
        send_answer(self, status, html, message, self.supervisor.state.value)

    def _send_problem(self, error: Exception, as_page: bool) -> None:
        sup = self.supervisor
        if isinstance(error, NotInstalled):
            html = (
                pages.missing_page(error.lookup, self._api_url(), self.xsrf_token.decode())
                if as_page
                else None
            )
            self._send(503, html, f"{error}; {error.hint}")
        elif sup.state is State.FAILED:
            html = (
                pages.failed_page(
                    str(error), sup.log_tail(40), self._api_url(), self.xsrf_token.decode()
                )
                if as_page
                else None
            )
            self._send(503, html, f"VS Code could not start: {error}")
        else:
            html = (
                pages.starting_page(self._api_url(), self.xsrf_token.decode()) if as_page else None
            )
            self._send(503, html, f"VS Code is starting: {error}")

    async def _ready(self, as_page: bool) -> bool:
        """True once code-server runs; otherwise a page or JSON error has been sent."""
        sup = self.supervisor
        if sup.is_running():
            return True
        timeout = NAVIGATION_WAIT if as_page else sup.config.start_timeout + 5
        try:
            await sup.ensure_started(timeout=timeout)
            return True
        except asyncio.TimeoutError:
            if as_page:
                self._send(503, pages.starting_page(self._api_url(), self.xsrf_token.decode()), "")
            else:
                self._send(503, None, "VS Code is still starting; try again")
        except (NotInstalled, StartFailed) as e:
            self._send_problem(e, as_page)
        return False

    async def get(self, *args: Any, **kwargs: Any) -> None:
        if self.request.headers.get("Upgrade", "").lower() == "websocket":
            if (
                self._is_reconnection()
                and self.supervisor.stopped_for_idle
                and not self.supervisor.is_running()
            ):
                # An open tab reconnecting to a code-server stopped for being idle must not
                # start it again (its session is gone anyway): VS Code offers a reload, and
                # that page load starts it.
                self._send(503, None, "VS Code was stopped after being idle; reload to start it")
                return
            if not await self._ready(as_page=False):
                return
            await self._relay_websocket(args[0] if args else "")
            return
        await super().get(*args, **kwargs)

    async def http_get(self, path: str) -> None:  # type: ignore[override]
        if not await self._ready(as_page=self._wants_page()):
            return
        await ensure_async(self.proxy(self.port, path))

    async def proxy(self, port: int, path: str) -> Any:  # type: ignore[override]
        if self.request.headers.get("Service-Worker") == "script":
            # the browser fetching the service worker's script: at registration, and again
            # by itself to check it for updates (seen 6-12 s after a load), never the user
            self._log_http_decision(path, "not use", "the browser checking its service worker")
        elif self.supervisor.is_running() or self._wants_page():
            # not the requests of a tab whose code-server is gone (they retry on their own)
            self._log_http_decision(path, self._note_use(), "request")
        else:
            self._log_http_decision(path, "not use", "code-server not running: the tab retrying")
        if not self.supervisor.is_running() and not await self._ready(as_page=False):
            return None
        return await self._proxy_http(port, path)

    def _send_not_answering(self, method: str, path: str, limit: float) -> None:
        """code-server accepted the request but sent no answer within response_timeout."""
        sup = self.supervisor
        self.log.warning(
            "[jupyter-vscode] code-server did not answer %s %s within %gs "
            "(c.VSCode.response_timeout): 504",
            method,
            path,
            limit,
        )
        health = sup.config.health_timeout
        html = None
        if self._wants_page():
            xsrf = self.xsrf_token.decode()
            html = pages.not_answering_page(limit, health, self._api_url(), xsrf)
        watch = (
            f"it is health-checked and restarted if it stays unresponsive for {health:g} s"
            if health > 0
            else "health checks are off (c.VSCode.health_timeout = 0)"
        )
        self._send(504, html, f"code-server did not answer within {limit:g} s; {watch}")

    def _send_restarted(self) -> None:
        """code-server went away while answering a request that is not sent twice."""
        message = "code-server was stopped or restarted while answering; try again"
        if self._wants_page():
            self._send(503, pages.starting_page(self._api_url(), self.xsrf_token.decode()), "")
        else:
            self._send(503, None, message)

    def compute_etag(self) -> str | None:
        """None: a proxy passes code-server's validators on and never invents its own (tornado
        would hash every body, and answer 304 only after code-server had sent all of it)."""
        return None

    def _opens_own_folder(self) -> bool:
        """This workbench page load opens one of the user's own folders (see trust.py)."""
        sup = self.supervisor
        if sup.config.disable_workspace_trust:  # code-server trusts everything anyway
            return False
        # strip=False: VS Code opens "/home/u " (a sibling someone else may have made), not
        # the "/home/u" tornado's default stripping would judge
        return trust.page_is_own(
            self.get_query_arguments("folder", strip=False),
            self.get_query_arguments("workspace", strip=False),
            trust.trusted_roots(sup.config, sup.root_dir),
        )

    async def _send_trusted_page(self, resp: Any) -> bool:
        """Send code-server's workbench page with workspace trust off. False (nothing read or
        sent) if the answer is not such a page: an error, a redirect, compressed."""
        if resp.status != 200 or resp.headers.get("Content-Encoding", "identity") != "identity":
            return False
        if not resp.headers.get("Content-Type", "").startswith("text/html"):
            return False
        length = resp.headers.get("Content-Length")
        if length is not None and (not length.isdigit() or int(length) > trust.MAX_PAGE_BYTES):
            return False
        page = b""
        while len(page) <= trust.MAX_PAGE_BYTES:
            chunk = await resp.content.readany()
            if not chunk:
                break
            page += chunk
        rewritten = trust.without_trust(page) if resp.content.at_eof() else None
        self.clear_header("Content-Length")  # tornado sets it for what is written
        if rewritten is not None:
            self.write(rewritten)
            return True
        self.log.warning(
            "[jupyter-vscode] the VS Code page has no enableWorkspaceTrust setting we know: "
            "sent as it is (workspace trust stays on, so the folder opens in Restricted Mode)"
        )
        try:
            while page:
                self.write(page)
                await web.RequestHandler.flush(self)
                page = await resp.content.readany()
        except StreamClosedError:
            pass
        return True

    async def _proxy_http(self, port: int, path: str) -> None:
        """Send this request to code-server on a pooled connection; stream the answer back."""
        import aiohttp

        if not path.startswith("/"):
            path = "/" + path
        sup = self.supervisor
        host = "localhost" if self.unix_socket else "127.0.0.1"
        url = URL(self.get_client_uri("http", host, port or 80, path), encoded=True)
        headers = http_backend.request_headers(self.proxy_request_headers())
        context = url_path_join(self.base_url, self.proxy_base)
        for name in ("X-Forwarded-Context", "X-ProxyContextPath", "X-Forwarded-Prefix"):
            headers[name] = context
        method = self.request.method or "GET"
        body = self._proxied_body()
        workbench = method == "GET" and path in trust.WORKBENCH_PATHS
        own_page = workbench and self._opens_own_folder()
        if workbench:
            # Whether trust is on depends on the folder's state now: no cached copy, and an
            # own folder's page uncompressed, to be rewritten (a few KiB).
            for name in ("If-None-Match", "If-Modified-Since"):
                headers.popall(name, None)
        if own_page:
            headers.popall("Accept-Encoding", None)
        pid = sup.pid
        limit = sup.config.response_timeout
        loop = asyncio.get_running_loop()
        deadline = loop.time() + limit if limit > 0 else None
        for attempt in (1, 2):
            # per attempt: a restart between them means a new socket and a new pool
            session = sup.http.session(self.unix_socket, port, sup.pid)
            try:
                # bounded: the wait for code-server's status and headers, not the body's
                resp = await asyncio.wait_for(
                    session.request(method, url, headers=headers, data=body, allow_redirects=False),
                    None if deadline is None else max(deadline - loop.time(), 0.0),
                )
                break
            except asyncio.TimeoutError as e:
                if isinstance(e, aiohttp.ClientError):  # aiohttp's own (connect) timeout
                    raise web.HTTPError(502, f"code-server did not answer: {e!r}") from None
                self._send_not_answering(method, path, limit)
                return
            except aiohttp.ClientConnectionError as e:
                gone = not sup.is_running() or sup.pid != pid
                if gone and method in http_backend.IDEMPOTENT and attempt == 1:
                    # killed under this request (a health-check restart, a crash, a stop): go
                    # to the code-server that replaces it, like a first request would
                    if not await self._ready(as_page=self._wants_page()):
                        return
                    continue
                if gone:
                    self._send_restarted()
                    return
                # A pooled connection closed under us: idempotent requests go again, once.
                if attempt == 2 or method not in http_backend.IDEMPOTENT:
                    raise web.HTTPError(502, f"code-server did not answer: {e}") from None
            except aiohttp.ClientError as e:
                raise web.HTTPError(502, f"code-server did not answer: {e}") from None
        async with resp:
            self.set_status(resp.status, resp.reason)
            self._headers = httputil.HTTPHeaders()  # none of tornado's or Jupyter's defaults
            rewrite = getattr(self, "_rewrite_location_header", None)  # jupyter-server-proxy 4.6
            for name, value in http_backend.response_headers(resp.headers):
                if rewrite and name.lower() == "location" and 300 <= resp.status < 400:
                    value = rewrite(value, "localhost", port, path)
                self.add_header(name, value)
            self._frame_like_jupyter()
            if workbench:
                self.set_header("Cache-Control", "no-store")
            length = resp.headers.get("Content-Length")
            if own_page and await self._send_trusted_page(resp):
                return
            if method == "HEAD" or resp.status in (204, 304) or resp.status < 200:
                if length is not None and method == "HEAD":
                    self.set_header("Content-Length", length)
                return
            chunk = await resp.content.readany()
            if resp.content.at_eof():
                if chunk:  # all of it at once: one write, tornado sets Content-Length
                    self.write(chunk)
                return
            if length is not None:
                self.set_header("Content-Length", length)
            try:
                while chunk:
                    self.write(chunk)
                    # the browser's pace, no unbounded buffering (jupyter-server-proxy's
                    # wrapped self.flush drops the Future, so call tornado's directly)
                    await web.RequestHandler.flush(self)
                    chunk = await resp.content.readany()
            except StreamClosedError:
                return  # the browser went away; the backend connection is dropped, not reused
