"""The installer's test doubles: a fake npm on PATH (fake_npm.py next to the tests) with fake
build tools (fixture `fake_npm`), and a loopback release server (tests/release_server.py)
standing in for GitHub and the npm registry (fixtures `server` and `release`); fixture `prefix`
is an install prefix of a test's own. The fixtures are registered in tests/conftest.py."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from jupyter_vscode.codeserver import NO_CONFIG_FILE
from jupyter_vscode.installer import InstallOptions, Reporter, checksums, install
from jupyter_vscode.installer.standalone import release_arch

from ..release_server import LoopbackServer, make_release_tarball

TESTS = Path(__file__).resolve().parents[1]
ARCH = release_arch()

#: The `release` fixture: release(version, **make_release_tarball options) -> the tarball.
Release = Callable[..., Path]


@pytest.fixture
def prefix(tmp_path: Path) -> Path:
    """An install prefix of the test's own (not created: the installer makes it)."""
    return tmp_path / "prefix"


#: Stands in for the C++ compiler that the installer probes for the gssapi headers.
FAKE_CXX = """#!/bin/sh
cat >/dev/null
if [ "$FAKE_NO_GSSAPI" = 1 ]; then
  echo "<stdin>:1:10: fatal error: gssapi/gssapi.h: No such file or directory" >&2
  exit 1
fi
"""


def install_fake_npm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Put the fake npm first on PATH, and fake build tools (a compiler that has the gssapi
    headers unless FAKE_NO_GSSAPI=1, make, python) in $CXX, $MAKE and $PYTHON; return the
    JSON-lines file where the fake npm records calls."""
    bin_dir = tmp_path / "fake-bin"
    bin_dir.mkdir()
    npm = bin_dir / "npm"
    npm.write_text(f"#!{sys.executable}\n" + (TESTS / "fake_npm.py").read_text())
    npm.chmod(0o755)
    for name, text in (("fake-c++", FAKE_CXX), ("fake-make", "#!/bin/sh\n")):
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)
    calls = tmp_path / "npm-calls.jsonl"
    calls.touch()
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_NPM_LOG", str(calls))
    monkeypatch.setenv("FAKE_NPM_VERSIONS", "4.1.0,4.2.0")
    monkeypatch.setenv("CXX", "fake-c++")
    monkeypatch.setenv("MAKE", "fake-make")
    monkeypatch.setenv("PYTHON", sys.executable)
    for var in ("FAKE_NPM_FORBID", "FAKE_NPM_FAIL", "FAKE_NPM_SLEEP", "FAKE_CS_VERSION"):
        monkeypatch.delenv(var, raising=False)
    for var in (
        "FAKE_NO_GSSAPI",
        "CPPFLAGS",
        "CXXFLAGS",
        "NODE_GYP_FORCE_PYTHON",
        "npm_config_python",
    ):
        monkeypatch.delenv(var, raising=False)
    return calls


@pytest.fixture
def fake_npm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The fake npm and build tools (see install_fake_npm), with release tarballs unreachable
    (a closed port) so that `auto` means npm; returns the file of its recorded calls."""
    calls = install_fake_npm(tmp_path, monkeypatch)
    monkeypatch.setenv("JUPYTER_VSCODE_RELEASES_URL", "https://127.0.0.1:1/releases")
    return calls


def npm_calls(calls: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in calls.read_text().splitlines()]


def run_npm_installed(prefix: Path) -> str:
    """Run PREFIX/bin/code-server --version the way the extension would: through the links."""
    out = subprocess.run(
        [str(prefix / "bin" / "code-server"), "--version", "--config", os.devnull],
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.split()[0]


def assert_only_npm_version(prefix: Path, version: str) -> None:
    """PREFIX holds VERSION's npm install alone, nothing is left staged, and it runs: what a
    failed or interrupted install of another version must leave."""
    assert sorted(os.listdir(prefix / "versions")) == [f"{version}-npm"]
    assert list((prefix / "staging").iterdir()) == []
    assert run_npm_installed(prefix) == version


def do_npm_install(prefix: Path, **kwargs: object) -> object:
    return install(InstallOptions(prefix=prefix, **kwargs), Reporter(quiet=True))  # type: ignore[arg-type]


# --- the standalone and file methods, against the loopback release server


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    srv = LoopbackServer()
    monkeypatch.setenv("JUPYTER_VSCODE_RELEASES_URL", srv.url("/releases"))
    monkeypatch.setenv("JUPYTER_VSCODE_NPM_REGISTRY", srv.url("/registry"))
    monkeypatch.setenv("JUPYTER_VSCODE_GITHUB_API", srv.url("/github"))
    monkeypatch.delenv("FAKE_CS_RECORD", raising=False)
    yield srv
    srv.close()


@pytest.fixture
def release(server: LoopbackServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Release:
    """release(version, **kw): build a fake tarball for this host's arch and serve it (and
    forget the pinned sha256 of the real release of that version)."""

    def add(version: str, **kwargs: object) -> Path:
        monkeypatch.delitem(checksums.RELEASE_SHA256, (version, ARCH), raising=False)
        path = tmp_path / "tarballs" / f"code-server-{version}-linux-{ARCH}.tar.gz"
        make_release_tarball(path, version, ARCH, **kwargs)  # type: ignore[arg-type]
        server.add_release(version, ARCH, path)
        return path

    return add


def opts(prefix: Path, **kwargs: object) -> InstallOptions:
    kwargs.setdefault("method", "standalone")
    kwargs.setdefault("allow_insecure_http", True)  # the loopback server speaks http
    return InstallOptions(prefix=prefix, **kwargs)  # type: ignore[arg-type]


def do_install(prefix: Path, **kwargs: object):  # type: ignore[no-untyped-def]
    return install(opts(prefix, **kwargs), Reporter(quiet=True))


def run_installed(prefix: Path) -> str:
    out = subprocess.run(
        [str(prefix / "bin" / "code-server"), "--version"],
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.split()[0]


def staging_empty(prefix: Path) -> bool:
    return not (prefix / "staging").exists() or list((prefix / "staging").iterdir()) == []


def tarball_gets(server: LoopbackServer) -> list[str]:
    """The paths of the release tarballs the server was asked for."""
    return [p for p in server.paths() if p.endswith(".tar.gz")]


def marker_of(prefix: Path, version: str = "4.20.0") -> dict[str, str]:
    """The install marker of VERSION's standalone install in PREFIX."""
    path = prefix / "versions" / f"{version}-standalone" / "jupyter-vscode-install.json"
    return json.loads(path.read_text())  # type: ignore[no-any-return]


def real_version_output(launcher: Path, tmp_path: Path) -> str:
    """What a real code-server LAUNCHER prints for --version, with no config file and its
    data dir in TMP_PATH."""
    out = subprocess.run(
        [str(launcher), "--version", "--config", NO_CONFIG_FILE],
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ, XDG_DATA_HOME=str(tmp_path / "data")),
    )
    assert out.returncode == 0, out.stderr
    return out.stdout
