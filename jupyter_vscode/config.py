"""The ``c.VSCode.*`` options.

Every option is a trait settable in ``jupyter_server_config.py`` or on the command line
(``--VSCode.start_timeout=60``). Where an environment variable is listed, it is only a
fallback: it supplies the default when the option is not configured.
"""

from __future__ import annotations

import os
import shlex
from typing import Any

from traitlets import Bool, Enum, Float, Int, List, TraitError, Unicode, default, validate
from traitlets.config import Config, Configurable

ENV_PREFIX = "JUPYTER_VSCODE_"


def _env(name: str) -> str | None:
    value = os.environ.get(ENV_PREFIX + name)
    return value if value not in (None, "") else None


#: The launcher options' documented defaults (also used when the options are unusable).
LAUNCHER_DEFAULTS: dict[str, Any] = {
    "launcher_enabled": True,
    "launcher_title": "VS Code",
    "launcher_category": "Other",
}


class InvalidOption(ValueError):
    """A configured value that cannot be used; the message names the option and the value.

    ``option`` is the trait's name when known; ``env`` the environment variable (without
    ``$``) when the value came from one.
    """

    def __init__(self, message: str, option: str | None = None, env: str | None = None):
        super().__init__(message)
        self.option = option
        self.env = env


class VSCode(Configurable):
    """Options of the jupyter-vscode server extension."""

    def __init__(self, **kwargs: Any) -> None:
        self._env_sources: dict[str, str] = {}
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
        help="""code-server --user-data-dir: settings, state and unsaved-edit backups.
        Default: $JUPYTER_VSCODE_USER_DATA_DIR, else ~/.local/share/code-server (code-server's
        own default, kept under the home directory so it survives app restarts).""",
    ).tag(config=True)

    extensions_dir = Unicode(
        help="""code-server --extensions-dir. Default: $JUPYTER_VSCODE_EXTENSIONS_DIR, else
        <user_data_dir>/extensions.""",
    ).tag(config=True)

    extra_args = List(
        Unicode(),
        help="""Extra command-line arguments for code-server, appended last.
        Default: $JUPYTER_VSCODE_EXTRA_ARGS split like a shell would, else [].""",
    ).tag(config=True)

    transport = Enum(
        ["socket", "port"],
        help="""How the proxy reaches code-server. 'socket' (default, from
        $JUPYTER_VSCODE_TRANSPORT if set): a unix socket with mode 0600 in a private 0700
        directory, so only this user's Jupyter can reach it. 'port': TCP on 127.0.0.1:<port>
        only (also reachable through jupyter-server-proxy's /proxy/<port>/ route), which
        every local user of the machine can connect to.""",
    ).tag(config=True)

    port = Int(
        help="""TCP port on 127.0.0.1 when transport is 'port'. Default: $JUPYTER_VSCODE_PORT,
        else 8080.""",
    ).tag(config=True)

    start_timeout = Float(
        help="""Seconds to wait for code-server to answer after it is started before it is
        killed and the start counts as failed. Default: $JUPYTER_VSCODE_START_TIMEOUT, else 60.""",
    ).tag(config=True)

    max_restarts = Int(
        help="""How many failed starts or quick exits in a row are retried (with a growing
        pause) before VS Code is marked failed and a page with its log and a restart button is
        shown. Default: $JUPYTER_VSCODE_MAX_RESTARTS, else 5.""",
    ).tag(config=True)

    health_timeout = Float(
        help="""Seconds code-server may fail its health check (``GET /healthz`` on its socket
        or port, probed every few seconds, each probe waiting up to a third of this) before it
        is killed and started again; such a restart counts like a crash (growing pauses, and
        after max_restarts in a row the failure page). At least three probes in a row must
        fail. Default: $JUPYTER_VSCODE_HEALTH_TIMEOUT, else 30; 0 = no health check.""",
    ).tag(config=True)

    response_timeout = Float(
        help="""Seconds a proxied request waits for code-server to begin its answer (status
        and headers) before the browser gets a 504 page (scripts: JSON). Only the wait for
        the headers is bounded, not a long body being streamed, nor open websockets.
        Default: $JUPYTER_VSCODE_RESPONSE_TIMEOUT, else 120; 0 = wait forever.""",
    ).tag(config=True)

    disable_workspace_trust = Bool(
        help="""Pass --disable-workspace-trust: every folder opens trusted, another user's
        included, whose .vscode settings, tasks and extensions can then run commands as you
        (e.g. a terminal.integrated.env setting in a folder someone sends you a link to).
        Unsafe on a machine shared with other users; trusted_folders is the safe way to open
        your own work without a prompt. Default: $JUPYTER_VSCODE_DISABLE_WORKSPACE_TRUST, else
        False (workspace trust on).""",
    ).tag(config=True)

    trusted_folders = List(
        Unicode(),
        help="""Folders that VS Code opens trusted, without the 'Do you trust the authors?'
        prompt, with everything below them (a subfolder owned by another user or writable by
        other users excepted); every other folder opens in Restricted Mode until you trust it.
        '~' is the home directory, '{root_dir}' Jupyter's root directory (ServerApp.root_dir);
        c.VSCode.folder, when set, is trusted too. '/' is never trusted.
        Default: $JUPYTER_VSCODE_TRUSTED_FOLDERS (paths separated by ':'), else
        ['{root_dir}', '~'].""",
    ).tag(config=True)

    launcher_enabled = Bool(
        help="""Show the VS Code tile in the JupyterLab launcher and the 'New' menus.
        Default: $JUPYTER_VSCODE_LAUNCHER_ENABLED, else True.""",
    ).tag(config=True)

    launcher_title = Unicode(
        help="""Title of the launcher tile and menu entries. Default:
        $JUPYTER_VSCODE_LAUNCHER_TITLE, else 'VS Code'.""",
    ).tag(config=True)

    launcher_category = Unicode(
        help="""JupyterLab launcher section of the tile. Default:
        $JUPYTER_VSCODE_LAUNCHER_CATEGORY, else 'Other'.""",
    ).tag(config=True)

    idle_timeout = Float(
        help="""Stop code-server after this many seconds without real use of VS Code (typing,
        opening files, terminal input; an open but untouched tab does not count), to free its
        memory; the next click starts it again. Default: $JUPYTER_VSCODE_IDLE_TIMEOUT, else 0 =
        never.""",
    ).tag(config=True)

    trusted_origins = List(
        Unicode(),
        help="""Hosts whose Origin code-server accepts for websockets besides the request's
        Host (code-server --trusted-origins): set it to the public host name when a front proxy
        rewrites Host without setting X-Forwarded-Host. Never '*'. Default:
        $JUPYTER_VSCODE_TRUSTED_ORIGINS (comma-separated), else [].""",
    ).tag(config=True)

    prestart = Bool(
        help="""Start code-server in the background when Jupyter starts, so that the first click
        on VS Code is as fast as a reload instead of waiting for code-server to start (its
        memory is used from then on; with idle_timeout it stops again when unused).
        Default: $JUPYTER_VSCODE_PRESTART, else False (start on the first request).""",
    ).tag(config=True)

    pass_jupyter_credentials = Bool(
        help="""Leave Jupyter's and JupyterHub's tokens (JUPYTER_TOKEN, JUPYTERHUB_API_TOKEN,
        JPY_API_TOKEN) in code-server's environment, so that its terminals and extensions can
        use them (as Jupyter's own terminals can). Default:
        $JUPYTER_VSCODE_PASS_JUPYTER_CREDENTIALS, else False (removed).""",
    ).tag(config=True)

    log_dir = Unicode(
        help="""Directory for code-server's log (rotating, one file per Jupyter server).
        Default: $JUPYTER_VSCODE_LOG_DIR, else <Jupyter runtime dir>/jupyter-vscode.""",
    ).tag(config=True)

    # ---- defaults: environment variable, else the documented value ----

    def _from_env(self, trait_name: str, env_name: str, fallback: Any) -> Any:
        raw = _env(env_name)
        if raw is None:
            return fallback
        self._env_sources[trait_name] = f"${ENV_PREFIX}{env_name}={raw!r}"
        trait = self.traits()[trait_name]
        try:
            if isinstance(trait, List):
                return shlex.split(raw)
            if isinstance(trait, Bool):
                lowered = raw.strip().lower()
                if lowered in ("1", "true", "yes", "on"):
                    return True
                if lowered in ("0", "false", "no", "off"):
                    return False
                raise ValueError("expected true/false")
            return trait.from_string(raw)
        except (ValueError, TraitError) as e:
            raise InvalidOption(
                f"${ENV_PREFIX}{env_name}={raw!r} is not a valid value for "
                f"c.VSCode.{trait_name}: {e}",
                trait_name,
                ENV_PREFIX + env_name,
            ) from None

    @default("code_server")
    def _default_code_server(self) -> str:
        return str(self._from_env("code_server", "CODE_SERVER", ""))

    @default("folder")
    def _default_folder(self) -> str:
        return str(self._from_env("folder", "FOLDER", ""))

    @default("user_data_dir")
    def _default_user_data_dir(self) -> str:
        fallback = os.path.join(os.path.expanduser("~"), ".local", "share", "code-server")
        return str(self._from_env("user_data_dir", "USER_DATA_DIR", fallback))

    @default("extensions_dir")
    def _default_extensions_dir(self) -> str:
        fallback = os.path.join(self.user_data_dir, "extensions")
        return str(self._from_env("extensions_dir", "EXTENSIONS_DIR", fallback))

    @default("extra_args")
    def _default_extra_args(self) -> list[str]:
        return list(self._from_env("extra_args", "EXTRA_ARGS", []))

    @default("transport")
    def _default_transport(self) -> str:
        value = self._from_env("transport", "TRANSPORT", "socket")
        if value not in ("socket", "port"):
            raise InvalidOption(
                f"${ENV_PREFIX}TRANSPORT={value!r} is not a valid value for "
                "c.VSCode.transport: expected 'socket' or 'port'",
                "transport",
                ENV_PREFIX + "TRANSPORT",
            )
        return str(value)

    @default("port")
    def _default_port(self) -> int:
        return int(self._from_env("port", "PORT", 8080))

    @default("start_timeout")
    def _default_start_timeout(self) -> float:
        return float(self._from_env("start_timeout", "START_TIMEOUT", 60.0))

    @default("max_restarts")
    def _default_max_restarts(self) -> int:
        return int(self._from_env("max_restarts", "MAX_RESTARTS", 5))

    @default("health_timeout")
    def _default_health_timeout(self) -> float:
        return float(self._from_env("health_timeout", "HEALTH_TIMEOUT", 30.0))

    @default("response_timeout")
    def _default_response_timeout(self) -> float:
        return float(self._from_env("response_timeout", "RESPONSE_TIMEOUT", 120.0))

    @default("disable_workspace_trust")
    def _default_disable_workspace_trust(self) -> bool:
        return bool(self._from_env("disable_workspace_trust", "DISABLE_WORKSPACE_TRUST", False))

    @default("trusted_folders")
    def _default_trusted_folders(self) -> list[str]:
        raw = _env("TRUSTED_FOLDERS")
        if raw is None:
            return ["{root_dir}", "~"]
        self._env_sources["trusted_folders"] = f"${ENV_PREFIX}TRUSTED_FOLDERS={raw!r}"
        return [part for part in raw.split(":") if part.strip()]

    @default("launcher_enabled")
    def _default_launcher_enabled(self) -> bool:
        fallback = LAUNCHER_DEFAULTS["launcher_enabled"]
        return bool(self._from_env("launcher_enabled", "LAUNCHER_ENABLED", fallback))

    @default("launcher_title")
    def _default_launcher_title(self) -> str:
        fallback = LAUNCHER_DEFAULTS["launcher_title"]
        return str(self._from_env("launcher_title", "LAUNCHER_TITLE", fallback))

    @default("launcher_category")
    def _default_launcher_category(self) -> str:
        fallback = LAUNCHER_DEFAULTS["launcher_category"]
        return str(self._from_env("launcher_category", "LAUNCHER_CATEGORY", fallback))

    @default("idle_timeout")
    def _default_idle_timeout(self) -> float:
        return float(self._from_env("idle_timeout", "IDLE_TIMEOUT", 0.0))

    @default("trusted_origins")
    def _default_trusted_origins(self) -> list[str]:
        raw = _env("TRUSTED_ORIGINS")
        if raw is None:
            return []
        self._env_sources["trusted_origins"] = f"${ENV_PREFIX}TRUSTED_ORIGINS={raw!r}"
        return [part.strip() for part in raw.split(",") if part.strip()]

    @default("prestart")
    def _default_prestart(self) -> bool:
        return bool(self._from_env("prestart", "PRESTART", False))

    @default("pass_jupyter_credentials")
    def _default_pass_jupyter_credentials(self) -> bool:
        return bool(self._from_env("pass_jupyter_credentials", "PASS_JUPYTER_CREDENTIALS", False))

    @default("log_dir")
    def _default_log_dir(self) -> str:
        from jupyter_core.paths import jupyter_runtime_dir

        fallback = os.path.join(jupyter_runtime_dir(), "jupyter-vscode")
        return str(self._from_env("log_dir", "LOG_DIR", fallback))

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
                if name in self._env_sources:
                    msg = f"{self._env_sources[name]} (fallback for c.VSCode.{name}): {msg}"
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
        source = self._env_sources.get(name)
        return source[1:].split("=", 1)[0] if source else None

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
