"""Jupyter's credentials, as they would reach code-server, and how they are taken out.

Jupyter accepts its token as a ``token`` argument: in the query string or a form body, the
argument's name percent-decoded (tornado's ``get_argument``: ``?%74oken=`` is ``token``). A page
opened with one also sends its URL, token included, as the ``Referer`` of every request it makes.
And the Jupyter server's environment holds tokens that code-server's children (its terminals,
extensions) would inherit. Everything here works on one request part or one environment;
proxy.py and codeserver.py apply it.
"""

from __future__ import annotations

import email.message
import email.utils
from urllib.parse import unquote_plus, urlsplit, urlunsplit

TOKEN_ARGUMENT = "token"  # noqa: S105 - the name Jupyter reads its token from

#: Jupyter's and JupyterHub's tokens in the Jupyter server's environment (JPY_API_TOKEN is
#: JupyterHub's older name for JUPYTERHUB_API_TOKEN).
CREDENTIAL_ENV = ("JUPYTER_TOKEN", "JUPYTERHUB_API_TOKEN", "JPY_API_TOKEN")

FORM_URLENCODED = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"


def _is_token_pair(pair: str | bytes) -> bool:
    """Whether one ``name=value`` piece of a query or form body is a ``token`` argument, the
    name decoded as tornado decodes it (``+`` and percent escapes)."""
    if isinstance(pair, bytes):
        pair = pair.decode("latin-1")
    name = pair.split("=", 1)[0]
    return unquote_plus(name, encoding="latin-1") == TOKEN_ARGUMENT


def strip_token_query(query: str) -> str:
    """The query string without its ``token`` arguments; every other piece byte-for-byte."""
    if not query:
        return query
    pieces = query.split("&")
    kept = [p for p in pieces if not _is_token_pair(p)]
    return query if len(kept) == len(pieces) else "&".join(kept)


def strip_token_url(url: str) -> str:
    """A URL (a Referer) without ``token`` arguments in its query; else unchanged."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    query = strip_token_query(parts.query)
    if query == parts.query:
        return url
    return urlunsplit(parts._replace(query=query))


def _media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def _multipart_boundary(content_type: str) -> bytes | None:
    msg = email.message.Message()
    msg["Content-Type"] = content_type
    boundary = msg.get_param("boundary")
    if not isinstance(boundary, str) or not boundary:
        return None
    return boundary.encode("latin-1", "replace")


def _part_name(part: bytes) -> str | None:
    """The form field name of one multipart part (its Content-Disposition ``name``)."""
    head = part.split(b"\r\n\r\n", 1)[0].decode("utf-8", "replace")
    msg = email.message.Message()
    for line in head.split("\r\n"):
        name, sep, value = line.partition(":")
        if sep and name.strip().lower() == "content-disposition":
            msg["Content-Disposition"] = value.strip()
            field = msg.get_param("name", header="content-disposition")
            if isinstance(field, tuple):  # RFC 2231: name*=utf-8''token
                field = email.utils.collapse_rfc2231_value(field)
            return field if isinstance(field, str) else None
    return None


def _strip_multipart(body: bytes, boundary: bytes) -> bytes:
    """Drop the parts named ``token``, splitting as tornado's parser does; the rest is kept
    byte-for-byte (so a body with no such part comes back identical)."""
    separator = b"--" + boundary + b"\r\n"
    end = body.rfind(b"--" + boundary + b"--")
    head, tail = (body, b"") if end == -1 else (body[:end], body[end:])
    parts = head.split(separator)
    kept = [parts[0]] + [p for p in parts[1:] if _part_name(p) != TOKEN_ARGUMENT]
    if len(kept) == len(parts):
        return body
    return separator.join(kept) + tail


def strip_token_body(body: bytes, content_type: str) -> bytes:
    """A request body without a ``token`` form field (urlencoded or multipart forms)."""
    if not body:
        return body
    media = _media_type(content_type)
    if media == FORM_URLENCODED:
        pieces = body.split(b"&")
        kept = [p for p in pieces if not _is_token_pair(p)]
        return body if len(kept) == len(pieces) else b"&".join(kept)
    if media == MULTIPART:
        boundary = _multipart_boundary(content_type)
        if boundary is not None:
            return _strip_multipart(body, boundary)
    return body


def without_credentials(env: dict[str, str]) -> dict[str, str]:
    """A copy of ``env`` without Jupyter's tokens."""
    return {k: v for k, v in env.items() if k not in CREDENTIAL_ENV}
