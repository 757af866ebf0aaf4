"""The Python side: package versions, whether Jupyter loads the extension, and packages that
register a second VS Code."""

from __future__ import annotations

import json
import os
from importlib import metadata
from typing import Any

from jupyter_core.paths import jupyter_path

from ..installer import compat
from .options import config_paths
from .report import Check, Named, doctor_check

#: distribution -> (minimum version, why)
REQUIREMENTS = {
    "jupyter-server": ((2, 0), "jupyter-vscode is a jupyter-server 2 extension"),
    "tornado": ((6, 3), "websockets over unix sockets, which VS Code needs"),
}
#: optional: checked if installed (jupyter-vscode[proxy])
OPTIONAL = {
    "jupyter-server-proxy": (
        (4, 4),
        "its <base_url>proxy/<port>/ route, used only with c.VSCode.transport = 'port'",
    ),
}
#: packages that register their own VS Code / code-server with jupyter-server-proxy
CONFLICTING_DISTS = ("jupyter-vscode-proxy", "jupyter-code-server", "jupyter-codeserver-proxy")
CONFLICTING_NAMES = ("vscode", "code-server", "codeserver", "code_server")
EXTENSION = "jupyter_vscode"
LABEXTENSION = "jupyter-vscode"


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


@doctor_check("Jupyter packages")
def check_versions(c: Named) -> Check:
    found: list[str] = []
    problems: list[str] = []
    for dist, (minimum, why) in {**REQUIREMENTS, **OPTIONAL}.items():
        version = _version(dist)
        wanted = ".".join(map(str, minimum))
        if version is None and dist in OPTIONAL:
            found.append(f"{dist} not installed (optional)")
        elif version is None:
            found.append(f"{dist} missing")
            problems.append(f"{dist} is not installed ({why})")
        else:
            found.append(f"{dist} {version}")
            if compat.parse_version(version) < minimum:
                problems.append(f"{dist} {version} is older than {wanted} ({why})")
    detail = ", ".join(found)
    if problems:
        pins = " ".join(
            f"'{d}>={'.'.join(map(str, m))}'"
            for d, (m, _) in {**REQUIREMENTS, **OPTIONAL}.items()
            if any(p.startswith(d + " ") for p in problems)
        )
        return c.fail(
            detail + "; " + "; ".join(problems),
            f"pip install -U {pins} (in the environment Jupyter runs from), then restart Jupyter",
        )
    return c.ok(detail + "; websockets over unix sockets supported")


@doctor_check("server extension")
def check_server_extension(c: Named, config: Any = None) -> Check:
    """Enabled in the jupyter_server_config(.d) files, as ServerApp.find_server_extensions reads
    them (what `jupyter server extension list` shows per directory), unless a config file sets
    c.ServerApp.jpserver_extensions for it, which takes precedence."""
    # lazy: jupyter_server is heavy to import and only this check needs it
    from jupyter_server.extension.config import ExtensionConfigManager

    try:
        explicit = config["ServerApp"]["jpserver_extensions"][EXTENSION]
    except Exception:  # noqa: BLE001 - not set (or not a mapping): the .d files decide
        explicit = None
    if explicit is not None:
        if explicit:
            return c.ok(f"{EXTENSION} enabled by c.ServerApp.jpserver_extensions")
        return c.fail(
            f"{EXTENSION} is disabled by c.ServerApp.jpserver_extensions in a config file",
            f"set c.ServerApp.jpserver_extensions[{EXTENSION!r}] = True, then restart Jupyter",
        )
    paths = config_paths()
    manager = ExtensionConfigManager(read_config_path=paths)
    enabled = manager.enabled(EXTENSION)
    where = [
        d
        for d in paths
        if EXTENSION in ExtensionConfigManager(read_config_path=[d]).get_jpserver_extensions()
    ]
    if enabled:
        return c.ok(f"{EXTENSION} enabled (in {', '.join(where)})")
    if where:
        return c.fail(
            f"{EXTENSION} is disabled (in {', '.join(where)})",
            f"jupyter server extension enable {EXTENSION}, then restart Jupyter",
        )
    return c.fail(
        f"{EXTENSION} is not enabled in any of {', '.join(paths)}",
        f"reinstall the package (pip install jupyter-vscode puts the enabling file in "
        f"etc/jupyter/jupyter_server_config.d), or `jupyter server extension enable {EXTENSION}`",
    )


@doctor_check("labextension")
def check_labextension(c: Named) -> Check:
    for directory in jupyter_path("labextensions"):
        package = os.path.join(directory, LABEXTENSION, "package.json")
        if os.path.isfile(package):
            with open(package) as f:
                version = json.load(f).get("version", "?")
            return c.ok(f"{LABEXTENSION} {version} at {os.path.dirname(package)}")
    return c.warn(
        f"{LABEXTENSION} not found in " + ", ".join(jupyter_path("labextensions")),
        "no VS Code tile in JupyterLab (the <base_url>vscode/ URL still works): reinstall "
        "jupyter-vscode from a wheel, or build it (`pip install .` needs Node.js)",
    )


def _server_proxy_config_names(config: Any) -> list[str]:
    try:
        if "ServerProxy" not in config or "servers" not in config["ServerProxy"]:
            return []
        servers = config["ServerProxy"]["servers"]
    except Exception:  # noqa: BLE001 - an odd config must not break the check
        return []
    return [str(n) for n in (servers or {}) if str(n).lower() in CONFLICTING_NAMES]


@doctor_check("conflicting packages")
def check_conflicts(c: Named, config: Any = None) -> Check:
    found: list[str] = []
    uninstall: list[str] = []
    for dist in CONFLICTING_DISTS:
        version = _version(dist)
        if version is not None:
            found.append(f"{dist} {version} is installed")
            uninstall.append(dist)
    for ep in metadata.entry_points(group="jupyter_serverproxy_servers"):
        if ep.name.lower() in CONFLICTING_NAMES:
            dist = getattr(getattr(ep, "dist", None), "name", None) or "?"
            found.append(f"entry point '{ep.name}' = {ep.value} (from {dist})")
            if dist != "?" and dist not in uninstall:
                uninstall.append(dist)
    configured = _server_proxy_config_names(config) if config is not None else []
    for server in configured:
        found.append(f"c.ServerProxy.servers[{server!r}] in Jupyter's config")
    if not found:
        return c.ok("none")
    hint = (
        "they register a second VS Code with jupyter-server-proxy, which listens on an open "
        "TCP port with no password; remove them"
    )
    if uninstall:
        hint += f": pip uninstall {' '.join(uninstall)}"
    if configured:
        hint += "; delete the c.ServerProxy.servers entry"
    return c.warn("; ".join(found), hint + ", then restart Jupyter")
