"""Bad input is a 4xx with a reason, never a 5xx, and never a traceback in Jupyter's log.

The API reads its input in one place (api._Base): a body bounded in size and nesting before it
is parsed, query arguments checked; refusals quote only the start of a long value. The
``vscode/`` route's handlers answer what tornado refuses before they run (access.RouteHandler).

Every handler is then fed odd bodies, query strings and headers: every API route and the
``vscode/`` route in front of the stub code-server, from tables (the known-odd cases, each
named) and from hypothesis (drawn with support.fuzz.draw). The ``vscode/`` route may answer
502/503/504 when code-server doesn't run or answer: that is code-server's state, not bad input,
so those tests start the stub first and check it still runs; any 5xx is then a failure too.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote_from_bytes

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tornado.httpclient import HTTPResponse

from jupyter_vscode import api, bounded_json

from .support.fuzz import draw


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
    assert bounded_json.json_depth(text) == nesting(value)


def test_json_depth_of_strings_and_malformed_text():
    assert bounded_json.json_depth('"[[[" ') == 0
    assert bounded_json.json_depth('["\\"", "[" ]') == 1
    assert bounded_json.json_depth('["\\\\", ["]"]]') == 2
    assert bounded_json.json_depth('"unclosed [[[') == 0
    assert bounded_json.json_depth("]]]][[") == 2
    assert bounded_json.json_depth("[" * 100_000) == 100_000


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


# -- every handler, odd input: tables -----------------------------------------------------------

#: (route under base_url, method) of every API handler
API_ROUTES = [
    ("api/vscode/status", "GET"),
    ("api/vscode/launcher", "GET"),
    ("api/vscode/log", "GET"),
    ("api/vscode/url", "GET"),
    ("api/vscode/stop", "POST"),
    ("api/vscode/restart", "POST"),
]
API_IDS = [f"{m} {r}" for r, m in API_ROUTES]
#: the vscode/ route: GET (pages, assets) and POST (code-server's own forms and calls)
VSCODE_METHODS = ["GET", "POST"]

ODD_BODIES: dict[str, bytes] = {
    "reported deep arrays": REPORTED,
    "deep arrays under the size limit": b"[" * 30_000 + b"]" * 30_000,
    "deep objects": b'{"a":' * 10_000 + b"1" + b"}" * 10_000,
    "deep in an object": b'{"a": ' + b"[" * 20_000 + b"]" * 20_000 + b"}",
    "deep unclosed": b"[" * 60_000,
    "brackets inside a string": b'{"a": "' + b"[{" * 1_000 + b'"}',
    "huge string": b'{"a": "' + b"x" * 1_000_000 + b'"}',
    "huge whitespace": b" " * 1_000_000,
    "many keys": json.dumps({f"k{i}": i for i in range(5_000)}).encode(),
    "invalid UTF-8": b'{"a": "\xff"}',
    "overlong UTF-8": b'{"a": "\xc0\x80"}',
    "only invalid UTF-8": b"\xff\xfe\xfd",
    "UTF-16": "{}".encode("utf-16"),
    "UTF-8 BOM": b"\xef\xbb\xbf{}",
    "NUL": b"\x00",
    "NUL in a string": b'{"a": "\x00"}',
    "NUL after": b"{}\x00",
    "escaped NUL": b'{"a": "\\u0000"}',
    "lone surrogate": b'{"a": "\\ud800"}',
    "array": b"[]",
    "number": b"1",
    "string": b'"s"',
    "null": b"null",
    "true": b"true",
    "huge int": b"9" * 5_000,
    "huge int in an object": b'{"a": ' + b"9" * 5_000 + b"}",
    "huge exponent": b'{"a": 1e999999}',
    "NaN": b'{"a": NaN}',
    "empty": b"",
    "whitespace": b" \r\n\t ",
    "vertical whitespace": b"\x0b\x0c",
    "truncated": b'{"a": ',
    "two objects": b"{} {}",
    "percent signs": b"%s%d%(x)s%",
    "percent signs in JSON": b'{"%s%d": "%(x)s"}',
    "form": b"a=1&b=%ff&&=&token=x",
    "multipart": b'--b\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--b--\r\n',
}

ODD_QUERIES: list[str] = [
    "lines=1&lines=2",
    "path=&path=a",
    "authority=a&authority=b",
    "%",
    "%%",
    "%zz",
    "lines=%",
    "lines=%zz",
    "path=%ZZ%",
    "lines=%ff",
    "path=%ff%fe",
    "authority=%c0%80",
    "folder=%ff",
    "workspace=%ff",
    "reconnection=%ff",
    "%ff=1",
    "lines=%00",
    "path=%00",
    "path=a%00b",
    "authority=h%00",
    "folder=%00",
    "lines=" + "9" * 20_000,
    "path=" + "a" * 20_000,
    "path=" + "a/" * 10_000,
    "authority=" + "a" * 20_000,
    "folder=" + "/a" * 8_000,
    "lines=-1",
    "lines=1e3",
    "lines=%D9%A1%D9%A2",
    "lines=+5",
    "lines=0x10",
    "lines=1_0",
    "lines=%20",
    "lines=%0a5",
    "lines=50%25",
    "lines=%25s%25d",
    "path=..",
    "path=%2e%2e%2f",
    "path=%25s%25(x)s",
    "authority=%5B%3A%3A1",
    "authority=a%20b",
    "authority=h%3A99999999",
    "authority=h%0a",
    "authority=%25s",
    "&&&",
    "=",
    "==",
    ";",
    "a=1;b=2",
    "lines",
    "path",
    "x=" + "%" * 3_000,
    "a[]=1&a[]=2",
    "_xsrf=x",
    "&".join(f"k{i}=v" for i in range(2_000)),  # more than tornado parses: its own bare 400
]

#: Paths under the vscode/ route (passed on to code-server, or refused)
ODD_VSCODE_PATHS = [
    "vscode/%ff",
    "vscode/%00",
    "vscode/%c0%80x",
    "vscode/" + "a" * 20_000,
    "vscode/%2e%2e/%2e%2e/etc/passwd",
    "vscode/a%2fb",
    "vscode//x",
    "vscode/%25s%25d",
]

#: Content types for bodies, odd or not
CONTENT_TYPES = [
    "application/json",
    "application/json; charset=latin-1",
    "application/x-www-form-urlencoded",
    "multipart/form-data",
    "multipart/form-data; boundary=",
    "multipart/form-data; boundary=b",
    'multipart/form-data; boundary="a\\"b"; boundary=c',
    ";;;=;",
    "text/plain; charset=%ff",
    "application/json; x=" + "a" * 16_000,
]

#: Headers within tornado's limits (64 KiB of them)
ODD_HEADERS: dict[str, dict[str, str]] = {
    **{f"Content-Type {ct[:40]!r}": {"Content-Type": ct} for ct in CONTENT_TYPES},
    "Origin null": {"Origin": "null"},
    "Origin elsewhere": {"Origin": "http://evil.example"},
    "Origin unclosed IPv6": {"Origin": "http://[::1"},
    "Origin file": {"Origin": "file://"},
    "Origin junk": {"Origin": "%ff%00 \x7f"},
    "Origin huge": {"Origin": "http://" + "a" * 16_000},
    "Host unclosed IPv6": {"Host": "[::1"},
    "Host huge": {"Host": "a" * 8_000},
    "Host junk": {"Host": "a b:c:d"},
    "Cookie junk": {"Cookie": '=; ;;a=\x7f; _xsrf=2|zz|zz|zz; b="c' + "c" * 8_000},
    "Content-Encoding gzip": {"Content-Encoding": "gzip"},
    "Accept html": {"Accept": "text/html"},
    "Accept junk": {"Accept": ",;q=x,*/*;q=nan"},
    "X-Forwarded-Proto junk": {"X-Forwarded-Proto": "gopher, https"},
    "X-XSRFToken junk": {"X-XSRFToken": "2|zz|zz|zz"},
    "huge header": {"X-Junk": "a" * 30_000},
}

#: Bodies sent with each odd header: none, a plain one, and a few odd ones
BODIES_WITH_HEADERS = [None, b"{}", b"[" * 30_000, b"a=%ff&&=", b"\xff\x00"]


async def send_table(client: Client, route: str, method: str) -> None:
    for case, body in ODD_BODIES.items():
        await client.send(route, method, f"body {case}", body=body)
    await client.send(route, method, "chunked deep body", body=REPORTED, chunked=True)
    await client.send(route, method, "chunked form", body=b"a=%ff&&=", chunked=True)
    for query in ODD_QUERIES:
        await client.send(route, method, f"query {query[:40]!r}", query=query)
    for case, headers in ODD_HEADERS.items():
        for body in BODIES_WITH_HEADERS:
            label = f"header {case}, body {body and body[:8]!r}"
            await client.send(route, method, label, headers=headers, body=body)


def no_5xx(sent: list[Sent], api_route: bool) -> None:
    """No answer is a 5xx; an API handler's refusal is JSON with a short message."""
    bad = [
        f"{s.method} {s.route} [{s.case}]: {s.code} {s.body[:200]!r}" for s in sent if s.code >= 500
    ]
    assert not bad, "\n".join(bad)
    if not api_route:
        return
    for s in sent:
        if s.code >= 400 and not s.by_tornado_http:
            try:
                reply = json.loads(s.body)
            except ValueError:
                raise AssertionError((s.case, s.code, s.body[:300])) from None
            assert reply["message"], s
            assert len(s.body) < 2_000, (s.case, s.code, s.body[:200])


async def start(supervisor) -> None:  # type: ignore[no-untyped-def]
    """code-server (the stub) running: the vscode/ route's 5xx are then never its state."""
    await supervisor.ensure_started()
    assert supervisor.is_running()


async def send_vscode_table(client: Client, route: str, method: str) -> None:
    """The table, and paths tornado itself refuses."""
    await send_table(client, route, method)
    for path in ODD_VSCODE_PATHS:
        await client.send(path, method, f"path {path[:40]!r}", body=b"{}")


# -- every handler, odd input: hypothesis -------------------------------------------------------

PARAM_NAMES = st.sampled_from(
    ["lines", "path", "authority", "folder", "workspace", "reconnection", "token", "x", ""]
)
#: query strings: every byte percent-encoded (so non-UTF-8 and NULs too), names repeated
QUERIES = st.one_of(
    st.lists(st.tuples(PARAM_NAMES, st.binary(max_size=40)), max_size=4).map(
        lambda pairs: "&".join(f"{k}={quote_from_bytes(v, safe='')}" for k, v in pairs)
    ),
    st.text(
        alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E, blacklist_characters="#"),
        max_size=40,
    ),
)


def nested(depth: int, kind: str, closed: bool) -> bytes:
    """Arrays (``kind`` "[") or objects ("{") nested ``depth`` deep, closed or cut short."""
    if kind == "[":
        return b"[" * depth + (b"]" * depth if closed else b"")
    return b'{"a":' * depth + b"1" + (b"}" * depth if closed else b"")


BODIES = st.one_of(
    st.binary(max_size=300),
    JSON_VALUES.map(lambda v: json.dumps(v).encode()),
    st.builds(nested, st.integers(1, 50_000), st.sampled_from(["[", "{"]), st.booleans()),
)
HEADER_TEXT = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=60)
HEADERS = st.dictionaries(
    st.sampled_from(["Content-Type", "Origin", "Accept", "Cookie", "X-XSRFToken", "Referer"]),
    HEADER_TEXT | st.sampled_from(CONTENT_TYPES),
    max_size=3,
)
REQUESTS = st.tuples(QUERIES, BODIES, HEADERS)


async def send_drawn(client: Client, route: str, method: str, n: int = 80) -> None:
    for i, (query, body, headers) in enumerate(draw(REQUESTS, n)):
        body = body if body or method != "GET" else None
        await client.send(route, method, f"drawn #{i}", query=query, body=body, headers=headers)


@pytest.mark.parametrize("send", [send_table, send_drawn], ids=["table", "drawn"])
@pytest.mark.parametrize("route,method", API_ROUTES, ids=API_IDS)
async def test_api(client, jupyter_log, route, method, send):
    await send(client, route, method)
    no_5xx(client.sent, api_route=True)
    no_traceback(jupyter_log)


@pytest.mark.parametrize("send", [send_vscode_table, send_drawn], ids=["table", "drawn"])
@pytest.mark.parametrize("method", VSCODE_METHODS)
async def test_vscode_route(client, jupyter_log, supervisor, stub_code_server, method, send):
    await start(supervisor)
    await send(client, "vscode/", method)
    assert supervisor.is_running()
    no_5xx(client.sent, api_route=False)
    no_traceback(jupyter_log)
