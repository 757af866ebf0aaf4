"""Every route of the extension requires an authenticated, authorized user.

The route list is read from the running Jupyter application, so a handler added later
without authentication fails here (the CI check the issue asks for).
"""

from __future__ import annotations

import re

import pytest
from jupyter_server.auth.authorizer import Authorizer
from tornado import web

METHODS = ("get", "post", "put", "delete", "patch", "head", "options")


def our_routes(app: web.Application) -> list[tuple[str, type]]:
    found: list[tuple[str, type]] = []

    def walk(router) -> None:  # type: ignore[no-untyped-def]
        for rule in getattr(router, "rules", []):
            target = rule.target
            if isinstance(target, type) and issubclass(target, web.RequestHandler):
                pattern = getattr(rule.matcher, "regex", None)
                if target.__module__.startswith("jupyter_vscode") and pattern is not None:
                    found.append((pattern.pattern, target))
            else:
                walk(target)

    walk(app.default_router)
    walk(app.wildcard_router)
    return found


def methods_of(handler: type) -> list[str]:
    """HTTP methods implemented by our handler classes or the jupyter-server-proxy ones they
    build on (jupyter_server's APIHandler.options, a CORS preflight returning nothing, is
    Jupyter's own)."""
    implemented = []
    for name in METHODS:
        for klass in handler.__mro__:
            if not klass.__module__.startswith(("jupyter_vscode", "jupyter_server_proxy")):
                continue
            if name in vars(klass):
                implemented.append(name.upper())
                break
    return implemented


def concrete_path(pattern: str) -> str:
    path = pattern.rstrip("$")
    path = re.sub(r"\(/\.\*\)\?", "/x", path)  # forwarded.py's keyed route: /<key>/proxy/<port>
    path = re.sub(r"\(\[0-9\]\{1,5\}\)", "8000", path)
    path = re.sub(r"\(\[A-Za-z0-9_-\]\{1,64\}\)", "key", path)
    path = re.sub(r"\(\.\*\)", "x", path)
    path = re.sub(r"\(\?P<\w+>[^)]*\)", "x", path)
    return path.replace("\\", "")


#: Every test runs against a working server and one whose options are invalid (which serves
#: the same routes with other handlers: misconfigured.py).
MODES = pytest.mark.parametrize(
    "vscode_options", [{}, {"start_timeout": -5}], ids=["working", "misconfigured"]
)


@MODES
def test_routes_are_found(jp_serverapp, vscode_options):
    routes = our_routes(jp_serverapp.web_app)
    names = {handler.__name__ for _, handler in routes}
    route = "MisconfiguredHandler" if vscode_options else "VSCodeProxyHandler"
    assert {route, "StatusHandler", "RestartHandler", "StopHandler"} <= names


@MODES
async def test_no_route_answers_without_authentication(
    jp_serverapp, http_server_client, stub_code_server
):
    checked = 0
    for pattern, handler in our_routes(jp_serverapp.web_app):
        for method in methods_of(handler):
            body = b"" if method in ("POST", "PUT", "PATCH") else None
            r = await http_server_client.fetch(
                concrete_path(pattern),
                method=method,
                body=body,
                raise_error=False,
                follow_redirects=False,
                allow_nonstandard_methods=True,
            )
            assert r.code in (302, 403), (pattern, method, r.code)
            if r.code == 302:
                assert "login" in r.headers["Location"], (pattern, method)
            checked += 1
    assert checked >= 8
    # and nothing was started by an anonymous request
    assert not stub_code_server.ran


class DenyVSCode(Authorizer):
    """A deployment where this user may use Jupyter but not VS Code."""

    def is_authorized(self, handler, user, action, resource):  # type: ignore[no-untyped-def]
        return resource != "vscode"


@MODES
@pytest.mark.serverapp(authorizer_class=DenyVSCode)
async def test_unauthorized_user_gets_403_everywhere(jp_serverapp, jp_fetch, stub_code_server):
    for pattern, handler in our_routes(jp_serverapp.web_app):
        if handler.__name__ == "AddSlashHandler":
            continue
        for method in methods_of(handler):
            if method in ("HEAD", "OPTIONS"):
                continue
            body = b"" if method in ("POST", "PUT", "PATCH") else None
            base = jp_serverapp.base_url
            path = concrete_path(pattern)[len(base) :]
            r = await jp_fetch(path, method=method, body=body, raise_error=False)
            assert r.code == 403, (pattern, method, r.code)
    # Jupyter itself still works for this user
    assert (await jp_fetch("api", "contents")).code == 200
    assert not stub_code_server.ran
