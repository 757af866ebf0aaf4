"""Keep code-server's own install out of the user's workspace: no search hits, no watches.

On SageMaker the install lives inside the folder VS Code opens (Studio:
``~/.local/share/jupyter-vscode`` in the home, Jupyter's root; notebook instances:
``~/SageMaker/.jupyter-vscode``), the only places that persist. Left alone, VS Code's search
finds code-server's files twice (``current/`` and ``versions/``) and its file watcher spends
nearly all of its inotify watches on them. Before code-server starts, this module adds
exclusions for the install to VS Code's *machine* settings,
``<user-data-dir>/Machine/settings.json``, which apply to every folder but below the user's
and the folder's own settings.

Forms, as measured with code-server 4.139.1 (VS Code 1.139, tests/browser/test_workspace_view.py):

- ``files.watcherExclude``: an absolute path (no glob characters) works; an absolute glob
  (``/abs/path/**``) does not. Relative paths work too, from the watched folder.
- ``search.exclude``: only patterns relative to the opened folder work (an absolute path or
  glob is ignored), so there is one entry per folder that is opened: Jupyter's root, the
  configured folder, the home directory.
- ``files.exclude`` (the Explorer) is left alone: the Explorer lists a folder only when it is
  expanded, and the install's logs and record stay where the user can find them.

The user's keys are never dropped or rewritten: only missing entries are added. A file that is
not plain JSON (VS Code accepts comments and trailing commas) is left as it is, with a warning
naming the entries to add by hand.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from collections.abc import Iterable

log = logging.getLogger(__name__)

WATCHER_EXCLUDE = "files.watcherExclude"
SEARCH_EXCLUDE = "search.exclude"


def machine_settings_file(user_data_dir: str) -> str:
    return os.path.join(user_data_dir, "Machine", "settings.json")


def install_root(executable: str) -> str | None:
    """The directory holding the code-server that ``executable`` runs (symlinks resolved):
    for ``jupyter vscode install``'s layout the whole prefix (``current/``, ``versions/``,
    ``staging/``, ``bin/``), for coder's release layout (``code-server-<V>[-linux-<arch>]``)
    or an npm package (``.../node_modules/code-server``) that directory; else None (a
    code-server of the system, e.g. /usr/bin, is nothing to exclude)."""
    real = os.path.realpath(executable)
    parent = os.path.dirname(os.path.dirname(real))  # <dir>/bin/code-server
    if os.path.basename(real) == "entry.js":  # npm: <pkg>/out/node/entry.js
        parent = os.path.dirname(parent)
    versions = os.path.dirname(parent)
    prefix = os.path.dirname(versions)
    if os.path.basename(versions) == "versions" and os.path.islink(os.path.join(prefix, "current")):
        return prefix
    if os.path.basename(parent).startswith("code-server"):
        return parent
    return None


def _below(path: str, folder: str) -> bool:
    return path != folder and path.startswith(folder.rstrip("/") + "/")


def exclusions(install: str, folders: Iterable[str]) -> dict[str, dict[str, bool]]:
    """The settings entries that keep ``install`` out of each of ``folders`` that contains it
    (none for a folder that is the install itself, or outside it)."""
    real_install = os.path.realpath(install)
    watcher: dict[str, bool] = {}
    search: dict[str, bool] = {}
    for folder in folders:
        folder = os.path.abspath(folder)
        real_folder = os.path.realpath(folder)
        if not _below(real_install, real_folder):
            continue
        rel = os.path.relpath(real_install, real_folder)
        search[rel] = True
        # the watcher sees the real path; the folder's own spelling costs nothing
        watcher[real_install] = True
        watcher[os.path.join(folder, rel)] = True
    if not watcher:
        return {}
    return {WATCHER_EXCLUDE: watcher, SEARCH_EXCLUDE: search}


def merge(path: str, entries: dict[str, dict[str, bool]]) -> str | None:
    """Add the missing ``entries`` to the settings file ``path``.

    Returns None when the file now has them (or had them), else why it was left as it is.
    """
    by_hand = json.dumps(entries, indent=4)
    what = f"to keep code-server's files out of search and file watching, add: {by_hand}"
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except FileNotFoundError:
        text = ""
    except (OSError, UnicodeDecodeError) as e:
        return f"could not read {path} ({e}); {what}"
    try:
        data = json.loads(text) if text.strip() else {}
    except ValueError:
        return (
            f"{path} is not plain JSON (comments or trailing commas?), so it was left as it "
            f"is; {what}"
        )
    if not isinstance(data, dict) or any(
        not isinstance(data.get(key, {}), dict) for key in entries
    ):
        return (
            f"{path} does not hold a settings object with {' and '.join(entries)} as "
            f"objects, so it was left as it is; {what}"
        )
    changed = False
    for key, wanted in entries.items():
        current = data.setdefault(key, {})
        for pattern, value in wanted.items():
            if pattern not in current:  # the user's own value for it wins
                current[pattern] = value
                changed = True
    if changed:
        _write(path, json.dumps(data, indent=4) + "\n")
    return None


def _write(path: str, text: str) -> None:
    directory = os.path.dirname(path)
    os.makedirs(directory, mode=0o700, exist_ok=True)
    try:
        mode = os.stat(path).st_mode & 0o777
    except FileNotFoundError:
        mode = 0o600
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".settings.json.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def keep_install_out_of_view(
    executable: str, user_data_dir: str, folders: Iterable[str]
) -> dict[str, dict[str, bool]]:
    """Exclude the install that ``executable`` runs from search and watching in every one of
    ``folders`` it is inside. Never raises: a problem is logged as a warning. Returns the
    entries wanted (empty: the install is in none of the folders)."""
    install = install_root(executable)
    if install is None:
        return {}
    entries = exclusions(install, folders)
    if not entries:
        return {}
    path = machine_settings_file(user_data_dir)
    try:
        problem = merge(path, entries)
    except OSError as e:
        problem = f"could not write {path}: {e.strerror or e}"
    if problem:
        log.warning("[jupyter-vscode] %s", problem)
    return entries
