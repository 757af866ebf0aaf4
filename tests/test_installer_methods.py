"""The standalone, file and auto install methods against a loopback HTTP server (no GitHub).

Release tarballs here are tiny fakes (tests/release_server.py) whose bin/code-server is a sh
script; tests/test_installer_real_tarball.py installs one with real content.
"""

from __future__ import annotations

import io
import json
import os
import re
import signal
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pytest

from jupyter_vscode import cli
from jupyter_vscode.doctor import system
from jupyter_vscode.doctor.report import OK, WARN
from jupyter_vscode.installer import (
    InstallError,
    Reporter,
    checksums,
    compat,
    integrity,
)
from jupyter_vscode.installer.download import Progress, sha256_file
from jupyter_vscode.installer.methods import choose_method
from jupyter_vscode.installer.standalone import release_arch

from .release_server import LoopbackServer, closed_port, make_release_tarball, self_signed_cert
from .support.installer import do_install, install_fake_npm, run_installed, staging_empty

ROOT = Path(__file__).parent.parent
ARCH = release_arch()


@pytest.fixture
def prefix(tmp_path: Path) -> Path:
    return tmp_path / "prefix"


def tarball_gets(server: LoopbackServer) -> list[str]:
    return [p for p in server.paths() if p.endswith(".tar.gz")]


# -- standalone ---------------------------------------------------------------------------------


def test_standalone_install_layout(server: LoopbackServer, release, prefix: Path) -> None:  # type: ignore[no-untyped-def]
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
    server: LoopbackServer,
    release,  # type: ignore[no-untyped-def]
    prefix: Path,
) -> None:
    server.add_registry(["4.20.0", "4.21.0", "4.22.0-rc.1"], latest="4.21.0")
    release("4.21.0")
    result = do_install(prefix)
    assert result.install.version == "4.21.0"
    registry = [r for r in server.requests if r["path"] == "/registry/code-server"]
    assert registry and "npm.install-v1" in str(registry[0]["headers"].get("Accept"))


def test_rerun_same_version_is_a_noop_without_network(
    server: LoopbackServer,
    release,  # type: ignore[no-untyped-def]
    prefix: Path,
    capsys: pytest.CaptureFixture[str],
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
    server: LoopbackServer,
    release,  # type: ignore[no-untyped-def]
    prefix: Path,
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


# -- plain http ---------------------------------------------------------------------------------


@pytest.mark.parametrize("via", ["from", "mirror", "env-mirror", "registry"])
def test_plain_http_is_refused_without_the_flag(
    server: LoopbackServer,
    release,  # type: ignore[no-untyped-def]
    prefix: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    via: str,
) -> None:
    release("4.20.0")
    server.add_registry(["4.20.0"])
    argv = ["install", "--prefix", str(prefix)]
    if via == "from":
        argv += ["--from", server.url(f"/releases/v4.20.0/code-server-4.20.0-linux-{ARCH}.tar.gz")]
    elif via == "mirror":
        monkeypatch.delenv("JUPYTER_VSCODE_RELEASES_URL")
        argv += ["--version", "4.20.0", "--mirror", server.url("/releases")]
    elif via == "env-mirror":
        argv += ["--version", "4.20.0"]  # auto: the probe of the http releases URL is refused
    else:
        argv += ["--method", "standalone"]  # the version list comes from an http registry
    assert cli.main(argv) == 1
    err = capsys.readouterr().err
    assert "Refusing to fetch 'http://127.0.0.1:" in err and "--allow-insecure-http" in err
    assert "Traceback" not in err
    assert server.requests == [] and not (prefix / "versions").exists()
    # asked for explicitly, the same install goes through
    assert cli.main([*argv, "--allow-insecure-http"]) == 0
    assert run_installed(prefix) == "4.20.0"


@pytest.fixture
def tls_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    cert, key = self_signed_cert(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    srv = LoopbackServer(tls=(cert, key))
    yield srv
    srv.close()


def test_https_to_http_redirect_is_refused(
    server: LoopbackServer,
    tls_server: LoopbackServer,
    release,  # type: ignore[no-untyped-def]
    prefix: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    release("4.20.0")
    name = f"code-server-4.20.0-linux-{ARCH}.tar.gz"
    plain = server.url(f"/releases/v4.20.0/{name}?X-Amz-Signature=s3cr3t")
    tls_server.add(f"/down/{name}", b"", status=302, location=plain)
    tls_server.add(f"/same/{name}", b"", status=302, location=tls_server.url(f"/real/{name}"))
    tls_server.add(f"/real/{name}", server.routes[f"/releases/v4.20.0/{name}"].body)

    argv = ["install", "--from", tls_server.url(f"/down/{name}"), "--prefix", str(prefix)]
    assert cli.main(argv) == 1
    err = capsys.readouterr().err
    assert f"Refusing the redirect from '{tls_server.url(f'/down/{name}')}'" in err
    assert f"to '{server.url(f'/releases/v4.20.0/{name}')}?<redacted>'" in err
    assert "s3cr3t" not in err and "Traceback" not in err
    assert server.requests == [] and not (prefix / "versions").exists()

    # https to https is followed; https to http only with the flag
    https_only = ["install", "--from", tls_server.url(f"/same/{name}"), "--prefix", str(prefix)]
    assert cli.main(https_only) == 0 and run_installed(prefix) == "4.20.0"
    assert cli.main([*argv, "--force", "--allow-insecure-http"]) == 0
    assert tarball_gets(server) == [f"/releases/v4.20.0/{name}"]


# -- verification -------------------------------------------------------------------------------


def test_checksum_mismatch_installs_nothing(
    server: LoopbackServer,
    release,  # type: ignore[no-untyped-def]
    prefix: Path,
) -> None:
    release("4.20.0")
    release("4.21.0")
    do_install(prefix, version="4.20.0")
    wrong = "0" * 64
    with pytest.raises(InstallError) as info:
        do_install(prefix, version="4.21.0", sha256=wrong)
    assert f"but {wrong} was expected" in str(info.value)
    assert sorted(os.listdir(prefix / "versions")) == ["4.20.0-standalone"]
    assert staging_empty(prefix) and run_installed(prefix) == "4.20.0"


def test_correct_sha256_is_accepted(server: LoopbackServer, release, prefix: Path) -> None:  # type: ignore[no-untyped-def]
    tarball = release("4.20.0")
    do_install(prefix, version="4.20.0", sha256=sha256_file(tarball).upper())
    assert run_installed(prefix) == "4.20.0"


def test_pinned_checksum_table_is_used(
    server: LoopbackServer,
    release,  # type: ignore[no-untyped-def]
    prefix: Path,
    monkeypatch: pytest.MonkeyPatch,
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


def marker_of(prefix: Path, version: str = "4.20.0") -> dict[str, str]:
    path = prefix / "versions" / f"{version}-standalone" / "jupyter-vscode-install.json"
    return json.loads(path.read_text())  # type: ignore[no-any-return]


def test_default_install_is_checked_against_githubs_digest(
    server: LoopbackServer,
    release,  # type: ignore[no-untyped-def]
    prefix: Path,
    capsys: pytest.CaptureFixture[str],
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
    server: LoopbackServer,
    release,  # type: ignore[no-untyped-def]
    prefix: Path,
) -> None:
    tarball = release("4.20.0")
    server.add_github_release("4.20.0", {tarball.name: "sha256:" + "0" * 64})
    with pytest.raises(InstallError, match=f"but {'0' * 64} was expected"):
        do_install(prefix, version="4.20.0")
    assert not (prefix / "versions").exists() and staging_empty(prefix)


@pytest.mark.parametrize("api", ["404", "no-digest"])
def test_unverifiable_install_says_so(
    server: LoopbackServer,
    release,  # type: ignore[no-untyped-def]
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


def test_truncated_download_is_an_error_and_retry_safe(
    server: LoopbackServer,
    release,  # type: ignore[no-untyped-def]
    prefix: Path,
) -> None:
    tarball = release("4.20.0", padding=300_000)
    route = server.routes[f"/releases/v4.20.0/code-server-4.20.0-linux-{ARCH}.tar.gz"]
    route.truncate = 100_000
    with pytest.raises(InstallError) as info:
        do_install(prefix, version="4.20.0")
    message = str(info.value)
    assert f"cut off after 100000 of {tarball.stat().st_size} bytes" in message
    assert "run the command again" in message
    assert staging_empty(prefix) and not (prefix / "versions").exists()

    route.truncate = None
    do_install(prefix, version="4.20.0")
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


def test_killed_mid_download_keeps_previous_version(
    server: LoopbackServer,
    release,  # type: ignore[no-untyped-def]
    prefix: Path,
) -> None:
    release("4.20.0")
    do_install(prefix, version="4.20.0")
    release("4.21.0", padding=400_000)
    route = server.routes[f"/releases/v4.21.0/code-server-4.21.0-linux-{ARCH}.tar.gz"]
    route.stall = 150_000

    cmd = [sys.executable, "-m", "jupyter_vscode.cli", "install", "--method", "standalone"]
    cmd += ["--version", "4.21.0", "--prefix", str(prefix), "--allow-insecure-http"]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        assert route.stalled.wait(30), "the download never started"
        time.sleep(0.3)
        assert list((prefix / "staging").glob("4.21.0-standalone.*/.download/*.tar.gz"))
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
        route.release.set()
    assert run_installed(prefix) == "4.20.0"
    assert sorted(os.listdir(prefix / "versions")) == ["4.20.0-standalone"]

    route.stall = None
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "left over from an interrupted install" in out.stdout
    # Not a terminal: plain progress lines, the last one at 100 %.
    assert "[jupyter-vscode] downloading: 100% (" in out.stdout
    assert staging_empty(prefix) and run_installed(prefix) == "4.21.0"


def test_interrupt_during_download_cleans_up(
    server: LoopbackServer,
    release,  # type: ignore[no-untyped-def]
    prefix: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    release("4.20.0")
    do_install(prefix, version="4.20.0")
    release("4.21.0")
    from jupyter_vscode.installer import standalone

    def interrupted(*args: object, **kwargs: object) -> str:
        raise KeyboardInterrupt

    monkeypatch.setattr(standalone, "download", interrupted)
    with pytest.raises(KeyboardInterrupt):
        do_install(prefix, version="4.21.0")
    assert staging_empty(prefix) and run_installed(prefix) == "4.20.0"


# -- glibc --------------------------------------------------------------------------------------


VERSIONS = ["4.16.1", "4.17.0", "4.106.3", "4.108.1", "4.108.2", "4.139.1"]


@pytest.mark.parametrize(
    ("glibc", "expected"),
    [
        ("2.17", "4.16.1"),
        ("2.26", "4.16.1"),
        ("2.28", "4.108.1"),
        ("2.31", "4.108.1"),
        ("2.34", "4.139.1"),
        ("2.36", "4.139.1"),
    ],
)
def test_newest_release_that_runs_on_this_glibc(
    server: LoopbackServer,
    release,  # type: ignore[no-untyped-def]
    prefix: Path,
    glibc: str,
    expected: str,
) -> None:
    server.add_registry(VERSIONS)
    release(expected)
    result = do_install(prefix, glibc=glibc)
    assert result.install.version == expected
    assert tarball_gets(server) == [
        f"/releases/v{expected}/code-server-{expected}-linux-{ARCH}.tar.gz"
    ]


@pytest.mark.parametrize(
    ("glibc", "version", "needs", "newest"),
    [
        ("2.31", "4.108.2", "2.34", "4.108.1"),
        ("2.17", "4.17.0", "2.28", "4.16.1"),
        ("2.17", "4.108.1", "2.28", "4.16.1"),
    ],
)
@pytest.mark.parametrize("method", ["standalone", "npm", "file"])
def test_version_that_cannot_run_here_is_refused(
    server: LoopbackServer,
    prefix: Path,
    glibc: str,
    version: str,
    needs: str,
    newest: str,
    method: str,
) -> None:
    source = (
        server.url(f"/x/code-server-{version}-linux-{ARCH}.tar.gz") if method == "file" else None
    )
    requested = None if method == "file" else version
    with pytest.raises(InstallError) as info:
        do_install(prefix, version=requested, glibc=glibc, method=method, source=source)
    message = str(info.value)
    assert f"code-server {version} cannot run on this host" in message
    assert f"needs glibc {needs} or newer and this host has glibc {glibc}" in message
    assert f"--version {newest}" in message
    assert server.requests == [] and not prefix.exists()


@pytest.mark.parametrize("glibc", ["2.17", "2.26", "2.28", "2.31", "2.33", "2.34", "2.39"])
def test_doctor_and_installer_agree_on_what_runs_here(
    server: LoopbackServer,
    release,  # type: ignore[no-untyped-def]
    prefix: Path,
    monkeypatch: pytest.MonkeyPatch,
    glibc: str,
) -> None:
    """With the same (faked) C library, `jupyter vscode doctor` names the release that
    `jupyter vscode install` picks, and the first one it says needs more is refused."""
    real_confstr = os.confstr

    def confstr(name: str) -> str | None:
        return f"glibc {glibc}" if name == "CS_GNU_LIBC_VERSION" else real_confstr(name)

    monkeypatch.setattr(os, "confstr", confstr)
    server.add_registry(VERSIONS)
    for version in VERSIONS:
        release(version)
    installed = do_install(prefix).install.version  # glibc read from the host: not passed
    check = system.check_glibc()
    if installed == VERSIONS[-1]:
        assert (check.status, check.detail) == (OK, glibc)
        return
    assert check.status == WARN, check
    assert f"{installed} is the newest release that runs here" in check.detail
    assert f"--version {installed} --force" in check.hint
    m = re.search(r"code-server (\S+) and newer need glibc ≥ (\S+)", check.detail)
    assert m, check.detail
    with pytest.raises(InstallError) as info:
        do_install(prefix, version=m.group(1), force=True)
    assert f"needs glibc {m.group(2)} or newer and this host has glibc {glibc}" in str(info.value)
    assert f"--version {installed}" in str(info.value)


def test_glibc_reading_and_caps() -> None:
    assert compat.detect_glibc(lambda name: "glibc 2.31") == (2, 31)
    assert compat.detect_glibc(lambda name: None) is None

    def musl(name: str) -> str:
        raise ValueError("unrecognized configuration name")

    assert compat.detect_glibc(musl) is None
    assert compat.detect_glibc() == compat.parse_glibc(os.confstr("CS_GNU_LIBC_VERSION") or "")
    assert compat.version_cap((2, 17)) == "4.16.1"
    assert compat.version_cap((2, 27)) == "4.16.1"
    assert compat.version_cap((2, 28)) == "4.108.1"
    assert compat.version_cap((2, 33)) == "4.108.1"
    assert compat.version_cap((2, 34)) is None
    assert compat.version_cap(None) is None
    compat.check_runs("4.108.1", (2, 28))
    compat.check_runs("4.200.0", None)  # unknown libc: no refusal
    assert compat.newest_at_most(["4.9.0", "4.10.0", "4.11.0-rc.1"], None) == "4.10.0"
    assert compat.newest_at_most(VERSIONS, "4.108.1") == "4.108.1"


def test_release_tarballs_need_no_build_tools(
    server: LoopbackServer,
    release,  # type: ignore[no-untyped-def]
    prefix: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    release("4.20.0")
    for var in ("CXX", "MAKE", "PYTHON"):
        monkeypatch.setenv(var, f"no-such-{var.lower()}")
    do_install(prefix, version="4.20.0")
    assert run_installed(prefix) == "4.20.0"


# -- auto ---------------------------------------------------------------------------------------


def test_auto_uses_standalone_when_the_releases_url_answers(
    server: LoopbackServer,
    release,  # type: ignore[no-untyped-def]
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
    prefix: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    calls = install_fake_npm(tmp_path, monkeypatch)
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


# -- file ---------------------------------------------------------------------------------------


def test_file_method_from_a_local_path(
    tmp_path: Path, prefix: Path, server: LoopbackServer
) -> None:
    path = make_release_tarball(tmp_path / f"code-server-4.20.0-linux-{ARCH}.tar.gz", "4.20.0")
    result = do_install(prefix, method="file", source=str(path))
    assert result.install.path == prefix / "versions" / "4.20.0-standalone"
    marker = json.loads((result.install.path / "jupyter-vscode-install.json").read_text())
    assert marker["install_method"] == "file" and marker["source"] == str(path)
    assert run_installed(prefix) == "4.20.0"
    assert path.exists()  # a local source is read in place, not moved or deleted
    assert server.requests == []


def test_file_method_from_a_presigned_url(
    server: LoopbackServer, tmp_path: Path, prefix: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = make_release_tarball(tmp_path / "t.tar.gz", "4.20.0", ARCH)
    name = f"code-server-4.20.0-linux-{ARCH}.tar.gz"
    server.add(f"/bucket/{name}", path)
    url = server.url(f"/bucket/{name}?X-Amz-Signature=s3cr3t&X-Amz-Expires=300")
    argv = ["install", "--from", url, "--prefix", str(prefix), "--allow-insecure-http"]
    assert cli.main(argv) == 0
    out = capsys.readouterr()
    assert run_installed(prefix) == "4.20.0"
    assert server.requests[-1]["url"] == f"/bucket/{name}?X-Amz-Signature=s3cr3t&X-Amz-Expires=300"
    marker = (prefix / "versions" / "4.20.0-standalone" / "jupyter-vscode-install.json").read_text()
    assert "s3cr3t" not in marker and "s3cr3t" not in out.out + out.err
    assert "s3cr3t" not in "".join(p.read_text() for p in (prefix / "logs").glob("*.log"))
    assert staging_empty(prefix)


SECRET = "X-Amz-Signature=s3cr3t&X-Amz-Security-Token=t0ken"


def test_presigned_url_secrets_stay_out_of_failures(
    server: LoopbackServer, tmp_path: Path, prefix: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    name = f"code-server-4.20.0-linux-{ARCH}.tar.gz"
    cut = make_release_tarball(tmp_path / "cut.tar.gz", "4.20.0", ARCH, padding=200_000)
    server.add(f"/cut/{name}", cut, truncate=50_000)
    bad = make_release_tarball(
        tmp_path / "bad.tar.gz", "4.20.0", ARCH, extra=[_member(f"{TOP}/x", tarfile.SYMTYPE, "/")]
    )
    server.add(f"/bad/{name}", bad)
    for where in ("missing", "cut", "bad"):
        url = server.url(f"/{where}/{name}?{SECRET}")
        argv = ["install", "--from", url, "--prefix", str(prefix), "--allow-insecure-http"]
        assert cli.main(argv) == 1
        err = capsys.readouterr().err
        assert f"/{where}/{name}?<redacted>" in err and "Traceback" not in err
        assert "s3cr3t" not in err and "t0ken" not in err
    logs = "".join(p.read_text() for p in (prefix / "logs").glob("*.log"))
    assert "s3cr3t" not in logs and "t0ken" not in logs
    assert staging_empty(prefix)


def test_mirror_credentials_stay_out_of_messages(
    server: LoopbackServer, prefix: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mirror = f"http://jv:s3cr3t@127.0.0.1:{closed_port()}/releases"
    code = cli.main(
        ["install", "--method", "standalone", "--version", "4.20.0"]
        + ["--mirror", mirror, "--prefix", str(prefix), "--allow-insecure-http"]
    )
    out = capsys.readouterr()
    assert code == 1 and "http://<redacted>@127.0.0.1:" in out.out + out.err
    assert "s3cr3t" not in out.out + out.err


def test_reporter_redacts_every_line(capsys: pytest.CaptureFixture[str]) -> None:
    reporter = Reporter()
    reporter.info(f"fetching https://b.s3.amazonaws.com/k?{SECRET} now")
    reporter.error(f"'https://b.s3.amazonaws.com/k?{SECRET}' failed")
    out = capsys.readouterr()
    assert out.out == "[jupyter-vscode] fetching https://b.s3.amazonaws.com/k?<redacted> now\n"
    assert "https://b.s3.amazonaws.com/k?<redacted>' failed" in out.err
    assert "s3cr3t" not in out.out + out.err


def test_file_method_version_from_package_json(
    server: LoopbackServer, tmp_path: Path, prefix: Path
) -> None:
    path = make_release_tarball(tmp_path / "code-server.tgz", "4.20.0", ARCH)
    server.add("/code-server.tgz", path)
    result = do_install(prefix, method="file", source=server.url("/code-server.tgz"))
    assert result.install.version == "4.20.0" and run_installed(prefix) == "4.20.0"
    assert staging_empty(prefix)
    # Again, now installed: still needs the file to learn the version, but installs nothing.
    again = do_install(prefix, method="file", source=server.url("/code-server.tgz"))
    assert not again.changed and staging_empty(prefix)


def test_file_method_errors(tmp_path: Path, prefix: Path, server: LoopbackServer) -> None:
    with pytest.raises(InstallError, match="needs `--from PATH_OR_URL`"):
        do_install(prefix, method="file")
    with pytest.raises(InstallError, match="no such file"):
        do_install(prefix, method="file", source=str(tmp_path / "nope.tar.gz"))
    named = make_release_tarball(tmp_path / f"code-server-4.20.0-linux-{ARCH}.tar.gz", "4.20.0")
    with pytest.raises(InstallError, match="holds code-server 4.20.0, but --version 4.21.0"):
        do_install(prefix, method="file", source=str(named), version="4.21.0")
    other = "arm64" if ARCH == "amd64" else "amd64"
    wrong_arch = make_release_tarball(
        tmp_path / f"code-server-4.20.0-linux-{other}.tar.gz", "4.20.0"
    )
    with pytest.raises(InstallError, match=f"it is for linux-{other}"):
        do_install(prefix, method="file", source=str(wrong_arch))
    lying = make_release_tarball(
        tmp_path / "l" / f"code-server-4.20.0-linux-{ARCH}.tar.gz",
        "4.20.0",
        package_version="4.1.0",
    )
    with pytest.raises(InstallError, match="package.json says version 4.1.0"):
        do_install(prefix, method="file", source=str(lying))
    no_launcher = make_release_tarball(
        tmp_path / "n" / f"code-server-4.20.0-linux-{ARCH}.tar.gz",
        "4.20.0",
        omit=("bin/code-server",),
    )
    with pytest.raises(InstallError, match="not a code-server release tarball.*bin/code-server"):
        do_install(prefix, method="file", source=str(no_launcher))
    garbage = tmp_path / "g" / f"code-server-4.20.0-linux-{ARCH}.tar.gz"
    garbage.parent.mkdir()
    garbage.write_bytes(b"not a tarball at all")
    with pytest.raises(InstallError, match="cannot read it as a tar archive"):
        do_install(prefix, method="file", source=str(garbage))
    with pytest.raises(InstallError, match="unsupported scheme s3"):
        do_install(prefix, method="file", source="s3://bucket/code-server.tar.gz")
    assert not (prefix / "versions").exists() and staging_empty(prefix)


def test_from_with_another_method_is_refused(
    prefix: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        cli.main(["install", "--method", "npm", "--from", "x.tar.gz", "--prefix", str(prefix)]) == 1
    )
    assert "--from needs --method file" in capsys.readouterr().err


# -- unsafe tarballs ----------------------------------------------------------------------------


def _member(
    name: str, kind: bytes = tarfile.REGTYPE, linkname: str = "", size: int = 0
) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = linkname
    info.size = size
    return info


TOP = f"code-server-4.20.0-linux-{ARCH}"


@pytest.mark.parametrize(
    ("member", "reason"),
    [
        (_member("/tmp/jv-evil-abs", size=1), "has an absolute path"),
        (_member(f"{TOP}/../../jv-evil", size=1), "has a '..' path component"),
        (_member(f"{TOP}/etc", tarfile.SYMTYPE, "/etc"), "symlink to the absolute path /etc"),
        (_member(f"{TOP}/up", tarfile.SYMTYPE, "../../.."), "symlink pointing outside"),
        (_member(f"{TOP}/hard", tarfile.LNKTYPE, "../outside"), "hard link pointing outside"),
        (_member(f"{TOP}/hard2", tarfile.LNKTYPE, "/etc/passwd"), "hard link pointing outside"),
        (_member(f"{TOP}/null", tarfile.CHRTYPE), "is a device file"),
        (_member(f"{TOP}/disk", tarfile.BLKTYPE), "is a device file"),
        (_member(f"{TOP}/pipe", tarfile.FIFOTYPE), "is a FIFO"),
    ],
    ids=[
        "absolute",
        "dotdot",
        "symlink-abs",
        "symlink-up",
        "hardlink-up",
        "hardlink-abs",
        "chardev",
        "blockdev",
        "fifo",
    ],
)
def test_unsafe_tarball_is_rejected(
    tmp_path: Path, prefix: Path, member: tarfile.TarInfo, reason: str
) -> None:
    path = make_release_tarball(
        tmp_path / "t" / f"code-server-4.20.0-linux-{ARCH}.tar.gz", "4.20.0", extra=[member]
    )
    with pytest.raises(InstallError) as info:
        do_install(prefix, method="file", source=str(path))
    message = str(info.value)
    assert "Refusing to extract" in message and reason in message
    assert not (prefix / "versions").exists() and staging_empty(prefix)
    assert not Path("/tmp/jv-evil-abs").exists() and not (tmp_path / "jv-evil").exists()


def test_symlinks_inside_the_archive_are_fine(tmp_path: Path, prefix: Path) -> None:
    path = make_release_tarball(
        tmp_path / f"code-server-4.20.0-linux-{ARCH}.tar.gz",
        "4.20.0",
        extra=[_member(f"{TOP}/node_modules/.bin/x", tarfile.SYMTYPE, "../../out/node/entry.js")],
    )
    result = do_install(prefix, method="file", source=str(path))
    link = result.install.path / "node_modules" / ".bin" / "x"
    assert link.is_symlink() and link.resolve() == (result.install.path / "out/node/entry.js")


# -- progress -----------------------------------------------------------------------------------


def test_progress_bar_on_a_terminal() -> None:
    stream = io.StringIO()
    progress = Progress(Reporter(), "downloading", 1000, tty=True, stream=stream, interval=0)
    progress.update(500)
    progress.update(500)
    progress.finish()
    text = stream.getvalue()
    assert "\r" in text and "[###############---------------]  50%" in text
    assert "100%" in text and text.endswith("\n")


def test_progress_lines_when_not_a_terminal() -> None:
    out = io.StringIO()
    reporter = Reporter(stream=out)
    progress = Progress(reporter, "downloading", 2_000_000, tty=False, interval=0)
    progress.update(1_000_000)
    progress.update(1_000_000)
    progress.finish()
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("[jupyter-vscode] downloading: 50% (1.0 of 2.0 MB, ")
    assert lines[-1].startswith("[jupyter-vscode] downloading: 100% (2.0 of 2.0 MB, ")
    quiet = Progress(Reporter(quiet=True), "downloading", 10, tty=True, stream=out)
    quiet.update(10)
    quiet.finish()
    assert out.getvalue().count("\n") == 3
