"""The ``standalone`` and ``file`` methods: code-server's official release tarball.

A release tarball (``code-server-<V>-linux-<arch>.tar.gz``) holds one directory with
``bin/code-server`` (a sh script that follows its own symlinks and runs ``lib/node`` on the
package), ``lib/node`` (the Node.js it needs), ``out/``, ``lib/vscode/``, ``node_modules/`` and
``package.json``; nothing is compiled. Both methods install it as ``versions/<V>-standalone``:

* ``standalone`` downloads it from ``<releases URL>/v<V>/`` (GitHub, or ``--mirror`` /
  ``$JUPYTER_VSCODE_RELEASES_URL``). The newest version comes from the npm registry's version
  list (same numbers as the GitHub releases, and reachable where GitHub's API is rate-limited).
* ``file`` takes it from ``--from``: a local path or an http(s) URL (e.g. an S3 presigned URL,
  for networks without GitHub). The version comes from the file name, else its package.json.

The tarball is downloaded into the staging dir, checked (integrity.py: ``--sha256``, the pinned
table in checksums.py, or for ``standalone`` GitHub's release asset digest), extracted with
tarball.safe_extract, and the release directory's contents become the staging dir; core then
verifies and renames it into ``versions/``.
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import urllib.parse
from pathlib import Path

from ..redact import redact_urls
from . import errors
from .base import BuildContext, InstallMethod, Release
from .compat import newest_at_most
from .download import download, registry_versions, releases_url, sha256_file
from .integrity import Expected, expected_sha256
from .options import InstallOptions
from .report import Reporter
from .tarball import RELEASE_NAME, read_version, safe_extract

KIND = "standalone"
_ARCHES = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}
_VERSION = re.compile(r"^\d+\.\d+\.\d+(?:-[0-9A-Za-z.]+)?$")


def release_arch(system: str | None = None, machine: str | None = None) -> str:
    system = (system or platform.system()).lower()
    machine = (machine or platform.machine()).lower()
    if system != "linux" or machine not in _ARCHES:
        raise errors.standalone_unsupported_platform(system, machine)
    return _ARCHES[machine]


def tarball_name(version: str, arch: str) -> str:
    return f"code-server-{version}-linux-{arch}.tar.gz"


class _TarballMethod(InstallMethod):
    kind = KIND

    def __init__(self) -> None:
        self.sha256: str | None = None
        self.mirror: str | None = None
        self.source: str | None = None
        self.staging: Path | None = None
        self.allow_http = False
        self.reporter = Reporter(quiet=True)
        self.progress_interval = 5.0

    def configure(self, options: InstallOptions, staging: Path, reporter: Reporter) -> None:
        """Take --sha256/--mirror/--from from the install options; staging is where downloads
        go (inside the prefix, cleared by the next run if we are killed)."""
        sha = options.sha256
        self.sha256 = sha.strip().lower() if sha else None
        if self.sha256 is not None and not re.fullmatch(r"[0-9a-f]{64}", self.sha256):
            raise errors.InstallError(f"--sha256 {sha!r} is not 64 hexadecimal digits.")
        self.mirror = options.mirror
        self.source = options.source
        self.allow_http = options.allow_insecure_http
        self.staging = staging
        self.reporter = reporter
        self.progress_interval = options.progress_interval

    def check(self) -> None:
        release_arch()

    def _fetch(self, url: str, directory: Path, name: str, version: str = "") -> tuple[Path, str]:
        directory.mkdir(parents=True, exist_ok=True)
        dest = directory / name
        self.reporter.info(f"downloading {redact_urls(url)}")
        digest = download(
            url,
            dest,
            self.reporter,
            progress_interval=self.progress_interval,
            version=version,
            allow_http=self.allow_http,
        )
        return dest, digest

    def _install(
        self,
        stage: Path,
        archive: Path,
        source: str,
        version: str,
        expected: Expected,
        digest: str | None,
        ctx: BuildContext,
    ) -> dict[str, str]:
        if digest is None:
            digest = sha256_file(archive)
        _log(ctx, f"{source}: sha256 {digest} ({expected.how})")
        if expected.sha256 is not None and digest != expected.sha256:
            raise errors.checksum_mismatch(source, expected.sha256, digest)

        ctx.reporter.info("extracting")
        extract = stage / ".extract"
        safe_extract(archive, extract, source)
        top = _release_dir(extract, source)
        found = _package_version(top, source)
        if found != version:
            raise errors.not_a_release_tarball(
                source, f"its package.json says version {found}, expected {version}"
            )
        for entry in top.iterdir():
            os.replace(entry, stage / entry.name)
        shutil.rmtree(extract)
        return {
            "source": source,
            "sha256": digest,
            "arch": release_arch(),
            "integrity": expected.how,
        }


class StandaloneMethod(_TarballMethod):
    name = "standalone"
    registry_label = "the npm registry's version list"

    def resolve(self, requested: str | None) -> Release:
        if requested:
            if not _VERSION.match(requested):
                raise errors.InstallError(
                    f"--version {requested!r} is not a code-server version like 4.108.1."
                )
            return Release(requested)
        versions, latest = registry_versions(allow_http=self.allow_http)
        newest = latest or newest_at_most(versions, None)
        if not newest:
            raise errors.newest_unknown("the registry lists no versions")
        return Release(newest)

    def resolve_at_most(self, cap: str) -> Release:
        """The newest release not newer than ``cap`` (the host's glibc allows no newer)."""
        versions, _latest = registry_versions(allow_http=self.allow_http)
        newest = newest_at_most(versions, cap)
        if not newest:
            raise errors.newest_unknown(f"no release up to {cap} listed")
        return Release(newest)

    def build(self, stage: Path, release: Release, ctx: BuildContext) -> dict[str, str]:
        arch = release_arch()
        name = tarball_name(release.version, arch)
        url = f"{releases_url(self.mirror)}/v{release.version}/{name}"
        expected = expected_sha256(
            release.version, arch, name, self.sha256, github=True, allow_http=self.allow_http
        )
        archive, digest = self._fetch(url, stage / ".download", name, release.version)
        try:
            return self._install(stage, archive, url, release.version, expected, digest, ctx)
        finally:
            shutil.rmtree(stage / ".download", ignore_errors=True)


class FileMethod(_TarballMethod):
    name = "file"
    registry_label = "the tarball"

    def __init__(self) -> None:
        super().__init__()
        self._archive: Path | None = None
        self._digest: str | None = None
        self._download_dir: Path | None = None

    def check(self) -> None:
        if not self.source:
            raise errors.source_required()
        super().check()

    @classmethod
    def version_hint(cls, options: InstallOptions) -> str | None:
        """The version in the --from tarball's name, if it has one (cheap: no download)."""
        match = RELEASE_NAME.search(_basename(options.source or ""))
        return match.group(1) if match else None

    def resolve(self, requested: str | None) -> Release:
        source = self.source or ""
        match = RELEASE_NAME.search(_basename(source))
        if match:
            version, arch = match.group(1), match.group(2)
            if arch != release_arch():
                raise errors.not_a_release_tarball(
                    redact_urls(source),
                    f"it is for linux-{arch}, this host is linux-{release_arch()}",
                )
        else:
            version = read_version(self._local_archive(), redact_urls(source))
        if requested and requested != version:
            raise errors.file_version_mismatch(redact_urls(source), version, requested)
        return Release(version)

    def build(self, stage: Path, release: Release, ctx: BuildContext) -> dict[str, str]:
        source = redact_urls(self.source or "")
        arch = release_arch()
        name = tarball_name(release.version, arch)
        expected = expected_sha256(
            release.version, arch, name, self.sha256, github=False, allow_http=self.allow_http
        )
        try:
            archive = self._local_archive()
            return self._install(
                stage, archive, source, release.version, expected, self._digest, ctx
            )
        finally:
            self.close()

    def close(self) -> None:
        if self._download_dir is not None:
            shutil.rmtree(self._download_dir, ignore_errors=True)
            self._download_dir = None
            self._archive = None

    def _local_archive(self) -> Path:
        if self._archive is not None:
            return self._archive
        source = self.source or ""
        scheme = urllib.parse.urlsplit(source).scheme.lower()
        if scheme in ("http", "https"):
            assert self.staging is not None, "configure() first"
            self._download_dir = self.staging / f"download.{os.getpid()}"
            name = _basename(source) or "code-server.tar.gz"
            self._archive, self._digest = self._fetch(source, self._download_dir, name)
        elif scheme == "file":
            self._archive = Path(urllib.parse.unquote(urllib.parse.urlsplit(source).path))
        elif scheme in ("",) or len(scheme) == 1:
            self._archive = Path(source).expanduser()
        else:
            raise errors.source_missing(
                redact_urls(source),
                f"unsupported scheme {scheme}: use a path or an http(s) "
                "URL (for S3, a presigned https URL)",
            )
        if not self._archive.is_file():
            raise errors.source_missing(str(self._archive), "no such file")
        return self._archive


def _basename(source: str) -> str:
    parts = urllib.parse.urlsplit(source)
    path = parts.path if parts.scheme else source
    return urllib.parse.unquote(path.rstrip("/").rsplit("/", 1)[-1])


def _release_dir(extract: Path, source: str) -> Path:
    entries = [e for e in extract.iterdir()]
    dirs = [e for e in entries if e.is_dir() and not e.is_symlink()]
    if len(entries) != 1 or len(dirs) != 1:
        names = ", ".join(sorted(e.name for e in entries)[:5]) or "nothing"
        raise errors.not_a_release_tarball(source, f"expected one top directory, found {names}")
    top = dirs[0]
    for needed in ("bin/code-server", "lib/node", "package.json"):
        if not (top / needed).is_file():
            raise errors.not_a_release_tarball(source, f"it has no {top.name}/{needed}")
    return top


def _package_version(top: Path, source: str) -> str:
    try:
        data = json.loads((top / "package.json").read_text())
        return str(data["version"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise errors.not_a_release_tarball(source, f"unreadable package.json: {exc}") from None


def _log(ctx: BuildContext, line: str) -> None:
    with ctx.log.open("a", encoding="utf-8") as out:
        out.write(line + "\n")
