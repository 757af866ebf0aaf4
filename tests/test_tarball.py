"""Release-tarball extraction refuses what could write outside the prefix, on every Python.

Each case runs twice: as is, and with tarfile's ``data`` filter taken away, which is how
Pythons before 3.10.12 / 3.11.4 (Debian 12's 3.11.2) run the extraction. The attacks are the
ones that worked there: a symlink chain that ``normpath`` thinks stays inside, then a file
written through it; setuid bits; archive owners applied by a root install.
"""

from __future__ import annotations

import os
import stat
import tarfile
from pathlib import Path

import pytest

from jupyter_vscode.installer import InstallError
from jupyter_vscode.installer.standalone import release_arch
from jupyter_vscode.installer.tarball import check_members, safe_extract

from .release_server import make_release_tarball
from .support.installer import do_install, run_installed, staging_empty

ARCH = release_arch()
VERSION = "4.20.0"
TOP = f"code-server-{VERSION}-linux-{ARCH}"


@pytest.fixture(params=["data-filter", "no-data-filter"])
def python_filter(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run with tarfile as it is, and as on a Python without the data filter."""
    if request.param == "no-data-filter":
        monkeypatch.delattr(tarfile, "data_filter", raising=False)
    elif not hasattr(tarfile, "data_filter"):
        pytest.skip("this Python's tarfile has no data filter")
    return str(request.param)


def member(
    name: str, kind: bytes = tarfile.REGTYPE, linkname: str = "", size: int = 1, mode: int = 0o644
) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = linkname
    info.size = size if kind == tarfile.REGTYPE else 0
    info.mode = mode
    return info


def symlink(name: str, target: str) -> tarfile.TarInfo:
    return member(name, tarfile.SYMTYPE, target)


def tarball(tmp_path: Path, *extra: tarfile.TarInfo) -> Path:
    path = tmp_path / "tarballs" / f"code-server-{VERSION}-linux-{ARCH}.tar.gz"
    path.unlink(missing_ok=True)
    return make_release_tarball(path, VERSION, ARCH, extra=list(extra))


def escape_chain(levels: int, written: str) -> list[tarfile.TarInfo]:
    """``a -> .``, ``b -> a/a/.../..``: normpath keeps ``b`` inside TOP, the kernel resolves it
    ``levels`` directories above TOP; then ``b/<written>`` is a file written there."""
    target = "/".join(["a"] * levels + [".."] * (levels + 1))
    return [symlink(f"{TOP}/a", "."), symlink(f"{TOP}/b", target), member(f"{TOP}/b/{written}")]


# -- the checker alone --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("members", "reason"),
    [
        (escape_chain(3, "x"), "is a symlink pointing outside the archive"),
        ([symlink(f"{TOP}/lnk", "lib"), member(f"{TOP}/lnk/x")], "inside the earlier symlink"),
        ([symlink(f"{TOP}/s", "lib/node"), member(f"{TOP}/s")], "replaces the earlier symlink"),
        ([member(f"{TOP}/d/f"), symlink(f"{TOP}/d", "lib")], "replacing an earlier entry"),
        ([symlink(f"{TOP}/l1", "l2"), symlink(f"{TOP}/l2", "l1/x")], "symlink in a symlink loop"),
        (
            [
                symlink(f"{TOP}/a", "."),
                member(f"{TOP}/h", tarfile.LNKTYPE, f"{TOP}/a/package.json"),
            ],
            "hard link through a symlink",
        ),
        ([member(f"{TOP}/h", tarfile.LNKTYPE, f"{TOP}/later")], "not an earlier regular file"),
        ([symlink(".", "..")], "names the extraction root itself"),
    ],
    ids=[
        "chain",
        "through",
        "replaces",
        "over-dir",
        "loop",
        "hardlink-via",
        "hardlink-fwd",
        "root",
    ],
)
def test_checker_refuses(members: list[tarfile.TarInfo], reason: str) -> None:
    with pytest.raises(InstallError) as info:
        check_members([member(f"{TOP}/package.json"), *members], "t.tar.gz")
    assert "Refusing to extract t.tar.gz" in str(info.value) and reason in str(info.value)


def test_checker_accepts_links_that_stay_inside() -> None:
    check_members(
        [
            member(f"{TOP}/lib/node"),
            symlink(f"{TOP}/a", "."),
            symlink(f"{TOP}/up", "a/a/lib/../lib/node"),  # through a -> . twice, still inside
            symlink(f"{TOP}/bin/node", "../lib/node"),
            symlink(f"{TOP}/dangling", "not-there-yet"),
            symlink(f"{TOP}/to-top", ".."),  # the extraction root itself is inside
            member(f"{TOP}/hard", tarfile.LNKTYPE, f"{TOP}/lib/node"),
        ],
        "t.tar.gz",
    )


# -- extraction ---------------------------------------------------------------------------------


def test_symlink_chain_writes_nothing_outside(tmp_path: Path, python_filter: str) -> None:
    outside = tmp_path / "work"
    dest = outside / "x" / "y" / "dest"  # TOP is dest/TOP: 4 levels up from TOP is `outside`
    dest.parent.mkdir(parents=True)
    path = tarball(tmp_path, *escape_chain(3, "jv-escaped"))
    with pytest.raises(InstallError, match="symlink pointing outside the archive"):
        safe_extract(path, dest, "t.tar.gz")
    assert not (outside / "jv-escaped").exists()
    assert not dest.exists()  # checked before anything was written


def test_rejected_tarball_leaves_no_partial_extraction(tmp_path: Path, python_filter: str) -> None:
    # the bad entry comes last: every good one before it would already be on disk if the
    # checks ran while extracting
    path = tarball(tmp_path, symlink(f"{TOP}/lnk", "lib"), member(f"{TOP}/lnk/x"))
    dest = tmp_path / "dest"
    with pytest.raises(InstallError, match="inside the earlier symlink"):
        safe_extract(path, dest, "t.tar.gz")
    assert not dest.exists()


def test_setuid_and_group_write_bits_are_dropped(tmp_path: Path, python_filter: str) -> None:
    path = tarball(
        tmp_path,
        member(f"{TOP}/bin/suid", mode=0o4755),
        member(f"{TOP}/bin/sgid", mode=0o2775),
        member(f"{TOP}/shared", tarfile.DIRTYPE, mode=0o1777),
    )
    dest = tmp_path / "dest"
    safe_extract(path, dest, "t.tar.gz")
    assert stat.S_IMODE((dest / TOP / "bin" / "suid").stat().st_mode) == 0o755
    assert stat.S_IMODE((dest / TOP / "bin" / "sgid").stat().st_mode) == 0o755
    assert stat.S_IMODE((dest / TOP / "shared").stat().st_mode) == 0o755


@pytest.mark.skipif(os.geteuid() != 0, reason="only root extracts with the archive's owners")
def test_root_install_does_not_take_the_archives_owners(tmp_path: Path, python_filter: str) -> None:
    evil = member(f"{TOP}/owned")
    evil.uid, evil.gid, evil.uname, evil.gname = 4242, 4242, "nobody-here", "nobody-here"
    dest = tmp_path / "dest"
    safe_extract(tarball(tmp_path, evil), dest, "t.tar.gz")
    st = (dest / TOP / "owned").stat()
    assert (st.st_uid, st.st_gid) == (0, 0)


def test_install_of_a_rejected_tarball_keeps_the_previous_one(
    tmp_path: Path, python_filter: str
) -> None:
    prefix = tmp_path / "prefix"
    good = make_release_tarball(
        tmp_path / "good" / f"code-server-4.19.0-linux-{ARCH}.tar.gz", "4.19.0"
    )
    do_install(prefix, method="file", source=str(good))
    levels = len((prefix / "staging" / "s.1" / ".extract").relative_to(tmp_path).parts)
    bad = tarball(tmp_path, *escape_chain(levels, "jv-escaped"))
    with pytest.raises(InstallError, match="Refusing to extract"):
        do_install(prefix, method="file", source=str(bad))
    assert not (tmp_path / "jv-escaped").exists()
    assert sorted(os.listdir(prefix / "versions")) == ["4.19.0-standalone"]
    assert staging_empty(prefix) and run_installed(prefix) == "4.19.0"
