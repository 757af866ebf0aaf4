"""Install a release tarball with real content through `--method file --from http://...`.

The tarball is assembled from the npm-method install of code-server (its package, hoisted
node_modules and Node.js binary) into the release layout, uncompressed, once, in a cache dir
outside the repository ($JUPYTER_VSCODE_TEST_CACHE, default /tmp/jupyter-vscode-test-cache).
"""

from __future__ import annotations

import io
import os
import subprocess
import tarfile
import time
from pathlib import Path

import pytest

from jupyter_vscode import cli
from jupyter_vscode.installer import Layout
from jupyter_vscode.installer.standalone import release_arch
from jupyter_vscode.paths import default_install_prefix

from .release_server import LoopbackServer

PREFIX = default_install_prefix()  # looked up at import, before fixtures move HOME
CACHE = Path(os.environ.get("JUPYTER_VSCODE_TEST_CACHE", "/tmp/jupyter-vscode-test-cache"))
REQUIRE_REAL = os.environ.get("JUPYTER_VSCODE_REQUIRE_CODE_SERVER") == "1"

pytestmark = pytest.mark.codeserver

# Like the launcher in coder's release tarballs: follow symlinks to the install, run lib/node.
LAUNCHER = """\
#!/bin/sh
set -eu
script=$0
cd "$(dirname "$script")"
while [ -L "$(basename "$script")" ]; do
  script=$(readlink "$(basename "$script")")
  cd "$(dirname "$script")"
done
ROOT=$(dirname "$PWD")
exec "$ROOT/lib/node" "$ROOT" "$@"
"""


def _npm_install() -> tuple[str, Path]:
    layout = Layout(PREFIX)
    candidates = sorted(layout.versions.glob("*-npm")) if layout.versions.is_dir() else []
    for path in reversed(candidates):
        found = layout.read_install(path)
        if found is not None and (path / "app/node_modules/code-server/package.json").is_file():
            return found.version, path
    reason = f"no npm-method code-server install in {PREFIX} to build a release tarball from"
    if REQUIRE_REAL:
        pytest.fail(reason)
    pytest.skip(reason)


def real_release_tarball() -> Path:
    version, install = _npm_install()
    name = f"code-server-{version}-linux-{release_arch()}"
    tarball = CACHE / f"{name}.tar"
    if tarball.is_file():
        return tarball
    CACHE.mkdir(parents=True, exist_ok=True)
    tmp = tarball.with_name(f".{tarball.name}.{os.getpid()}")
    package = install / "app" / "node_modules" / "code-server"
    node = next((install / "runtime" / "node_modules").glob("node-linux-*/bin/node"))
    with tarfile.open(tmp, "w") as tar:
        tar.add(package, arcname=name)
        for dep in sorted((install / "app" / "node_modules").iterdir()):
            if dep.name != "code-server":
                tar.add(dep, arcname=f"{name}/node_modules/{dep.name}")
        tar.add(node.resolve(), arcname=f"{name}/lib/node")
        info = tarfile.TarInfo(f"{name}/bin/code-server")
        info.size, info.mode = len(LAUNCHER), 0o755
        tar.addfile(info, io.BytesIO(LAUNCHER.encode()))
    os.replace(tmp, tarball)
    return tarball


def test_install_real_release_tarball_from_url(tmp_path: Path) -> None:
    tarball = real_release_tarball()
    version = tarball.name.split("-")[2]
    server = LoopbackServer()
    server.add(f"/bucket/{tarball.name}", tarball)
    prefix = tmp_path / "prefix"
    try:
        start = time.monotonic()
        url = server.url(f"/bucket/{tarball.name}?X-Amz-Signature=abc")
        assert (
            cli.main(
                ["install", "--method", "file", "--from", url, "--prefix", str(prefix), "-q"]
                + ["--allow-insecure-http"]  # the loopback server speaks http
            )
            == 0
        )
        took = time.monotonic() - start
    finally:
        server.close()
    assert (prefix / "versions" / f"{version}-standalone" / "lib" / "vscode").is_dir()
    out = subprocess.run(
        [str(prefix / "bin" / "code-server"), "--version", "--config", str(tmp_path / "c.yaml")],
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ, XDG_DATA_HOME=str(tmp_path / "data")),
    )
    assert out.returncode == 0, out.stderr
    assert f"\n{version} " in f"\n{out.stdout}", out.stdout
    assert took < 240, f"install took {took:.0f} s"
