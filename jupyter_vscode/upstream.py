"""What of a browser's request reaches code-server: the request target, quoted once, and the
headers, without Jupyter's credentials (see also credentials.py); and a redirect's Location
from code-server, put back under the route."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import quote, urlsplit, urlunsplit

from jupyter_server.utils import url_path_join
from tornado import httputil

from . import credentials

_JUPYTER_COOKIE_PREFIXES = ("username-", "jupyterhub-")
_JUPYTER_COOKIES = {"_xsrf"}
_STRIPPED_HEADERS = ("Authorization", "X-XSRFToken")
#: RFC 3986's reserved and unreserved characters: kept as they are in the path; anything else
#: (spaces, non-ASCII, a literal %) is percent-encoded, enough for a valid request line.
_PATH_SAFE = ":/?#[]@!$&'()*+,;=-._~"


def filter_cookie_header(value: str, extra_names: set[str]) -> str:
    """Drop Jupyter's and JupyterHub's cookies from a Cookie header, keep the rest."""
    kept = []
    for part in value.split(";"):
        item = part.strip()
        if not item:
            continue
        name = item.split("=", 1)[0].strip()
        if name in _JUPYTER_COOKIES or name in extra_names:
            continue
        if name.startswith(_JUPYTER_COOKIE_PREFIXES):
            continue
        kept.append(item)
    return "; ".join(kept)


def target(path: str, query: str) -> str:
    """The request target for code-server: ``path`` (as tornado decoded it from the URL)
    quoted again, and the query as it came, minus ``token`` arguments
    (credentials.TokenNotRemovable if that can't be made sure of)."""
    if not path.startswith("/"):
        path = "/" + path
    kept = credentials.strip_token_query(query) if query else ""
    return quote(path, safe=_PATH_SAFE) + ("?" + kept if kept else "")


def forwarded(request: httputil.HTTPServerRequest, path: str) -> tuple[str, bytes | None]:
    """The request target and body for code-server: without the ``token`` arguments Jupyter
    reads from the query and the body (credentials.TokenNotRemovable if that can't be made
    sure of: nothing of the request is to be sent)."""
    body = request.body or None
    if body is not None:
        content_type = request.headers.get("Content-Type", "")  # what tornado parses by
        body = credentials.strip_token_body(body, content_type, request.headers)
    return target(path, request.query), body


def request_headers(
    headers: httputil.HTTPHeaders, own_cookie_names: Iterable[str]
) -> httputil.HTTPHeaders:
    """A copy of the browser's headers without Jupyter's credentials: no Authorization or
    X-XSRFToken, no Jupyter/JupyterHub cookies (``own_cookie_names`` too), no ``token`` in a
    Referer (a page opened with ``?token=`` names it in every request)."""
    out = headers.copy()
    for name in _STRIPPED_HEADERS:
        if name in out:
            del out[name]
    if "Cookie" in out:
        cookies = filter_cookie_header("; ".join(out.get_list("Cookie")), set(own_cookie_names))
        del out["Cookie"]
        if cookies:
            out["Cookie"] = cookies
    if "Referer" in out:
        referers = out.get_list("Referer")
        del out["Referer"]
        for referer in referers:
            out.add("Referer", credentials.strip_token_url(referer))
    return out


def rewrite_location(location: str, context: str) -> str:
    """A redirect to an absolute path on code-server (``/x``) goes to ``<context>/x``; full
    URLs and relative ones (what code-server itself sends) are left as they are."""
    parsed = urlsplit(location)
    if parsed.scheme or parsed.netloc or not location.startswith("/"):
        return location
    return urlunsplit(parsed._replace(path=url_path_join(context, parsed.path)))
