"""The ``<base_url>vscode/`` route: a Jupyter handler in front of the code-server our
Supervisor runs.

It owns who gets in (access.py), what of a request reaches code-server (upstream.py), and the
dispatch: a websocket upgrade is handed to code-server and relayed as bytes (wsrelay.py), any
other request goes over pooled keep-alive connections with streamed bodies (http_pool.py). It
also decides what a browser sees while code-server doesn't run (pages.py) and which traffic
counts as use (idle.py). It asks the Supervisor where code-server answers (an Endpoint: address
and generation) and keeps its own connection pool, one per generation.
"""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

from jupyter_server.utils import url_path_join
from tornado import httputil, web
from tornado.iostream import StreamClosedError

from . import (
    answers,
    credentials,
    framing,
    http_pool,
    idle,
    ports,
    trust,
    upstream,
    workbench,
    wsrelay,
)
from .access import RouteHandler, is_websocket_upgrade, refuses_start, vscode_access
from .activity import HEADER_SIZE, SCAN_BYTES
from .answers import send_answer, wants_page
from .codeserver import Endpoint
from .routes import ROUTE
from .supervisor import NotInstalled, StartFailed, Supervisor

#: How long a page load waits for a starting code-server before showing the "starting" page.
NAVIGATION_WAIT = 1.5

_WEBSOCKET_IDS = itertools.count(1)
#: What tornado's RequestHandler.clear() sets by itself (its Server, Content-Type and Date):
#: not sent with code-server's answer, which has its own.
_TORNADO_DEFAULT_HEADERS = ("Server", "Content-Type", "Date")


class VSCodeProxyHandler(RouteHandler):
    supervisor: Supervisor
    #: Pooled keep-alive HTTP connections to code-server, one pool per Endpoint generation
    pool: http_pool.HTTPPool
    #: The keys of forwarded ports' addresses (ports.py)
    keys: ports.Keys
    #: The websockets being relayed, closed at Jupyter's shutdown (wsrelay.py)
    relays: wsrelay.Relays
    #: Whether clear() sets Jupyter's default headers (off while taking code-server's)
    _jupyter_defaults = True
    #: The CSP sandbox of this answer, when it comes from a forwarded port (ports.py)
    _sandbox: str | None = None
    _forwarded: tuple[str, bytes | None]  # the target and body for code-server: _forwardable

    def initialize(  # type: ignore[override]
        self,
        supervisor: Supervisor,
        pool: http_pool.HTTPPool,
        keys: ports.Keys,
        relays: wsrelay.Relays,
    ) -> None:
        self.supervisor = supervisor
        self.pool = pool
        self.keys = keys
        self.relays = relays

    # -- who gets in (access.py; RouteHandler: prepare) --------------------------------------

    def check_xsrf_cookie(self) -> None:
        """None: code-server's requests carry no Jupyter XSRF token; code-server checks its own
        requests (and Jupyter's credentials never reach it: upstream.py)."""

    def set_default_headers(self) -> None:
        if self._jupyter_defaults:  # our own answers; not code-server's (see _take_headers)
            super().set_default_headers()

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

    # -- dispatch ------------------------------------------------------------------------------

    @vscode_access
    async def get(self, path: str) -> None:
        self._warn_if_insecure_context()
        if not self._forwardable(path):
            return
        if is_websocket_upgrade(self.request):
            await self._websocket(path)
            return
        if workbench.answered_link(self, path) or self._redirected_to_keyed_port(path):
            return
        # a page load waits for a starting code-server or gets a page saying why it can't
        if await self._ready(as_page=self._wants_page()):
            await self._http(path)

    @vscode_access
    async def _other_method(self, path: str) -> None:
        self._warn_if_insecure_context()
        if self._forwardable(path):
            await self._http(path)

    head = post = put = delete = patch = options = _other_method

    def compute_etag(self) -> str | None:
        """None: a proxy passes code-server's validators on and never invents its own (tornado
        would hash every body, and answer 304 only after code-server had sent all of it)."""
        return None

    # -- where code-server is ----------------------------------------------------------------

    def _forwardable(self, path: str) -> bool:
        """Takes Jupyter's token out of the target and body for code-server; False, and a 400
        sent, if that can't be made sure of (credentials.py): nothing of it goes on."""
        try:
            self._forwarded = upstream.forwarded(self.request, path)
        except credentials.TokenNotRemovable as e:
            self._send(400, None, str(e))
            return False
        return True

    def _request_headers(self) -> httputil.HTTPHeaders:
        own = set()
        get_name = getattr(self.identity_provider, "get_cookie_name", None)
        if get_name is not None:
            own.add(get_name(self))
        return upstream.request_headers(self.request.headers, own)

    def _context(self) -> str:
        return url_path_join(self.base_url, ROUTE)

    # -- activity: only real use of VS Code counts (see idle.py) -----------------------------

    def _is_reconnection(self) -> bool:
        return self.get_query_argument("reconnection", "") == "true"

    # -- answers instead of code-server's (answers.py) ---------------------------------------

    def _send(self, status: int, html: str | None, message: str) -> None:
        send_answer(self, status, html, message, self.supervisor.state.value)

    async def _ready(self, as_page: bool) -> bool:
        """True once code-server runs; otherwise a page or JSON error has been sent."""
        sup = self.supervisor
        if sup.is_running():
            return True
        refused = refuses_start(self)
        if refused is not None:  # before anything starts (code-server is ~700 MB)
            self.log.warning("[jupyter-vscode] not starting VS Code for %s: 403", refused)
            self._send(403, None, f"VS Code is not running, and {refused} cannot start it")
            return False
        timeout = NAVIGATION_WAIT if as_page else sup.config.start_timeout + 5
        try:
            await sup.ensure_started(timeout, by_user=answers.user_page_load(self.request))
            return True
        except asyncio.TimeoutError:
            answers.send_starting(self, sup, as_page, "VS Code is still starting; try again")
        except (NotInstalled, StartFailed) as e:
            answers.send_problem(self, sup, e, as_page)
        return False

    # -- websockets: relayed as bytes after the handshake (wsrelay.py) ----------------------

    async def _websocket(self, path: str) -> None:
        origin = self.request.headers.get("Origin")
        if origin is not None and not self.check_origin(origin):  # Jupyter's allow_origin
            raise web.HTTPError(403, "cross-origin websocket refused")
        # a tab's (re)connection starts code-server after a crash, but not once it was
        # stopped (asked for, idle) or Jupyter is shutting down: Supervisor.refusal
        if not await self._ready(as_page=False):
            return
        await self._relay_websocket(path)

    async def _relay_websocket(self, path: str) -> None:
        """Hand the browser's upgrade to code-server and relay the connection's bytes."""
        sup = self.supervisor
        endpoint = sup.endpoint()
        try:
            if endpoint is None:
                raise OSError("code-server is not running")
            backend = await wsrelay.open_backend(endpoint.socket_path, endpoint.port)
        except OSError as e:
            # code-server went away between our check and the connection (a crash, a stop):
            # VS Code reconnects, which starts it again.
            self.log.info("[jupyter-vscode] websocket to code-server failed: %s", e)
            self._send(502, None, f"code-server did not answer: {e}")
            return
        try:
            start, answer = await wsrelay.handshake(
                backend, self._forwarded[0], self._request_headers()
            )
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
        browser = self.detach()
        on_message = idle.websocket_opened(
            sup.idle,
            self.settings,
            next(_WEBSOCKET_IDS),
            self._is_reconnection(),
            sup.user_data_dir_bytes,
        )
        scanner = wsrelay.FrameScanner(on_message, HEADER_SIZE + SCAN_BYTES)
        try:
            await browser.write(wsrelay.switching_protocols(start, answer))
        except StreamClosedError:
            backend.close()
            return
        await self.relays.run(browser, backend, scanner.feed)

    # -- plain HTTP: pooled connections, streamed bodies (http_pool.py) -------------------------

    async def _http(self, path: str) -> None:
        sup = self.supervisor
        running = sup.is_running()
        idle.http_request(sup.idle, self.settings, self.request, path, running, self._wants_page())
        if not running and not await self._ready(as_page=False):
            return
        await self._proxy_http(path if path.startswith("/") else "/" + path)

    def _wants_page(self) -> bool:
        return wants_page(self.request)

    def _redirected_to_keyed_port(self, path: str) -> bool:
        """A page load of a forwarded port goes to its keyed address (ports.py), where the
        sandboxed page's own requests, which carry no cookie, are let in."""
        match = ports.FORWARDED.match(path if path.startswith("/") else "/" + path)
        if match is None or match.group(1) != "proxy" or not self._wants_page():
            return False
        if not self.supervisor.config.forwarded_ports_sandbox:
            return False  # same-origin pages: Jupyter's cookie works for their requests
        keyed = self.keys.keyed_path(int(match.group(2)), match.group(3) or "/")
        query = credentials.strip_token_query(self.request.query)
        self.set_header("Cache-Control", "no-store")
        location = url_path_join(self._context(), upstream.target(keyed, ""))
        self.redirect(location + ("?" + query if query else ""))
        return True

    def _take_headers(self, status: int, reason: str | None, headers: Any) -> None:
        """code-server's status and headers as this response's: none of tornado's or
        Jupyter's defaults, Jupyter's framing policy and the admin's headers (framing.py),
        a redirect to an absolute path put back under the route (upstream.py)."""
        self._jupyter_defaults = False
        try:
            self.clear()  # tornado's defaults only: set_default_headers adds nothing now
        finally:
            self._jupyter_defaults = True
        for name in _TORNADO_DEFAULT_HEADERS:
            self.clear_header(name)
        self.set_status(status, reason)
        upstream_csp = []
        for name, value in http_pool.strip_hop_by_hop_response(headers):
            if name.lower() == "location" and 300 <= status < 400:
                value = upstream.rewrite_location(value, self._context())
            if name.lower() == framing.CSP.lower():
                upstream_csp.append(value)
                continue
            self.add_header(name, value)
        for policy in framing.merge_csp(upstream_csp, self.content_security_policy):
            self.add_header(framing.CSP, policy)
        if self._sandbox:  # a forwarded port's page: an opaque origin (ports.py)
            self.add_header(framing.CSP, self._sandbox)
        for name, value in framing.admin_headers(self.settings).items():
            try:
                self.set_header(name, value)
            except ValueError:
                pass  # a value tornado refuses: Jupyter logs it on each of its own pages

    async def _proxy_http(self, path: str) -> None:
        """Send this request to code-server on a pooled connection; stream the answer back."""
        sup = self.supervisor
        target, body = self._forwarded
        if ports.forwarded_port(path) is not None:
            self._sandbox = ports.sandbox_policy(sup.config.forwarded_ports_sandbox)
        headers = http_pool.strip_hop_by_hop_request(self._request_headers())
        context = self._context()
        for name in ("X-Forwarded-Context", "X-ProxyContextPath", "X-Forwarded-Prefix"):
            headers[name] = context
        method = self.request.method or "GET"
        is_workbench = method == "GET" and path in trust.WORKBENCH_PATHS
        own_page = is_workbench and workbench.opens_own_folder(self)
        if is_workbench:
            # Whether trust is on depends on the folder's state now: no cached copy, and an
            # own folder's page uncompressed, to be rewritten (a few KiB).
            for name in ("If-None-Match", "If-Modified-Since"):
                headers.popall(name, None)
        if own_page:
            headers.popall("Accept-Encoding", None)
        limit = sup.config.response_timeout
        loop = asyncio.get_running_loop()
        deadline = loop.time() + limit if limit > 0 else None
        first: Endpoint | None = None
        for attempt in (1, 2):
            # per attempt: a restart between them means a new endpoint and a new pool
            endpoint = sup.endpoint()
            first = first or endpoint
            left = None if deadline is None else max(deadline - loop.time(), 0.0)
            try:
                if endpoint is None:
                    raise http_pool.ConnectionLost("code-server is not running")
                session = self.pool.session(endpoint)
                url = endpoint.url_base + target
                resp = await http_pool.send(session, method, url, headers, body, left)
                break
            except http_pool.NoAnswer:
                answers.send_not_answering(self, sup, method, path, limit)
                return
            except http_pool.ConnectionLost as e:
                now = sup.endpoint()
                gone = now is None or first is None or now.generation != first.generation
                if gone and method in http_pool.IDEMPOTENT and attempt == 1:
                    # killed under this request (a health-check restart, a crash, a stop): go
                    # to the code-server that replaces it, like a first request would
                    if not await self._ready(as_page=self._wants_page()):
                        return
                    continue
                if gone:
                    answers.send_starting(
                        self,
                        sup,
                        self._wants_page(),
                        "code-server was stopped or restarted while answering; try again",
                    )
                    return
                # A pooled connection closed under us: idempotent requests go again, once.
                if attempt == 2 or method not in http_pool.IDEMPOTENT:
                    raise web.HTTPError(502, f"code-server did not answer: {e}") from None
            except http_pool.Failed as e:
                raise web.HTTPError(502, f"code-server did not answer: {e}") from None
        async with resp:
            self._take_headers(resp.status, resp.reason, resp.headers)
            if is_workbench:
                self.set_header("Cache-Control", "no-store")
            length = resp.headers.get("Content-Length")
            if own_page and await workbench.send_trusted_page(self, resp):
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
                    await self.flush()  # the browser's pace, no unbounded buffering
                    chunk = await resp.content.readany()
            except StreamClosedError:
                return  # the browser went away; the backend connection is dropped, not reused
