"""The one exception the installer raises, and the wording of its messages.

Every failure a user can hit is turned into an :class:`InstallError` whose text is a single
paragraph saying what went wrong and what to do about it; the CLI prints it without a traceback.
"""

from __future__ import annotations

from pathlib import Path

#: What the npm method's native build needs (checked up front, see buildtools.py).
BUILD_DEPS_APT = "apt-get install -y build-essential python3"
BUILD_DEPS_DNF = "dnf install -y gcc-c++ make python3"
#: Optional: the Kerberos (gssapi) headers, for VS Code's Kerberos proxy authentication.
KERBEROS_APT = "apt-get install -y libkrb5-dev"
KERBEROS_DNF = "dnf install -y krb5-devel"
UNTOUCHED = "the previously installed code-server, if any, is untouched"
_BUILD_DEPS_FIX = (
    f"on Debian/Ubuntu run `{BUILD_DEPS_APT}` (on RHEL/Fedora: `{BUILD_DEPS_DNF}`), then run "
    "`jupyter vscode install` again"
)


class InstallError(Exception):
    """An install failed for a reason we can explain to the user."""

    def __init__(self, message: str, *, log: Path | None = None, exit_code: int = 1) -> None:
        if log is not None:
            message = f"{message} The full output is in {log}."
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
        f"This needs a C/C++ toolchain, make and python3; {_BUILD_DEPS_FIX}; {UNTOUCHED}.",
        log=log,
    )


def build_tools_missing(missing: list[str]) -> InstallError:
    what = ", ".join(missing[:-1]) + " and " + missing[-1] if len(missing) > 1 else missing[0]
    return InstallError(
        f"The npm install method compiles code-server's native modules, and {what} "
        f"{'were' if len(missing) > 1 else 'was'} not found (looked for $CXX or g++, $MAKE or "
        f"make, $PYTHON or python3 on PATH): {_BUILD_DEPS_FIX}; "
        "or use a release tarball, which needs no compiler (`--method "
        "standalone`, or `--method file --from PATH_OR_URL`). Nothing was downloaded and "
        f"{UNTOUCHED}."
    )


#: How to add Kerberos proxy authentication to an install built without it.
KERBEROS_REMEDY = (
    f"run `{KERBEROS_APT}` (on RHEL/Fedora: `{KERBEROS_DNF}`) and then "
    "`jupyter vscode install --force` (with the same --prefix and --version)"
)


def kerberos_disabled_warning() -> str:
    return (
        "warning: the Kerberos (gssapi) headers were not found, so code-server is built without "
        "VS Code's `kerberos` module: Kerberos (Negotiate) proxy authentication "
        "(http.proxyKerberosServicePrincipal) will not work; everything else does. To get it, "
        f"{KERBEROS_REMEDY}."
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


# -- release tarballs (standalone and file methods) ---------------------------------------------


def glibc_too_old(version: str, needs: str, why: str, have: str, newest_ok: str) -> InstallError:
    return InstallError(
        f"code-server {version} cannot run on this host: {why} needs glibc {needs} or newer and "
        f"this host has glibc {have}. The newest release that runs here is {newest_ok}: run "
        f"`jupyter vscode install --version {newest_ok}` (or leave out --version to get it), "
        "or use a newer OS image."
    )


def standalone_unsupported_platform(system: str, machine: str) -> InstallError:
    return InstallError(
        f"code-server publishes no release tarball for {system}/{machine} (only linux amd64 and "
        "arm64). Use `--method npm`, or install code-server yourself and point "
        "c.VSCode.code_server or $JUPYTER_VSCODE_CODE_SERVER at it."
    )


def download_failed(url: str, detail: str) -> InstallError:
    return InstallError(
        f"Downloading {url} failed ({detail}). Check the network connection and proxy settings "
        "(HTTPS_PROXY), or use `--mirror URL` / `--method file --from PATH_OR_URL` where GitHub "
        f"is not reachable, then run the command again; {UNTOUCHED}."
    )


def release_not_found(url: str, version: str) -> InstallError:
    return InstallError(
        f"There is no code-server {version} release tarball at {url} (HTTP 404). Check the "
        "version (https://github.com/coder/code-server/releases) and the --mirror URL; "
        f"{UNTOUCHED}."
    )


def download_truncated(url: str, got: int, expected: int) -> InstallError:
    return InstallError(
        f"The download of {url} was cut off after {got} of {expected} bytes. Nothing was "
        f"installed and {UNTOUCHED}; run the command again (it starts over)."
    )


def checksum_mismatch(source: str, expected: str, actual: str) -> InstallError:
    return InstallError(
        f"The sha256 of {source} is {actual}, but {expected} was expected. The file is corrupt "
        f"or not the release it claims to be, so nothing was installed and {UNTOUCHED}. Check "
        "the source (and --sha256, if given)."
    )


def unsafe_tarball(source: str, member: str, reason: str) -> InstallError:
    return InstallError(
        f"Refusing to extract {source}: its entry {member!r} {reason}. A code-server release "
        f"tarball never contains such entries; nothing was installed and {UNTOUCHED}."
    )


def not_a_release_tarball(source: str, detail: str) -> InstallError:
    return InstallError(
        f"{source} is not a code-server release tarball ({detail}). Expected "
        "code-server-<version>-linux-<arch>.tar.gz as published on "
        f"https://github.com/coder/code-server/releases; {UNTOUCHED}."
    )


def file_version_mismatch(source: str, found: str, requested: str) -> InstallError:
    return InstallError(
        f"{source} holds code-server {found}, but --version {requested} was requested. Leave "
        "out --version (the version comes from the tarball) or use the matching tarball."
    )


def source_missing(source: str, detail: str) -> InstallError:
    return InstallError(f"Cannot read {source} ({detail}). Check the --from path or URL.")


def source_required() -> InstallError:
    return InstallError(
        "`--method file` needs `--from PATH_OR_URL`: a code-server release tarball "
        "(code-server-<version>-linux-<arch>.tar.gz) as a local path or an http(s) URL, e.g. an "
        "S3 presigned URL."
    )


def newest_unknown(detail: str) -> InstallError:
    return InstallError(
        "Could not find out the newest code-server version: the npm registry's version list "
        f"was not reachable ({detail}). Pass `--version X.Y.Z` (see "
        "https://github.com/coder/code-server/releases), or point $JUPYTER_VSCODE_NPM_REGISTRY "
        "at a reachable npm registry mirror."
    )


def extensions_failed(detail: str, log: Path | None) -> InstallError:
    where = f" The output is in {log}." if log else ""
    return InstallError(
        f"Installing VS Code extensions failed ({detail}); code-server itself is installed.{where}"
    )


# -- transport security -------------------------------------------------------------------------

INSECURE_HINT = (
    "pass --allow-insecure-http to use it anyway (a trusted internal network), preferably with "
    "--sha256 HEX so the file is still checked"
)


def insecure_http(url: str) -> InstallError:
    return InstallError(
        f"Refusing to fetch {url!r} over plain http: anyone on the network path could replace "
        f"what gets installed. Use its https:// URL, or {INSECURE_HINT}; {UNTOUCHED}."
    )


def insecure_redirect(url: str, target: str) -> InstallError:
    return InstallError(
        f"Refusing the redirect from {url!r} to {target!r}: it leaves https, and over plain "
        "http anyone on the network path could replace the download. Fix the server or the "
        f"URL, or {INSECURE_HINT}; {UNTOUCHED}."
    )
