"""SageMaker lifecycle-configuration scripts that install jupyter-vscode and code-server.

The script is ``lifecycle.sh`` next to this module, with ``@@NAME@@`` placeholders that
:func:`render_script` fills with shell-quoted values. SageMaker takes it base64-encoded, at most
16,384 characters of base64; :func:`encode` checks that.
"""

from __future__ import annotations

import base64
import gzip
import re
import shlex
from dataclasses import dataclass, field
from importlib.resources import files

from .. import __version__
from ..redact import redact_urls

STUDIO = "studio"
NOTEBOOK_INSTANCE = "notebook-instance"
TARGETS = (STUDIO, NOTEBOOK_INSTANCE)
APP_TYPES = ("JupyterLab", "JupyterServer")

#: SageMaker's limit on the base64 text of a lifecycle configuration.
MAX_CONTENT_CHARS = 16_384
PYPI_NAME = "jupyter-vscode"
DEFAULT_NAME = "jupyter-vscode"

#: Notebook instances: the Jupyter server's conda env, and the only directory that survives a
#: stop/start (the root volume, home directory included, is re-created).
NI_ENV = "/home/ec2-user/anaconda3/envs/JupyterSystemEnv"
NI_PERSISTENT = "/home/ec2-user/SageMaker"
NI_PREFIX = f"{NI_PERSISTENT}/.jupyter-vscode"
NI_USER_DATA_DIR = f"{NI_PERSISTENT}/.jupyter-vscode-user-data"
NI_SUDO = "sudo -u ec2-user -i"

#: Where the script logs (the script's JV_LOG): Studio's (``~`` is the user's home when it
#: runs) and notebook instances'. The rerun file is next to the log (log.py).
LOG_PATHS = ("~/.jupyter-vscode-lifecycle.log", f"{NI_PERSISTENT}/.jupyter-vscode-lifecycle.log")
#: The lock that serialises runs: as root in /run (only root writes there); as the user in
#: ~/.cache, not in the home directory itself (VS Code's Explorer shows that).
NI_LOCK = "/run/jupyter-vscode-lifecycle.lock"
STUDIO_LOCK = "~/.cache/jupyter-vscode-lifecycle.lock"
#: Seconds the script's foreground follows the background run by default, and at most:
#: SageMaker stops a lifecycle script after 5 minutes (300 s); the margin covers the rest.
DEFAULT_WAIT = 120
MAX_WAIT = 270

_NAME_RE = re.compile(r"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}")
_SHA256_RE = re.compile(r"[0-9a-fA-F]{64}")
_VERSION_RE = re.compile(r"v?[0-9][0-9A-Za-z.+-]*")
_PACKAGE_OPTIONS = ("package", "package_version", "wheel")
# The accepted forms of --extensions (see extension_problem). Characters that are safe as one
# word of the script's space-separated list: no spaces, quotes, globs or shell syntax.
_SAFE = r"[A-Za-z0-9._@+:,=%~/-]"
_NAME_PART = r"[A-Za-z0-9][A-Za-z0-9_-]*"
_EXTENSION_ID_RE = re.compile(rf"{_NAME_PART}\.{_NAME_PART}(@[0-9][0-9A-Za-z.+-]*)?")
_VSIX_PATH_RE = re.compile(rf"/{_SAFE}*\.vsix")
_VSIX_S3_RE = re.compile(rf"s3://[a-z0-9][a-z0-9.-]*/{_SAFE}*\.vsix")
EXTENSION_FORMS = (
    "a marketplace ID (publisher.name or publisher.name@version), "
    "the absolute path of a .vsix file on the machine the script runs on (/path/tool.vsix), "
    "or an s3:// URL of a .vsix file (s3://bucket/key/tool.vsix)"
)


class LifecycleError(ValueError):
    """Options that cannot make a working script; the message says which and why."""


@dataclass(frozen=True)
class LifecycleOptions:
    target: str
    #: a pip requirement for jupyter-vscode (default: ``jupyter-vscode==<this version>``)
    package: str | None = None
    package_version: str | None = None
    wheel: str | None = None
    code_server_tarball: str | None = None
    code_server_sha256: str | None = None
    code_server_version: str | None = None
    extensions: tuple[str, ...] = field(default_factory=tuple)
    gallery: str | None = None
    python: str | None = None
    prefix: str | None = None
    pip_args: str | None = None
    #: plain http:// for --wheel / --code-server-tarball (else refused, here and by the installer)
    allow_insecure_http: bool = False
    #: seconds the foreground copies the run's log lines to its output (0: returns at once)
    wait: int = DEFAULT_WAIT
    #: exit 1 when the run FAILED within the wait (SageMaker then marks the start failed)
    fail_on_error: bool = False


def _check_text(name: str, value: str | None) -> None:
    if value is not None and (not value.strip() or re.search(r"[\x00-\x1f\x7f]", value)):
        raise LifecycleError(f"{name} {value!r}: empty or contains control characters")


def validate(opts: LifecycleOptions) -> None:
    if opts.target not in TARGETS:
        raise LifecycleError(f"unknown target {opts.target!r} (choose {' or '.join(TARGETS)})")
    for name in (
        "package",
        "package_version",
        "wheel",
        "code_server_tarball",
        "code_server_sha256",
        "code_server_version",
        "gallery",
        "python",
        "prefix",
        "pip_args",
    ):
        _check_text("--" + name.replace("_", "-"), getattr(opts, name))
    given = [f"--{n.replace('_', '-')}" for n in _PACKAGE_OPTIONS if getattr(opts, n)]
    if len(given) > 1:
        raise LifecycleError(
            f"{' and '.join(given)} exclude each other: each says which jupyter-vscode to install "
            f"(default: {default_package()}, the version that generates the script)"
        )
    if opts.package and opts.package.lstrip().startswith("-"):
        raise LifecycleError(
            f"--package {opts.package!r}: expected one pip requirement (e.g. "
            "'jupyter-vscode>=0.1,<0.2'), not options: those go in --pip-args"
        )
    if opts.package_version and not _VERSION_RE.fullmatch(opts.package_version):
        raise LifecycleError(f"--package-version {opts.package_version!r} is not a version")
    if opts.code_server_version and not _VERSION_RE.fullmatch(opts.code_server_version):
        raise LifecycleError(f"--code-server-version {opts.code_server_version!r} is not a version")
    if opts.code_server_sha256:
        if not opts.code_server_tarball:
            raise LifecycleError("--code-server-sha256 needs --code-server-tarball")
        if not _SHA256_RE.fullmatch(opts.code_server_sha256):
            raise LifecycleError("--code-server-sha256 must be 64 hex digits")
    for ext in opts.extensions:
        problem = extension_problem(ext)
        if problem:
            raise LifecycleError(f"--extensions {redact_urls(ext)!r}: {problem}")
    if opts.prefix and not opts.prefix.startswith("/"):
        raise LifecycleError(f"--prefix {opts.prefix!r} must be an absolute path")
    for name in ("wheel", "code_server_tarball"):
        value = getattr(opts, name) or ""
        if value.lower().startswith("http://") and not opts.allow_insecure_http:
            raise LifecycleError(
                f"--{name.replace('_', '-')} {redact_urls(value)!r} is plain http: anyone on the "
                "network path could replace it. Use https:// or s3://, or pass "
                "--allow-insecure-http (with --code-server-sha256) on a trusted network"
            )
    if not 0 <= opts.wait <= MAX_WAIT:
        raise LifecycleError(
            f"--wait {opts.wait}: choose 0 to {MAX_WAIT} seconds (SageMaker stops a lifecycle "
            "script after 300 s; 0 returns at once)"
        )
    if opts.pip_args:
        try:
            shlex.split(opts.pip_args)
        except ValueError as exc:
            raise LifecycleError(f"--pip-args {opts.pip_args!r}: {exc}") from None


def extension_problem(ext: str) -> str:
    """Why ``ext`` cannot be one of the script's extensions ('' when it can).

    A .vsix file is not copied into the script (SageMaker takes 16,384 characters of base64):
    the script installs it from where it is when it runs, a path on that machine (checked
    then) or S3. The script passes the list space-separated, so no spaces or shell syntax.
    """
    accepted = f"expected {EXTENSION_FORMS}"
    lower = ext.lower()
    if lower.endswith(".vsix"):
        if _VSIX_PATH_RE.fullmatch(ext) or _VSIX_S3_RE.fullmatch(ext):
            return ""
    elif _EXTENSION_ID_RE.fullmatch(ext):
        return ""
    if re.match(r"[a-z][a-z0-9+.-]*://", lower) and not lower.startswith("s3://"):
        return (
            "URLs are not supported (code-server installs IDs and local files): copy the "
            "file to S3 and give its s3:// URL, or onto the machine (EFS, the image) and give "
            f"its absolute path, or serve a gallery (--gallery); {accepted}"
        )
    if not ext or re.search(rf"[^{_SAFE[1:-1]}]", ext):
        return (
            "contains a space, quote or shell character, which the script's space-separated "
            f"list cannot carry (rename the file); {accepted}"
        )
    if ext.startswith("~"):
        return (
            "the script does not expand ~: give the absolute path (e.g. "
            f"/home/sagemaker-user/tool.vsix on Studio); {accepted}"
        )
    if lower.endswith(".vsix") and not lower.startswith(("/", "s3://")):
        return (
            "a relative path: the script runs in / (notebook instances) or in a directory "
            "you don't choose (Studio), where it would not be found; give the absolute path "
            f"the file has on that machine; {accepted}"
        )
    if lower.startswith(("/", "s3://")):
        return (
            "a path or s3:// URL must name a .vsix file (ending in .vsix, lower case) and "
            f"s3:// be written in lower case; {accepted}"
        )
    return accepted


def default_package() -> str:
    """What a script installs unless told otherwise: the version that generated it."""
    return f"{PYPI_NAME}=={__version__}"


def package_requirement(opts: LifecycleOptions) -> str:
    """The pip argument that installs jupyter-vscode: --wheel, --package, --package-version X
    (``jupyter-vscode==X``), else :func:`default_package`."""
    if opts.wheel or opts.package:
        return opts.wheel or opts.package or ""
    if opts.package_version:
        return f"{PYPI_NAME}=={opts.package_version.lstrip('v')}"
    return default_package()


def _q(value: str | None) -> str:
    """A shell word for ``value`` (nothing for none) that survives ``${VAR-word}``."""
    return shlex.quote(value) if value else ""


def render_script(opts: LifecycleOptions) -> str:
    """The lifecycle script for ``opts``: bash, LF line endings."""
    validate(opts)
    ni = opts.target == NOTEBOOK_INSTANCE
    package = package_requirement(opts)
    pip_args = " ".join(shlex.split(opts.pip_args)) if opts.pip_args else ""
    values = {
        "TITLE": "notebook instance" if ni else "Studio",
        "GENERATOR": __version__,
        # the header's copy (comment: no newline can be in it, validate() refuses those)
        "INSTALLS": redact_urls(package),
        "TARGET": opts.target,
        "PACKAGE": _q(package),
        "PIP_ARGS": _q(pip_args),
        "TARBALL": _q(opts.code_server_tarball),
        "SHA256": _q(opts.code_server_sha256),
        "CS_VERSION": _q(opts.code_server_version),
        "EXTENSIONS": _q(" ".join(opts.extensions)),
        "GALLERY": _q(opts.gallery),
        "ALLOW_HTTP": _q("1" if opts.allow_insecure_http else ""),
        "PREFIX": _q(opts.prefix or (NI_PREFIX if ni else "")),
        "USER_DATA_DIR": _q(NI_USER_DATA_DIR if ni else ""),
        "PYTHON": _q(opts.python or (f"{NI_ENV}/bin/python" if ni else "")),
        "SUDO": _q(NI_SUDO if ni else ""),
        "RESTART": _q("systemctl restart jupyter-server" if ni else "restart-jupyter-server"),
        "WAIT": str(opts.wait),
        "FAIL_ON_ERROR": _q("1" if opts.fail_on_error else ""),
        # literal shell words (not user input): $HOME expands when the script runs
        "LOCK": NI_LOCK if ni else '"$HOME"' + STUDIO_LOCK[1:],
        "LOG": LOG_PATHS[1] if ni else '"$HOME"' + LOG_PATHS[0][1:],
    }
    template = files(__package__).joinpath("lifecycle.sh").read_text(encoding="utf-8")

    def fill(m: re.Match[str]) -> str:
        return values[m.group(1)]

    script = re.sub(r"@@([A-Z0-9_]+)@@", fill, template)
    # SageMaker's 16,384 characters are better spent on long presigned URLs: comments (after
    # the header), indents and blank lines stay in lifecycle.sh, whose Python snippets need none.
    *head, body = script.split("\n", 3)
    body = re.sub(r"^[ \t]*(#.*)?\n", "", body, flags=re.M)
    body = re.sub(r"^[ \t]+", "", body, flags=re.M)
    script = "\n".join([*head, body])
    # a template checked out with CRLF (git autocrlf) would break the script: normalise
    script = script.replace("\r\n", "\n")
    if len(base64.b64encode(script.encode("utf-8"))) > MAX_CONTENT_CHARS:
        script = _compress_code(script)
    return script


#: Where the script's code starts, after its settings.
_CODE_START = "\njv_log() {"


def _compress_code(script: str) -> str:
    """``script`` with its code (everything after the settings) gzip-compressed, for values
    (long presigned URLs) that leave too little of SageMaker's 16,384 characters: the settings
    stay readable, the code is unpacked with ``base64 -d | gunzip`` when the script runs. The
    readable code is what ``lifecycle-config`` prints for shorter values, and lifecycle.sh."""
    at = script.index(_CODE_START) + 1
    packed = base64.b64encode(gzip.compress(script[at:].encode("utf-8"), mtime=0)).decode()
    return (
        script[:at]
        + "# the code, compressed to fit SageMaker's limit "
        + "(jupyter_vscode/sagemaker/lifecycle.sh)\n"
        + f'eval "$(echo {packed} | base64 -d | gunzip)"\n'
    )


def encode(script: str) -> str:
    """The base64 text SageMaker takes (``base64 -A``), checked against its length limit."""
    if "\r" in script:
        raise LifecycleError("the script contains carriage returns, which break it")
    content = base64.b64encode(script.encode("utf-8")).decode("ascii")
    if len(content) > MAX_CONTENT_CHARS:
        raise LifecycleError(
            f"the script is {len(content):,} characters in base64; SageMaker takes at most "
            f"{MAX_CONTENT_CHARS:,}. Shorten the longest values (e.g. s3:// locations instead "
            "of presigned URLs, fewer extensions)."
        )
    return content


def aws_cli_command(
    content: str, target: str, name: str = DEFAULT_NAME, app_type: str | None = None
) -> str:
    """The ``aws sagemaker create-…-lifecycle-config`` command for base64 ``content``."""
    if not _NAME_RE.fullmatch(name):
        raise LifecycleError(
            f"--name {name!r}: SageMaker wants 1-63 letters, digits and single hyphens inside"
        )
    if target == STUDIO:
        app_type = app_type or APP_TYPES[0]
        if app_type not in APP_TYPES:
            raise LifecycleError(f"--app-type {app_type!r}: choose {' or '.join(APP_TYPES)}")
        lines = [
            "aws sagemaker create-studio-lifecycle-config",
            f"--studio-lifecycle-config-name {name}",
            f"--studio-lifecycle-config-content {content}",
            f"--studio-lifecycle-config-app-type {app_type}",
        ]
    else:
        if app_type:
            raise LifecycleError("--app-type is for --target studio only")
        lines = [
            "aws sagemaker create-notebook-instance-lifecycle-config",
            f"--notebook-instance-lifecycle-config-name {name}",
            f"--on-start Content={content}",
        ]
    return " \\\n    ".join(lines) + "\n"
