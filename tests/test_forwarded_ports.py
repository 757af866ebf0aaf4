"""Forwarded ports (ports.py, forwarded.py): their pages get an opaque origin, and a keyed
address lets the sandboxed page's cookie-less requests in, for that port only.

The attack: another local user serves a page on a loopback port and sends the link
<base>/vscode/proxy/<port>/; same-origin with Jupyter, its script could read _xsrf and open a
terminal through api/terminals. tests/browser/test_forwarded_ports.py runs it in Chromium.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qsl, urlsplit

import pytest
from traitlets import TraitError
from traitlets.config import Config

from jupyter_vscode import ports
from jupyter_vscode.config import InvalidOption, VSCode

NAVIGATE = {"Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document", "Accept": "text/html"}
PORT = 8765


@pytest.fixture
def fetch(raw_fetch):  # type: ignore[no-untyped-def]
    """A request with nothing but what the test gives it (no token, no cookie)."""
    return raw_fetch


def sandbox_of(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [p for p in response.headers.get_list("Content-Security-Policy") if "sandbox" in p]


async def keyed_address(jp_fetch, path: str = "app/page?x=1") -> str:  # type: ignore[no-untyped-def]
    """Where a page load of vscode/proxy/<PORT>/<path> is redirected (the query sent as one)."""
    path, _, query = path.partition("?")
    r = await jp_fetch(
        f"vscode/proxy/{PORT}/{path}",
        params=dict(parse_qsl(query)),
        headers=dict(NAVIGATE),
        follow_redirects=False,
        raise_error=False,
    )
    assert r.code == 302, (r.code, r.body[:300])
    assert r.headers["Cache-Control"] == "no-store"
    return r.headers["Location"]


async def test_page_load_is_sent_to_the_keyed_address(jp_fetch, jp_base_url, stub_code_server):
    location = await keyed_address(jp_fetch)
    path = urlsplit(location).path
    assert path.startswith(f"{jp_base_url}vscode/ports/")
    assert path.endswith(f"/proxy/{PORT}/app/page")
    assert urlsplit(location).query == "x=1"
    assert "token" not in location  # Jupyter's token is not carried into the address


async def test_keyed_address_needs_no_cookie_and_is_sandboxed(
    jp_fetch, fetch, jp_base_url, stub_code_server
):
    # code-server runs (the user opened VS Code); the page's own requests carry no cookie
    assert (await jp_fetch("vscode/healthz")).code == 200
    location = await keyed_address(jp_fetch)
    r = await fetch(location[len(jp_base_url) :])
    assert r.code == 200, r.body[:300]
    assert json.loads(r.body)["path"] == f"/proxy/{PORT}/app/page?x=1"  # code-server's route
    (policy,) = sandbox_of(r)
    assert policy == f"sandbox {ports.DEFAULT_SANDBOX}"
    assert "allow-same-origin" not in policy
    # a websocket of the page (Origin: null, no cookie) is relayed too
    ws_path = location[len(jp_base_url) :].split("?")[0] + "ws"
    r = await fetch(ws_path, headers={"Origin": "null", "Accept": "application/json"})
    assert r.code == 200 and json.loads(r.body)["path"] == f"/proxy/{PORT}/app/pagews"


async def test_key_is_for_one_port_and_this_process(jp_fetch, fetch, jp_base_url, stub_code_server):
    assert (await jp_fetch("vscode/healthz")).code == 200
    location = urlsplit(await keyed_address(jp_fetch)).path[len(jp_base_url) :]
    other_port = location.replace(f"/proxy/{PORT}/", f"/proxy/{PORT + 1}/")
    forged = location.replace("/ports/", "/ports/A").replace("/proxy/", "B/proxy/", 1)
    before = len(stub_code_server.requests())
    for path in (other_port, forged, f"vscode/ports/{'A' * 24}/proxy/{PORT}/"):
        r = await fetch(path)
        assert r.code == 403, (path, r.code)
        assert b"not valid" in r.body
    assert len(stub_code_server.requests()) == before  # nothing reached code-server


async def test_expired_key_on_a_reload_gets_the_current_one(jp_fetch, stub_code_server):
    """A reload after Jupyter restarted: the user is still logged in (cookie or token)."""
    location = await keyed_address(jp_fetch)
    r = await jp_fetch(
        f"vscode/ports/{'A' * 24}/proxy/{PORT}/app/page",
        headers=dict(NAVIGATE),
        follow_redirects=False,
        raise_error=False,
    )
    assert r.code == 302
    assert r.headers["Location"] == urlsplit(location).path


async def test_keyed_request_never_starts_code_server(
    jp_fetch, fetch, jp_base_url, stub_code_server
):
    location = await keyed_address(jp_fetch)  # a redirect only: nothing started
    r = await fetch(location[len(jp_base_url) :])
    assert r.code == 503
    assert not stub_code_server.ran


async def test_other_requests_to_a_forwarded_port_are_sandboxed(jp_fetch, stub_code_server):
    r = await jp_fetch(f"vscode/proxy/{PORT}/data.json", headers={"Sec-Fetch-Mode": "cors"})
    assert r.code == 200
    assert sandbox_of(r) == [f"sandbox {ports.DEFAULT_SANDBOX}"]
    r = await jp_fetch(f"vscode/absproxy/{PORT}/page", headers=dict(NAVIGATE))
    assert r.code == 200  # no keyed address for absproxy, but sandboxed all the same
    assert sandbox_of(r) == [f"sandbox {ports.DEFAULT_SANDBOX}"]
    r = await jp_fetch("vscode/healthz")  # code-server's own pages are not
    assert sandbox_of(r) == []


@pytest.mark.vscode(forwarded_ports_sandbox="")
async def test_sandbox_off_serves_forwarded_ports_as_before(jp_fetch, fetch, stub_code_server):
    r = await jp_fetch(f"vscode/proxy/{PORT}/page", headers=dict(NAVIGATE))
    assert r.code == 200 and sandbox_of(r) == []
    r = await fetch(f"vscode/ports/{'A' * 24}/proxy/{PORT}/page")
    assert r.code == 404


def options(**kw: object) -> VSCode:
    c = VSCode(config=Config({"VSCode": kw}))
    c.validate_all()
    return c


def test_option_values(monkeypatch):
    monkeypatch.delenv("JUPYTER_VSCODE_FORWARDED_PORTS_SANDBOX", raising=False)
    assert options().forwarded_ports_sandbox == ports.DEFAULT_SANDBOX
    assert options(forwarded_ports_sandbox="off").forwarded_ports_sandbox == ""
    assert options(forwarded_ports_sandbox=" allow-scripts ").forwarded_ports_sandbox == (
        "allow-scripts"
    )
    for bad in ("allow-scripts allow-same-origin", "allow-everything", "sandbox"):
        with pytest.raises((InvalidOption, TraitError)) as e:
            options(forwarded_ports_sandbox=bad)
        assert "forwarded_ports_sandbox" in str(e.value)
    monkeypatch.setenv("JUPYTER_VSCODE_FORWARDED_PORTS_SANDBOX", "off")
    assert options().forwarded_ports_sandbox == ""


async def test_keyed_answers_allow_the_sandboxed_pages_fetches(
    jp_fetch, fetch, jp_base_url, stub_code_server
):
    """The page's origin is opaque, so its fetch() of its own data is cross-origin."""
    assert (await jp_fetch("vscode/healthz")).code == 200
    path = urlsplit(await keyed_address(jp_fetch, "api/items")).path[len(jp_base_url) :]
    r = await fetch(path, headers={"Origin": "null"})
    assert r.code == 200 and r.headers["Access-Control-Allow-Origin"] == "*"
    r = await fetch(
        path,
        method="OPTIONS",
        headers={
            "Origin": "null",
            "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert r.code == 204
    assert r.headers["Access-Control-Allow-Methods"] == "PUT"
    assert r.headers["Access-Control-Allow-Headers"] == "content-type"
    bad = path.replace("/ports/", "/ports/x", 1)
    r = await fetch(bad, method="OPTIONS", headers={"Access-Control-Request-Method": "PUT"})
    assert r.code == 403  # no preflight answer without the key
