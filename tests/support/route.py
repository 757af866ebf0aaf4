"""Requests to the extension's route (`<base_url>vscode/`) through pytest-jupyter's `jp_fetch`,
as the real-code-server tests make them."""

from __future__ import annotations


async def get(jp_fetch, *parts, **kw):  # type: ignore[no-untyped-def]
    """GET (or any method in KW) without raising on error codes or following redirects, with a
    timeout that a first start of code-server fits in."""
    kw.setdefault("raise_error", False)
    kw.setdefault("request_timeout", 90)
    kw.setdefault("follow_redirects", False)
    return await jp_fetch(*parts, **kw)
