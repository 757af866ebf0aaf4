"""The ``npm`` install method: code-server from the npm registry, on its own Node.js.

code-server needs a specific Node.js major (``engines.node``, 24 for 4.1xx), usually not the one
on the machine. So, inside the staging dir:

1. ``runtime/``: the system npm installs ``node-<os>-<arch>@<major>`` (a Node.js binary plus
   its headers, as an npm package) and ``npm@11``.
2. ``app/``: that Node's own npm installs ``code-server@<version>``. code-server's postinstall
   runs a nested ``npm install`` that compiles native modules, so ``runtime/node_modules/.bin``
   (node and npm of the right version) goes first on PATH and node-gyp is pointed at the bundled
   headers (``npm_config_nodedir``), which also means nothing is downloaded from nodejs.org.
   npm 11 only runs the postinstall because ``package.json`` allows it (``allowScripts``).
   Without the Kerberos (gssapi) headers the postinstall is deferred: code-server is installed
   with its script denied, VS Code's ``kerberos`` dependency (optional at run time: only
   Kerberos proxy authentication uses it) gets its script denied in lib/vscode/package.json,
   and then ``npm rebuild code-server`` runs the postinstall.
3. ``bin/code-server``: a sh wrapper that runs that Node on code-server's entry point.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path

from . import allowscripts, errors
from .base import BuildContext, InstallMethod, Release
from .buildtools import find_toolchain, has_gssapi
from .integrity import NPM as NPM_INTEGRITY
from .platforms import node_package
from .procrun import run_captured, run_logged

PACKAGE = "code-server"
#: VS Code's native module that needs the gssapi headers; built only where they are.
KERBEROS = "kerberos"
NPM_MAJOR = 11
DEFAULT_NODE_MAJOR = 24
NPM_FLAGS = ("--no-audit", "--no-fund", "--no-update-notifier")

WRAPPER = """\
#!/bin/sh
# code-server {version}, installed by jupyter-vscode (npm method). Generated file.
# Runs the bundled Node.js on code-server; resolves its own location through symlinks
# (bin/code-server -> current -> versions/...) so the install dir can be renamed.
self=$0
while [ -h "$self" ]; do
  link=$(readlink "$self")
  case $link in
    /*) self=$link ;;
    *) self=$(dirname "$self")/$link ;;
  esac
done
root=$(cd "$(dirname "$self")/.." && pwd -P) || exit 1
exec "$root/{node}" "$root/{entry}" "$@"
"""

# Output of a failed ``npm install code-server``: compiler/node-gyp errors mean the native build
# failed; otherwise network errors mean a download failed; a mere mention of node-gyp or gssapi
# (after neither) still points at the build.
_BUILD_ERROR = re.compile(
    r"gyp ERR!|make: \*\*\*|fatal error:|not found: make|g\+\+: not found"
    r"|required dependencies to build the native modules",
    re.IGNORECASE,
)
_NETWORK_ERROR = re.compile(
    r"ETIMEDOUT|ENOTFOUND|ECONNRESET|ECONNREFUSED|EAI_AGAIN|\bE404\b|ENOSPC|EINTEGRITY"
)
_BUILD_HINT = re.compile(r"node-gyp|gssapi|krb5|gyp info", re.IGNORECASE)

# Loads every compiled addon, so a module built against the wrong Node ABI fails the install.
# "did not self-register" is what the empty Windows-only modules (windows-registry, ...) say on
# other systems; that is expected.
_LOAD_ADDONS = """
const fs = require("fs"), path = require("path");
const bad = [];
function walk(dir, depth) {
  let entries;
  try { entries = fs.readdirSync(dir, { withFileTypes: true }); } catch { return; }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory() && e.name !== "obj.target" && depth < 6) walk(p, depth + 1);
    else if (e.isFile() && e.name.endsWith(".node") && p.includes("/build/Release/")) {
      try { require(p); } catch (err) {
        const msg = err.message.split("\\n")[0];
        if (!/did not self-register/.test(msg)) bad.push(p + ": " + msg);
      }
    }
  }
}
walk(process.argv[1], 0);
if (bad.length) { console.error(bad.join("\\n")); process.exit(1); }
"""


class NpmMethod(InstallMethod):
    name = "npm"
    registry_label = "the npm registry"

    def __init__(self, npm: str | None = None) -> None:
        self._npm = npm

    # -- InstallMethod -----------------------------------------------------------------------

    def check(self) -> None:
        self.npm()
        node_package()
        missing = find_toolchain().missing()
        if missing:
            raise errors.build_tools_missing(missing)

    def npm(self) -> str:
        if self._npm is None:
            found = shutil.which("npm")
            if found is None:
                raise errors.npm_not_found()
            self._npm = found
        return self._npm

    def resolve(self, requested: str | None) -> Release:
        spec = f"{PACKAGE}@{requested}" if requested else PACKAGE
        info = self._view(spec)
        if info is None:
            raise errors.unknown_version(requested or "(latest)", self._newest())
        if isinstance(info, list):  # a range matched several versions: take the newest
            info = info[-1] if info else {}
        version = str(info.get("version", "")) if isinstance(info, dict) else ""
        if not version:
            raise errors.unknown_version(requested or "(latest)", self._newest())
        engines = info.get("engines") if isinstance(info, dict) else None
        node_spec = str(engines.get("node", "")) if isinstance(engines, dict) else ""
        return Release(version, _node_major(node_spec))

    def build(self, stage: Path, release: Release, ctx: BuildContext) -> dict[str, str]:
        node_pkg = node_package()
        major = release.node_major or DEFAULT_NODE_MAJOR
        runtime = stage / "runtime"
        app = stage / "app"
        node_dir = runtime / "node_modules" / node_pkg
        node = node_dir / "bin" / "node"
        npm_cli = runtime / "node_modules" / "npm" / "bin" / "npm-cli.js"

        ctx.reporter.info(f"downloading Node.js {major} and npm {NPM_MAJOR} (npm: {node_pkg})")
        _write_package_json(
            runtime,
            {
                "name": "jupyter-vscode-runtime",
                "private": True,
                "dependencies": {node_pkg: str(major), "npm": str(NPM_MAJOR)},
            },
        )
        code = run_logged(
            [self.npm(), "install", *NPM_FLAGS],
            cwd=runtime,
            env=_clean_env(os.environ),
            log=ctx.log,
            reporter=ctx.reporter,
            label="downloading Node.js",
        )
        node_version = _run_version(node) if code == 0 and npm_cli.is_file() else ""
        if not node_version.startswith(f"v{major}."):
            raise errors.node_download_failed(f"{node_pkg}@{major}", ctx.log)

        ctx.reporter.info(
            f"installing code-server {release.version} with Node.js {node_version} "
            "(compiles native modules; takes a few minutes)"
        )
        kerberos = has_gssapi(find_toolchain())
        if not kerberos:
            ctx.reporter.info(errors.kerberos_disabled_warning())
        env = _clean_env(os.environ)
        bin_dirs = [str(runtime / "node_modules" / ".bin"), str(node.parent)]
        env["PATH"] = os.pathsep.join([*bin_dirs, env.get("PATH", os.defpath)])
        env["npm_config_nodedir"] = str(node_dir)  # headers of this Node, not the system's

        def npm(*args: str, label: str) -> int:
            return run_logged(
                [str(node), str(npm_cli), *args, *NPM_FLAGS],
                cwd=app,
                env=env,
                log=ctx.log,
                reporter=ctx.reporter,
                label=label,
            )

        # With kerberos, code-server's postinstall runs during the install; without, after it.
        _write_app_package_json(app, release.version, postinstall=kerberos)
        code = npm("install", label="installing code-server")
        vscode = app / "node_modules" / PACKAGE / "lib" / "vscode"
        if code == 0 and not kerberos:
            if (vscode / "package.json").is_file():  # else the postinstall fails and says so
                allowscripts.deny(vscode / "package.json", KERBEROS)
            _write_app_package_json(app, release.version, postinstall=True)
            code = npm("rebuild", PACKAGE, label="building code-server's VS Code modules")
        entry = app / "node_modules" / PACKAGE / "out" / "node" / "entry.js"
        if code != 0 or not entry.is_file():
            raise _classify_failure(release.version, ctx.log)

        ctx.reporter.info("checking the compiled native modules load")
        check = run_captured(
            [str(node), "-e", _LOAD_ADDONS, str(vscode / "node_modules")], timeout=120
        )
        if check.returncode != 0:
            with ctx.log.open("a", encoding="utf-8") as out:
                out.write("\n# native module load check failed:\n" + check.stderr)
            raise errors.native_build_failed(release.version, ctx.log)

        wrapper = stage / "bin" / "code-server"
        wrapper.parent.mkdir(parents=True, exist_ok=True)
        wrapper.write_text(
            WRAPPER.format(
                version=release.version,
                node=node.relative_to(stage).as_posix(),
                entry=entry.relative_to(stage).as_posix(),
            )
        )
        wrapper.chmod(0o755)
        return {
            "node": node_version,
            "node_package": node_pkg,
            "kerberos": "enabled" if kerberos else "disabled",
            "integrity": NPM_INTEGRITY,
        }

    # -- registry ------------------------------------------------------------------------------

    def _view(self, spec: str) -> object | None:
        """``npm view SPEC version engines --json``; None if SPEC matches nothing."""
        try:
            proc = run_captured(
                [self.npm(), "view", spec, "version", "engines", "--json"],
                timeout=120,
                env=_clean_env(os.environ),
            )
        except subprocess.TimeoutExpired:
            raise errors.registry_unreachable("`npm view` timed out") from None
        except OSError as exc:
            raise errors.registry_unreachable(str(exc)) from None
        out = proc.stdout.strip()
        parsed: object = None
        if out:
            try:
                parsed = json.loads(out)
            except ValueError:
                parsed = None
        if isinstance(parsed, dict) and "error" in parsed:
            err = parsed["error"]
            if isinstance(err, dict) and err.get("code") in ("E404", "ETARGET"):
                return None
            summary = err.get("summary", "") if isinstance(err, dict) else str(err)
            raise errors.registry_unreachable(f"npm: {summary}".strip())
        if proc.returncode != 0:
            if re.search(r"\bE404\b|ETARGET|No match found", proc.stderr + proc.stdout):
                return None
            raise errors.registry_unreachable(_last_error_line(proc.stderr))
        if parsed is None or parsed == [] or parsed == "":
            return None
        return parsed

    def _newest(self) -> str | None:
        try:
            info = self._view(PACKAGE)
        except errors.InstallError:
            return None
        if isinstance(info, dict) and info.get("version"):
            return str(info["version"])
        return None


def _node_major(spec: str) -> int:
    match = re.search(r"\d+", spec)
    return int(match.group()) if match else DEFAULT_NODE_MAJOR


def _write_app_package_json(app: Path, version: str, *, postinstall: bool) -> None:
    """app/package.json: code-server ``version``, its postinstall allowed or (to run it later,
    with ``npm rebuild``) denied. argon2's script only compiles when it ships no prebuilt
    binary for here."""
    _write_package_json(
        app,
        {
            "name": "jupyter-vscode-code-server",
            "private": True,
            "allowScripts": {PACKAGE: postinstall, "argon2": True},
            "dependencies": {PACKAGE: version},
        },
    )


def _write_package_json(directory: Path, data: dict[str, object]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "package.json").write_text(json.dumps(data, indent=2) + "\n")


def _clean_env(environ: Mapping[str, str]) -> dict[str, str]:
    """The environment without the per-run variables of an enclosing npm script (we may be run
    from a lifecycle hook); user configuration such as ``npm_config_registry`` is kept."""
    return {
        k: v
        for k, v in environ.items()
        if not (k.lower().startswith("npm_") and not k.lower().startswith("npm_config_"))
        and k.lower() not in ("npm_config_user_agent", "npm_config_node_gyp")
    }


def _run_version(node: Path) -> str:
    try:
        proc = run_captured([str(node), "--version"], timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return proc.stdout.strip() if proc.returncode == 0 else ""


def _classify_failure(version: str, log: Path) -> errors.InstallError:
    try:
        text = log.read_text(encoding="utf-8", errors="replace")
    except OSError:
        text = ""
    # Only the code-server step: everything after its command line.
    text = text[text.rfind("npm-cli.js") :]
    if _BUILD_ERROR.search(text):
        return errors.native_build_failed(version, log)
    if _NETWORK_ERROR.search(text):
        return errors.npm_install_failed(version, log)
    if _BUILD_HINT.search(text):
        return errors.native_build_failed(version, log)
    return errors.npm_install_failed(version, log)


def _last_error_line(stderr: str) -> str:
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    for line in lines:
        if "code" in line and line.startswith("npm error"):
            return line
    return lines[-1] if lines else "npm view failed"
