"""Process-tree helpers: no code-server child may outlive the Jupyter server."""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import signal

_PR_SET_PDEATHSIG = 1


def set_parent_death_signal() -> None:
    """In the child before exec: get SIGTERM if the Jupyter server dies (even by SIGKILL).

    Linux only; elsewhere a no-op.
    """
    with contextlib.suppress(Exception):  # noqa: BLE001 - best effort, must never fail a start
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


def _proc_entries() -> list[str]:
    try:
        return [e for e in os.listdir("/proc") if e.isdigit()]
    except OSError:
        return []


def _stat_fields(entry: str) -> list[str]:
    """/proc/<pid>/stat after the command name (state, ppid, pgrp, ...); [] if unreadable."""
    try:
        with open(f"/proc/{entry}/stat", "rb") as f:
            stat = f.read().decode("utf-8", "replace")
    except OSError:
        return []
    # the command name is in parentheses and may contain spaces: split after it
    return stat[stat.rfind(")") + 2 :].split()


def start_time(pid: int) -> str:
    """When process ``pid`` started (clock ticks since boot), "0" where unknown: with its pid,
    it names one process even after the pid is reused."""
    fields = _stat_fields(str(pid))
    return fields[19] if len(fields) > 19 and fields[19].isdigit() else "0"


#: /proc/net/unix flags of a listening socket (__SO_ACCEPTCON)
_LISTENING = 0x10000


def listening_sockets(pgid: int) -> set[str]:
    """The paths of the unix sockets that the processes of group ``pgid`` and their
    descendants listen on (Linux /proc; empty elsewhere): what they leave behind as files when
    they are killed (VS Code's vscode-ipc-*.sock for its terminals' `code` command, code-server's
    session socket)."""
    pids = {int(e) for e in _proc_entries() if _stat_fields(e)[2:3] == [str(pgid)]}
    for pid in list(pids):
        pids.update(descendants(pid))
    inodes: set[str] = set()
    for pid in pids:
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            with contextlib.suppress(OSError):
                link = os.readlink(f"/proc/{pid}/fd/{fd}")
                if link.startswith("socket:["):
                    inodes.add(link[8:-1])
    paths: set[str] = set()
    try:
        with open("/proc/net/unix") as table:
            next(table, None)
            for line in table:
                # Num RefCount Protocol Flags Type St Inode Path
                parts = line.split()
                if len(parts) >= 8 and parts[6] in inodes and int(parts[3], 16) & _LISTENING:
                    if parts[7].startswith("/"):
                        paths.add(parts[7])
    except (OSError, ValueError):
        pass
    return paths


def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in _proc_entries():
        fields = _stat_fields(entry)
        if len(fields) > 1:
            children.setdefault(int(fields[1]), []).append(int(entry))
    return children


def descendants(pid: int) -> list[int]:
    """All live descendants of ``pid`` (Linux /proc; [] elsewhere)."""
    tree = _children_map()
    found: list[int] = []
    todo = list(tree.get(pid, []))
    while todo:
        child = todo.pop()
        found.append(child)
        todo.extend(tree.get(child, []))
    return found


def group_alive(pgid: int) -> bool:
    """Whether a live (not zombie) process is left in process group ``pgid`` (Linux /proc)."""
    for entry in _proc_entries():
        fields = _stat_fields(entry)
        if len(fields) > 2 and fields[2] == str(pgid) and fields[0] != "Z":
            return True
    return False


def kill_tree(pid: int, sig: int, include_root: bool = True) -> None:
    """Send ``sig`` to ``pid``'s process group and to every descendant, even those that
    started their own session (terminal shells do)."""
    targets = descendants(pid)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)
    if include_root:
        targets.insert(0, pid)
    for target in targets:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(target, sig)


def kill_orphaned_group(pgid: int, marker: bytes) -> list[int]:
    """SIGKILL the processes of process group ``pgid`` whose command line contains ``marker``.

    For the remains of a code-server whose Jupyter server was killed: the group id may have
    been reused since, so only processes that are recognisably code-server's are touched.
    """
    killed: list[int] = []
    if pgid <= 1:
        return killed
    for entry in _proc_entries():
        fields = _stat_fields(entry)
        if len(fields) <= 2 or int(fields[2]) != pgid:
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmdline = f.read()
        except OSError:
            continue
        if marker in cmdline:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(int(entry), signal.SIGKILL)
                killed.append(int(entry))
    return killed
