"""Jupyter's credentials, as they would reach code-server, and how they are taken out.

Jupyter accepts its token as a ``token`` argument, read with tornado's ``get_argument``: from
the query string and from the body arguments tornado's own parser (``parse_body_arguments``)
finds in a form body. That parser has its own reading of a form: a Content-Type that *starts
with* ``application/x-www-form-urlencoded``; its own choice of a multipart boundary (the first
parameter spelled ``boundary=``), of the parts (the preamble too) and of a part's name (the
last of repeated Content-Disposition headers). A page opened with a token also sends its URL,
token included, as the ``Referer`` of every request it makes. And the Jupyter server's
environment holds tokens that code-server's children (its terminals, extensions) would inherit.

What is guaranteed: the query string and body that go on to code-server are what came, minus
exactly the pieces tornado reads as a ``token`` argument (a query's ``name=value`` pieces, a
form's fields; all else byte-for-byte), found with tornado's own functions; and after
stripping, tornado's parser is run again on the result: should it still find a ``token``
argument, the request is refused (TokenNotRemovable; the proxy answers 400 and sends nothing).
Everything here works on one request part or one environment; proxy.py (through upstream.py)
and codeserver.py apply it.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from tornado.escape import parse_qs_bytes, utf8
from tornado.httputil import (
    HTTPFile,
    HTTPHeaders,
    HTTPInputError,
    parse_body_arguments,
    parse_multipart_form_data,
)

TOKEN_ARGUMENT = "token"  # noqa: S105 - the name Jupyter reads its token from

#: Jupyter's and JupyterHub's tokens in the Jupyter server's environment (JPY_API_TOKEN is
#: JupyterHub's older name for JUPYTERHUB_API_TOKEN).
CREDENTIAL_ENV = ("JUPYTER_TOKEN", "JUPYTERHUB_API_TOKEN", "JPY_API_TOKEN")

FORM_URLENCODED = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"


class TokenNotRemovable(ValueError):
    """tornado reads a ``token`` argument from what is left after stripping: not to be sent."""

    def __init__(self, where: str) -> None:
        super().__init__(
            f"the request's {where} carries Jupyter's token in a form it can't safely be "
            "taken out of, so it was not passed on to VS Code: send the token in the URL "
            "(?token=), a standard form, or the Authorization header"
        )


def _token_piece(piece: bytes) -> bool:
    """Whether one ``&``-separated piece of a query or urlencoded body is a ``token`` argument,
    read by tornado's own function (``?%74oken=`` and ``?tok%65n`` are)."""
    return TOKEN_ARGUMENT in parse_qs_bytes(piece, keep_blank_values=True)


def _latin1(text: str) -> bytes:
    """A query string as tornado parses it (tornado's are latin-1 already)."""
    return text.encode("latin-1", "replace")


def strip_token_query(query: str) -> str:
    """The query string without its ``token`` arguments; every other piece byte-for-byte.
    TokenNotRemovable if tornado still reads one from it."""
    if not query:
        return query
    pieces = query.split("&")  # as tornado splits it
    stripped = "&".join(p for p in pieces if not _token_piece(_latin1(p)))
    if TOKEN_ARGUMENT in parse_qs_bytes(_latin1(stripped), keep_blank_values=True):
        raise TokenNotRemovable("query string")
    return stripped


def strip_token_url(url: str) -> str:
    """A URL (a Referer) without ``token`` arguments in its query (without its query, should
    one be left); else unchanged."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    try:
        query = strip_token_query(parts.query)
    except TokenNotRemovable:
        query = ""
    if query == parts.query:
        return url
    return urlunsplit(parts._replace(query=query))


def _boundary(content_type: str) -> bytes | None:
    """The boundary tornado's parse_body_arguments splits a multipart body by, exactly as it
    picks it: the first parameter spelled ``boundary=`` with a value, quotes taken off only
    when at both ends. None if tornado reads no multipart body from this Content-Type."""
    fields = content_type.split(";")
    if not content_type.startswith(MULTIPART) or fields[0].strip() != MULTIPART:
        return None
    for item in fields:
        name, _, value = item.strip().partition("=")
        if name == "boundary" and value:
            raw = utf8(value)
            return raw[1:-1] if raw.startswith(b'"') and raw.endswith(b'"') else raw
    return None


def _token_part(part: bytes, boundary: bytes) -> bool:
    """Whether tornado reads this part of a multipart body (what lies between two separators)
    as a ``token`` argument: its own parser, run on a body of this part alone."""
    if not part:  # tornado skips empty parts (an empty preamble)
        return False
    args: dict[str, list[bytes]] = {}
    files: dict[str, list[HTTPFile]] = {}
    alone = b"--" + boundary + b"\r\n" + part + b"--" + boundary + b"--"
    try:
        parse_multipart_form_data(b'"' + boundary + b'"', alone, args, files)
    except Exception:  # noqa: BLE001 - any, as parse_body_arguments: the request gets a 400
        return False  # tornado doesn't read the whole body either: it refuses the request
    return TOKEN_ARGUMENT in args


def _strip_multipart(body: bytes, boundary: bytes) -> bytes:
    """Drop the parts tornado reads as ``token`` arguments, split where tornado splits (before
    the last final boundary; the preamble is a part); the rest is kept byte-for-byte."""
    final = body.rfind(b"--" + boundary + b"--")
    if final == -1:
        return body  # tornado refuses it (400)
    separator = b"--" + boundary + b"\r\n"
    parts = body[:final].split(separator)
    drop = [_token_part(p, boundary) for p in parts]
    if not any(drop):
        return body
    # a dropped preamble leaves an empty one: the next part stays after a separator
    kept = [b"" if drop[0] else parts[0]] + [
        p for p, d in zip(parts[1:], drop[1:], strict=True) if not d
    ]
    return separator.join(kept) + body[final:]


def _tornado_reads_token(body: bytes, content_type: str, headers: HTTPHeaders | None) -> bool:
    """Whether tornado's parser (Jupyter's) finds a ``token`` argument in the body, counting
    what it read before giving up on the rest."""
    args: dict[str, list[bytes]] = {}
    files: dict[str, list[HTTPFile]] = {}
    try:
        parse_body_arguments(content_type, body, args, files, headers)
    except HTTPInputError:
        pass
    return TOKEN_ARGUMENT in args


def strip_token_body(body: bytes, content_type: str, headers: HTTPHeaders | None = None) -> bytes:
    """A request body without the ``token`` fields tornado reads from it, as tornado reads
    them (``content_type``, ``headers``: the request's, as tornado's parse_body_arguments
    takes them). TokenNotRemovable if tornado still reads one from the result."""
    if not body:
        return body
    stripped = body
    if headers is None or "Content-Encoding" not in headers:  # else tornado reads no form
        if content_type.startswith(FORM_URLENCODED):
            pieces = body.split(b"&")  # as tornado splits it
            stripped = b"&".join(p for p in pieces if not _token_piece(p))
        elif (boundary := _boundary(content_type)) is not None:
            stripped = _strip_multipart(body, boundary)
    if _tornado_reads_token(stripped, content_type, headers):
        raise TokenNotRemovable("body")
    return stripped


def without_credentials(env: dict[str, str]) -> dict[str, str]:
    """A copy of ``env`` without Jupyter's tokens."""
    return {k: v for k, v in env.items() if k not in CREDENTIAL_ENV}
