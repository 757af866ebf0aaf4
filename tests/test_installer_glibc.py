"""Which code-server releases run on this host's glibc: the installer picks the newest that
does, refuses the others, and agrees with the doctor.

Release tarballs here are tiny fakes (tests/release_server.py) whose bin/code-server is a sh
script; tests/test_installer_real_tarball.py installs one with real content.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from jupyter_vscode.doctor import system
from jupyter_vscode.doctor.report import OK, WARN
from jupyter_vscode.installer import InstallError, compat

from .release_server import LoopbackServer
from .support.installer import ARCH, Release, do_install, tarball_gets

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
    server: LoopbackServer, release: Release, prefix: Path, glibc: str, expected: str
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
    release: Release,
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
