"""Jupyter's token never reaches code-server: not in any spelling of the query, not in a form
body, not in the Referer of a page opened with ``?token=``, not in a websocket handshake, not
in code-server's environment (its terminals and extensions inherit it).

Each request authenticates with the token in the place under test, nothing else, so each shows
a spelling Jupyter really accepts; the stub code-server records what it received.
"""

from __future__ import annotations

import asyncio
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tornado.httpclient import HTTPClientError, HTTPRequest
from tornado.httputil import HTTPHeaders, parse_qs_bytes
from tornado.websocket import websocket_connect

from jupyter_vscode import credentials
from jupyter_vscode.credentials import strip_token_body, strip_token_query, strip_token_url

from .support.forms import (
    FORMS,
    INVALID,
    URLENCODED,
    tornado_arguments,
    typed_bodies,
)
from .support.stub import StubCodeServer


def last_echo(stub: StubCodeServer) -> dict:
    return [r for r in stub.requests() if r["path"].startswith("/echo")][-1]


@pytest.fixture
def token(jp_serverapp) -> str:  # type: ignore[no-untyped-def]
    return str(jp_serverapp.identity_provider.token)


@pytest.fixture
def fetch(raw_fetch):  # type: ignore[no-untyped-def]
    """A request with a raw path and query, authenticated only by what the test puts in it."""
    return raw_fetch


@pytest.mark.parametrize("name", ["token", "%74oken", "tok%65n", "%74%6F%6B%65%6E", "t%6Fken"])
async def test_token_query_in_any_spelling_is_stripped(fetch, token, name, stub_code_server):
    r = await fetch(f"vscode/echo?a=%2Fx%20y+z&{name}={token}&b&c=%74oken")
    assert r.code == 200, r.body  # Jupyter took the token from that spelling
    seen = last_echo(stub_code_server)
    assert seen["path"] == "/echo?a=%2Fx%20y+z&b&c=%74oken"  # the rest byte-for-byte
    assert token not in json.dumps(seen)


async def test_form_body_token_is_stripped(fetch, token, stub_code_server):
    r = await fetch(
        "vscode/echo",
        method="POST",
        body=f"keep=1&tok%65n={token}&x=%41+b".encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert r.code == 200, r.body
    seen = last_echo(stub_code_server)
    assert seen["body"] == "keep=1&x=%41+b"
    assert token not in json.dumps(seen)


async def test_multipart_body_token_is_stripped(fetch, token, stub_code_server):
    def part(name: str, value: str) -> bytes:
        return (
            f'--BOUNDARY\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        ).encode()

    body = part("keep", "1") + part("token", token) + part("file", "x\r\ny") + b"--BOUNDARY--\r\n"
    r = await fetch(
        "vscode/echo",
        method="POST",
        body=body,
        headers={"Content-Type": "multipart/form-data; boundary=BOUNDARY"},
    )
    assert r.code == 200, r.body
    seen = last_echo(stub_code_server)
    expected = part("keep", "1") + part("file", "x\r\ny") + b"--BOUNDARY--\r\n"
    assert seen["body"].encode("latin-1") == expected
    assert token not in json.dumps(seen)


async def test_referer_of_a_page_opened_with_token_is_stripped(jp_fetch, token, stub_code_server):
    page = f"http://localhost/a%40b/vscode/?folder=/home/x&token={token}&tkn=1"
    r = await jp_fetch("vscode", "echo", headers={"Referer": page}, raise_error=False)
    assert r.code == 200
    referer = dict((k.lower(), v) for k, v in last_echo(stub_code_server)["headers"])["referer"]
    assert referer == "http://localhost/a%40b/vscode/?folder=/home/x&tkn=1"
    other = "http://localhost/a%40b/vscode/?folder=/home/x"
    await jp_fetch("vscode", "echo", headers={"Referer": other})
    assert (
        dict((k.lower(), v) for k, v in last_echo(stub_code_server)["headers"])["referer"] == other
    )


async def test_websocket_handshake_carries_no_credentials(
    jp_fetch, jp_http_port, jp_base_url, token, stub_code_server
):
    assert (await jp_fetch("vscode", "echo")).code == 200  # started
    url = f"ws://localhost:{jp_http_port}{jp_base_url}vscode/ws?%74oken={token}&keep=1"
    request = HTTPRequest(
        url,
        headers={
            "Referer": f"http://localhost:{jp_http_port}{jp_base_url}vscode/?token={token}",
            "Cookie": "_xsrf=x; keep=1",
        },
        connect_timeout=30,
        request_timeout=30,
    )
    ws = await asyncio.wait_for(websocket_connect(request), 30)
    ws.close()
    seen = [r for r in stub_code_server.requests() if r["path"].startswith("/ws")][-1]
    assert seen["path"] == "/ws?keep=1"
    assert token not in json.dumps(seen)


CREDENTIALS = {"JUPYTER_TOKEN": "t1", "JUPYTERHUB_API_TOKEN": "t2", "JPY_API_TOKEN": "t3"}


async def test_credentials_are_not_in_code_servers_environment(
    jp_fetch, monkeypatch, stub_code_server
):
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    assert (await jp_fetch("vscode", "echo")).code == 200
    env = stub_code_server.runs()[0]["env"]
    assert {name: env[name] for name in CREDENTIALS} == dict.fromkeys(CREDENTIALS)


@pytest.mark.vscode(pass_jupyter_credentials=True)
async def test_credentials_can_be_passed_on(jp_fetch, monkeypatch, stub_code_server):
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    assert (await jp_fetch("vscode", "echo")).code == 200
    env = stub_code_server.runs()[0]["env"]
    assert {name: env[name] for name in CREDENTIALS} == CREDENTIALS


@pytest.mark.parametrize(
    "query", ["", "a=1", "a=%2F&&b", "folder=/x%20y&tokens=1&xtoken=2", "to+ken=1", "%zz=1"]
)
def test_queries_without_token_are_unchanged(query):
    assert strip_token_query(query) == query


def test_urls_and_bodies_without_token_are_unchanged():
    assert strip_token_url("http://h/p?a=%2F&b") == "http://h/p?a=%2F&b"
    assert strip_token_url("http://[::1") == "http://[::1"  # not a URL: left as it is
    body = b"--B\r\nContent-Disposition: form-data; name=tokens\r\n\r\nv\r\n--B--\r\n"
    assert strip_token_body(body, "multipart/form-data; boundary=B") == body
    assert strip_token_body(b"token=1", "application/json") == b"token=1"
    assert strip_token_body(b"token=1", "multipart/form-data") == b"token=1"  # no boundary


PIECES = st.lists(
    st.sampled_from(["token=t", "%74oken=t", "tok%65n", "TOKEN=x", "+token=x", "token%3D=x"])
    | st.text(alphabet="atokn%=+&;2046567BE", max_size=12),
    max_size=6,
)


@settings(max_examples=300, derandomize=True, database=None, deadline=None)
@given(PIECES)
def test_stripped_query_has_no_argument_jupyter_reads_as_token(pieces):
    """Decoded as tornado decodes arguments for Jupyter: no ``token`` is left, and every other
    piece is kept, unchanged and in order."""
    query = "&".join(pieces)
    stripped = strip_token_query(query)
    assert "token" not in parse_qs_bytes(stripped, keep_blank_values=True)
    others = [p for p in query.split("&") if "token" not in parse_qs_bytes(p, True)]
    assert stripped == "&".join(others)


# -- the token in the odd forms tornado reads (support/forms.py) ------------------------------


@pytest.mark.parametrize("form", FORMS, ids=[f.id for f in FORMS])
async def test_a_token_jupyter_read_from_a_body_never_reaches_code_server(
    fetch, token, stub_code_server, form
):
    """Authenticated by the token in the form alone: where Jupyter let the request in, the
    token was read from the body, and code-server gets no trace of it; nor otherwise."""
    assert (await fetch("vscode/echo", headers={"Authorization": f"token {token}"})).code == 200
    r = await fetch(
        "vscode/echo", method="POST", body=form.body("token", token), headers=form.request_headers()
    )
    assert r.code == form.status, r.body  # what tornado makes of the form, as support/forms.py
    assert token not in json.dumps(stub_code_server.requests())


@pytest.mark.parametrize("form", FORMS, ids=[f.id for f in FORMS])
async def test_a_body_without_token_reaches_code_server_byte_for_byte(
    fetch, token, stub_code_server, form
):
    body = form.body("field", "v")
    headers = form.request_headers()
    headers["Authorization"] = f"token {token}"
    r = await fetch("vscode/echo", method="POST", body=body, headers=headers)
    if form.status == INVALID:  # tornado refuses it before our handler: nothing goes on
        assert r.code == 400, r.body
        return
    assert r.code == 200, r.body
    assert last_echo(stub_code_server)["body"].encode("latin-1") == body


@settings(max_examples=800, derandomize=True, database=None, deadline=None)
@given(typed_bodies(), st.sampled_from([False] * 9 + [True]))
def test_tornado_reads_no_token_from_a_stripped_body(typed_body, encoded):
    """Parsed by tornado's own parser (Jupyter's): the stripped body has no ``token`` argument
    and all the others; a body tornado reads no token from comes back as it is."""
    content_type, body = typed_body
    headers = HTTPHeaders({"Content-Type": content_type})
    if encoded:
        headers["Content-Encoding"] = "gzip"
    args, files, whole = tornado_arguments(content_type, body, headers)
    try:
        stripped = strip_token_body(body, content_type, headers)
    except credentials.TokenNotRemovable:
        assert "token" in args  # refused only a body Jupyter reads a token from
        return
    args_after, files_after, whole_after = tornado_arguments(content_type, stripped, headers)
    assert "token" not in args_after
    if whole:  # a body Jupyter can get (else tornado answers 400 before our handler)
        had_token = args.pop("token", None) is not None
        assert (args_after, files_after, whole_after) == (args, files, True)
        assert had_token or stripped == body


def test_a_token_the_stripper_would_miss_is_refused(monkeypatch):
    """The check after stripping: tornado's parser still reading a token means a refusal."""
    monkeypatch.setattr(credentials, "_token_piece", lambda piece: False)
    with pytest.raises(credentials.TokenNotRemovable):
        strip_token_body(b"a=1&token=t", URLENCODED)
    with pytest.raises(credentials.TokenNotRemovable):
        strip_token_query("a=1&%74oken=t")
    assert strip_token_url("http://h/p?a=1&token=t#f") == "http://h/p#f"  # query dropped


async def test_a_request_whose_token_cant_be_taken_out_is_refused(
    fetch, jp_http_port, jp_base_url, token, stub_code_server, monkeypatch
):
    """A token tornado reads that stripping left in: a 400 and nothing sent to code-server,
    for a form body, a query string, a websocket handshake."""
    assert (await fetch("vscode/echo", headers={"Authorization": f"token {token}"})).code == 200
    monkeypatch.setattr(credentials, "_token_piece", lambda piece: False)
    monkeypatch.setattr(credentials, "_token_part", lambda *args: False)
    before = len(stub_code_server.requests())
    form = FORMS[0]  # urlencoded-suffix
    r = await fetch(
        "vscode/echo", method="POST", body=form.body("token", token), headers=form.request_headers()
    )
    assert r.code == 400
    assert "token" in json.loads(r.body)["message"]
    multipart = next(f for f in FORMS if f.id == "multipart-in-preamble")
    headers = multipart.request_headers()
    r = await fetch(
        "vscode/echo", method="POST", body=multipart.body("token", token), headers=headers
    )
    assert r.code == 400
    r = await fetch(f"vscode/echo?token={token}")
    assert r.code == 400
    url = f"ws://localhost:{jp_http_port}{jp_base_url}vscode/ws?token={token}"
    with pytest.raises(HTTPClientError) as refused:
        await asyncio.wait_for(websocket_connect(HTTPRequest(url, request_timeout=30)), 30)
    assert refused.value.code == 400
    assert len(stub_code_server.requests()) == before
