"""Extracting release tarballs without trusting them.

Every entry is checked before anything is written: no absolute paths, no ``..``, links only to
places inside the extraction root, nothing but regular files, directories and links (no
devices, no FIFOs). Then tarfile's ``data`` filter (Python >= 3.10.12 / 3.11.4) extracts, which
checks the same again against the real filesystem and drops setuid bits.
"""

from __future__ import annotations

import json
import posixpath
import re
import tarfile
from pathlib import Path

from . import errors

#: ``code-server-4.108.1-linux-amd64`` (the top directory) or ``...tar.gz`` (the file name).
RELEASE_NAME = re.compile(
    r"code-server-(\d+\.\d+\.\d+(?:-[0-9A-Za-z.]+)?)-linux-(amd64|arm64)(?:\.tar(?:\.gz)?|\.tgz)?$"
)


def check_member(member: tarfile.TarInfo, source: str) -> None:
    """Raise InstallError if extracting ``member`` could write outside the root or make a
    special file."""
    name = member.name
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        raise errors.unsafe_tarball(source, name, "has an absolute path")
    if ".." in name.split("/"):
        raise errors.unsafe_tarball(source, name, "has a '..' path component")
    if member.ischr() or member.isblk():
        raise errors.unsafe_tarball(source, name, "is a device file")
    if member.isfifo():
        raise errors.unsafe_tarball(source, name, "is a FIFO")
    if member.issym():
        target = member.linkname
        if target.startswith("/"):
            raise errors.unsafe_tarball(source, name, f"is a symlink to the absolute path {target}")
        resolved = posixpath.normpath(posixpath.join(posixpath.dirname(name), target))
        if resolved == ".." or resolved.startswith("../"):
            raise errors.unsafe_tarball(
                source, name, f"is a symlink pointing outside the archive ({target})"
            )
    elif member.islnk():
        target = posixpath.normpath(member.linkname)
        if target.startswith("/") or target == ".." or target.startswith("../"):
            raise errors.unsafe_tarball(
                source, name, f"is a hard link pointing outside the archive ({member.linkname})"
            )
    elif not (member.isreg() or member.isdir()):
        raise errors.unsafe_tarball(source, name, "is not a regular file, directory or link")


def safe_extract(archive: Path, dest: Path, source: str) -> None:
    """Extract ``archive`` (any compression tarfile reads) into ``dest`` after checking it."""
    dest.mkdir(parents=True, exist_ok=True)
    try:
        with tarfile.open(archive, "r:*") as tar:
            members = tar.getmembers()
            for member in members:
                check_member(member, source)
            if hasattr(tarfile, "data_filter"):
                try:
                    tar.extractall(dest, members=members, filter="data")
                except tarfile.FilterError as exc:
                    member = getattr(exc, "tarinfo", None)
                    raise errors.unsafe_tarball(
                        source, member.name if member else "?", str(exc)
                    ) from None
            else:  # Python < 3.10.12: our own checks above are all there is
                tar.extractall(dest, members=members)  # noqa: S202 - members checked above
    except (tarfile.TarError, EOFError) as exc:
        raise errors.not_a_release_tarball(
            source, f"cannot read it as a tar archive: {exc}"
        ) from None


def read_version(archive: Path, source: str) -> str:
    """The ``version`` in the tarball's ``<top>/package.json``, read without extracting."""
    try:
        with tarfile.open(archive, "r:*") as tar:
            for member in tar:
                parts = member.name.strip("/").split("/")
                if parts[0] == ".":
                    parts = parts[1:]
                if len(parts) == 2 and parts[1] == "package.json" and member.isreg():
                    f = tar.extractfile(member)
                    data = json.loads(f.read()) if f else {}
                    version = data.get("version") if isinstance(data, dict) else None
                    if version:
                        return str(version)
    except (tarfile.TarError, EOFError, ValueError, OSError) as exc:
        raise errors.not_a_release_tarball(source, f"cannot read it: {exc}") from None
    raise errors.not_a_release_tarball(source, "no <top dir>/package.json with a version")
