"""The one exception the installer raises, and the wording of its messages.

Every failure a user can hit is turned into an :class:`InstallError` whose text is a single
paragraph saying what went wrong and what to do about it; the CLI prints it without a traceback.
"""

from __future__ import annotations

from pathlib import Path

BUILD_DEPS_APT = "apt-get install -y build-essential python3 libkrb5-dev"


class InstallError(Exception):
    """An install failed for a reason we can explain to the user."""

    def __init__(self, message: str, *, log: Path | None = None, exit_code: int = 1) -> None:
        if log is not None:
            message = f"{message} The full npm output is in {log}."
        super().__init__(message)
        self.log = log
        self.exit_code = exit_code


def npm_not_found() -> InstallError:
    return InstallError(
        "npm was not found on PATH. The npm install method needs npm (any recent version; it "
        "only bootstraps the Node.js and npm versions that code-server needs). Install it with "
        "`apt-get install -y npm` (Debian/Ubuntu), `conda install -c conda-forge nodejs`, or "
        "from https://nodejs.org, then run `jupyter vscode install` again."
    )


def prefix_not_writable(prefix: Path, reason: str) -> InstallError:
    return InstallError(
        f"Cannot write to the install prefix {prefix} ({reason}). Choose a writable location "
        "with `--prefix DIR` or by setting $JUPYTER_VSCODE_PREFIX (the Jupyter extension looks "
        "in the same place), or fix the permissions of that directory."
    )


def unknown_version(version: str, newest: str | None) -> InstallError:
    hint = f" The newest version is {newest}." if newest else ""
    return InstallError(
        f"code-server {version} was not found on the npm registry.{hint} See "
        "`npm view code-server versions` for the published versions, or leave out --version "
        "to install the newest one."
    )


def registry_unreachable(detail: str) -> InstallError:
    return InstallError(
        "Could not ask the npm registry which code-server versions exist "
        f"({detail}). Check the network connection and npm's registry/proxy settings "
        "(`npm config get registry`), or pass an explicit --version that is already installed."
    )


def node_download_failed(package: str, log: Path) -> InstallError:
    return InstallError(
        f"Downloading Node.js and npm for code-server (npm packages {package} and npm) failed. "
        "Check the network connection, npm's registry and proxy settings "
        "(`npm config get registry`) and free disk space, then run `jupyter vscode install` "
        "again; the previously installed code-server, if any, is untouched.",
        log=log,
    )


def native_build_failed(version: str, log: Path) -> InstallError:
    return InstallError(
        f"Installing code-server {version} with npm failed while compiling its native modules. "
        "This needs a C/C++ toolchain, make, python3 and the Kerberos (gssapi) headers; on "
        f"Debian/Ubuntu run `{BUILD_DEPS_APT}` (on RHEL/Fedora: gcc-c++ make python3 "
        "krb5-devel), then run `jupyter vscode install` again; the previously installed "
        "code-server, if any, is untouched.",
        log=log,
    )


def npm_install_failed(version: str, log: Path) -> InstallError:
    return InstallError(
        f"Installing code-server {version} with npm failed. Check the network connection, "
        "npm's registry and proxy settings and free disk space, then run `jupyter vscode "
        "install` again; the previously installed code-server, if any, is untouched.",
        log=log,
    )


def verify_failed(version: str, detail: str, log: Path | None) -> InstallError:
    return InstallError(
        f"code-server {version} was installed but does not run ({detail}), so it was not "
        "activated; the previously installed code-server, if any, is untouched.",
        log=log,
    )


def lock_timeout(lock: Path, holder: str) -> InstallError:
    who = f" (held by {holder})" if holder else ""
    return InstallError(
        f"Another `jupyter vscode install` is running in this prefix{who}; waited for it and "
        f"gave up. Let it finish and run the command again. If no install is running, "
        f"delete {lock}."
    )


def unsupported_platform(system: str, machine: str) -> InstallError:
    return InstallError(
        f"The npm install method has no Node.js build for {system}/{machine}. Install "
        "code-server yourself (https://coder.com/docs/code-server/install) and point "
        "c.VSCode.code_server or $JUPYTER_VSCODE_CODE_SERVER at it."
    )
