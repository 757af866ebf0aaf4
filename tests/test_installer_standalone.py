"""The standalone and auto install methods against a loopback HTTP server (no GitHub).

Release tarballs here are tiny fakes (tests/release_server.py) whose bin/code-server is a sh
script; tests/test_installer_real_tarball.py installs one with real content.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from jupyter_vscode import cli
from jupyter_vscode.installer import InstallError
from jupyter_vscode.installer.download import sha256_file
from jupyter_vscode.installer.methods import choose_method

from .release_server import LoopbackServer, closed_port, make_release_tarball
from .support.installer import (
    ARCH,
    Release,
    do_install,
    install_fake_npm,
    run_installed,
    staging_empty,
    tarball_gets,
)

# -- standalone -----------------------------------------------------------------------------------


def test_standalone_install_layout(server: LoopbackServer, release: Release, prefix: Path) -> None:
    tarball = release("4.20.0")
    result = do_install(prefix, version="4.20.0")

    version_dir = prefix / "versions" / "4.20.0-standalone"
    assert result.changed and result.install.path == version_dir
    assert os.readlink(prefix / "current") == os.path.join("versions", "4.20.0-standalone")
    for name in ("bin/code-server", "lib/node", "package.json", "out/node/entry.js"):
        assert (version_dir / name).is_file(), name
    assert not (version_dir / ".download").exists() and not (version_dir / ".extract").exists()
    marker = json.loads((version_dir / "jupyter-vscode-install.json").read_text())
    assert marker["method"] == "standalone" and marker["version"] == "4.20.0"
    assert marker["sha256"] == sha256_file(tarball)
    assert marker["source"] == server.url(
        f"/releases/v4.20.0/code-server-4.20.0-linux-{ARCH}.tar.gz"
    )
    assert staging_empty(prefix)
    assert run_installed(prefix) == "4.20.0"
    assert tarball_gets(server) == [f"/releases/v4.20.0/code-server-4.20.0-linux-{ARCH}.tar.gz"]


def test_newest_version_comes_from_the_npm_registry(
    server: LoopbackServer, release: Release, prefix: Path
) -> None:
    server.add_registry(["4.20.0", "4.21.0", "4.22.0-rc.1"], latest="4.21.0")
    release("4.21.0")
    result = do_install(prefix)
    assert result.install.version == "4.21.0"
    registry = [r for r in server.requests if r["path"] == "/registry/code-server"]
    assert registry and "npm.install-v1" in str(registry[0]["headers"].get("Accept"))


def test_rerun_same_version_is_a_noop_without_network(
    server: LoopbackServer, release: Release, prefix: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    release("4.20.0")
    do_install(prefix, version="4.20.0")
    ino = (prefix / "versions" / "4.20.0-standalone").stat().st_ino
    n = len(server.requests)

    start = time.monotonic()
    code = cli.main(
        ["install", "--method", "standalone", "--version", "4.20.0", "--prefix", str(prefix)]
    )
    took = time.monotonic() - start
    assert code == 0 and "nothing to change" in capsys.readouterr().out
    assert len(server.requests) == n  # no probe, no registry, no download
    assert (prefix / "versions" / "4.20.0-standalone").stat().st_ino == ino
    assert took < 2

    # auto and file accept the standalone install of that version too, still without network.
    assert cli.main(["install", "--version", "4.20.0", "--prefix", str(prefix)]) == 0
    url = server.url(f"/elsewhere/code-server-4.20.0-linux-{ARCH}.tar.gz?sig=1")
    assert cli.main(["install", "--from", url, "--prefix", str(prefix)]) == 0
    assert len(server.requests) == n


def test_rerun_without_version_asks_only_the_registry(
    server: LoopbackServer, release: Release, prefix: Path
) -> None:
    server.add_registry(["4.20.0"])
    release("4.20.0")
    do_install(prefix)
    server.requests.clear()
    result = do_install(prefix)
    assert not result.changed
    assert server.paths() == ["/registry/code-server"]


def test_release_404(server: LoopbackServer, prefix: Path) -> None:
    with pytest.raises(InstallError, match=r"no code-server 4\.99\.0 release tarball at .*404"):
        do_install(prefix, version="4.99.0")
    assert staging_empty(prefix) and not (prefix / "versions").exists()


def test_mirror_option_beats_the_environment(
    server: LoopbackServer, tmp_path: Path, prefix: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JUPYTER_VSCODE_RELEASES_URL", f"http://127.0.0.1:{closed_port()}/x")
    path = make_release_tarball(tmp_path / "t.tar.gz", "4.20.0", ARCH)
    server.add(f"/mirror/v4.20.0/code-server-4.20.0-linux-{ARCH}.tar.gz", path)
    do_install(prefix, version="4.20.0", mirror=server.url("/mirror/"))
    assert run_installed(prefix) == "4.20.0"


def test_prefix_not_writable(
    server: LoopbackServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    code = cli.main(
        ["install", "--method", "standalone", "--version", "4.20.0"]
        + ["--prefix", str(blocker / "prefix")]
    )
    err = capsys.readouterr().err
    assert code == 1 and "Cannot write to the install prefix" in err
    assert "Traceback" not in err
    assert server.requests == []


def test_release_tarballs_need_no_build_tools(
    release: Release, prefix: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    release("4.20.0")
    for var in ("CXX", "MAKE", "PYTHON"):
        monkeypatch.setenv(var, f"no-such-{var.lower()}")
    do_install(prefix, version="4.20.0")
    assert run_installed(prefix) == "4.20.0"


# -- auto -----------------------------------------------------------------------------------------


def test_auto_uses_standalone_when_the_releases_url_answers(
    server: LoopbackServer,
    release: Release,
    prefix: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    calls = install_fake_npm(tmp_path, monkeypatch)
    release("4.20.0")
    argv = ["install", "--version", "4.20.0", "--prefix", str(prefix), "--allow-insecure-http"]
    assert cli.main(argv) == 0
    assert "install method: standalone" in capsys.readouterr().out
    assert (prefix / "versions" / "4.20.0-standalone").is_dir()
    assert calls.read_text() == ""
    assert server.requests[0]["method"] == "HEAD"


def test_auto_falls_back_to_npm_when_github_is_unreachable(
    fake_npm: Path,
    prefix: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    calls = fake_npm
    monkeypatch.setenv("JUPYTER_VSCODE_RELEASES_URL", f"https://127.0.0.1:{closed_port()}/r")
    start = time.monotonic()
    assert cli.main(["install", "--prefix", str(prefix)]) == 0
    took = time.monotonic() - start
    out = capsys.readouterr().out
    assert "install method: npm (no release tarball reachable)" in out
    assert (prefix / "versions" / "4.2.0-npm").is_dir()
    assert calls.read_text() != ""
    assert took < 15


def test_choose_method() -> None:
    assert choose_method("npm") == "npm"
    assert choose_method("auto", probe=lambda url: True) == "standalone"
    assert choose_method("auto", probe=lambda url: False) == "npm"
    assert choose_method("auto", available={"npm"}, probe=lambda url: True) == "npm"
    seen: list[str] = []
    choose_method("auto", mirror="http://mirror.example/cs/", probe=lambda u: bool(seen.append(u)))
    assert seen == ["http://mirror.example/cs"]
    with pytest.raises(ValueError, match="unknown install method"):
        choose_method("brew")
