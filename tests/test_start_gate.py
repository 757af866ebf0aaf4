"""A page of another origin cannot start code-server with the user's cookie (access.py's
refuses_start): a same-site page on another port of the host sends the cookie, and every start
costs ~700 MB. The user's own navigation (a link followed) still starts it.

Requests here authenticate with Jupyter's login cookie only, as a browser's would (a token
skips Jupyter's origin check by design), and carry the headers Chromium sends for each kind
of request (measured: an <img>, a websocket, a link followed from another site).
"""

from __future__ import annotations

import asyncio

import pytest
from tornado.httpclient import HTTPClientError, HTTPRequest
from tornado.websocket import websocket_connect

OTHER_PORT = "http://127.0.0.1:1"


async def login(http_server_client, jp_base_url, jp_serverapp) -> str:  # type: ignore[no-untyped-def]
    """Jupyter's login cookie, as a browser holds it after logging in with the token."""
    token = jp_serverapp.identity_provider.token
    r = await http_server_client.fetch(f"{jp_base_url}api/status?token={token}")
    cookies = [c.split(";", 1)[0] for c in r.headers.get_list("Set-Cookie")]
    login = [c for c in cookies if c.startswith("username-")]
    assert login, cookies
    return login[0]


@pytest.fixture
def fetch(raw_fetch, http_server_client, jp_base_url, jp_serverapp):  # type: ignore[no-untyped-def]
    """A request with the login cookie, as the browser sends it, and the test's headers."""

    async def do(path: str, headers: dict[str, str], **kw):  # type: ignore[no-untyped-def]
        cookie = await login(http_server_client, jp_base_url, jp_serverapp)
        host = f"127.0.0.1:{http_server_client.get_http_port()}"
        return await raw_fetch(path, headers={"Host": host, "Cookie": cookie, **headers}, **kw)

    return do


async def test_cross_origin_websocket_starts_nothing(
    http_server_client, jp_base_url, stub_code_server, jp_serverapp
):
    cookie = await login(http_server_client, jp_base_url, jp_serverapp)
    url = f"ws://127.0.0.1:{http_server_client.get_http_port()}{jp_base_url}vscode/stable-x?reconnection=false"
    request = HTTPRequest(url, headers={"Cookie": cookie, "Origin": OTHER_PORT})
    with pytest.raises(HTTPClientError) as refused:
        await asyncio.wait_for(websocket_connect(request), 60)
    assert refused.value.code == 403
    await asyncio.sleep(0.2)  # a start would have begun by now (it is synchronous to the request)
    assert not stub_code_server.ran
    sup = jp_serverapp.web_app.settings["jupyter_vscode_supervisor"]
    assert sup.state.value == "stopped"


@pytest.mark.parametrize(
    "headers",
    [
        # <img src=".../vscode/"> on a page of another port (same site): no Origin header
        {"Sec-Fetch-Site": "same-site", "Sec-Fetch-Mode": "no-cors", "Sec-Fetch-Dest": "image"},
        # fetch() from another site
        {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "cors", "Origin": OTHER_PORT},
        # an <iframe> of another site's page
        {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "iframe"},
        # a form another site's page posts
        {"Origin": OTHER_PORT, "Sec-Fetch-Site": "same-site", "Sec-Fetch-Mode": "navigate"},
    ],
)
async def test_other_sites_requests_start_nothing(fetch, headers, stub_code_server):
    method = "POST" if "Origin" in headers and headers["Sec-Fetch-Mode"] == "navigate" else "GET"
    r = await fetch("vscode/", headers, method=method, body=b"x=1" if method == "POST" else None)
    assert r.code == 403, r.body[:300]
    assert b"cannot start it" in r.body
    assert not stub_code_server.ran


async def test_a_link_followed_from_another_site_starts_vscode(fetch, stub_code_server):
    headers = {
        "Sec-Fetch-Site": "cross-site",
        "Sec-Fetch-Mode": "navigate",
        "Sec-Fetch-Dest": "document",
        "Accept": "text/html",
    }
    r = await fetch("vscode/", headers)
    assert r.code in (200, 503), r.body[:300]  # VS Code, or the starting page
    assert stub_code_server.ran


async def test_own_pages_requests_start_it(fetch, stub_code_server):
    r = await fetch("vscode/healthz", {"Sec-Fetch-Site": "same-origin", "Sec-Fetch-Mode": "cors"})
    assert r.code == 200, r.body[:300]
    assert stub_code_server.ran
