"""``jupyter vscode install``: install code-server where the extension finds it."""

from __future__ import annotations

import argparse
import signal
from pathlib import Path
from types import FrameType

from ..paths import PREFIX_ENV, default_install_prefix


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from ..installer.methods import AUTO, METHODS

    inst = sub.add_parser(
        "install",
        help="install code-server where the Jupyter extension finds it",
        description=(
            "Install code-server into PREFIX/versions/ and make PREFIX/bin/code-server run it. "
            "Re-running with an installed version is a no-op; the previous version keeps "
            "working until the new one is verified."
        ),
    )
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
        help="VS Code extensions to install afterwards (marketplace IDs or .vsix files)",
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
    inst.set_defaults(run=run)


def _raise_on_sigterm(signum: int, frame: FrameType | None) -> None:
    # Unwind normally so the installer removes its staging dir and stops npm.
    raise SystemExit(128 + signum)


def _install(args: argparse.Namespace) -> int:
    from ..installer import InstallError, InstallOptions, Reporter, install
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
    try:
        if args.source and method != "file":
            raise InstallError(f"--from needs --method file (or no --method), not {method}.")
        extensions = list(args.extensions)
        if args.extensions_file is not None:
            extensions += read_extensions_file(args.extensions_file)
        result = install(options, reporter)
        if extensions:
            install_extensions(result.executable, extensions, reporter, gallery=args.gallery)
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

    reporter.info(f"code-server {result.install.version} is at {result.install.path}")
    reporter.info(f"launcher: {result.executable}")
    if prefix.expanduser().absolute() != default_install_prefix().absolute():
        reporter.info(
            f"note: the Jupyter extension looks in {default_install_prefix()}; set "
            f"{PREFIX_ENV}={prefix} for the Jupyter server (or c.VSCode.code_server) to use this"
        )
    if result.changed:
        reporter.info("done: restart Jupyter, or reload the VS Code tab, to use it")
    else:
        reporter.info("done: nothing to change")
    return 0


def run(args: argparse.Namespace) -> int:
    previous = signal.signal(signal.SIGTERM, _raise_on_sigterm)
    try:
        return _install(args)
    finally:
        signal.signal(signal.SIGTERM, previous)
