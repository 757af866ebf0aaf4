"""``jupyter vscode lifecycle-config``: a SageMaker lifecycle script that sets everything up."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .._version import __version__
from ..sagemaker.script import (
    APP_TYPES,
    DEFAULT_NAME,
    DEFAULT_WAIT,
    MAX_CONTENT_CHARS,
    MAX_WAIT,
    NI_PREFIX,
    TARGETS,
)
from . import Subcommands, add_command

DESCRIPTION = f"""\
Print a SageMaker lifecycle-configuration script (bash, for on-start / Jupyter server start)
that pip-installs jupyter-vscode into Jupyter's Python (by default jupyter-vscode=={__version__},
the version printing it; --package, --package-version or --wheel choose another), restarts
Jupyter when that changed what it loads, and installs code-server (skipped when already
there). The work runs in the background (SageMaker stops waiting after 5 minutes) and appends to
~/.jupyter-vscode-lifecycle.log (Studio) or
/home/ec2-user/SageMaker/.jupyter-vscode-lifecycle.log (notebook instances); the script
copies those lines to its output (CloudWatch) for up to --wait seconds. Exits with 2 when
the options make the base64 text longer than SageMaker's {MAX_CONTENT_CHARS:,} characters.
"""


SUMMARY = "print a SageMaker lifecycle configuration that installs VS Code for everyone"


def register(sub: Subcommands) -> None:
    p = add_command(
        sub, "lifecycle-config", run, SUMMARY, DESCRIPTION, argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--target", required=True, choices=TARGETS, help="where the script runs")
    pkg = p.add_argument_group("jupyter-vscode package")
    pkg.add_argument(
        "--package",
        metavar="SPEC",
        help="the pip requirement that installs jupyter-vscode, any spec pip takes, e.g. "
        "'jupyter-vscode>=0.1,<0.2' "
        f"(default: jupyter-vscode=={__version__}, this version, from pip's index: PyPI unless "
        "--pip-args says --index-url)",
    )
    pkg.add_argument(
        "--package-version",
        metavar="X",
        help="shorthand for --package jupyter-vscode==X",
    )
    pkg.add_argument(
        "--wheel",
        metavar="PATH|URL|s3://…",
        help="install this wheel instead of PyPI's (offline / VPC-only domains); "
        "s3:// is copied with the AWS CLI",
    )
    pkg.add_argument(
        "--pip-args",
        metavar="ARGS",
        help="extra pip options, e.g. '--index-url https://mirror/simple'",
    )
    pkg.add_argument(
        "--python",
        metavar="PATH",
        help="Jupyter's Python (default: Studio: found at run time; notebook instance: "
        "JupyterSystemEnv's)",
    )
    cs = p.add_argument_group("code-server")
    cs.add_argument(
        "--code-server-tarball",
        metavar="PATH|URL|s3://…",
        help="install this release tarball (jupyter vscode install --method file --from)",
    )
    cs.add_argument("--code-server-sha256", metavar="HEX", help="expected sha256 of the tarball")
    cs.add_argument("--code-server-version", metavar="V", help="code-server version")
    cs.add_argument(
        "--extensions",
        nargs="+",
        default=[],
        metavar="ID|VSIX",
        help="VS Code extensions: marketplace IDs (publisher.name[@version]), absolute paths "
        "of .vsix files on the machine the script runs on (checked when it runs; not copied "
        "into the script), or s3:// URLs of .vsix files",
    )
    cs.add_argument("--gallery", metavar="URL", help="extension gallery (e.g. Open VSX's)")
    cs.add_argument(
        "--allow-insecure-http",
        action="store_true",
        help="allow plain http:// for --wheel and --code-server-tarball (refused by default: "
        "anyone on the network path could replace them; add --code-server-sha256)",
    )
    cs.add_argument(
        "--prefix",
        metavar="DIR",
        help="install prefix (default: Studio: ~/.local/share/jupyter-vscode; notebook "
        f"instance: {NI_PREFIX}, which survives stop/start)",
    )
    running = p.add_argument_group("running")
    running.add_argument(
        "--wait",
        type=int,
        default=DEFAULT_WAIT,
        metavar="SECONDS",
        help=f"copy the background run's lines to the script's output (CloudWatch) until it "
        f"ends or SECONDS pass (default {DEFAULT_WAIT}; 0 to {MAX_WAIT}; 0: return at once)",
    )
    running.add_argument(
        "--fail-on-error",
        action="store_true",
        help="exit 1 when the run FAILED within --wait, so SageMaker marks the start failed "
        "(default: exit 0, a failed VS Code install does not stop Jupyter's start)",
    )
    out = p.add_argument_group("output")
    form = out.add_mutually_exclusive_group()
    form.add_argument(
        "--base64",
        action="store_true",
        help="print the base64 text (what --studio-lifecycle-config-content / --on-start "
        "Content= take)",
    )
    form.add_argument(
        "--aws-cli",
        action="store_true",
        help="print the `aws sagemaker create-…-lifecycle-config` command",
    )
    out.add_argument(
        "--name", default=DEFAULT_NAME, help=f"lifecycle config name (default {DEFAULT_NAME})"
    )
    out.add_argument(
        "--app-type",
        choices=APP_TYPES,
        help=f"Studio app type for --aws-cli (default {APP_TYPES[0]})",
    )
    out.add_argument("-o", "--output", type=Path, metavar="FILE", help="write to FILE")


def run(args: argparse.Namespace) -> int:
    # lazy: only this command loads it (commands/__init__.py)
    from ..sagemaker.script import (
        LifecycleError,
        LifecycleOptions,
        aws_cli_command,
        encode,
        render_script,
    )

    try:
        if args.app_type and args.target != "studio":
            raise LifecycleError("--app-type is for --target studio only")
        script = render_script(
            LifecycleOptions(
                target=args.target,
                package=args.package,
                package_version=args.package_version,
                wheel=args.wheel,
                code_server_tarball=args.code_server_tarball,
                code_server_sha256=args.code_server_sha256,
                code_server_version=args.code_server_version,
                extensions=tuple(args.extensions),
                gallery=args.gallery,
                python=args.python,
                prefix=args.prefix,
                pip_args=args.pip_args,
                allow_insecure_http=args.allow_insecure_http,
                wait=args.wait,
                fail_on_error=args.fail_on_error,
            )
        )
        content = encode(script)  # checks the size limit for every output form
        if args.aws_cli:
            text = aws_cli_command(content, args.target, args.name, args.app_type)
        elif args.base64:
            # a newline on a terminal; none in a file, which `file://` then passes as is
            text = content if args.output else content + "\n"
        else:
            text = script
    except LifecycleError as exc:
        print(f"jupyter vscode lifecycle-config: error: {exc}", file=sys.stderr)
        return 2

    data = text.encode("utf-8")
    if args.output is None:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return 0
    try:
        args.output.write_bytes(data)
        if not (args.base64 or args.aws_cli):
            args.output.chmod(0o755)
    except OSError as exc:
        print(f"jupyter vscode lifecycle-config: error: {args.output}: {exc}", file=sys.stderr)
        return 1
    return 0
