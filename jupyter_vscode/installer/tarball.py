"""Extracting release tarballs without trusting them.

The whole member list is checked before anything is written, on every supported Python (tarfile's
``data`` filter exists only from 3.10.12 / 3.11.4; Debian 12's 3.11.2 has none):

* names: no absolute paths, no ``..``, and no entry below or in place of an earlier symlink
  (``a -> .`` then ``a/x`` would be written through the link);
* symlinks: the target, resolved through every symlink in the archive (``a -> .``,
  ``b -> a/a/../..`` leaves the root although ``normpath`` says otherwise), stays inside the
  extraction root;
* hard links: only to an earlier regular file, by a path that passes through no symlink;
* nothing but regular files, directories and links (no devices, no FIFOs).

Then every member is extracted with setuid/setgid/sticky and group/other write bits cleared
and owned by the installing user (a root install would otherwise ``chown`` to the archive's
uids); with the ``data`` filter when tarfile has it, which checks again against the real
filesystem. A rejected or failed extraction removes ``dest``: nothing half-written stays.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tarfile
from collections.abc import Iterable
from pathlib import Path

from . import errors

#: ``code-server-4.108.1-linux-amd64`` (the top directory) or ``...tar.gz`` (the file name).
RELEASE_NAME = re.compile(
    r"code-server-(\d+\.\d+\.\d+(?:-[0-9A-Za-z.]+)?)-linux-(amd64|arm64)(?:\.tar(?:\.gz)?|\.tgz)?$"
)

#: Mode bits never extracted: setuid, setgid, sticky, group/other write (as the data filter).
DROPPED_MODE_BITS = 0o7022
#: Symlinks followed while resolving one path before it counts as a loop (Linux's limit).
MAX_SYMLINK_HOPS = 40
#: tarfile.FilterError where the data filter exists (it is a TarError); else matches nothing.
_FILTER_ERROR = getattr(tarfile, "FilterError", ())


class _Unresolvable(Exception):
    """A path that resolves outside the extraction root, or through a symlink loop."""


def _parts(path: str) -> list[str]:
    return [p for p in path.split("/") if p not in ("", ".")]


def _resolve(path: str, links: dict[str, str]) -> str:
    """``path`` (relative to the root) with every archive symlink in it followed, as the
    kernel would after extraction; raises _Unresolvable if it leaves the root or loops."""
    todo, hops = _parts(path), 0
    done: list[str] = []  # the resolved parts so far
    while todo:
        part = todo.pop(0)
        if part == "..":
            if not done:
                raise _Unresolvable("pointing outside the archive")
            done.pop()
            continue
        target = links.get("/".join([*done, part]))
        if target is None:
            done.append(part)
            continue
        hops += 1
        if hops > MAX_SYMLINK_HOPS:
            raise _Unresolvable("in a symlink loop")
        if target.startswith("/"):
            raise _Unresolvable("pointing outside the archive")
        todo = _parts(target) + todo  # relative to the link's directory, which is ``done``
    return "/".join(done)


def check_members(members: Iterable[tarfile.TarInfo], source: str) -> None:
    """Raise InstallError if extracting ``members`` in order could write outside the root,
    through a symlink, or make a special file. Reads no file and writes nothing."""
    members = list(members)
    links: dict[str, str] = {}  # every symlink in the archive: name -> target
    for member in members:
        if member.issym():
            links.setdefault("/".join(_parts(member.name)), member.linkname)
    seen_links: set[str] = set()
    regular: set[str] = set()
    seen: set[str] = set()
    for member in members:
        name = member.name
        if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
            raise errors.unsafe_tarball(source, name, "has an absolute path")
        parts = _parts(name)
        if ".." in parts:
            raise errors.unsafe_tarball(source, name, "has a '..' path component")
        path = "/".join(parts)
        if not parts and not member.isdir():
            raise errors.unsafe_tarball(source, name, "names the extraction root itself")
        for i in range(1, len(parts) + 1):
            ancestor = "/".join(parts[:i])
            if ancestor in seen_links:
                how = "replaces" if i == len(parts) else "is inside"
                raise errors.unsafe_tarball(source, name, f"{how} the earlier symlink {ancestor!r}")
        if member.ischr() or member.isblk():
            raise errors.unsafe_tarball(source, name, "is a device file")
        if member.isfifo():
            raise errors.unsafe_tarball(source, name, "is a FIFO")
        if member.issym():
            target = member.linkname
            if path in seen:
                raise errors.unsafe_tarball(source, name, "is a symlink replacing an earlier entry")
            if target.startswith("/"):
                raise errors.unsafe_tarball(
                    source, name, f"is a symlink to the absolute path {target}"
                )
            try:
                _resolve("/".join([*parts[:-1], target]), links)
            except _Unresolvable as exc:
                raise errors.unsafe_tarball(
                    source, name, f"is a symlink {exc} ({target})"
                ) from None
            seen_links.add(path)
        elif member.islnk():
            target = member.linkname
            target_parts = _parts(target)
            if target.startswith("/") or ".." in target_parts:
                raise errors.unsafe_tarball(
                    source, name, f"is a hard link pointing outside the archive ({target})"
                )
            target_path = "/".join(target_parts)
            if any("/".join(target_parts[:i]) in seen_links for i in range(1, len(target_parts))):
                raise errors.unsafe_tarball(
                    source, name, f"is a hard link through a symlink ({target})"
                )
            if target_path not in regular:
                raise errors.unsafe_tarball(
                    source, name, f"is a hard link to {target!r}, not an earlier regular file"
                )
        elif member.isreg():
            regular.add(path)
        elif not member.isdir():
            raise errors.unsafe_tarball(source, name, "is not a regular file, directory or link")
        seen.update("/".join(parts[:i]) for i in range(1, len(parts) + 1))


def _sanitize(member: tarfile.TarInfo) -> None:
    """No setuid/setgid/sticky or group/other write bits; owned by whoever extracts."""
    member.mode &= ~DROPPED_MODE_BITS
    member.uid, member.gid = os.geteuid(), os.getegid()
    member.uname = member.gname = ""


def safe_extract(archive: Path, dest: Path, source: str) -> None:
    """Extract ``archive`` (any compression tarfile reads) into ``dest`` (which must not exist)
    after checking all of it; on any failure ``dest`` is removed."""
    try:
        with tarfile.open(archive, "r:*") as tar:
            members = tar.getmembers()
            check_members(members, source)
            for member in members:
                _sanitize(member)
            dest.mkdir(parents=True)
            try:
                if hasattr(tarfile, "data_filter"):
                    tar.extractall(dest, members=members, filter="data")
                else:  # no data filter (Python < 3.10.12 / 3.11.4): check_members is all there is
                    tar.extractall(dest, members=members)  # noqa: S202 - members checked above
            except BaseException:
                shutil.rmtree(dest, ignore_errors=True)
                raise
    except _FILTER_ERROR as exc:  # only with the data filter: never when the checks hold
        refused = getattr(exc, "tarinfo", None)
        raise errors.unsafe_tarball(source, refused.name if refused else "?", str(exc)) from None
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
