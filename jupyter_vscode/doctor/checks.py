"""code-server itself: which one, which version, and whether it starts and answers.

The start test launches code-server exactly as the extension does (the Supervisor, hence
``build_launch``, with the configured options and extra arguments) except that its user-data,
extensions and log directories are throwaway ones, it listens on a unix socket, and
$XDG_DATA_HOME points into the throwaway directory too (code-server appends to
``$XDG_DATA_HOME/code-server/coder-logs`` whatever its --user-data-dir): the user's settings,
extensions, logs and any configured TCP port are left alone.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from traitlets.config import Config

from ..codeserver import NO_CONFIG_FILE, child_env
from ..config import VSCode
from ..installer import compat
from ..installer.errors import KERBEROS_REMEDY
from ..installer.layout import install_dir_of, read_marker
from ..locate import Lookup, cli_command, find_code_server
from .lifecycle import LIFECYCLE
from .options import Options, check_options
from .report import Check, Named, doctor_check

VERSION_TIMEOUT = 30.0
OUTPUT_LINES = 8

SOURCES = {
    "config": "c.VSCode.code_server / $JUPYTER_VSCODE_CODE_SERVER",
    "PATH": "code-server on PATH",
    "jupyter vscode install": "the `jupyter vscode install` prefix",
    "~/.local/bin": "~/.local/bin (coder's install.sh)",
}


#: the result of :func:`lookup`, which the other checks of code-server depend on
FOUND = Named("code-server found")


@dataclass
class Found:
    check: Check
    path: str | None = None
    lookup: Lookup | None = None


def lookup(opts: Options) -> Found:
    try:
        configured = opts.values["code_server"]
        if configured.error:
            return Found(FOUND.fail(configured.error, "fix c.VSCode.code_server or the variable"))
        from_env = configured.source.startswith("env ")
        setting = "$JUPYTER_VSCODE_CODE_SERVER" if from_env else "c.VSCode.code_server"
        found = find_code_server(str(configured.value), setting)
        if found.path is None:
            detail = found.message()
            if found.configured:
                detail += f" ({configured.source}); no other location is tried"
            hint = found.hint()
            if found.lifecycle is not None:  # the first check says it all
                hint = f"a SageMaker lifecycle script installs it here: see '{LIFECYCLE.name}'"
            return Found(FOUND.fail(detail, hint), None, found)
        via = SOURCES.get(found.source, found.source)
        if found.configured:
            where = configured.source.removeprefix("config ")
            via = setting if from_env else f"{setting} in {where}"
        real = os.path.realpath(found.path)
        detail = f"{found.path} (via {via})"
        if real != found.path:
            detail += f" -> {real}"
        return Found(FOUND.ok(detail), found.path, found)
    except Exception as e:  # noqa: BLE001 - a doctor must report, not crash
        return Found(FOUND.crashed(e))


def install_notes(found: Found) -> list[str]:
    """What the marker of a `jupyter vscode install` install of the code-server found says is
    missing from it (nothing for a code-server installed otherwise)."""
    if found.path is None:
        return []
    marker = read_marker(install_dir_of(found.path))
    if marker is None or marker.get("kerberos") != "disabled":
        return []
    return [
        "this code-server was built without the Kerberos (gssapi) headers, so VS Code's "
        "Kerberos proxy authentication (http.proxyKerberosServicePrincipal) is unavailable; "
        f"to add it, {KERBEROS_REMEDY}"
    ]


def _not_run(c: Named, found: Found) -> Check:
    """A check that needs code-server, which was not found: the same fix as FOUND's."""
    return c.fail("not run: code-server was not found", found.check.hint)


def _tail(text: str, n: int = OUTPUT_LINES) -> str:
    lines = [line.rstrip() for line in text.splitlines() if line.strip()]
    return " | ".join(lines[-n:])


@doctor_check("code-server version")
def check_version(c: Named, found: Found) -> Check:
    """``code-server --version`` with no config file (NO_CONFIG_FILE), so ~/.config stays
    untouched."""
    if found.path is None:
        return _not_run(c, found)
    with tempfile.TemporaryDirectory(prefix="jupyter-vscode-doctor-") as tmp:
        try:
            proc = subprocess.run(
                [found.path, "--version", "--config", NO_CONFIG_FILE],
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                errors="replace",
                timeout=VERSION_TIMEOUT,
                # code-server creates $XDG_DATA_HOME/code-server/coder-logs even for --version
                env={**child_env(), "XDG_DATA_HOME": tmp},
                cwd=tmp,
            )
        except subprocess.TimeoutExpired:
            return c.fail(
                f"`{found.path} --version` did not finish within {VERSION_TIMEOUT:g} s",
                f"the install looks broken: reinstall with `{cli_command('install')} --force`",
            )
        except OSError as e:
            return c.fail(
                f"cannot run {found.path}: {e.strerror or e}",
                f"reinstall with `{cli_command('install')} --force`",
            )
    out = (proc.stdout or "") + (proc.stderr or "")
    if proc.returncode != 0:
        return c.fail(
            f"`code-server --version` exited with code {proc.returncode}: "
            + (_tail(out) or "no output"),
            _broken_hint(out),
        )
    first = next((line.strip() for line in proc.stdout.splitlines() if line.strip()), "")
    if not first:
        return c.warn("`code-server --version` printed nothing", "")
    return c.ok(first)


def _broken_hint(output: str) -> str:
    if "GLIBC_" in output or "GLIBCXX_" in output:
        glibc = compat.detect_glibc()
        return (
            f"this code-server build needs a newer C library than this system's (glibc "
            f"{compat.format_glibc(glibc) if glibc else '?'}): install one built here with "
            f"`{cli_command('install')} --force`, "
            "or use an older code-server"
        )
    return f"the install looks broken: reinstall with `{cli_command('install')} --force`"


@doctor_check("code-server start")
def check_start(c: Named, found: Found, opts: Options) -> Check:
    if found.path is None:
        return _not_run(c, found)
    if opts.vscode is None:
        return c.warn(
            f"not run: fix the invalid options first (see '{check_options.name}')",
            "VS Code stays off (code-server is not started) until the options are valid",
        )
    return asyncio.run(_start(c, found.path, opts))


def _test_config(opts: Options, tmp: Path) -> VSCode:
    """The configured options, with throwaway state directories and a unix socket."""
    assert opts.vscode is not None
    values = {name: getattr(opts.vscode, name) for name in opts.values}
    values.update(
        code_server=str(opts.values["code_server"].value),
        user_data_dir=str(tmp / "user-data"),
        extensions_dir=str(tmp / "extensions"),
        log_dir=str(tmp / "logs"),
        transport="socket",
        max_restarts=0,
    )
    return VSCode(config=Config({"VSCode": values}))


async def _start(c: Named, executable: str, opts: Options) -> Check:
    # lazy: the supervisor brings aiohttp; only the start test needs it (not --no-start)
    from ..supervisor import StartFailed, Supervisor

    tmp = Path(tempfile.mkdtemp(prefix="jupyter-vscode-doctor-"))
    log = logging.getLogger("jupyter_vscode.doctor")
    log.addHandler(logging.NullHandler())
    log.propagate = False
    supervisor: Supervisor | None = None
    saved_xdg = os.environ.get("XDG_DATA_HOME")
    os.environ["XDG_DATA_HOME"] = str(tmp / "xdg-data")
    try:
        config = _test_config(opts, tmp)
        root = tmp / "folder"
        root.mkdir()
        # root is what VS Code opens unless c.VSCode.folder names a folder
        supervisor = Supervisor(config, str(root), log)
        began = time.monotonic()
        try:
            await supervisor.ensure_started(timeout=config.start_timeout + 15)
        except StartFailed as e:
            return c.fail(
                f"{e} (after {time.monotonic() - began:.1f} s)",
                "if its output names a missing library or a GLIBC version, this code-server does "
                f"not run on this system (`{cli_command('install')} --force` builds one that "
                "does); an unknown option means a bad c.VSCode.extra_args",
            )
        except asyncio.TimeoutError:
            return c.fail(
                f"code-server did not answer within {config.start_timeout + 15:g} s",
                "raise c.VSCode.start_timeout if the machine is slow",
            )
        elapsed = time.monotonic() - began
        version = f" (code-server {supervisor.version})" if supervisor.version else ""
        detail = f"answered GET /healthz on a unix socket in {elapsed:.1f} s{version}"
        if elapsed > config.start_timeout / 2:
            return c.warn(
                detail + f", more than half of start_timeout ({config.start_timeout:g} s)",
                "raise c.VSCode.start_timeout so a slow start is not counted as a failure",
            )
        return c.ok(detail)
    finally:
        if supervisor is not None:
            await supervisor.stop()
            supervisor.output.close()
        if saved_xdg is None:
            os.environ.pop("XDG_DATA_HOME", None)
        else:
            os.environ["XDG_DATA_HOME"] = saved_xdg
        shutil.rmtree(tmp, ignore_errors=True)
