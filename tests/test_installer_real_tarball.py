"""Install a release tarball with real content through `--method file --from http://...`.

The tarball is assembled from the npm-method install of code-server (its package, hoisted
node_modules and Node.js binary) into the release layout, uncompressed, once, in a cache dir
outside the repository (tests/support/artifacts.py, shared with the lifecycle suite).
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from jupyter_vscode import cli

from .release_server import LoopbackServer
from .support.artifacts import real_release_tarball
from .support.installer import real_version_output

pytestmark = pytest.mark.codeserver


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
    out = real_version_output(prefix / "bin" / "code-server", tmp_path)
    assert f"\n{version} " in f"\n{out}", out
    assert took < 240, f"install took {took:.0f} s"
