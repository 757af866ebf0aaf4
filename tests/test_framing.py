"""Who may frame VS Code: Jupyter's policy, on proxied responses and on our own pages alike.

Jupyter sends ``Content-Security-Policy: frame-ancestors 'self'`` (or the admin's policy from
``tornado_settings["headers"]``) with its pages; a proxied code-server response must carry the
same framing policy, or a page of another origin can frame the live workbench.
"""

from __future__ import annotations

import pytest

from jupyter_vscode.framing import frame_ancestors, merge_csp

ADMIN = {
    "headers": {
        "Content-Security-Policy": "frame-ancestors 'self' https://hub.example.org",
        "X-Frame-Options": "SAMEORIGIN",
        "X-Admin-Header": "set by the admin",
    }
}


async def get(jp_fetch, *parts, **kw):
    kw.setdefault("raise_error", False)
    kw.setdefault("follow_redirects", False)
    kw.setdefault("request_timeout", 60)
    return await jp_fetch(*parts, **kw)


def csp_values(response) -> list[str]:  # type: ignore[no-untyped-def]
    return response.headers.get_list("Content-Security-Policy")


def framing(response) -> list[str | None]:  # type: ignore[no-untyped-def]
    """The frame-ancestors directive of every CSP header (a browser enforces each)."""
    return [frame_ancestors(v) for v in csp_values(response)]


async def jupyter_frame_ancestors(jp_fetch) -> str | None:  # type: ignore[no-untyped-def]
    """What Jupyter itself sends on its own pages, for comparison."""
    r = await get(jp_fetch, "api", "status")
    return frame_ancestors(r.headers["Content-Security-Policy"])


async def test_proxied_response_carries_jupyter_frame_ancestors(jp_fetch):
    r = await get(jp_fetch, "vscode", "echo")
    assert r.code == 200
    assert framing(r) == ["frame-ancestors 'self'"]
    assert framing(r) == [await jupyter_frame_ancestors(jp_fetch)]


@pytest.mark.serverapp(tornado_settings=ADMIN)
async def test_proxied_response_carries_admin_headers(jp_fetch):
    r = await get(jp_fetch, "vscode", "echo")
    assert r.code == 200
    assert framing(r) == ["frame-ancestors 'self' https://hub.example.org"]
    assert framing(r) == [await jupyter_frame_ancestors(jp_fetch)]
    assert r.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert r.headers["X-Admin-Header"] == "set by the admin"


async def test_code_server_frame_ancestors_is_replaced(jp_fetch, stub_code_server):
    stub_code_server.send_csp("default-src 'self'; frame-ancestors *; img-src data:")
    r = await get(jp_fetch, "vscode", "echo")
    assert r.code == 200
    assert csp_values(r) == ["default-src 'self'; img-src data:; frame-ancestors 'self'"]


@pytest.mark.serverapp(tornado_settings=ADMIN)
async def test_code_server_csp_without_frame_ancestors_gets_jupyters(jp_fetch, stub_code_server):
    stub_code_server.send_csp("script-src 'self' 'unsafe-eval'")
    r = await get(jp_fetch, "vscode", "echo")
    assert csp_values(r) == [
        "script-src 'self' 'unsafe-eval'; frame-ancestors 'self' https://hub.example.org"
    ]


@pytest.mark.serverapp(tornado_settings=ADMIN)
@pytest.mark.vscode(max_restarts=0)
async def test_our_pages_carry_the_same_policy(jp_fetch, stub_code_server):
    """The starting and failed pages are Jupyter's handlers' own answers: same headers."""
    html = {"Accept": "text/html"}
    stub_code_server.start_slowly(30)
    r = await get(jp_fetch, "vscode/", headers=html)
    assert r.code == 503 and b"Starting" in r.body
    assert framing(r) == ["frame-ancestors 'self' https://hub.example.org"]
    assert r.headers["X-Frame-Options"] == "SAMEORIGIN"
    await get(jp_fetch, "api", "vscode", "stop", method="POST", body=b"")
    stub_code_server.crash()
    r = await get(jp_fetch, "vscode/", headers=html)
    assert r.code == 503
    r = await get(jp_fetch, "vscode/", headers=html)
    assert r.code == 503 and b"Restart" in r.body
    assert framing(r) == ["frame-ancestors 'self' https://hub.example.org"]
    assert r.headers["X-Frame-Options"] == "SAMEORIGIN"


@pytest.mark.serverapp(tornado_settings=ADMIN)
@pytest.mark.vscode(code_server="/nonexistent/code-server")
async def test_not_installed_page_carries_the_same_policy(jp_fetch):
    r = await get(jp_fetch, "vscode/", headers={"Accept": "text/html"})
    assert r.code == 503
    assert framing(r) == ["frame-ancestors 'self' https://hub.example.org"]
    assert r.headers["X-Frame-Options"] == "SAMEORIGIN"


@pytest.mark.parametrize(
    ("upstream", "jupyter", "merged"),
    [
        ([], "frame-ancestors 'self'; report-uri /x", ["frame-ancestors 'self'"]),
        (["frame-ancestors 'none'"], "frame-ancestors 'self'", ["frame-ancestors 'self'"]),
        (
            ["default-src 'self'", "FRAME-ANCESTORS *; script-src 'self'"],
            "frame-ancestors 'self'",
            ["default-src 'self'; frame-ancestors 'self'", "script-src 'self'"],
        ),
        # an admin CSP without frame-ancestors lets any page frame Jupyter: the same for VS Code
        (["default-src *; frame-ancestors 'none'"], "default-src 'self'", ["default-src *"]),
    ],
)
def test_merge_csp(upstream, jupyter, merged):
    assert merge_csp(upstream, jupyter) == merged
