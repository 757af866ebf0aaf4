"""What a downloaded code-server was checked against, for the install marker and the report.

Release tarballs (standalone, file): against ``--sha256``, else the sum pinned in
checksums.py, else (standalone only: it downloads from GitHub or a mirror of it) the
``digest`` (``sha256:...``) that GitHub's release API publishes for the asset. The npm method
relies on npm, which checks every package tarball against the registry's sha512 ``integrity``.
When nothing could be checked the marker says ``not verified: <why>`` and the install prints a
warning line.
"""

from __future__ import annotations

import http.client
import os
import re
import urllib.error
from dataclasses import dataclass

from .checksums import known_sha256
from .download import describe_error, fetch_json
from .report import Reporter

GITHUB_API_ENV = "JUPYTER_VSCODE_GITHUB_API"
DEFAULT_GITHUB_API = "https://api.github.com"
GITHUB_TIMEOUT = 10.0

BY_OPTION = "sha256 given with --sha256"
PINNED = "sha256 pinned in jupyter-vscode (installer/checksums.py)"
GITHUB = "sha256 digest of the release asset from GitHub's release API"
NPM = "checked by npm: every package tarball against the registry's sha512 integrity"
NOT_VERIFIED = "not verified"


@dataclass(frozen=True)
class Expected:
    #: the sum the download must have; None when nothing is known
    sha256: str | None
    #: one of the constants above, or ``not verified: <why>``
    how: str


def expected_sha256(
    version: str, arch: str, name: str, option: str | None, *, github: bool, allow_http: bool
) -> Expected:
    if option:
        return Expected(option, BY_OPTION)
    pinned = known_sha256(version, arch)
    if pinned:
        return Expected(pinned, PINNED)
    why = f"no --sha256 and no pinned sum for {version}"
    if github:
        digest, failure = github_digest(version, name, allow_http=allow_http)
        if digest:
            return Expected(digest, GITHUB)
        why = f"{why}, and {failure}"
    return Expected(None, f"{NOT_VERIFIED}: {why}")


def github_digest(version: str, name: str, *, allow_http: bool) -> tuple[str | None, str]:
    """The sha256 GitHub publishes for release asset ``name`` of ``v<version>``, or None and
    why not (unreachable, rate-limited, an older release without digests)."""
    base = (os.environ.get(GITHUB_API_ENV) or DEFAULT_GITHUB_API).rstrip("/")
    url = f"{base}/repos/coder/code-server/releases/tags/v{version}"
    try:
        doc = fetch_json(
            url, accept="application/vnd.github+json", timeout=GITHUB_TIMEOUT, allow_http=allow_http
        )
    except urllib.error.HTTPError as exc:
        return None, f"GitHub's release API answered HTTP {exc.code}"
    except (OSError, http.client.HTTPException, ValueError) as exc:
        return None, f"GitHub's release API was not reachable ({describe_error(exc)})"
    assets = doc.get("assets") if isinstance(doc, dict) else None
    for asset in assets if isinstance(assets, list) else []:
        if isinstance(asset, dict) and asset.get("name") == name:
            match = re.fullmatch(r"sha256:([0-9a-f]{64})", str(asset.get("digest") or "").lower())
            if match:
                return match.group(1), ""
    return None, f"GitHub's release API gives no sha256 digest for {name}"


def report(reporter: Reporter, version: str, extra: dict[str, str]) -> None:
    """One line saying what the install was checked against; a warning when nothing."""
    how = extra.get("integrity", "")
    if how.startswith(NOT_VERIFIED):
        why = how.removeprefix(f"{NOT_VERIFIED}: ")
        reporter.warn(
            f"code-server {version} is NOT verified ({why}); its tarball's sha256 is "
            f"{extra.get('sha256', '?')}: compare it with a trusted source, or pass "
            "--sha256 HEX to have it checked"
        )
    elif how:
        reporter.info(f"integrity: {how}")
