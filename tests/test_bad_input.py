"""Bad input is a 4xx with a reason, never a 5xx, and never a traceback in Jupyter's log.

The API reads its input in one place (api._Base): a body bounded in size and nesting before it
is parsed, query arguments checked; refusals quote only the start of a long value. The
``vscode/`` route's handlers answer what tornado refuses before they run (access.RouteHandler).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tornado.httpclient import HTTPResponse

from jupyter_vscode import api


@dataclass
class Sent:
    """One request sent, and its answer."""

    route: str
    method: str
    case: str
    code: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def by_tornado_http(self) -> bool:
        """Refused by tornado's HTTP layer before any handler ran (a bare 400: no headers)."""
        return self.code == 400 and "Server" not in self.headers


@dataclass
class Client:
    """Requests to the Jupyter server of the test, authenticated with its token (which spares
    POSTs the XSRF check, as with jp_fetch); raw query strings, bodies and headers."""

    fetch: Callable[..., Awaitable[HTTPResponse]]
    base_url: str
    auth: dict[str, str]
    sent: list[Sent] = field(default_factory=list)

    async def send(
        self,
        route: str,
        method: str,
        case: str = "",
        *,
        query: str = "",
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        chunked: bool = False,
    ) -> Sent:
        """``method`` ``route`` (under base_url) with ``query`` as it is; a GET has a body only
        if ``body`` is given, a POST always (``b""`` without one); ``chunked``: no
        Content-Length, the body in chunks."""
        url = self.base_url + route + ("?" + query if query else "")
        if body is None and method != "GET":
            body = b""
        kw: dict[str, Any] = {"body": body}
        if chunked:
            data = body or b""

            async def producer(write: Callable[[bytes], Awaitable[None]]) -> None:
                for i in range(0, len(data), 8192):
                    await write(data[i : i + 8192])

            kw = {"body_producer": producer}
        r = await self.fetch(
            url,
            method=method,
            headers={**self.auth, **(headers or {})},
            raise_error=False,
            follow_redirects=False,
            allow_nonstandard_methods=True,
            request_timeout=90,
            **kw,
        )
        sent = Sent(route, method, case, r.code, r.body or b"", dict(r.headers))
        self.sent.append(sent)
        return sent


@pytest.fixture
def client(http_server_client, jp_base_url, jp_auth_header) -> Client:  # type: ignore[no-untyped-def]
    return Client(http_server_client.fetch, jp_base_url, dict(jp_auth_header))


@pytest.fixture
def jupyter_log(jp_serverapp, caplog) -> Iterator[pytest.LogCaptureFixture]:  # type: ignore[no-untyped-def]
    """caplog, also for Jupyter's log (which doesn't propagate to the root logger)."""
    log = jp_serverapp.log
    log.addHandler(caplog.handler)
    try:
        yield caplog
    finally:
        log.removeHandler(caplog.handler)


def no_traceback(caplog: pytest.LogCaptureFixture) -> None:
    """No traceback in the log, and what Jupyter logs of a refusal ("wrote error: <message>")
    quotes a bad value only in part."""
    tracebacks = [
        r.getMessage()[:500]
        for r in caplog.records
        if r.exc_info or "Traceback" in r.getMessage() or "Uncaught exception" in r.getMessage()
    ]
    assert not tracebacks, "\n".join(tracebacks)
    long = [
        r.getMessage()[:200]
        for r in caplog.records
        if "wrote error" in r.getMessage() and len(r.getMessage()) > 2_000
    ]
    assert not long, long


async def message(client: Client, route: str, status: int, **kw: Any) -> str:
    """The message of the JSON refusal (HTTP ``status``) of a request to ``route``."""
    s = await client.send(route, kw.pop("method", "GET"), **kw)
    assert s.code == status, (s.code, s.body[:300])
    return str(json.loads(s.body)["message"])


# -- the body: bounded before it is parsed ----------------------------------------------------

#: The body of the report: 100000 nested arrays (a 500 and a RecursionError in the log).
REPORTED = b"[" * 100_000 + b"]" * 100_000


@pytest.mark.parametrize("name", ["stop", "restart"])
async def test_reported_deep_nesting_is_refused_not_a_500(client, jupyter_log, name):
    s = await client.send(f"api/vscode/{name}", "POST", body=REPORTED)
    assert s.code == 413, (s.code, s.body[:300])
    assert "request body is 200000 bytes" in json.loads(s.body)["message"]
    no_traceback(jupyter_log)


@pytest.mark.parametrize("name", ["stop", "restart"])
async def test_deep_nesting_under_the_size_limit_is_a_400(client, jupyter_log, name):
    over = api.MAX_JSON_DEPTH + 1
    for case, body in {
        "arrays": b"[" * 30_000 + b"]" * 30_000,
        "objects": b'{"a":' * 10_000 + b"1" + b"}" * 10_000,
        "unclosed": b"[" * 60_000,
        "just over the limit": b"[" * over + b"]" * over,
    }.items():
        s = await client.send(f"api/vscode/{name}", "POST", body=body)
        assert s.code == 400, (case, s.code, s.body[:300])
        assert "deep; at most" in json.loads(s.body)["message"], case
    no_traceback(jupyter_log)


async def test_body_refusals_say_why(client, jupyter_log):
    for body, status, says in [
        (b"{}" + b" " * api.MAX_BODY_BYTES, 413, "at most 65536"),
        (b'{"a": "\xff"}', 400, "not UTF-8"),
        ("{}".encode("utf-16"), 400, "not UTF-8"),
        (b"[]", 400, "must be a JSON object, not list"),
        (b"null", 400, "must be a JSON object, not NoneType"),
        (b"{", 400, "not valid JSON"),
        (b"{}\x00", 400, "not valid JSON"),
        (b"9" * 5_000, 400, "not valid JSON"),  # more digits than int() takes
        (b"[" * 33 + b"]" * 33, 400, "33 deep; at most 32"),
    ]:
        says_now = await message(client, "api/vscode/stop", status, method="POST", body=body)
        assert says in says_now, (body[:20], says_now)
        assert len(says_now) < 300
    depth = api.MAX_JSON_DEPTH
    for fine in [
        b"",
        b" \r\n",
        b" {} ",
        b'{"a": ' + b"[" * (depth - 1) + b"]" * (depth - 1) + b"}",
    ]:
        assert (await client.send("api/vscode/stop", "POST", body=fine)).code == 200, fine
    no_traceback(jupyter_log)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)


def nesting(value: object) -> int:
    if isinstance(value, list):
        return 1 + max((nesting(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((nesting(v) for v in value.values()), default=0)
    return 0


@given(value=JSON_VALUES, indent=st.sampled_from([None, 1]), ascii_only=st.booleans())
@settings(max_examples=200, derandomize=True, database=None, deadline=None)
def test_json_depth_is_the_nesting_of_valid_json(value, indent, ascii_only):
    # the strings drawn have brackets, quotes and backslashes: none of them counts
    text = json.dumps(value, indent=indent, ensure_ascii=ascii_only)
    assert api.json_depth(text) == nesting(value)


def test_json_depth_of_strings_and_malformed_text():
    assert api.json_depth('"[[[" ') == 0
    assert api.json_depth('["\\"", "[" ]') == 1
    assert api.json_depth('["\\\\", ["]"]]') == 2
    assert api.json_depth('"unclosed [[[') == 0
    assert api.json_depth("]]]][[") == 2
    assert api.json_depth("[" * 100_000) == 100_000


# -- query arguments, and what refusals say ---------------------------------------------------


async def test_refusals_quote_the_value_as_it_is(client, jp_root_dir):
    # jupyter-server answers tornado's log_message, in which '%' is doubled; ours is the text
    lines = await message(client, "api/vscode/log", 400, query="lines=50%25")
    assert lines == "lines='50%': expected a whole number from 0 to 1000"
    assert "'%s'" in await message(client, "api/vscode/url", 404, query="path=%25s")
    assert "b'\\xff'" in await message(client, "api/vscode/log", 400, query="lines=%ff")


async def test_long_values_are_quoted_in_part(client, jupyter_log, jp_root_dir):
    for query, status in [
        ("path=" + "a" * 20_000, 400),  # longer than a path can be
        ("path=" + "b" * 3_000, 404),
        ("authority=" + "c" * 5_000, 400),
        ("lines=" + "9" * 20_000, 400),
    ]:
        route = "api/vscode/log" if query.startswith("lines") else "api/vscode/url"
        says = await message(client, route, status, query=query)
        assert f"({len(query) - query.index('=') - 1} characters)" in says, says
        assert len(says) < 300
    no_traceback(jupyter_log)


@pytest.mark.parametrize(
    "query,says",
    [
        ("lines=1&lines=2", "lines is given 2 times"),
        ("path=a&path=b", "path is given 2 times"),
        ("authority=a&authority=b", "authority is given 2 times"),
        ("path=a%00b", "control characters"),
        ("authority=h%0ax", "control characters"),
        ("lines=%D9%A1%D9%A2", "whole number"),  # digits, but not 0-9
        ("lines=-1", "whole number"),
        ("lines=1001", "expected 0 to 1000"),
        ("path=%ff", "not UTF-8"),
    ],
)
async def test_query_arguments_are_checked(client, jp_root_dir, query, says):
    route = "api/vscode/log" if query.startswith("lines") else "api/vscode/url"
    assert says in await message(client, route, 400, query=query)


async def test_a_bug_is_still_a_json_500(client, jupyter_log, supervisor, monkeypatch):
    """Not bad input: our own exception stays a 500, JSON, the traceback only in the log."""

    def broken() -> dict:
        raise RuntimeError("a bug")

    monkeypatch.setattr(supervisor, "status", broken)
    s = await client.send("api/vscode/status", "GET")
    assert s.code == 500
    assert json.loads(s.body)["message"] == "Unhandled error"
    assert b"a bug" not in s.body
    assert any(r.exc_info for r in jupyter_log.records)


# -- the vscode/ route: refused before prepare() ----------------------------------------------


@pytest.mark.parametrize(
    "vscode_options", [{}, {"start_timeout": -5}], ids=["working", "misconfigured"]
)
async def test_route_refusal_before_prepare_is_json(client, jupyter_log, vscode_options):
    """tornado refuses a form body it can't parse, or a path that isn't UTF-8, before Jupyter
    knows the user, which its error page needs: the refusal is JSON (it was an empty 400 and a
    traceback in the log), from each handler of the route (proxy, misconfigured, add-slash)."""
    for route in ("vscode/", "vscode"):
        s = await client.send(
            route, "POST", body=b"x", headers={"Content-Type": "multipart/form-data"}
        )
        assert s.code == 400, (route, s.code, s.body)
        assert "multipart" in json.loads(s.body)["message"]
    s = await client.send("vscode/%ff", "GET")
    assert s.code == 400 and "unicode" in json.loads(s.body)["message"]
    no_traceback(jupyter_log)
