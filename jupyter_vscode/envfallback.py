"""Environment variables as fallbacks for the ``c.VSCode`` options: the one table, one resolver.

Each option's default is declared in its trait (config.py), where ``--help-all`` shows it.
``FALLBACKS`` names, per option, the ``JUPYTER_VSCODE_*`` variable that replaces that default
when the option is set neither in a config file nor on the command line, and how the variable's
text is parsed. ``resolve`` is the only code that reads those variables: the options' dynamic
defaults call it (traitlets asks for a default only when nothing set the option, so configured
values always win), and it records which variable supplied a value, for the doctor and for the
message that names what to fix.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from traitlets import HasTraits, TraitError, TraitType

ENV_PREFIX = "JUPYTER_VSCODE_"


class InvalidOption(ValueError):
    """A configured value that cannot be used; the message names the option and the value.

    ``option`` is the trait's name when known; ``env`` the environment variable (without
    ``$``) when the value came from one.
    """

    def __init__(self, message: str, option: str | None = None, env: str | None = None):
        super().__init__(message)
        self.option = option
        self.env = env


def _as_value(raw: str, trait: TraitType[Any, Any]) -> Any:
    return trait.from_string(raw)


def _as_bool(raw: str, trait: TraitType[Any, Any]) -> bool:
    lowered = raw.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ValueError("expected true/false")


@dataclass(frozen=True)
class Parser:
    """How a variable's text becomes the option's value."""

    #: what the README's table says after the variable ('' = nothing: the option's own syntax)
    readme: str
    parse: Callable[[str, TraitType[Any, Any]], Any]


VALUE = Parser("", _as_value)  # a number, one of the choices, or text
BOOL = Parser("", _as_bool)  # 1/true/yes/on, 0/false/no/off
SHELL_WORDS = Parser("split like a shell", lambda raw, _trait: shlex.split(raw))
PATHS = Parser("separated by `:`", lambda raw, _trait: [p for p in raw.split(":") if p.strip()])
HOSTS = Parser(
    "comma-separated", lambda raw, _trait: [p.strip() for p in raw.split(",") if p.strip()]
)


@dataclass(frozen=True)
class Fallback:
    option: str
    var: str
    parser: Parser = VALUE

    def raw(self, environ: Mapping[str, str] | None = None) -> str | None:
        """The variable's text; None when it is unset or empty."""
        value = (os.environ if environ is None else environ).get(self.var)
        return value if value not in (None, "") else None


#: option -> the environment variable that supplies it when it is not configured
FALLBACKS: dict[str, Fallback] = {
    f.option: f
    for f in (
        Fallback("code_server", "JUPYTER_VSCODE_CODE_SERVER"),
        Fallback("folder", "JUPYTER_VSCODE_FOLDER"),
        Fallback("user_data_dir", "JUPYTER_VSCODE_USER_DATA_DIR"),
        Fallback("extensions_dir", "JUPYTER_VSCODE_EXTENSIONS_DIR"),
        Fallback("extra_args", "JUPYTER_VSCODE_EXTRA_ARGS", SHELL_WORDS),
        Fallback("transport", "JUPYTER_VSCODE_TRANSPORT"),
        Fallback("port", "JUPYTER_VSCODE_PORT"),
        Fallback("start_timeout", "JUPYTER_VSCODE_START_TIMEOUT"),
        Fallback("max_restarts", "JUPYTER_VSCODE_MAX_RESTARTS"),
        Fallback("health_timeout", "JUPYTER_VSCODE_HEALTH_TIMEOUT"),
        Fallback("response_timeout", "JUPYTER_VSCODE_RESPONSE_TIMEOUT"),
        Fallback("disable_workspace_trust", "JUPYTER_VSCODE_DISABLE_WORKSPACE_TRUST", BOOL),
        Fallback("trusted_folders", "JUPYTER_VSCODE_TRUSTED_FOLDERS", PATHS),
        Fallback("launcher_enabled", "JUPYTER_VSCODE_LAUNCHER_ENABLED", BOOL),
        Fallback("launcher_title", "JUPYTER_VSCODE_LAUNCHER_TITLE"),
        Fallback("launcher_category", "JUPYTER_VSCODE_LAUNCHER_CATEGORY"),
        Fallback("idle_timeout", "JUPYTER_VSCODE_IDLE_TIMEOUT"),
        Fallback("trusted_origins", "JUPYTER_VSCODE_TRUSTED_ORIGINS", HOSTS),
        Fallback("prestart", "JUPYTER_VSCODE_PRESTART", BOOL),
        Fallback("pass_jupyter_credentials", "JUPYTER_VSCODE_PASS_JUPYTER_CREDENTIALS", BOOL),
        Fallback("log_dir", "JUPYTER_VSCODE_LOG_DIR"),
    )
}


@dataclass(frozen=True)
class EnvSource:
    """The variable that supplied an option's value, and its text."""

    var: str
    raw: str

    def __str__(self) -> str:
        return f"${self.var}={self.raw!r}"


#: what ``resolve`` returns when the variable is not set: use the trait's declared default
UNSET: Any = object()


def resolve(owner: HasTraits, option: str, sources: dict[str, EnvSource]) -> Any:
    """``option``'s value from its environment variable, or UNSET when that is not set.

    Records the variable in ``sources[option]``. The value is checked against the trait's
    type (its ``@validate`` rules run later, in VSCode.validate_all); text that does not parse
    raises InvalidOption naming the variable and the option.
    """
    fallback = FALLBACKS[option]
    raw = fallback.raw()
    if raw is None:
        return UNSET
    sources[option] = EnvSource(fallback.var, raw)
    trait = owner.traits()[option]
    try:
        value = fallback.parser.parse(raw, trait)
        trait.validate(owner, value)  # type: ignore[attr-defined]  # type check, no @validate
    except (ValueError, TraitError) as e:
        raise InvalidOption(
            f"{sources[option]} is not a valid value for c.VSCode.{option}: {e}",
            option,
            fallback.var,
        ) from None
    return value
