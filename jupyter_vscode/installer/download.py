"""HTTP for the tarball methods: reachability probe, small JSON queries, verified downloads.

Only the standard library (urllib), so proxies come from the usual ``HTTPS_PROXY`` /
``NO_PROXY`` environment variables.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import socket
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import TextIO

from .. import __version__
from ..redact import redact_urls
from . import errors
from .report import Reporter

#: Where coder publishes release tarballs: ``<base>/v<V>/code-server-<V>-linux-<arch>.tar.gz``.
DEFAULT_RELEASES_URL = "https://github.com/coder/code-server/releases/download"
RELEASES_URL_ENV = "JUPYTER_VSCODE_RELEASES_URL"
#: Where the newest version is looked up (same version numbers as the GitHub releases).
DEFAULT_NPM_REGISTRY = "https://registry.npmjs.org"
NPM_REGISTRY_ENV = "JUPYTER_VSCODE_NPM_REGISTRY"

USER_AGENT = f"jupyter-vscode/{__version__}"
CHUNK = 1 << 16


def releases_url(mirror: str | None = None) -> str:
    return (mirror or os.environ.get(RELEASES_URL_ENV) or DEFAULT_RELEASES_URL).rstrip("/")


def npm_registry_url() -> str:
    return (
        os.environ.get(NPM_REGISTRY_ENV)
        or os.environ.get("npm_config_registry")
        or os.environ.get("NPM_CONFIG_REGISTRY")
        or DEFAULT_NPM_REGISTRY
    ).rstrip("/")


def check_scheme(url: str, allow_http: bool) -> None:
    """Raise InstallError for a plain ``http://`` URL unless ``allow_http``; ValueError for
    anything but http(s) (never file: or others)."""
    scheme = urllib.parse.urlsplit(url).scheme.lower()
    if scheme == "http" and not allow_http:
        raise errors.insecure_http(redact_urls(url))
    if scheme not in ("http", "https"):
        raise ValueError(f"not an http(s) URL: {redact_urls(url)}")


class _RedirectPolicy(urllib.request.HTTPRedirectHandler):
    """Follows redirects to https only (and to http with ``allow_http``): an https download
    never silently continues over plain http."""

    def __init__(self, allow_http: bool) -> None:
        self.allow_http = allow_http

    def redirect_request(  # type: ignore[no-untyped-def]
        self, req, fp, code, msg, headers, newurl
    ):
        scheme = urllib.parse.urlsplit(newurl).scheme.lower()
        if scheme != "https" and not (scheme == "http" and self.allow_http):
            fp.close()
            raise errors.insecure_redirect(redact_urls(req.full_url), redact_urls(newurl))
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _open(
    url: str,
    *,
    allow_http: bool,
    timeout: float,
    method: str = "GET",
    headers: dict[str, str] | None = None,
) -> http.client.HTTPResponse:
    """Open an http(s) URL under the scheme policy above (proxies from the environment)."""
    check_scheme(url, allow_http)
    request = urllib.request.Request(  # noqa: S310 - scheme checked above
        url, method=method, headers={"User-Agent": USER_AGENT, **(headers or {})}
    )
    opener = urllib.request.build_opener(_RedirectPolicy(allow_http))
    return opener.open(request, timeout=timeout)  # type: ignore[no-any-return]


def reachable(url: str, timeout: float = 5.0, *, allow_http: bool = False) -> bool:
    """Whether a server answers at ``url`` (any HTTP status counts) within ``timeout``.
    A plain http URL without ``allow_http`` raises InstallError: it is not to be used."""
    try:
        with _open(url, allow_http=allow_http, timeout=timeout, method="HEAD"):
            return True
    except urllib.error.HTTPError:
        return True
    except (OSError, http.client.HTTPException, ValueError):
        return False


def fetch_json(
    url: str, *, accept: str = "application/json", timeout: float = 30.0, allow_http: bool = False
) -> object:
    with _open(url, allow_http=allow_http, timeout=timeout, headers={"Accept": accept}) as r:
        return json.loads(r.read())


def registry_versions(
    timeout: float = 30.0, *, allow_http: bool = False
) -> tuple[list[str], str | None]:
    """code-server's published versions and its ``latest`` tag, from the npm registry's
    abbreviated metadata (one ~150 kB request; no npm needed)."""
    url = f"{npm_registry_url()}/code-server"
    shown = redact_urls(url)
    try:
        doc = fetch_json(
            url,
            accept="application/vnd.npm.install-v1+json",
            timeout=timeout,
            allow_http=allow_http,
        )
    except urllib.error.HTTPError as exc:
        raise errors.newest_unknown(f"{shown}: HTTP {exc.code}") from None
    except (OSError, http.client.HTTPException, ValueError) as exc:
        raise errors.newest_unknown(f"{shown}: {describe_error(exc)}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("versions"), dict):
        raise errors.newest_unknown(f"{shown}: unexpected answer")
    tags = doc.get("dist-tags")
    latest = tags.get("latest") if isinstance(tags, dict) else None
    return list(doc["versions"]), str(latest) if latest else None


class Progress:
    """Download progress: a redrawn bar on a terminal (stderr), else a plain line every
    ``interval`` seconds (reads well in lifecycle-script logs)."""

    def __init__(
        self,
        reporter: Reporter,
        label: str,
        total: int | None,
        *,
        tty: bool | None = None,
        stream: TextIO | None = None,
        interval: float = 5.0,
    ) -> None:
        self.reporter = reporter
        self.label = label
        self.total = total
        self.stream = stream or sys.stderr
        if tty is None:
            tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.tty = tty and not reporter.quiet
        self.interval = min(interval, 0.1) if self.tty else interval
        self.done = 0
        self.start = time.monotonic()
        self._last = self.start

    def update(self, n: int) -> None:
        self.done += n
        now = time.monotonic()
        if now - self._last >= self.interval:
            self._last = now
            self._show()

    def finish(self) -> None:
        self._show()
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()

    def _show(self) -> None:
        if self.reporter.quiet:
            return
        elapsed = max(time.monotonic() - self.start, 1e-6)
        speed = f"{self.done / elapsed / 1e6:.1f} MB/s"
        if self.total:
            pct = min(100, self.done * 100 // self.total)
            amount = f"{self.done / 1e6:.1f} of {self.total / 1e6:.1f} MB"
        else:
            pct = None
            amount = f"{self.done / 1e6:.1f} MB"
        if self.tty:
            width = 30
            filled = width * (pct or 0) // 100
            bar = "#" * filled + "-" * (width - filled)
            shown = f"{pct:3d}%" if pct is not None else "    "
            self.stream.write(f"\r{self.label} [{bar}] {shown} {amount} {speed}  ")
            self.stream.flush()
        else:
            shown = f"{pct}% " if pct is not None else ""
            self.reporter.info(f"{self.label}: {shown}({amount}, {speed})")


def download(
    url: str,
    dest: Path,
    reporter: Reporter,
    *,
    timeout: float = 60.0,
    progress_interval: float = 5.0,
    tty: bool | None = None,
    version: str = "",
    allow_http: bool = False,
) -> str:
    """Stream ``url`` into ``dest``; return the sha256 of what was written.

    A short body (fewer bytes than Content-Length, or the connection cut) raises InstallError
    and removes ``dest``, so a rerun simply starts over. Messages show ``url`` redacted.
    """
    shown = redact_urls(url)
    try:
        response = _open(url, allow_http=allow_http, timeout=timeout)
    except urllib.error.HTTPError as exc:
        if exc.code == 404 and version:
            raise errors.release_not_found(shown, version) from None
        raise errors.download_failed(shown, f"HTTP {exc.code} {exc.reason}") from None
    except (OSError, http.client.HTTPException, ValueError) as exc:
        raise errors.download_failed(shown, describe_error(exc)) from None

    digest = hashlib.sha256()
    length = response.headers.get("Content-Length")
    total = int(length) if length and length.isdigit() else None
    progress = Progress(reporter, "downloading", total, tty=tty, interval=progress_interval)
    try:
        with response, dest.open("wb") as out:
            while True:
                try:
                    chunk = response.read(CHUNK)
                except (OSError, http.client.HTTPException) as exc:
                    if isinstance(exc, http.client.IncompleteRead) and total is not None:
                        raise errors.download_truncated(shown, progress.done, total) from None
                    raise errors.download_failed(
                        shown, f"interrupted: {describe_error(exc)}"
                    ) from None
                if not chunk:
                    break
                out.write(chunk)
                digest.update(chunk)
                progress.update(len(chunk))
        if total is not None and progress.done != total:
            raise errors.download_truncated(shown, progress.done, total)
        progress.finish()
    except BaseException:
        dest.unlink(missing_ok=True)
        raise
    return digest.hexdigest()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def describe_error(exc: BaseException) -> str:
    """A short reason for a network error (``timed out``, ``Connection refused``)."""
    if isinstance(exc, urllib.error.URLError):
        if not isinstance(exc.reason, BaseException):
            return str(exc.reason)
        exc = exc.reason
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return "timed out"
    return str(getattr(exc, "strerror", None) or exc or type(exc).__name__)
