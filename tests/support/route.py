"""Requests to the extension's route (`<base_url>vscode/`): through pytest-jupyter's `jp_fetch`,
as the real-code-server tests make them, and raw ones that carry only what a test gives them."""

from __future__ import annotations

from types import MappingProxyType

import pytest

#: The headers of a user's page load (a click, a reload): it may start a code-server that was
#: stopped; other requests may not (Supervisor.refusal). Read-only: jp_fetch adds its token
#: to the headers dict it is given, so pass ``dict(PAGE_LOAD)``.
PAGE_LOAD = MappingProxyType(
    {"Sec-Fetch-Dest": "document", "Sec-Fetch-Mode": "navigate", "Accept": "text/html"}
)


async def get(jp_fetch, *parts, **kw):  # type: ignore[no-untyped-def]
    """GET (or any method in KW) without raising on error codes or following redirects, with a
    timeout that a first start of code-server fits in."""
    kw.setdefault("raise_error", False)
    kw.setdefault("request_timeout", 90)
    kw.setdefault("follow_redirects", False)
    return await jp_fetch(*parts, **kw)


@pytest.fixture
def raw_fetch(http_server_client, jp_base_url):  # type: ignore[no-untyped-def]
    """A request to ``<base_url><path and query as given>`` carrying nothing but what the test
    gives it (no token, no cookie), not raising on error codes or following redirects."""

    async def do(path_qs: str, **kw):  # type: ignore[no-untyped-def]
        kw.setdefault("raise_error", False)
        kw.setdefault("follow_redirects", False)
        kw.setdefault("request_timeout", 60)
        return await http_server_client.fetch(jp_base_url + path_qs, **kw)

    return do
