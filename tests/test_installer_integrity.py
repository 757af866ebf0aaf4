"""What a release tarball is checked against: --sha256, the pinned sums, GitHub's digest;
and an install that could not be verified says so.

Release tarballs here are tiny fakes (tests/release_server.py) whose bin/code-server is a sh
script; tests/test_installer_real_tarball.py installs one with real content.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from jupyter_vscode import cli
from jupyter_vscode.installer import InstallError, checksums, compat, integrity
from jupyter_vscode.installer.download import sha256_file

from .release_server import LoopbackServer, make_release_tarball
from .support.installer import ARCH, Release, do_install, marker_of, run_installed, staging_empty


def test_checksum_mismatch_installs_nothing(release: Release, prefix: Path) -> None:
    release("4.20.0")
    release("4.21.0")
    do_install(prefix, version="4.20.0")
    wrong = "0" * 64
    with pytest.raises(InstallError) as info:
        do_install(prefix, version="4.21.0", sha256=wrong)
    assert f"but {wrong} was expected" in str(info.value)
    assert sorted(os.listdir(prefix / "versions")) == ["4.20.0-standalone"]
    assert staging_empty(prefix) and run_installed(prefix) == "4.20.0"


def test_correct_sha256_is_accepted(release: Release, prefix: Path) -> None:
    tarball = release("4.20.0")
    do_install(prefix, version="4.20.0", sha256=sha256_file(tarball).upper())
    assert run_installed(prefix) == "4.20.0"


def test_pinned_checksum_table_is_used(
    release: Release, prefix: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    release("4.20.0")
    monkeypatch.setitem(checksums.RELEASE_SHA256, ("4.20.0", ARCH), "f" * 64)
    with pytest.raises(InstallError, match="was expected"):
        do_install(prefix, version="4.20.0")
    assert not (prefix / "versions").exists()


def test_pinned_table_shape() -> None:
    for (version, arch), sha in checksums.RELEASE_SHA256.items():
        assert compat.is_release(version) and arch in ("amd64", "arm64")
        assert len(sha) == 64 and int(sha, 16) >= 0
    # Both glibc caps are pinned.
    assert ("4.16.1", "amd64") in checksums.RELEASE_SHA256
    assert ("4.108.1", "amd64") in checksums.RELEASE_SHA256


def test_default_install_is_checked_against_githubs_digest(
    server: LoopbackServer, release: Release, prefix: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    server.add_registry(["4.20.0"])  # the newest, and pinned nowhere
    tarball = release("4.20.0")
    name = tarball.name
    server.add_github_release(
        "4.20.0", {"other.tar.gz": "sha256:" + "1" * 64, name: "sha256:" + sha256_file(tarball)}
    )
    assert cli.main(["install", "--prefix", str(prefix), "--allow-insecure-http"]) == 0
    out = capsys.readouterr()
    assert "integrity: sha256 digest of the release asset from GitHub's release API" in out.out
    assert "warning" not in out.err
    assert marker_of(prefix)["integrity"] == integrity.GITHUB
    api = [r for r in server.requests if str(r["path"]).startswith("/github/")]
    assert [r["path"] for r in api] == ["/github/repos/coder/code-server/releases/tags/v4.20.0"]
    assert "github" in str(api[0]["headers"].get("Accept"))


def test_githubs_digest_mismatch_installs_nothing(
    server: LoopbackServer, release: Release, prefix: Path
) -> None:
    tarball = release("4.20.0")
    server.add_github_release("4.20.0", {tarball.name: "sha256:" + "0" * 64})
    with pytest.raises(InstallError, match=f"but {'0' * 64} was expected"):
        do_install(prefix, version="4.20.0")
    assert not (prefix / "versions").exists() and staging_empty(prefix)


@pytest.mark.parametrize("api", ["404", "no-digest"])
def test_unverifiable_install_says_so(
    server: LoopbackServer,
    release: Release,
    prefix: Path,
    capsys: pytest.CaptureFixture[str],
    api: str,
) -> None:
    tarball = release("4.20.0")
    if api == "no-digest":
        server.add_github_release("4.20.0", {tarball.name: None})
    argv = ["install", "--version", "4.20.0", "--prefix", str(prefix), "--allow-insecure-http"]
    assert cli.main([*argv, "-q"]) == 0
    err = capsys.readouterr().err  # a warning even with -q
    assert "[jupyter-vscode] warning: code-server 4.20.0 is NOT verified" in err
    assert sha256_file(tarball) in err and "--sha256 HEX" in err
    why = "answered HTTP 404" if api == "404" else f"gives no sha256 digest for {tarball.name}"
    assert why in err
    recorded = marker_of(prefix)["integrity"]
    assert (
        recorded.startswith("not verified: no --sha256 and no pinned sum for 4.20.0")
        and why in recorded
    )


def test_file_method_checks_the_pinned_sum(
    tmp_path: Path,
    prefix: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = make_release_tarball(tmp_path / f"code-server-4.20.0-linux-{ARCH}.tar.gz", "4.20.0")
    monkeypatch.setitem(checksums.RELEASE_SHA256, ("4.20.0", ARCH), "f" * 64)
    with pytest.raises(InstallError, match="was expected"):
        do_install(prefix, method="file", source=str(path))
    monkeypatch.setitem(checksums.RELEASE_SHA256, ("4.20.0", ARCH), sha256_file(path))
    do_install(prefix, method="file", source=str(path))
    assert marker_of(prefix)["integrity"] == integrity.PINNED
    # with neither a pinned sum nor --sha256, a --from tarball is installed, unverified, saying so
    monkeypatch.delitem(checksums.RELEASE_SHA256, ("4.20.0", ARCH))
    capsys.readouterr()
    do_install(prefix, method="file", source=str(path), force=True)
    assert marker_of(prefix)["integrity"].startswith("not verified")
    assert "is NOT verified" in capsys.readouterr().err


def test_bad_sha256_option(server: LoopbackServer, prefix: Path) -> None:
    with pytest.raises(InstallError, match="not 64 hexadecimal digits"):
        do_install(prefix, version="4.20.0", sha256="abc")
