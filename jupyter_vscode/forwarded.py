"""``<base_url>vscode/ports/<key>/proxy/<port>/...``: a forwarded port's keyed address.

The sandboxed page of a forwarded port (ports.py) has an opaque origin, so its own requests
carry no cookie; the key in the address, an HMAC of the port under this process's secret, is
their credential, for that port only. Everything else is the ``vscode/`` route's: the same
relay, headers and sandbox. The sandboxed page's fetches are cross-origin (its origin is
opaque), so answers here allow any origin (``Access-Control-Allow-Origin: *``, no credentials:
none are used here), preflights are answered here, and a websocket's ``Origin: null`` reaches
code-server as this server's own origin. A keyed request never starts code-server; a wrong or
expired key (Jupyter restarted) gets a 403, or, for a page load of a user who is still logged
in, a redirect to the current key.
"""

from __future__ import annotations

from typing import Any

from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.utils import url_path_join

from . import upstream
from .access import allowed, is_websocket_upgrade
from .proxy import VSCodeProxyHandler


def _public(method: Any) -> Any:
    """Mark a method as checking its own credential (the key), for jupyter-server's
    ``allow_unauthenticated_access = False`` (its ``@allow_unauthenticated`` does the same)."""
    setattr(method, "__allow_unauthenticated", True)  # noqa: B010
    return method


class KeyedPortHandler(VSCodeProxyHandler):
    async def prepare(self) -> None:  # type: ignore[override]
        # Jupyter's own: a missing login is no reason to redirect or refuse (the methods are
        # marked as checking their own credential, the key)
        await JupyterHandler.prepare(self)

    @_public
    async def get(self, key: str, port: str, rest: str | None) -> None:  # type: ignore[override]
        path = await self._checked(key, port, rest)
        if path is None:
            return
        if is_websocket_upgrade(self.request):
            await self._relay_websocket(path)
        else:
            await self._http(path)

    @_public
    async def _keyed_other_method(self, key: str, port: str, rest: str | None) -> None:
        path = await self._checked(key, port, rest)
        if path is not None:
            await self._http(path)

    head = post = put = delete = patch = _keyed_other_method  # type: ignore[assignment]

    @_public
    async def options(self, key: str, port: str, rest: str | None) -> None:  # type: ignore[override]
        """A CORS preflight of the sandboxed page is answered here (the app behind the port
        knows nothing of the page's opaque origin); any other OPTIONS goes to the app."""
        asked = self.request.headers.get("Access-Control-Request-Method")
        path = await self._checked(key, port, rest)
        if path is None:
            return
        if asked is None:
            await self._http(path)
            return
        self.set_status(204)
        self.set_header("Access-Control-Allow-Origin", "*")
        self.set_header("Access-Control-Allow-Methods", asked[:100])
        wanted = self.request.headers.get("Access-Control-Request-Headers")
        if wanted:
            self.set_header("Access-Control-Allow-Headers", wanted[:1000])
        self.set_header("Access-Control-Max-Age", "600")
        self.finish()

    def _request_headers(self) -> Any:
        headers = super()._request_headers()
        if headers.get("Origin") == "null":  # the sandboxed page; the key vouches for it
            proto = self.request.headers.get("X-Forwarded-Proto", self.request.protocol)
            headers["Origin"] = f"{proto}://{self.request.host}"
        return headers

    def _take_headers(self, status: int, reason: str | None, headers: Any) -> None:
        super()._take_headers(status, reason, headers)
        if "Access-Control-Allow-Origin" not in self._headers:
            self.set_header("Access-Control-Allow-Origin", "*")

    async def _checked(self, key: str, port: str, rest: str | None) -> str | None:
        """code-server's path for this request, or None once a refusal has been sent."""
        number = int(port)
        if not self.supervisor.config.forwarded_ports_sandbox or not 0 < number < 65536:
            self._send(404, None, "no such forwarded port address")
            return None
        if not self.keys.valid(key, number):
            if self.current_user is not None and self._wants_page() and await allowed(self):
                fresh = self.keys.keyed_path(number, rest or "/")
                self.redirect(url_path_join(self._context(), upstream.target(fresh, "")))
                return None
            self._send(
                403,
                None,
                "this forwarded-port address is not valid (it expires when Jupyter restarts): "
                f"open port {number} again from VS Code's Ports panel",
            )
            return None
        if not self.supervisor.is_running():
            self._send(503, None, "VS Code is not running: open it to reach forwarded ports")
            return None
        path = f"/proxy/{number}{rest or '/'}"
        return path if self._forwardable(path) else None

    def _send(self, status: int, html: str | None, message: str) -> None:
        # no Jupyter page here (no XSRF token for an opaque origin): JSON with the reason
        super()._send(status, None, message)
