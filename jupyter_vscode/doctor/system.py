"""The machine: C library, OS, Python, Node.js, and environment variables code-server sees."""

from __future__ import annotations

import os
import platform
import re
import shutil
import subprocess
import sys
from pathlib import Path

from ..codeserver import SCRUBBED_ENV
from ..installer import compat
from ..installer.layout import Layout, install_dir_of
from ..locate import cli_command
from .report import Check, Named, doctor_check


@doctor_check("glibc")
def check_glibc(c: Named) -> Check:
    """Which code-server releases run here, as the installer decides it (installer/compat.py)."""
    glibc = compat.detect_glibc()
    if glibc is None:
        if sys.platform.startswith("linux"):
            return c.warn(
                "not glibc (musl, e.g. Alpine?): code-server's release builds need glibc",
                "use a glibc-based image (Debian, Ubuntu, Amazon Linux), or build code-server "
                "from source for this C library",
            )
        return c.ok(f"not applicable on {sys.platform}")
    have = compat.format_glibc(glibc)
    cap = compat.binding_cap(glibc)
    if cap is None:
        return c.ok(have)
    return c.warn(
        f"{have}: code-server {cap.first_needing} and newer need glibc ≥ "
        f"{compat.format_glibc(cap.needs)} ({cap.why}); {cap.newest} is the newest release "
        "that runs here",
        f"use a newer OS image, or `{cli_command('install')} --version {cap.newest} --force` "
        "(the start test shows whether the installed one runs)",
    )


@doctor_check("OS")
def check_platform(c: Named) -> Check:
    detail = f"{platform.system()} {platform.release()} {platform.machine()}"
    try:
        info = platform.freedesktop_os_release()
        detail += f" ({info.get('PRETTY_NAME') or info.get('NAME', '')})"
    except (OSError, AttributeError):
        pass
    if platform.system() != "Linux":
        return c.warn(
            detail,
            "jupyter-vscode is tested on Linux only; `jupyter vscode install` supports Linux",
        )
    return c.ok(detail)


@doctor_check("Python")
def check_python(c: Named) -> Check:
    # jupyter-vscode does not install on Python < 3.10, so there is nothing to fail here
    return c.ok(f"{platform.python_version()} ({sys.executable})")


def _node_version(node: str) -> str:
    proc = subprocess.run(
        [node, "--version"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        errors="replace",
        timeout=15,
    )
    out = (proc.stdout or proc.stderr).strip()
    if proc.returncode != 0:
        raise RuntimeError(f"`{node} --version` exited with code {proc.returncode}: {out}")
    return out


def code_server_node(executable: str) -> tuple[str | None, str]:
    """The Node.js that runs this code-server, and how we know; (None, why) if it has its own
    that we can't tell or it is not Node-based as far as we can see."""
    real = Path(os.path.realpath(executable))
    root = install_dir_of(real)
    install = Layout(root.parent.parent).read_install(root)
    if install is not None and install.method == "npm":
        m = re.search(r'exec "\$root/([^"]+)"', real.read_text(errors="replace"))
        if m:
            return str(root / m.group(1)), "bundled by `jupyter vscode install`, npm method"
    bundled = root / "lib" / "node"
    if bundled.is_file():
        return str(bundled), "the node bundled with the code-server release"
    try:
        with open(real, "rb") as f:
            first = f.readline(200).decode("utf-8", "replace")
    except OSError:
        first = ""
    if first.startswith("#!") and "node" in first:
        words = first[2:].split()
        if words and os.path.basename(words[0]) == "env":
            node = shutil.which(words[-1]) if len(words) > 1 else None
            return node, "node on PATH (code-server installed with npm -g)"
        return (words[0] if words else None), "the node in code-server's #! line"
    return None, ""


@doctor_check("Node.js")
def check_node(c: Named, executable: str | None) -> Check:
    if executable is not None:
        node, why = code_server_node(executable)
        if why:
            if node is None or not os.path.exists(node):
                return c.fail(
                    f"code-server runs on {why}, but it is missing ({node or 'not on PATH'})",
                    f"reinstall code-server: `{cli_command('install')} --force`",
                )
            return c.ok(f"{_node_version(node)} at {node} ({why})")
    on_path = shutil.which("node")
    if on_path is None:
        return c.ok("no node on PATH (not needed to run code-server)")
    return c.ok(
        f"{_node_version(on_path)} at {on_path} (on PATH; informational)",
    )


@doctor_check("environment")
def check_env_vars(c: Named) -> Check:
    present = [v for v in SCRUBBED_ENV if os.environ.get(v) is not None]
    if not present:
        return c.ok("none of " + ", ".join(SCRUBBED_ENV) + " is set")
    return c.ok(
        "set in this environment: "
        + ", ".join(present)
        + " (they would make code-server listen elsewhere, ask for a password or hand off to "
        "another VS Code; the extension removes them from code-server's environment, so "
        "nothing to do)",
    )
