"""The file method (`--from PATH_OR_URL`): local files and presigned URLs, their secrets kept
out of messages and logs, wrong or unsafe tarballs refused.

Release tarballs here are tiny fakes (tests/release_server.py) whose bin/code-server is a sh
script; tests/test_installer_real_tarball.py installs one with real content.
"""

from __future__ import annotations

import json
import tarfile
from pathlib import Path

import pytest

from jupyter_vscode import cli
from jupyter_vscode.installer import InstallError, Reporter

from .release_server import LoopbackServer, closed_port, make_release_tarball
from .support.installer import ARCH, do_install, run_installed, staging_empty


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


def _member(
    name: str, kind: bytes = tarfile.REGTYPE, linkname: str = "", size: int = 0
) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = linkname
    info.size = size
    return info


TOP = f"code-server-4.20.0-linux-{ARCH}"


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


# -- unsafe tarballs ------------------------------------------------------------------------------


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
