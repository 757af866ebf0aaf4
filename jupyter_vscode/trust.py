"""Workspace trust: the user's own folders open trusted, every other folder in Restricted Mode.

Where code-server keeps trust (4.139.1, measured): not on the server. The workbench runs in the
browser, and VS Code's trust decisions (key ``content.trust.model.key``, application-shared
scope) live in the *browser's* IndexedDB, database ``vscode-web-state-db-global-shared``, as
``vscode-remote://<page host>/<path>`` URIs. code-server writes no
``<user-data-dir>/User/globalStorage/state.vscdb``, and one written there before it starts is
not read: a folder "pre-trusted" that way still opens in Restricted Mode. So trust cannot be
seeded on the server before code-server starts.

What the server does decide is each workbench page's ``enableWorkspaceTrust`` (code-server
renders it into the page's ``vscode-workbench-web-configuration`` meta tag: false with
``--disable-workspace-trust``, else true). code-server therefore runs with trust enabled, and
for a workbench page whose ``?folder=`` is one of the user's own folders the proxy hands the
browser that page with ``enableWorkspaceTrust`` false: no prompt, terminals and tasks work as
before. Every other page (another user's folder, a ``?workspace=`` file, a folder given as a
URI, an empty window) keeps trust enabled, so VS Code opens it in Restricted Mode and ignores
the folder's restricted settings (``terminal.integrated.env.*``, tasks, debug configurations,
untrusted extensions) until the user chooses to trust it.

The decision is made on the very path VS Code opens. VS Code normalises a ``?folder=`` string
lexically (``/tmp/m/lnk/..`` is ``/tmp/m``) and the operating system then follows the symlinks
left in it; ``os.path.realpath`` on the raw string would follow ``lnk`` first and judge another
folder. So a workbench page whose folder is not already :func:`canonical` (absolute, no ``.``,
``..``, ``//``, trailing ``/`` or symlink) is first redirected to the canonical path (proxy.py),
and only a canonical path can be an own folder: the string VS Code gets is the directory judged,
and no symlink on the way can be swapped after the judgement.

A folder is the user's own when its canonical path is one of the trusted folders
(``c.VSCode.trusted_folders``, plus ``c.VSCode.folder`` when set, symlinks resolved) or below
one, and neither it nor any directory between it and that trusted folder is owned by another
user or writable by anyone but its owner: group write counts (the group's members are other
users; a POSIX ACL that lets a named user or group write shows as group write, the ACL mask, in
the mode), and so does world write (a world-writable ``~/shared`` is not the user's own work).
A team folder therefore opens in Restricted Mode, where the user can choose to trust it. ``/``
is never a trusted folder (it would make every folder trusted).
"""

from __future__ import annotations

import logging
import os
import posixpath
import stat
from collections.abc import Iterable

from .config import VSCode

log = logging.getLogger(__name__)

#: Placeholder in c.VSCode.trusted_folders for Jupyter's root directory.
ROOT_DIR = "{root_dir}"

#: code-server serves the workbench at "/" and, for historic reasons, at "/vscode".
WORKBENCH_PATHS = frozenset({"/", "/vscode", "/vscode/"})

#: How code-server writes the setting into the page (JSON, HTML-escaped in an attribute).
TRUST_ON = b"&quot;enableWorkspaceTrust&quot;:true"
TRUST_OFF = b"&quot;enableWorkspaceTrust&quot;:false"

#: A workbench page is a few KiB; anything bigger is passed on untouched (trust stays on).
MAX_PAGE_BYTES = 1 << 20


def expand(entry: str, root_dir: str) -> str:
    """An entry of c.VSCode.trusted_folders as an absolute path."""
    if entry == ROOT_DIR or entry.startswith(ROOT_DIR + "/"):
        entry = root_dir + entry[len(ROOT_DIR) :]
    return os.path.abspath(os.path.expanduser(entry))


def trusted_roots(config: VSCode, root_dir: str) -> list[str]:
    """Real paths of the folders whose contents count as the user's own."""
    entries = list(config.trusted_folders)
    if config.folder:  # the admin's or user's own choice of the folder VS Code opens
        entries.append(config.folder)
    roots: list[str] = []
    for entry in entries:
        if not entry.strip():
            continue
        real = os.path.realpath(expand(entry, root_dir))
        if real == os.sep:
            log.warning(
                "[jupyter-vscode] not trusting %r for VS Code: it is '/', which would make "
                "every folder trusted (set c.VSCode.trusted_folders to the folders you own)",
                entry,
            )
            continue
        if real not in roots:
            roots.append(real)
    return roots


def canonical(folder: str) -> str:
    """The one spelling of the directory VS Code reads when it opens ``folder`` (absolute):
    normalised lexically as VS Code does first (``a/lnk/..`` is ``a``), then with the symlinks
    left in it resolved as the operating system does when VS Code reads it."""
    path = posixpath.normpath(folder)
    if path.startswith("//"):  # POSIX keeps a leading "//"; Linux reads it as "/"
        path = "/" + path.lstrip("/")
    return os.path.realpath(path)


def is_canonical(folder: str) -> bool:
    """Whether ``folder`` is a path VS Code and the operating system read the same way, with
    nothing in it that someone else could change later (a symlink)."""
    return folder.startswith("/") and "\0" not in folder and canonical(folder) == folder


#: Mode bits that let someone other than the owner change a directory's entries.
_OTHERS_WRITE = stat.S_IWGRP | stat.S_IWOTH


def _only_ours(path: str, root: str) -> bool:
    """No directory from ``path`` up to ``root`` (both included) is owned by another user
    (root excepted) or writable by anyone but its owner (group or others; ACL entries that grant
    write raise the group bits through the mask)."""
    uid = os.getuid()
    current = path
    while True:
        try:
            st = os.stat(current)
        except OSError:
            return False
        if st.st_uid not in (uid, 0) or st.st_mode & _OTHERS_WRITE:
            return False
        if current == root:
            return True
        parent = os.path.dirname(current)
        if parent == current:  # cannot happen below root; be safe anyway
            return False
        current = parent


def is_own_folder(path: str, roots: Iterable[str]) -> bool:
    """Whether VS Code may open ``path`` without Restricted Mode. Only a canonical path can be:
    anything else is redirected to its canonical spelling first (see the module's docstring)."""
    if not is_canonical(path):
        return False
    real = path
    for root in roots:
        if (real == root or real.startswith(root.rstrip("/") + "/")) and _only_ours(real, root):
            return True
    return False


def page_is_own(folders: list[str], workspaces: list[str], roots: Iterable[str]) -> bool:
    """Whether the workbench page for this query opens one of the user's own folders.

    VS Code reads every ``folder``/``workspace`` parameter (the last one wins): all of them
    must be own folders. A ``workspace`` file may name any folders, so it is never own."""
    if workspaces or not folders:
        return False
    roots = list(roots)
    return all(is_own_folder(folder, roots) for folder in folders)


def without_trust(page: bytes) -> bytes | None:
    """The workbench page with workspace trust disabled, or None if it is not one code-server
    rendered the way we know (then it is passed on as it is, with trust on)."""
    if page.count(TRUST_ON) != 1:
        return None
    return page.replace(TRUST_ON, TRUST_OFF)
