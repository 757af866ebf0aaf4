"""A fake ``npm`` (and the fake ``node`` it "installs") for the installer's unit tests.

Installed on PATH as ``npm``; one script plays every part, told apart by its arguments:

* ``npm view code-server[@V] version engines --json``: answers from $FAKE_NPM_VERSIONS
  (comma-separated, newest last), E404 for others.
* ``npm install`` in a dir whose package.json wants ``node-*``: "downloads Node.js" by copying
  this script to node_modules/<node-pkg>/bin/node and writing node_modules/npm/bin/npm-cli.js.
* ``node --version``, ``node -e ...`` (the addon load check), ``node npm-cli.js install``
  ("installs code-server": writes out/node/entry.js holding the version and lib/vscode/
  package.json with an allowScripts policy, then runs the postinstall if app/package.json
  allows it), ``node npm-cli.js rebuild code-server`` (runs the postinstall) and
  ``node .../entry.js --version`` (prints what code-server prints).
* The postinstall "builds" VS Code's native modules: kerberos unless lib/vscode/package.json
  denies its script; recorded as role ``postinstall`` with argv ``[kerberos=<bool>]``.

Steering, by env var: FAKE_NPM_LOG (append one JSON line per call), FAKE_NPM_FORBID=1 (any
call fails the test), FAKE_NPM_FAIL=node|build|network|addons, FAKE_NPM_SLEEP=<s> (during the
code-server install), FAKE_CS_VERSION (what --version reports), FAKE_NO_GSSAPI=1 (building
kerberos fails for want of gssapi/gssapi.h, as the fake compiler's probe does).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from pathlib import Path


def log_call(role: str, argv: list[str]) -> None:
    path = os.environ.get("FAKE_NPM_LOG")
    if path:
        with open(path, "a") as out:
            record = {
                "role": role,
                "argv": argv,
                "cwd": os.getcwd(),
                "nodedir": os.environ.get("npm_config_nodedir"),
                "path0": os.environ.get("PATH", "").split(os.pathsep)[0],
            }
            out.write(json.dumps(record) + "\n")


def npm(argv: list[str], role: str) -> int:
    log_call(role, argv)
    if os.environ.get("FAKE_NPM_FORBID") == "1":
        print("fake npm: called although the test forbids it", file=sys.stderr)
        return 99
    if argv[:1] == ["view"]:
        return view(argv[1])
    if argv[:1] == ["install"]:
        pkg = json.loads(Path("package.json").read_text())
        deps: dict[str, str] = pkg.get("dependencies", {})
        node_pkgs = [d for d in deps if d.startswith("node-")]
        if node_pkgs:
            return install_runtime(node_pkgs[0])
        return install_code_server(deps["code-server"], pkg)
    if argv[:2] == ["rebuild", "code-server"]:
        pkg = json.loads(Path("package.json").read_text())
        assert pkg["allowScripts"]["code-server"] is True, pkg
        return postinstall()
    print(f"fake npm: unexpected {argv}", file=sys.stderr)
    return 2


def view(spec: str) -> int:
    versions = os.environ.get("FAKE_NPM_VERSIONS", "4.1.0,4.2.0").split(",")
    name, _, wanted = spec.partition("@")
    version = wanted or versions[-1]
    if name != "code-server" or version not in versions:
        print(json.dumps({"error": {"code": "E404", "summary": f"No match for {spec}"}}))
        print(f"npm error code E404\nnpm error 404 No match found for {spec}", file=sys.stderr)
        return 1
    print(json.dumps({"version": version, "engines": {"node": "24"}}))
    return 0


def install_runtime(node_pkg: str) -> int:
    if os.environ.get("FAKE_NPM_FAIL") == "node":
        print("npm error code ETIMEDOUT\nnpm error network request failed", file=sys.stderr)
        return 1
    node = Path("node_modules", node_pkg, "bin", "node")
    node.parent.mkdir(parents=True)
    shutil.copy(__file__, node)
    node.chmod(0o755)
    cli = Path("node_modules", "npm", "bin", "npm-cli.js")
    cli.parent.mkdir(parents=True)
    cli.write_text("// fake npm-cli\n")
    bin_dir = Path("node_modules", ".bin")
    bin_dir.mkdir()
    (bin_dir / "node").symlink_to(Path("..", node_pkg, "bin", "node"))
    return 0


VSCODE = Path("node_modules", "code-server", "lib", "vscode")
#: An excerpt of code-server 4.139.1's lib/vscode/package.json.
VSCODE_PACKAGE = {
    "name": "code-oss-dev",
    "dependencies": {"kerberos": "2.1.1", "node-pty": "1.2.0-beta.15"},
    "allowScripts": {"kerberos@2.1.1": True, "koffi@3.2.1": False, "node-pty@1.2.0-beta.15": True},
}


def install_code_server(version: str, pkg: dict[str, object]) -> int:
    entry = Path("node_modules", "code-server", "out", "node", "entry.js")
    entry.parent.mkdir(parents=True)
    entry.write_text(json.dumps({"version": version}))
    VSCODE.mkdir(parents=True)
    (VSCODE / "package.json").write_text(json.dumps(VSCODE_PACKAGE, indent=2))
    delay = float(os.environ.get("FAKE_NPM_SLEEP", "0"))
    if delay:
        print("fake npm: sleeping", flush=True)
        time.sleep(delay)
    if os.environ.get("FAKE_NPM_FAIL") == "network":
        print("npm error code ECONNRESET\nnpm error network aborted", file=sys.stderr)
        return 1
    if pkg.get("allowScripts", {}).get("code-server") is True:  # type: ignore[attr-defined]
        return postinstall()
    return 0


def postinstall() -> int:
    """code-server's postinstall: the nested install that compiles VS Code's native modules."""
    policy = json.loads((VSCODE / "package.json").read_text())["allowScripts"]
    kerberos = all(v for k, v in policy.items() if k == "kerberos" or k.startswith("kerberos@"))
    log_call("postinstall", [f"kerberos={kerberos}"])
    if os.environ.get("FAKE_NPM_FAIL") == "build" or (
        kerberos and os.environ.get("FAKE_NO_GSSAPI") == "1"
    ):
        print("gyp info spawn make\nIn file included from src/kerberos.cc:1:")
        print("fatal error: gssapi/gssapi.h: No such file or directory")
        print("make: *** [kerberos.target.mk:120] Error 1\ngyp ERR! build error")
        return 1
    return 0


def node(argv: list[str]) -> int:
    if argv[:1] == ["--version"]:
        print("v24.1.0")
        return 0
    if argv[:1] == ["-e"]:
        log_call("node-e", argv[2:])
        if os.environ.get("FAKE_NPM_FAIL") == "addons":
            print("spdlog.node: NODE_MODULE_VERSION 115 mismatch", file=sys.stderr)
            return 1
        return 0
    if argv and argv[0].endswith("npm-cli.js"):
        return npm(argv[1:], "node-npm")
    if argv and argv[0].endswith("entry.js"):
        version = json.loads(Path(argv[0]).read_text())["version"]
        log_call("code-server", argv[1:])
        if "--version" in argv:
            shown = os.environ.get("FAKE_CS_VERSION", version)
            print(f"{shown} 0123abc with Code 1.99.0")
            return 0
        return 3
    print(f"fake node: unexpected {argv}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    me = Path(sys.argv[0]).name
    sys.exit(node(sys.argv[1:]) if me == "node" else npm(sys.argv[1:], "npm"))
