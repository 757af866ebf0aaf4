"""The HTTP connection pool from the ``vscode/`` route to code-server: keep-alive connections,
streamed bodies, hop-by-hop headers dropped.

jupyter-server-proxy makes a new tornado HTTP client for every request (``force_instance``:
a new connection, and tornado's simple client never keeps one alive) and buffers each response
whole before sending the first byte on (a 19 MB workbench.js is compressed by code-server on
the fly: the browser waited for all of it). Here one aiohttp session per code-server process
keeps connections to its socket/port open between requests, and response bodies are passed on
as they arrive, with the browser's back-pressure. Websockets are relayed as bytes (wsrelay.py).
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import aiohttp
from multidict import CIMultiDict
from yarl import URL

from .codeserver import Endpoint

#: Closed before code-server's own keep-alive timeout (Node: 5 s) so that a pooled connection
#: is never reused just as the server closes it.
KEEPALIVE_SECONDS = 4.0
#: Connections kept per code-server: browsers open at most 6 per host, VS Code tabs a few more.
POOL_LIMIT = 32
CONNECT_TIMEOUT = 30.0

#: Hop-by-hop headers (RFC 9110 7.6.1) and the framing headers the two hops set themselves.
REQUEST_DROP = frozenset(
    h.lower()
    for h in (
        "Connection",
        "Keep-Alive",
        "Proxy-Connection",
        "Proxy-Authenticate",
        "Proxy-Authorization",
        "TE",
        "Trailer",
        "Transfer-Encoding",
        "Upgrade",
        "Content-Length",
    )
)
RESPONSE_DROP = frozenset(
    h.lower()
    for h in (
        "Connection",
        "Keep-Alive",
        "Proxy-Connection",
        "Transfer-Encoding",
        "Trailer",
        "Upgrade",
        "Content-Length",
    )
)

#: Requests that may be sent again on a fresh connection when a pooled one turns out closed.
IDEMPOTENT = frozenset(("GET", "HEAD", "OPTIONS", "PUT", "DELETE"))


class HTTPPool:
    """The proxy route's pooled aiohttp session to the running code-server: one per Endpoint
    (address and generation), so a code-server started again never gets the connections of
    the one before; the old pool is closed when the new one is made."""

    def __init__(self) -> None:
        self._session: aiohttp.ClientSession | None = None
        self._key: Endpoint | None = None
        #: New connections opened so far (tests check that keep-alive reuses them).
        self.connections_opened = 0
        #: Closings of earlier generations' sessions, awaited by close() (Jupyter's shutdown)
        self._closing: set[asyncio.Task[None]] = set()

    def session(self, endpoint: Endpoint) -> aiohttp.ClientSession:
        if self._session is not None and not self._session.closed and endpoint == self._key:
            return self._session
        old, self._session = self._session, None
        if old is not None and not old.closed:
            closing = asyncio.ensure_future(old.close())
            closing.set_name("jupyter-vscode: closing an old connection pool")
            self._closing.add(closing)
            closing.add_done_callback(self._closing.discard)
        connector: aiohttp.BaseConnector
        if endpoint.socket_path:
            connector = aiohttp.UnixConnector(
                path=endpoint.socket_path, limit=POOL_LIMIT, keepalive_timeout=KEEPALIVE_SECONDS
            )
        else:
            connector = aiohttp.TCPConnector(
                limit=POOL_LIMIT, keepalive_timeout=KEEPALIVE_SECONDS, use_dns_cache=False
            )
        trace = aiohttp.TraceConfig()
        trace.on_connection_create_end.append(self._on_new_connection)
        self._session = aiohttp.ClientSession(
            connector=connector,
            auto_decompress=False,  # bytes pass through as code-server compressed them
            cookie_jar=aiohttp.DummyCookieJar(),  # the browser keeps the cookies, not us
            skip_auto_headers=("User-Agent", "Accept-Encoding", "Accept"),
            timeout=aiohttp.ClientTimeout(total=None, sock_connect=CONNECT_TIMEOUT),
            trace_configs=[trace],
        )
        self._key = endpoint
        return self._session

    async def _on_new_connection(self, *_: Any) -> None:
        self.connections_opened += 1

    async def close(self) -> None:
        session, self._session = self._session, None
        if session is not None and not session.closed:
            with contextlib.suppress(Exception):
                await session.close()
        if self._closing:
            await asyncio.wait(set(self._closing), timeout=5.0)  # closing is instant


class NoAnswer(Exception):
    """code-server sent no status and headers within the time given."""


class ConnectionLost(Exception):
    """The connection to code-server failed or closed before its answer (a pooled one closed
    under the request, or code-server gone)."""


class Failed(Exception):
    """Any other failure of the request to code-server (answered with 502)."""


async def send(
    session: aiohttp.ClientSession,
    method: str,
    url: str,
    headers: CIMultiDict[str],
    body: bytes | None,
    timeout: float | None,
) -> aiohttp.ClientResponse:
    """One request on the pool; the wait for code-server's status and headers bounded by
    ``timeout`` (not the body's). ``url`` is sent as it is (already quoted)."""
    try:
        return await asyncio.wait_for(
            session.request(
                method, URL(url, encoded=True), headers=headers, data=body, allow_redirects=False
            ),
            timeout,
        )
    except asyncio.TimeoutError as e:
        if isinstance(e, aiohttp.ClientError):  # aiohttp's own (connect) timeout
            raise Failed(repr(e)) from None
        raise NoAnswer() from None
    except aiohttp.ClientConnectionError as e:
        raise ConnectionLost(str(e)) from None
    except aiohttp.ClientError as e:
        raise Failed(str(e)) from None


def _connection_tokens(values: list[str]) -> set[str]:
    """The header names a ``Connection`` header lists: hop-by-hop too (RFC 9110 7.6.1)."""
    return {t.strip().lower() for v in values for t in v.split(",")}


def strip_hop_by_hop_request(headers: Any) -> CIMultiDict[str]:
    """The browser's headers (tornado's) minus hop-by-hop ones (a multidict: repeated headers
    stay)."""
    listed = _connection_tokens(headers.get_list("Connection"))
    out: CIMultiDict[str] = CIMultiDict()
    for name, value in headers.get_all():
        low = name.lower()
        if low not in REQUEST_DROP and low not in listed:
            out.add(name, value)
    return out


def strip_hop_by_hop_response(headers: Any) -> list[tuple[str, str]]:
    """code-server's headers (aiohttp's) minus hop-by-hop ones."""
    listed = _connection_tokens(headers.getall("Connection", []))
    return [
        (k, v)
        for k, v in headers.items()
        if k.lower() not in RESPONSE_DROP and k.lower() not in listed
    ]
