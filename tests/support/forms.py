"""Request bodies in the odd forms tornado (so Jupyter) reads arguments from, for the tests of
Jupyter's token in a body (test_credentials.py): a table of named forms, each with what
tornado makes of it, and hypothesis strategies that mix their pieces.

tornado's parse_body_arguments, which fills the ``body_arguments`` Jupyter's ``get_argument``
reads: a Content-Type *starting with* ``application/x-www-form-urlencoded`` (case as written)
is split on ``&``; one starting with ``multipart/form-data`` is split on the first parameter
spelled exactly ``boundary=`` (quotes taken off only when at both ends), a part being what lies
between ``--boundary\\r\\n`` separators before the *last* ``--boundary--`` (the preamble too),
its headers split on ``\\n`` (repeated ones joined with ``,``) and its name from the
Content-Disposition's last ``name`` or ``name*`` parameter; a part with a ``filename`` is a
file, not an argument; any Content-Encoding, a part it can't read, no final boundary: a 400.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable
from dataclasses import dataclass, field

from hypothesis import strategies as st
from tornado.httputil import HTTPFile, HTTPHeaders, HTTPInputError, parse_body_arguments

URLENCODED = "application/x-www-form-urlencoded"
#: What Jupyter answers a request whose only credential is the token in such a body:
ACCEPTED = 200  # tornado read the token: the request is let in and goes to code-server
NOT_READ = 403  # tornado read no token argument from it (a POST without credentials)
INVALID = 400  # tornado can't parse the body: refused before our handler runs


def part(headers: str, value: str, boundary: str = "B", eol: str = "\r\n") -> bytes:
    """One multipart part, its separator first."""
    return f"--{boundary}{eol}{headers}{eol}{eol}{value}{eol}".encode()


def disposition(name: str, extra: str = "") -> str:
    return f'Content-Disposition: form-data; name="{name}"{extra}'


def end(boundary: str = "B") -> bytes:
    return f"--{boundary}--\r\n".encode()


@dataclass(frozen=True)
class Form:
    """A body with one field named ``name`` holding ``value``, and a field ``keep=1``."""

    id: str
    content_type: str
    body: Callable[[str, str], bytes]
    #: What tornado does with the body when the field is ``token``
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    #: More Content-Type headers after the first (tornado joins them with ",")
    more_types: tuple[str, ...] = ()

    def request_headers(self) -> HTTPHeaders:
        h = HTTPHeaders({"Content-Type": self.content_type, **self.headers})
        for value in self.more_types:
            h.add("Content-Type", value)
        return h


def _mp(
    boundary: str = "B",
    headers: str | None = None,
    extra: str = "",
    spell: Callable[[str], str] = str,
) -> Callable[[str, str], bytes]:
    """keep=1, then the field: its Content-Disposition with an ``extra``, or its own
    ``headers`` (``{n}``: the name as ``spell`` writes it)."""

    def body(name: str, value: str) -> bytes:
        own = disposition(name, extra) if headers is None else headers.format(n=spell(name))
        keep = part(disposition("keep"), "1", boundary)
        return keep + part(own, value, boundary) + end(boundary)

    return body


FORMS = [
    Form("urlencoded-suffix", URLENCODED + "X", lambda n, v: f"keep=1&{n}={v}".encode(), 200),
    Form(
        "urlencoded-params", URLENCODED + "; charset=utf-8", lambda n, v: f"{n}={v}".encode(), 200
    ),
    Form(
        "urlencoded-case",
        "Application/X-WWW-Form-Urlencoded; charset=utf-8",
        lambda n, v: f"keep=1&{n}={v}".encode(),
        NOT_READ,
    ),
    Form("urlencoded-semicolon", URLENCODED, lambda n, v: f"keep=1;{n}={v}".encode(), NOT_READ),
    Form(
        "urlencoded-gzip",
        URLENCODED,
        lambda n, v: gzip.compress(f"keep=1&{n}={v}".encode()),
        INVALID,
        {"Content-Encoding": "gzip"},
    ),
    Form(
        "urlencoded-two-content-types",
        URLENCODED,
        lambda n, v: f"keep=1&{n}={v}".encode(),
        ACCEPTED,
        more_types=("text/plain",),
    ),
    Form(
        "two-content-types-text-first",
        "text/plain",
        lambda n, v: f"keep=1&{n}={v}".encode(),
        NOT_READ,
        more_types=(URLENCODED,),
    ),
    Form(
        "multipart-two-dispositions",
        "multipart/form-data; boundary=B",
        _mp(headers=disposition("x") + "\r\n" + disposition("{n}")),
        ACCEPTED,
    ),
    Form(
        "multipart-boundary-case",
        "multipart/form-data; BOUNDARY=other; boundary=B",
        _mp(),
        ACCEPTED,
    ),
    Form("multipart-quoted-boundary", 'multipart/form-data; boundary="B"', _mp(), ACCEPTED),
    Form(
        "multipart-quote-semicolon-boundary",
        'multipart/form-data; boundary="B;x"',
        _mp(boundary='"B'),
        ACCEPTED,
    ),
    Form(
        "multipart-boundary-spaces",
        "multipart/form-data; boundary=B   ; charset=utf-8",
        _mp(),
        ACCEPTED,
    ),
    Form(
        "multipart-duplicate-boundary",
        "multipart/form-data; boundary=B; boundary=C",
        _mp(),
        ACCEPTED,
    ),
    Form(
        "multipart-second-boundary-used",
        "multipart/form-data; boundary=C; boundary=B",
        _mp(),
        INVALID,
    ),
    Form(
        "multipart-lf-only",
        "multipart/form-data; boundary=B",
        lambda n, v: part(disposition(n), v, eol="\n") + end(),
        INVALID,
    ),
    Form(
        "multipart-lf-between-part-headers",
        "multipart/form-data; boundary=B",
        _mp(headers="Content-Type: text/plain\n" + disposition("{n}")),
        ACCEPTED,
    ),
    Form(
        "multipart-folded-disposition",
        "multipart/form-data; boundary=B",
        _mp(headers='Content-Disposition: form-data;\r\n name="{n}"'),
        INVALID,  # tornado 6.5+: "folding not supported"
    ),
    Form(
        "multipart-filename",
        "multipart/form-data; boundary=B",
        _mp(extra='; filename="t.txt"'),
        NOT_READ,
    ),
    Form(
        "multipart-empty-filename",
        "multipart/form-data; boundary=B",
        _mp(extra='; filename=""'),
        ACCEPTED,
    ),
    Form(
        "multipart-rfc2231-name",
        "multipart/form-data; boundary=B",
        _mp(headers="Content-Disposition: form-data; name*=utf-8''{n}"),
        ACCEPTED,
    ),
    Form(
        "multipart-rfc2231-percent-name",
        "multipart/form-data; boundary=B",
        _mp(
            headers="Content-Disposition: form-data; name*=utf-8''{n}",
            spell=lambda n: n.replace("e", "%65"),
        ),
        ACCEPTED,
    ),
    Form(
        "multipart-name-param-case",
        "multipart/form-data; boundary=B",
        _mp(headers="content-disposition: form-data; NAME={n}"),
        ACCEPTED,
    ),
    Form(
        "multipart-disposition-case",
        "multipart/form-data; boundary=B",
        _mp(headers='Content-Disposition: Form-Data; name="{n}"'),
        INVALID,
    ),
    Form(
        "multipart-boundary-in-a-value",
        "multipart/form-data; boundary=B",
        lambda n, v: part(disposition("keep"), "a--B--b") + part(disposition(n), v) + end(),
        ACCEPTED,
    ),
    Form(
        "multipart-missing-final-boundary",
        "multipart/form-data; boundary=B",
        lambda n, v: part(disposition("keep"), "1") + part(disposition(n), v),
        INVALID,
    ),
    Form(
        "multipart-in-preamble",
        "multipart/form-data; boundary=B",
        lambda n, v: (
            f"{disposition(n)}\r\n\r\n{v}\r\n".encode() + part(disposition("keep"), "1") + end()
        ),
        ACCEPTED,
    ),
    Form(
        "multipart-in-epilogue",
        "multipart/form-data; boundary=B",
        lambda n, v: part(disposition("keep"), "1") + end() + part(disposition(n), v),
        NOT_READ,
    ),
    Form(
        "multipart-gzip",
        "multipart/form-data; boundary=B",
        lambda n, v: gzip.compress(_mp()(n, v)),
        INVALID,
        {"Content-Encoding": "gzip"},
    ),
    Form("multipart-media-case", "Multipart/Form-Data; boundary=B", _mp(), NOT_READ),
    Form("multipart-media-suffix", "multipart/form-dataX; boundary=B", _mp(), INVALID),
    Form("multipart-spaced-boundary", "multipart/form-data; boundary = B", _mp(), INVALID),
]


def tornado_arguments(
    content_type: str, body: bytes, headers: HTTPHeaders
) -> tuple[dict[str, list[bytes]], dict[str, list[HTTPFile]], bool]:
    """The arguments and files tornado reads from a body (those it read before an error too),
    and whether it read all of it without one."""
    args: dict[str, list[bytes]] = {}
    files: dict[str, list[HTTPFile]] = {}
    try:
        parse_body_arguments(content_type, body, args, files, headers)
    except HTTPInputError:
        return args, files, False
    return args, files, True


# -- hypothesis: bodies and content types from the pieces above, mixed ------------------------
# (weighted to the well-formed: bodies tornado reads whole, with and without a token)

_BOUNDARY_B = "multipart/form-data; boundary=B"
CONTENT_TYPES = st.sampled_from(
    [URLENCODED] * 3
    + [_BOUNDARY_B] * 6
    + [
        URLENCODED + "X",
        URLENCODED + ",text/plain",
        "text/plain," + URLENCODED,
        "Application/X-WWW-Form-Urlencoded; charset=utf-8",
        'multipart/form-data; boundary="B"',
        "multipart/form-data; BOUNDARY=C; boundary=B",
        "multipart/form-data; boundary=B; boundary=C",
        "multipart/form-data; boundary=C; boundary=B",
        'multipart/form-data; boundary="B;x"',
        "multipart/form-data; boundary=B  ; charset=utf-8",
        'multipart/form-data; boundary="',
        "multipart/form-dataX; boundary=B",
        "Multipart/Form-Data; boundary=B",
        "multipart/form-data",
        "multipart/form-data; boundary = B",
        "text/plain",
    ]
)

_DISPOSITIONS = [
    'Content-Disposition: form-data; name="token"',
    "Content-Disposition: form-data; name=token",
    "Content-Disposition: form-data; name*=utf-8''tok%65n",
    'Content-Disposition: form-data; name="token"; filename="f"',
    'Content-Disposition: form-data; name="token"; filename=""',
    "content-disposition: form-data; NAME=token",
    'Content-Disposition: form-data; name="tokens"',
    'Content-Disposition: form-data; name="x"',
    'Content-Disposition: form-data; name="x"',  # twice: as often as a token part
]
_ODD_HEADERS = [
    "Content-Disposition: form-data;\r\n name=token",
    "Content-Disposition: Form-Data; name=token",
    "Content-Type: text/plain",
    "Content-Type: text/plain; charset=\xff",  # not UTF-8: tornado can't read the part
]
_VALUES = st.sampled_from(["t", "", "a--B--b", "x\r\ny", "--B\r\n"])


@st.composite
def _part(draw: st.DrawFn, boundary: str) -> str:
    separator = draw(st.sampled_from([f"--{boundary}\r\n"] * 20 + ["--B\n", "--C\r\n", ""]))
    headers = [draw(st.sampled_from(_DISPOSITIONS))]
    headers += draw(st.lists(st.sampled_from(_DISPOSITIONS * 3 + _ODD_HEADERS), max_size=2))
    headers = draw(st.permutations(headers))
    eol = draw(st.sampled_from(["\r\n"] * 4 + ["\n"]))
    end = draw(st.sampled_from(["\r\n"] * 20 + ["", "\n"]))
    return separator + eol.join(headers) + "\r\n\r\n" + draw(_VALUES) + end


@st.composite
def _multipart(draw: st.DrawFn) -> bytes:
    boundary = draw(st.sampled_from(["B"] * 12 + ["C", '"B', ""]))
    out = draw(st.sampled_from(["", "", "", "preamble\r\n", "part"]))
    if out == "part":  # a part in the preamble: no separator before it
        out = draw(_part(boundary)).removeprefix(f"--{boundary}\r\n")
    out += "".join(draw(st.lists(_part(boundary), max_size=4)))
    final = draw(st.sampled_from([f"--{boundary}--\r\n"] * 12 + [f"--{boundary}--", "--C--", ""]))
    out += final + draw(st.sampled_from([""] * 4 + ["epilogue", "token=t"]))
    return out.encode("latin-1")


_PAIRS = st.sampled_from(["token=t", "%74oken=t", "tok%65n", "TOKEN=x", "+token=x", "a=1", ""])
_URLENCODED = st.lists(_PAIRS | st.text(alphabet="atokn%=+&;2046567", max_size=8), max_size=6)

_URLENCODED_BODIES = _URLENCODED.map(lambda pieces: "&".join(pieces).encode())


@st.composite
def typed_bodies(draw: st.DrawFn) -> tuple[str, bytes]:
    """A Content-Type and a body, mostly of that type."""
    content_type = draw(CONTENT_TYPES)
    usual, other = _multipart(), _URLENCODED_BODIES
    if "multipart" not in content_type.lower():
        usual, other = other, usual
    return content_type, draw(st.sampled_from([usual] * 5 + [other]).flatmap(lambda s: s))
