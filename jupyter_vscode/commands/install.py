"""``jupyter vscode install``: install code-server where the extension finds it."""

from __future__ import annotations

import argparse
import os
import signal
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from ..installer import METHODS, InstallError, InstallOptions, Reporter, install
from ..installer.options import AUTO
from ..locate import INSTALL_HINT
from ..paths import PREFIX_ENV, default_install_prefix, installed_executable
from . import Subcommands, add_command

if TYPE_CHECKING:
    from ..installer.target import Targets


SUMMARY = "install code-server where the Jupyter extension finds it"
DESCRIPTION = (
    "Install code-server into PREFIX/versions/ and make PREFIX/bin/code-server run it. "
    "Re-running with an installed version is a no-op; the previous version keeps "
    "working until the new one is verified."
)


NOTHING_TO_CHANGE = "done: nothing to change"


def register(sub: Subcommands) -> None:
    inst = add_command(sub, "install", run, SUMMARY, DESCRIPTION)
    inst.add_argument(
        "--method",
        choices=[AUTO, *METHODS],
        default=AUTO,
        help=(
            "how to get code-server: standalone = the official release tarball; npm = the npm "
            "package, built on its own Node.js (needs a compiler); file = a release tarball from "
            "--from; auto (default) = standalone, or npm when the release URL does not answer"
        ),
    )
    inst.add_argument(
        "--version",
        dest="cs_version",
        metavar="VERSION",
        help=(
            "code-server version (default: the newest release that runs with this host's "
            "glibc, from the npm registry's version list)"
        ),
    )
    inst.add_argument(
        "--from",
        dest="source",
        metavar="PATH_OR_URL",
        help=(
            "install this release tarball (code-server-<version>-linux-<arch>.tar.gz): a local "
            "path or an http(s) URL such as an S3 presigned URL; implies --method file"
        ),
    )
    inst.add_argument(
        "--mirror",
        metavar="URL",
        help=(
            "base URL of the release tarballs, <URL>/v<version>/code-server-<version>-linux-"
            "<arch>.tar.gz (default: $JUPYTER_VSCODE_RELEASES_URL, else "
            "https://github.com/coder/code-server/releases/download)"
        ),
    )
    inst.add_argument(
        "--allow-insecure-http",
        action="store_true",
        help=(
            "allow plain http:// for --from, --mirror, the version list and redirects (refused "
            "by default: anyone on the network path could swap the file; add --sha256)"
        ),
    )
    inst.add_argument(
        "--sha256",
        metavar="HEX",
        help="expected sha256 of the tarball (default: checked when the release is pinned)",
    )
    inst.add_argument(
        "--extensions",
        nargs="+",
        action="extend",
        default=[],
        metavar="ID_OR_VSIX",
        help=(
            "VS Code extensions to install (marketplace IDs or .vsix files) into the extensions "
            "dir the Jupyter server uses; with no --version/--from/--force/--prune/--method/"
            "--mirror/--sha256 and a code-server already installed, only the extensions are "
            "installed, with that code-server and no version lookup"
        ),
    )
    inst.add_argument(
        "--extensions-file",
        type=Path,
        metavar="FILE",
        help="more extensions, one per line (# comments allowed)",
    )
    inst.add_argument(
        "--gallery",
        metavar="URL",
        help=(
            "extension gallery for --extensions, e.g. https://open-vsx.org/vscode or a private "
            "one (sets code-server's EXTENSIONS_GALLERY; a JSON object is passed as is)"
        ),
    )
    inst.add_argument(
        "--user-data-dir",
        type=Path,
        metavar="DIR",
        help=(
            "code-server user data dir for --extensions (default: the Jupyter server's, i.e. "
            "c.VSCode.user_data_dir from the Jupyter config or a running server's command line, "
            "else $JUPYTER_VSCODE_USER_DATA_DIR, else ~/.local/share/code-server)"
        ),
    )
    inst.add_argument(
        "--extensions-dir",
        type=Path,
        metavar="DIR",
        help=(
            "extensions dir for --extensions (default: the Jupyter server's, i.e. "
            "c.VSCode.extensions_dir, else $JUPYTER_VSCODE_EXTENSIONS_DIR, else <user data "
            "dir>/extensions); a dir the server does not use gets a warning"
        ),
    )
    inst.add_argument(
        "--prefix",
        type=Path,
        default=None,
        help=f"install prefix (default: ${PREFIX_ENV} or ~/.local/share/jupyter-vscode)",
    )
    inst.add_argument("--force", action="store_true", help="reinstall even if present")
    inst.add_argument(
        "--keep-old-versions",
        action="store_true",
        help=(
            "keep the versions other than the active one (by default they are removed, each "
            "~700 MB, except one a running process still uses)"
        ),
    )
    inst.add_argument(
        "--prune",
        action="store_true",
        help="remove versions other than the active one (the default; kept for old scripts)",
    )
    inst.add_argument("-q", "--quiet", action="store_true", help="print errors only")


def _raise_on_sigterm(signum: int, frame: FrameType | None) -> None:
    # Unwind normally so the installer removes its staging dir and stops npm.
    raise SystemExit(128 + signum)


def _asks_for_an_install(args: argparse.Namespace) -> bool:
    """Whether the options are about code-server itself (a version, a source, an upgrade)."""
    return bool(
        args.cs_version
        or args.source
        or args.force
        or args.prune
        or args.mirror
        or args.sha256
        or args.method != "auto"
    )


def _install(args: argparse.Namespace) -> int:
    # lazy: the extensions' and the server's view bring traitlets (commands/__init__.py)
    from ..installer.extensions import install_extensions, read_extensions_file

    reporter = Reporter(quiet=args.quiet)
    prefix: Path = args.prefix if args.prefix is not None else default_install_prefix()
    method = args.method
    if args.source and method == "auto":
        method = "file"
    options = InstallOptions(
        prefix=prefix,
        method=method,
        version=args.cs_version,
        force=args.force,
        prune=not args.keep_old_versions,
        source=args.source,
        mirror=args.mirror,
        sha256=args.sha256,
        allow_insecure_http=args.allow_insecure_http,
    )
    result = None
    extensions_changed = False
    try:
        if args.source and method != "file":
            raise InstallError(f"--from needs --method file (or no --method), not {method}.")
        extensions = list(args.extensions)
        if args.extensions_file is not None:
            extensions += read_extensions_file(args.extensions_file)
        elif not extensions and (args.user_data_dir or args.extensions_dir):
            raise InstallError(
                "--user-data-dir and --extensions-dir say where --extensions go; give "
                "--extensions ID_OR_VSIX (or --extensions-file FILE) too."
            )
        targets = _extension_targets(args, reporter) if extensions else None
        executable = None
        if targets is not None and not _asks_for_an_install(args):
            executable = _installed_code_server(args, targets, reporter)
        if executable is None:
            result = install(options, reporter)
            executable = result.executable
        if targets is not None:
            extensions_changed = install_extensions(
                executable, extensions, reporter, dirs=targets.dirs, gallery=args.gallery
            )
            if (warning := targets.warning()) is not None:
                reporter.warn(warning)
    except InstallError as exc:
        reporter.error(str(exc))
        return exc.exit_code
    except OSError as exc:
        where = f" ({exc.filename})" if exc.filename else ""
        reporter.error(
            f"the install failed: {exc.strerror or exc}{where}. The previously installed "
            "code-server, if any, is untouched; fix the cause and run the command again."
        )
        return 1
    except KeyboardInterrupt:
        reporter.error("interrupted; the previously installed code-server, if any, is untouched.")
        return 130

    reload = "reload the VS Code tab to use the new extensions"
    if result is None:
        reporter.info(f"done: {reload}" if extensions_changed else NOTHING_TO_CHANGE)
        return 0
    reporter.info(f"code-server {result.install.version} is at {result.install.path}")
    reporter.info(f"launcher: {result.executable}")
    _note_server_code_server(result.executable, reporter)
    if result.changed:
        reporter.info("done: restart Jupyter, or reload the VS Code tab, to use it")
    elif extensions_changed:  # (code-server as it was: the extensions are the change)
        reporter.info(f"done: code-server unchanged, extensions installed: {reload}")
    else:
        reporter.info(NOTHING_TO_CHANGE)
    return 0


def _extension_targets(args: argparse.Namespace, reporter: Reporter) -> Targets:
    """Where the extensions go (the Jupyter server's dirs unless told otherwise), said aloud."""
    # lazy: the server's view brings traitlets and jupyter_core (commands/__init__.py)
    from ..installer.target import resolve

    targets = resolve(args.user_data_dir, args.extensions_dir)
    for warning in targets.warnings:
        reporter.warn(warning)
    reporter.info(f"user data dir: {targets.user_data_dir.describe()}")
    reporter.info(f"extensions dir: {targets.extensions_dir.describe()}")
    return targets


def _installed_code_server(
    args: argparse.Namespace, targets: Targets, reporter: Reporter
) -> Path | None:
    """The code-server to install extensions with, without installing or asking any registry:
    the one in --prefix if given, else the one the Jupyter server runs; None: none yet."""
    if args.prefix is not None:
        candidate = installed_executable(args.prefix.expanduser())
        found = str(candidate) if os.access(candidate, os.X_OK) else None
        via = f"--prefix {args.prefix}"
    else:
        found = targets.code_server.path
        via = targets.code_server_source
        if targets.code_server.configured and found is None:
            configured = Path(targets.code_server.tried[0]).expanduser()
            fix = f"`{INSTALL_HINT} --version VERSION`"
            if configured.parent.name == "bin":  # a prefix's launcher: install there
                fix = f"`{INSTALL_HINT} --prefix {configured.parent.parent}`"
            raise InstallError(
                f"{targets.code_server.message()} ({via}), so the Jupyter server has no "
                f"code-server to run these extensions with. Install it with {fix} (then add "
                "the extensions), or correct that setting and restart Jupyter."
            )
        elif not targets.code_server.configured and found is not None:
            via = {
                "PATH": "code-server on PATH",
                "jupyter vscode install": f"the install prefix {default_install_prefix()}",
            }.get(targets.code_server.source, targets.code_server.source)
    if found is None:
        reporter.info("no code-server is installed yet: installing one first")
        return None
    reporter.info(
        f"using the installed code-server {found} ({via}); no newer version is looked up "
        "(add --version VERSION to install another)"
    )
    return Path(found)


def _note_server_code_server(executable: Path, reporter: Reporter) -> None:
    """Say so when the Jupyter server would run another code-server than the one installed."""
    # lazy: the server's view brings traitlets and jupyter_core (commands/__init__.py)
    from ..installer.target import server_code_server

    found = server_code_server()
    if found is None:
        return
    lookup, source = found
    if lookup.path is not None and os.path.realpath(lookup.path) == os.path.realpath(executable):
        return
    if lookup.configured:
        now = (
            f"the Jupyter server runs {lookup.path}"
            if lookup.path
            else f"the Jupyter server's {lookup.message()}"
        )
        if lookup.setting.startswith("$"):  # this shell's; the server's may differ: a note
            reporter.info(
                f"note: {now} ({source}), not this install; to use this one, set "
                f"{lookup.setting[1:]}={executable} for the Jupyter server (or unset it)"
            )
        else:
            reporter.warn(
                f"{now} ({source}), not this install; to use this one, set "
                f"c.VSCode.code_server = {str(executable)!r} and restart Jupyter (or install "
                "into that prefix with --prefix)"
            )
    else:
        where = {"PATH": "on PATH", "jupyter vscode install": f"in {default_install_prefix()}"}
        which = f"{lookup.path} ({where.get(lookup.source, lookup.source)})"
        reporter.info(
            f"note: the Jupyter server would run {which if lookup.path else 'no code-server'}, "
            f"not this install; set {PREFIX_ENV}={executable.parent.parent} for the Jupyter "
            f"server (or c.VSCode.code_server = {str(executable)!r}) to use this one"
        )


def run(args: argparse.Namespace) -> int:
    previous = signal.signal(signal.SIGTERM, _raise_on_sigterm)
    try:
        return _install(args)
    finally:
        signal.signal(signal.SIGTERM, previous)
