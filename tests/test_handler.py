"""The vscode/ handler's own parts: its auth rule (a plain 403 for a websocket upgrade without
a user, also when jupyter-server authenticates in prepare), the request target it sends, the
redirects it puts back under the route, and the note for transport 'port' without
jupyter-server-proxy."""

from __future__ import annotations

import os

import pytest
from tornado.util import _websocket_mask

from jupyter_vscode import upstream, wsrelay
from jupyter_vscode.config import VSCode
from jupyter_vscode.extension import port_route_note

UPGRADE = {
    "Upgrade": "websocket",
    "Connection": "Upgrade",
    "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
    "Sec-WebSocket-Version": "13",
}
#: jupyter-server's default, and its strict mode (it authenticates in JupyterHandler.prepare)
AUTH_MODES = pytest.mark.parametrize(
    "strict",
    [
        pytest.param(False, id="default"),
        pytest.param(
            True,
            id="strict",
            marks=pytest.mark.serverapp(allow_unauthenticated_access=False),
        ),
    ],
)


@AUTH_MODES
@pytest.mark.parametrize("vscode_options", [{}, {"start_timeout": -5}], ids=["working", "bad"])
async def test_websocket_without_user_is_403_not_a_redirect(
    strict, vscode_options, jp_serverapp, http_server_client, stub_code_server
):
    base = jp_serverapp.base_url
    for path in ("vscode/", "vscode/stable-x/socket?reconnection=false"):
        r = await http_server_client.fetch(
            base + path, headers=UPGRADE, raise_error=False, follow_redirects=False
        )
        assert r.code == 403, (path, r.code, r.headers.get("Location"))
        page = await http_server_client.fetch(
            base + path, raise_error=False, follow_redirects=False
        )
        assert page.code == 302 and "login" in page.headers["Location"], path
    assert not stub_code_server.ran


def test_target_quotes_the_path_once_and_drops_the_token():
    assert upstream.target("a b/ü%", "x=1") == "/a%20b/%C3%BC%25?x=1"
    assert upstream.target("/static/x.js", "") == "/static/x.js"
    assert upstream.target("", "token=secret") == "/"
    assert upstream.target("/", "folder=/home/u&token=secret") == "/?folder=/home/u"


def test_redirect_to_an_absolute_path_stays_under_the_route():
    ctx = "/user/u/vscode"
    assert upstream.rewrite_location("/login?to=%2F", ctx) == "/user/u/vscode/login?to=%2F"
    assert upstream.rewrite_location("./?folder=/home/u", ctx) == "./?folder=/home/u"
    assert upstream.rewrite_location("https://example.org/x", ctx) == "https://example.org/x"


def test_unmask_matches_rfc_6455_masking():
    for n in (0, 1, 3, 4, 5, 1024, 4099):
        data, mask = os.urandom(n), os.urandom(4)
        assert wsrelay.unmask(mask, data) == _websocket_mask(mask, data)


def test_port_transport_without_server_proxy_says_what_is_missing():
    options = VSCode(transport="port", port=8123)
    note = port_route_note(options, None)
    assert note and "proxy/8123/" in note and "jupyter-vscode[proxy]" in note
    assert port_route_note(options, object()) is None
    assert port_route_note(VSCode(transport="socket"), None) is None
