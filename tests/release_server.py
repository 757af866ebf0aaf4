"""Test helpers for the tarball install methods: a loopback HTTP server and release tarballs.

``LoopbackServer`` serves bytes or files by path, records every request, and can misbehave on
purpose: cut a body short (``truncate``) or stall half-way until released (``stall``).
``make_release_tarball`` writes a tiny tarball laid out like code-server's official release,
whose ``bin/code-server`` is a sh script that prints the version (and records its arguments in
$FAKE_CS_RECORD).
"""

from __future__ import annotations

import io
import json
import os
import socket
import ssl
import subprocess
import tarfile
import threading
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


@dataclass
class Route:
    body: bytes | Path
    status: int = 200
    content_type: str = "application/octet-stream"
    #: answer with this Location header (a redirect, with e.g. status=302)
    location: str | None = None
    #: send only this many bytes (with the full Content-Length), then close the connection
    truncate: int | None = None
    #: send this many bytes, set ``stalled``, then wait for ``release`` before the rest
    stall: int | None = None
    stalled: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)

    def size(self) -> int:
        return self.body.stat().st_size if isinstance(self.body, Path) else len(self.body)

    def chunks(self):  # type: ignore[no-untyped-def]
        if isinstance(self.body, Path):
            with self.body.open("rb") as f:
                yield from iter(lambda: f.read(1 << 20), b"")
        else:
            for i in range(0, len(self.body), 1 << 16):
                yield self.body[i : i + (1 << 16)]


def self_signed_cert(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key; clients trust it through $SSL_CERT_FILE."""
    cert, key = directory / "loopback-cert.pem", directory / "loopback-key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
        + ["-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1"]
        + ["-addext", "subjectAltName=IP:127.0.0.1"],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return cert, key


class LoopbackServer:
    """``tls=(cert, key)`` serves https instead of http."""

    def __init__(self, tls: tuple[Path, Path] | None = None) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[dict[str, object]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_HEAD(self) -> None:
                self._serve(head=True)

            def do_GET(self) -> None:
                self._serve(head=False)

            def _serve(self, head: bool) -> None:
                path = urllib.parse.urlsplit(self.path).path
                server.requests.append(
                    {
                        "method": self.command,
                        "path": path,
                        "url": self.path,
                        "headers": dict(self.headers),
                    }
                )
                route = server.routes.get(path)
                if route is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(route.status)
                if route.location is not None:
                    self.send_header("Location", route.location)
                self.send_header("Content-Type", route.content_type)
                self.send_header("Content-Length", str(route.size()))
                self.end_headers()
                if head:
                    return
                sent = 0
                try:
                    for chunk in route.chunks():
                        if route.truncate is not None and sent + len(chunk) >= route.truncate:
                            self.wfile.write(chunk[: route.truncate - sent])
                            self.wfile.flush()
                            self.close_connection = True
                            return
                        if route.stall is not None and sent + len(chunk) >= route.stall > sent:
                            cut = route.stall - sent
                            self.wfile.write(chunk[:cut])
                            self.wfile.flush()
                            route.stalled.set()
                            route.release.wait(60)
                            chunk = chunk[cut:]
                            sent += cut
                        self.wfile.write(chunk)
                        sent += len(chunk)
                except OSError:
                    self.close_connection = True

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.scheme = "http"
        if tls is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*tls)
            self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
            self.scheme = "https"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    @property
    def base(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.httpd.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def add(self, path: str, body: bytes | Path, **kwargs: object) -> Route:
        route = Route(body, **kwargs)  # type: ignore[arg-type]
        self.routes[path] = route
        return route

    def add_registry(self, versions: list[str], latest: str | None = None) -> None:
        doc = {
            "name": "code-server",
            "dist-tags": {"latest": latest or versions[-1]},
            "versions": {v: {"version": v} for v in versions},
        }
        self.add("/registry/code-server", json.dumps(doc).encode(), content_type="application/json")

    def add_github_release(self, version: str, digests: dict[str, str | None]) -> Route:
        """GitHub's release API answer for ``v<version>``: one asset per name, with that
        ``digest`` (``sha256:...``; None: the field is missing, as on older releases)."""
        assets = [
            {"name": name, **({"digest": digest} if digest is not None else {})}
            for name, digest in digests.items()
        ]
        doc = {"tag_name": f"v{version}", "assets": assets}
        path = f"/github/repos/coder/code-server/releases/tags/v{version}"
        return self.add(path, json.dumps(doc).encode(), content_type="application/json")

    def add_release(self, version: str, arch: str, tarball: Path) -> Route:
        return self.add(f"/releases/v{version}/code-server-{version}-linux-{arch}.tar.gz", tarball)

    def paths(self, method: str = "GET") -> list[str]:
        return [str(r["path"]) for r in self.requests if r["method"] == method]

    def close(self) -> None:
        for route in self.routes.values():
            route.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


FAKE_CODE_SERVER = """\
#!/bin/sh
# A stand-in for code-server {version}'s release launcher.
if [ -n "$FAKE_CS_RECORD" ]; then
  printf 'ARGS %s\\n' "$*" >> "$FAKE_CS_RECORD"
  printf 'GALLERY %s\\n' "$EXTENSIONS_GALLERY" >> "$FAKE_CS_RECORD"
  printf 'IPC %s\\n' "$VSCODE_IPC_HOOK_CLI" >> "$FAKE_CS_RECORD"
fi
for arg in "$@"; do
  if [ "$arg" = --version ]; then
    echo "{version} 0123abc with Code 1.99.0"
    exit 0
  fi
done
for arg in "$@"; do
  case $arg in
    *missing*) echo "Extension '$arg' not found."; exit 0 ;;
  esac
done
echo "Installing extensions..."
exit 0
"""


def _add(tar: tarfile.TarFile, name: str, data: bytes, mode: int = 0o644) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = mode
    tar.addfile(info, io.BytesIO(data))


def make_release_tarball(
    dest: Path,
    version: str,
    arch: str = "amd64",
    *,
    padding: int = 0,
    package_version: str | None = None,
    extra: list[tarfile.TarInfo] | None = None,
    omit: tuple[str, ...] = (),
) -> Path:
    """A gzipped tarball laid out like ``code-server-<version>-linux-<arch>.tar.gz``.

    ``padding`` adds that many incompressible bytes (for progress and truncation tests);
    ``extra`` adds raw members (for the unsafe-tarball tests); ``omit`` drops files by name.
    """
    top = f"code-server-{version}-linux-{arch}"
    files = {
        "bin/code-server": (FAKE_CODE_SERVER.format(version=version).encode(), 0o755),
        "lib/node": (b"#!/bin/sh\necho fake node\n", 0o755),
        "package.json": (
            json.dumps({"name": "code-server", "version": package_version or version}).encode(),
            0o644,
        ),
        "out/node/entry.js": (b"// fake\n", 0o644),
        "lib/vscode/package.json": (b'{"name": "code-oss-dev"}\n', 0o644),
        "node_modules/.package-lock.json": (b"{}\n", 0o644),
    }
    if padding:
        files["lib/padding.bin"] = (os.urandom(padding), 0o644)
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(dest, "w:gz", compresslevel=1) as tar:
        for name, (data, mode) in files.items():
            if name not in omit:
                _add(tar, f"{top}/{name}", data, mode)
        for member in extra or []:
            if member.isreg():
                tar.addfile(member, io.BytesIO(b"x" * member.size))
            else:
                tar.addfile(member)
    return dest
