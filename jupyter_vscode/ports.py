"""Ports forwarded by code-server, served with an opaque origin.

code-server forwards any loopback port at ``<base_url>vscode/proxy/<port>/`` (its Ports panel,
``VSCODE_PROXY_URI``). Served as they are, those pages are same-origin with Jupyter: a page
another local user serves on a port, opened from a link, could read Jupyter's ``_xsrf``
cookie and drive Jupyter's API (open a terminal, run a command) as the user. So every answer
from a forwarded port carries ``Content-Security-Policy: sandbox <keywords>`` (the keywords of
``c.VSCode.forwarded_ports_sandbox``), never ``allow-same-origin``: the browser gives the
page an opaque origin, with no access to Jupyter's cookies, storage or API.

A sandboxed page's own requests (its scripts, styles, fetches, websockets) carry no cookies
at all (Chromium, measured: not even ``SameSite=None`` ones), so they cannot log in with
Jupyter's cookie. A page load of ``vscode/proxy/<port>/...`` by the logged-in user is therefore
redirected to ``vscode/ports/<key>/proxy/<port>/...``, where ``<key>`` is an HMAC of the port
under a secret of this Jupyter process: the address itself is the credential, for that port
only, and the page's relative URLs stay under it. A key grants nothing but that port's pages
(which the page's own server sees anyway); it expires when Jupyter restarts (a reload by the
logged-in user gets a fresh one). Requests under a key never start code-server.

``vscode/absproxy/<port>/`` (for apps that build absolute URLs) is sandboxed too, but has no
keyed address: such apps need ``c.VSCode.forwarded_ports_sandbox = ''``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

#: code-server's forwarded-port paths, below the route: (kind, port, rest)
FORWARDED = re.compile(r"^/(proxy|absproxy)/([0-9]{1,5})(/.*)?$")
#: The keyed address below the route: /ports/<key>/proxy/<port><rest>
KEYED_PREFIX = "ports"
KEYED_ROUTE = KEYED_PREFIX + r"/([A-Za-z0-9_-]{1,64})/proxy/([0-9]{1,5})(/.*)?"

#: Sandbox keywords a browser knows; allow-same-origin is refused (config.py).
SANDBOX_KEYWORDS = frozenset(
    {
        "allow-downloads",
        "allow-forms",
        "allow-modals",
        "allow-orientation-lock",
        "allow-pointer-lock",
        "allow-popups",
        "allow-popups-to-escape-sandbox",
        "allow-presentation",
        "allow-same-origin",
        "allow-scripts",
        "allow-top-navigation",
        "allow-top-navigation-by-user-activation",
        "allow-top-navigation-to-custom-protocols",
    }
)
DEFAULT_SANDBOX = "allow-scripts allow-forms allow-popups allow-downloads"


def forwarded_port(path: str) -> tuple[str, int] | None:
    """``(kind, port)`` when ``path`` (below the route) is a forwarded port's, else None."""
    match = FORWARDED.match(path)
    return (match.group(1), int(match.group(2))) if match else None


def sandbox_policy(tokens: str) -> str | None:
    """The CSP header value for forwarded ports, None when the sandbox is off."""
    return f"sandbox {tokens}".strip() if tokens else None


class Keys:
    """The keys of forwarded ports' addresses, under a secret of this process."""

    def __init__(self, secret: bytes | None = None) -> None:
        self._secret = secret or secrets.token_bytes(32)

    def key(self, port: int) -> str:
        digest = hmac.new(self._secret, f"proxy/{port}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest[:18]).decode()

    def valid(self, key: str, port: int) -> bool:
        return hmac.compare_digest(key.encode(), self.key(port).encode())

    def keyed_path(self, port: int, rest: str) -> str:
        """The keyed address of ``proxy/<port><rest>``, below the route."""
        return f"{KEYED_PREFIX}/{self.key(port)}/proxy/{port}{rest or '/'}"
