"""The ``c.VSCode.*`` options.

Every option is a trait settable in ``jupyter_server_config.py`` or on the command line
(``--VSCode.start_timeout=60``), declared once here with its default. Where an environment
variable is listed (envfallback.FALLBACKS), it is only a fallback: it replaces the default when
the option is not configured.
"""

from __future__ import annotations

import os
from typing import Any

from traitlets import Bool, Enum, Float, Int, List, TraitError, Unicode, default, validate
from traitlets.config import Config, Configurable

from .envfallback import ENV_PREFIX, FALLBACKS, UNSET, EnvSource, InvalidOption, resolve
from .ports import DEFAULT_SANDBOX, SANDBOX_KEYWORDS

__all__ = ["ENV_PREFIX", "InvalidOption", "VSCode", "load_options"]

#: Defaults that depend on the machine, written as the help shows them: the placeholder at the
#: start is replaced when the value is used.
PLACEHOLDERS = {
    "~": lambda self: os.path.expanduser("~"),
    "<user_data_dir>": lambda self: self.user_data_dir,
    "<Jupyter runtime dir>": lambda self: _runtime_dir(),
}


def _runtime_dir() -> str:
    from jupyter_core.paths import jupyter_runtime_dir

    return str(jupyter_runtime_dir())


def _env_or_declared_default(option: str) -> Any:
    """The dynamic default of ``option``: its environment fallback, else the trait's default."""

    def generate(self: VSCode) -> Any:
        value = resolve(self, option, self.env_sources)
        return self.declared_default(option) if value is UNSET else value

    return default(option)(generate)


class VSCode(Configurable):
    """Options of the jupyter-vscode server extension."""

    def __init__(self, **kwargs: Any) -> None:
        #: option -> the environment variable that supplied its value
        self.env_sources: dict[str, EnvSource] = {}
        super().__init__(**kwargs)

    code_server = Unicode(
        "",
        help="""Path to the code-server executable. Default: '' = look it up, in this order:
        $JUPYTER_VSCODE_CODE_SERVER, `code-server` on PATH, then the launcher that
        `jupyter vscode install` maintains ($JUPYTER_VSCODE_PREFIX or
        ~/.local/share/jupyter-vscode)/bin/code-server, then ~/.local/bin/code-server.""",
    ).tag(config=True)

    folder = Unicode(
        "",
        help="""Folder VS Code opens when no folder is given in the URL.
        Default: $JUPYTER_VSCODE_FOLDER, else '' = Jupyter's root directory
        (ServerApp.root_dir).""",
    ).tag(config=True)

    user_data_dir = Unicode(
        "~/.local/share/code-server",
        help="""code-server --user-data-dir: settings, state and unsaved-edit backups.
        Default: $JUPYTER_VSCODE_USER_DATA_DIR, else ~/.local/share/code-server (code-server's
        own default, kept under the home directory so it survives app restarts).""",
    ).tag(config=True)

    extensions_dir = Unicode(
        "<user_data_dir>/extensions",
        help="""code-server --extensions-dir. Default: $JUPYTER_VSCODE_EXTENSIONS_DIR, else
        <user_data_dir>/extensions.""",
    ).tag(config=True)

    extra_args = List(
        Unicode(),
        [],
        help="""Extra command-line arguments for code-server, appended last.
        Default: $JUPYTER_VSCODE_EXTRA_ARGS split like a shell would, else [].""",
    ).tag(config=True)

    transport = Enum(
        ["socket", "port"],
        "socket",
        help="""How the proxy reaches code-server. 'socket' (default, from
        $JUPYTER_VSCODE_TRANSPORT if set): a unix socket with mode 0600 in a private 0700
        directory, so only this user's Jupyter can reach it. 'port': TCP on 127.0.0.1:<port>
        only (also reachable through jupyter-server-proxy's /proxy/<port>/ route), which
        every local user of the machine can connect to.""",
    ).tag(config=True)

    port = Int(
        8080,
        help="""TCP port on 127.0.0.1 when transport is 'port'. Default: $JUPYTER_VSCODE_PORT,
        else 8080.""",
    ).tag(config=True)

    start_timeout = Float(
        60.0,
        help="""Seconds to wait for code-server to answer after it is started before it is
        killed and the start counts as failed. Default: $JUPYTER_VSCODE_START_TIMEOUT, else 60.""",
    ).tag(config=True)

    max_restarts = Int(
        5,
        help="""How many failed starts or quick exits in a row are retried (with a growing
        pause) before VS Code is marked failed and a page with its log and a restart button is
        shown. Default: $JUPYTER_VSCODE_MAX_RESTARTS, else 5.""",
    ).tag(config=True)

    health_timeout = Float(
        30.0,
        help="""Seconds code-server may fail its health check (``GET /healthz`` on its socket
        or port, probed every few seconds, each probe waiting up to a third of this) before it
        is killed and started again; such a restart counts like a crash (growing pauses, and
        after max_restarts in a row the failure page). At least three probes in a row must
        fail. Default: $JUPYTER_VSCODE_HEALTH_TIMEOUT, else 30; 0 = no health check.""",
    ).tag(config=True)

    response_timeout = Float(
        120.0,
        help="""Seconds a proxied request waits for code-server to begin its answer (status
        and headers) before the browser gets a 504 page (scripts: JSON). Only the wait for
        the headers is bounded, not a long body being streamed, nor open websockets.
        Default: $JUPYTER_VSCODE_RESPONSE_TIMEOUT, else 120; 0 = wait forever.""",
    ).tag(config=True)

    disable_workspace_trust = Bool(
        False,
        help="""Pass --disable-workspace-trust: every folder opens trusted, another user's
        included, whose .vscode settings, tasks and extensions can then run commands as you
        (e.g. a terminal.integrated.env setting in a folder someone sends you a link to).
        Unsafe on a machine shared with other users; trusted_folders is the safe way to open
        your own work without a prompt. Default: $JUPYTER_VSCODE_DISABLE_WORKSPACE_TRUST, else
        False (workspace trust on).""",
    ).tag(config=True)

    trusted_folders = List(
        Unicode(),
        ["{root_dir}", "~"],
        help="""Folders that VS Code opens trusted, without the 'Do you trust the authors?'
        prompt, with everything below them (except where a folder on the way is owned by
        another user, or writable by its group or by others: a team folder opens in Restricted
        Mode); every other folder opens in Restricted Mode until you trust it.
        '~' is the home directory, '{root_dir}' Jupyter's root directory (ServerApp.root_dir);
        c.VSCode.folder, when set, is trusted too. '/' is never trusted.
        Default: $JUPYTER_VSCODE_TRUSTED_FOLDERS (paths separated by ':'), else
        ['{root_dir}', '~'].""",
    ).tag(config=True)

    launcher_enabled = Bool(
        True,
        help="""Show the VS Code tile in the JupyterLab launcher and the 'New' menus.
        Default: $JUPYTER_VSCODE_LAUNCHER_ENABLED, else True.""",
    ).tag(config=True)

    launcher_title = Unicode(
        "VS Code",
        help="""Title of the launcher tile and menu entries. Default:
        $JUPYTER_VSCODE_LAUNCHER_TITLE, else 'VS Code'.""",
    ).tag(config=True)

    launcher_category = Unicode(
        "Other",
        help="""JupyterLab launcher section of the tile. Default:
        $JUPYTER_VSCODE_LAUNCHER_CATEGORY, else 'Other'.""",
    ).tag(config=True)

    idle_timeout = Float(
        0.0,
        help="""Stop code-server after this many seconds without real use of VS Code (typing,
        opening files, terminal input; an open but untouched tab does not count), to free its
        memory; the next click starts it again. Default: $JUPYTER_VSCODE_IDLE_TIMEOUT, else 0 =
        never.""",
    ).tag(config=True)

    trusted_origins = List(
        Unicode(),
        [],
        help="""Hosts whose Origin code-server accepts for websockets besides the request's
        Host (code-server --trusted-origins): set it to the public host name when a front proxy
        rewrites Host without setting X-Forwarded-Host. Never '*'. Default:
        $JUPYTER_VSCODE_TRUSTED_ORIGINS (comma-separated), else [].""",
    ).tag(config=True)

    forwarded_ports_sandbox = Unicode(
        DEFAULT_SANDBOX,
        help=f"""The sandbox every page of a port forwarded through VS Code
        (<base_url>vscode/proxy/<port>/, absproxy) gets, as Content-Security-Policy: sandbox:
        an opaque origin, so a page another user serves on a port cannot act as you in Jupyter.
        Space-separated sandbox keywords; 'allow-same-origin' is refused. '' (or 'off') turns
        the sandbox off: forwarded pages are then same-origin with Jupyter, and any page that
        a forwarded port serves can use Jupyter as you (open a terminal, run code); apps on
        vscode/absproxy/ that build absolute URLs need that. Default:
        $JUPYTER_VSCODE_FORWARDED_PORTS_SANDBOX, else {DEFAULT_SANDBOX!r}.""",
    ).tag(config=True)

    prestart = Bool(
        False,
        help="""Start code-server in the background when Jupyter starts, so that the first click
        on VS Code is as fast as a reload instead of waiting for code-server to start (its
        memory is used from then on; with idle_timeout it stops again when unused).
        Default: $JUPYTER_VSCODE_PRESTART, else False (start on the first request).""",
    ).tag(config=True)

    pass_jupyter_credentials = Bool(
        False,
        help="""Leave Jupyter's and JupyterHub's tokens (JUPYTER_TOKEN, JUPYTERHUB_API_TOKEN,
        JPY_API_TOKEN) in code-server's environment, so that its terminals and extensions can
        use them (as Jupyter's own terminals can). Default:
        $JUPYTER_VSCODE_PASS_JUPYTER_CREDENTIALS, else False (removed).""",
    ).tag(config=True)

    log_dir = Unicode(
        "<Jupyter runtime dir>/jupyter-vscode",
        help="""Directory for code-server's log (rotating, one file per Jupyter server).
        Default: $JUPYTER_VSCODE_LOG_DIR, else <Jupyter runtime dir>/jupyter-vscode.""",
    ).tag(config=True)

    # one dynamic default per option: its environment fallback, else the declared default
    locals().update({f"_default_{name}": _env_or_declared_default(name) for name in FALLBACKS})

    def declared_default(self, name: str) -> Any:
        """The trait's own default, a placeholder at its start (PLACEHOLDERS) replaced."""
        value = self.traits()[name].default()
        if isinstance(value, str):
            for placeholder, expand in PLACEHOLDERS.items():
                if value == placeholder or value.startswith(placeholder + "/"):
                    rest = value[len(placeholder) + 1 :]
                    return os.path.join(expand(self), rest) if rest else expand(self)
        return value

    # ---- validation ----

    @validate("port")
    def _check_port(self, proposal: Any) -> int:
        value = int(proposal["value"])
        if not 1 <= value <= 65535:
            raise TraitError(f"c.VSCode.port={value!r}: expected a TCP port from 1 to 65535")
        return value

    @validate("start_timeout")
    def _check_start_timeout(self, proposal: Any) -> float:
        value = float(proposal["value"])
        if not 0 < value < float("inf"):
            raise TraitError(f"c.VSCode.start_timeout={value!r}: expected a number of seconds > 0")
        return value

    @validate("max_restarts")
    def _check_max_restarts(self, proposal: Any) -> int:
        value = int(proposal["value"])
        if value < 0:
            raise TraitError(f"c.VSCode.max_restarts={value!r}: expected 0 or more")
        return value

    @validate("health_timeout", "response_timeout")
    def _check_seconds_or_off(self, proposal: Any) -> float:
        value = float(proposal["value"])
        if not 0 <= value < float("inf"):
            name = proposal["trait"].name
            raise TraitError(f"c.VSCode.{name}={value!r}: expected seconds >= 0 (0 = off)")
        return value

    @validate("idle_timeout")
    def _check_idle_timeout(self, proposal: Any) -> float:
        value = float(proposal["value"])
        if value < 0 or value != value:
            raise TraitError(f"c.VSCode.idle_timeout={value!r}: expected seconds >= 0 (0 = never)")
        return value

    @validate("trusted_origins")
    def _check_trusted_origins(self, proposal: Any) -> list[str]:
        value = list(proposal["value"])
        for origin in value:
            if origin.strip() in ("*", "") or any(c.isspace() for c in origin):
                raise TraitError(
                    f"c.VSCode.trusted_origins contains {origin!r}: list host names, "
                    "never '*' (that would let any web page drive this VS Code)"
                )
        return value

    @validate("forwarded_ports_sandbox")
    def _check_forwarded_ports_sandbox(self, proposal: Any) -> str:
        words = str(proposal["value"]).split()
        if words == ["off"]:
            return ""
        for word in words:
            if word == "allow-same-origin":
                raise TraitError(
                    "c.VSCode.forwarded_ports_sandbox contains 'allow-same-origin': that would "
                    "make forwarded pages same-origin with Jupyter, which the sandbox is there "
                    "to prevent; set '' to turn the sandbox off instead"
                )
            if word not in SANDBOX_KEYWORDS:
                raise TraitError(
                    f"c.VSCode.forwarded_ports_sandbox contains {word[:60]!r}: expected "
                    f"sandbox keywords such as {DEFAULT_SANDBOX!r}, or '' for no sandbox"
                )
        return " ".join(words)

    @validate("trusted_folders")
    def _check_trusted_folders(self, proposal: Any) -> list[str]:
        value = list(proposal["value"])
        for entry in value:
            if "\0" in entry or not entry.startswith(("/", "~", "{root_dir}")):
                raise TraitError(
                    f"c.VSCode.trusted_folders contains {entry!r}: expected absolute paths, "
                    "'~...' or '{root_dir}...'"
                )
        return value

    @validate("launcher_title")
    def _check_title(self, proposal: Any) -> str:
        value = str(proposal["value"])
        if not value.strip():
            raise TraitError(f"c.VSCode.launcher_title={value!r}: expected a non-empty title")
        return value

    def validate_all(self) -> None:
        """Resolve every option now, so a bad value is reported at startup, not at first use.

        Raises InvalidOption with a message naming the option and the bad value.
        """
        for name in sorted(self.trait_names(config=True)):
            try:
                # assigning runs the validators, which dynamic defaults skip
                self.set_trait(name, getattr(self, name))
            except InvalidOption:
                raise
            except TraitError as e:
                msg = str(e)
                if "c.VSCode." not in msg:
                    msg = f"c.VSCode.{name}: {msg}"
                env = None
                if name in self.env_sources:
                    msg = f"{self.env_sources[name]} (fallback for c.VSCode.{name}): {msg}"
                    env = self._env_var(name)
                raise InvalidOption(msg, name, env) from None
        for name in ("user_data_dir", "extensions_dir", "log_dir", "folder", "code_server"):
            value = getattr(self, name)
            if "\0" in value:
                raise InvalidOption(
                    f"c.VSCode.{name}={value!r}: contains a NUL character",
                    name,
                    self._env_var(name),
                )

    def _env_var(self, name: str) -> str | None:
        """The environment variable that supplied option ``name`` (without ``$``), if any."""
        source = self.env_sources.get(name)
        return source.var if source else None

    def setting(self, name: str) -> str:
        """How the user set option ``name``: ``$JUPYTER_VSCODE_...`` or ``c.VSCode.name``."""
        getattr(self, name)  # resolves the default, which records an environment source
        env = self._env_var(name)
        return f"${env}" if env else f"c.VSCode.{name}"


def load_options(parent: Configurable) -> VSCode:
    """The options of ``parent``'s config, every one resolved and validated.

    Raises InvalidOption naming the first bad option (also for a value traitlets itself
    rejects while loading the config, e.g. ``--VSCode.transport=bogus``).
    """
    try:
        vscode = VSCode(parent=parent)
    except TraitError as e:
        section = parent.config.get("VSCode", {})
        name, value = _first_rejected(section)
        msg = str(e)
        if name is not None and "c.VSCode." not in msg:
            msg = f"c.VSCode.{name}={value!r}: {msg}"
        raise InvalidOption(msg, name) from None
    vscode.validate_all()
    return vscode


def _first_rejected(section: Any) -> tuple[str | None, Any]:
    """The first option of a ``VSCode`` config section that traitlets rejects on its own."""
    for name, value in section.items():
        try:
            VSCode(config=Config({"VSCode": {name: value}}))
        except TraitError:
            # a command-line value is a DeferredConfigString: show it as the str it is
            return name, str(value) if isinstance(value, str) else value
    return None, None
