"""The end of the newest code-server log (``<log_dir>/code-server-<jupyter pid>.log``)."""

from __future__ import annotations

import glob
import os
from typing import Any

READ_BYTES = 256 * 1024


def newest_log(log_dir: str | None, lines: int) -> dict[str, Any]:
    """{file, lines}: the newest ``code-server-*.log`` in ``log_dir`` and its last lines."""
    result: dict[str, Any] = {"file": None, "lines": [], "dir": log_dir}
    if not log_dir:
        return result
    candidates = glob.glob(
        os.path.join(glob.escape(os.path.expanduser(log_dir)), "code-server-*.log")
    )
    if not candidates:
        return result
    newest = max(candidates, key=lambda p: os.stat(p).st_mtime)
    result["file"] = newest
    result["lines"] = tail(newest, lines)
    return result


def tail(path: str, lines: int) -> list[str]:
    if lines <= 0:
        return []
    with open(path, "rb") as f:
        f.seek(0, os.SEEK_END)
        size = f.tell()
        f.seek(max(0, size - READ_BYTES))
        data = f.read()
    text = data.decode("utf-8", "replace").splitlines()
    if size > READ_BYTES and text:
        text = text[1:]  # probably cut in the middle
    return text[-lines:]
