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
    parser: Parser = VALUE

    @property
    def var(self) -> str:
        """The variable: ``$JUPYTER_VSCODE_<OPTION>``, as each trait's help names it."""
        return ENV_PREFIX + self.option.upper()

    def raw(self, environ: Mapping[str, str] | None = None) -> str | None:
        """The variable's text; None when it is unset or empty."""
        value = (os.environ if environ is None else environ).get(self.var)
        return value if value not in (None, "") else None


def _fallbacks(parser: Parser, options: str) -> list[Fallback]:
    return [Fallback(option, parser) for option in options.split()]


#: option -> the environment variable that supplies it when it is not configured (its name
#: is the option's, see Fallback.var), by how the variable's text is parsed
FALLBACKS: dict[str, Fallback] = {
    f.option: f
    for f in (
        *_fallbacks(
            VALUE,
            "code_server folder user_data_dir extensions_dir transport port start_timeout"
            " max_restarts health_timeout response_timeout launcher_title launcher_category"
            " idle_timeout log_dir forwarded_ports_sandbox",
        ),
        *_fallbacks(
            BOOL, "disable_workspace_trust launcher_enabled prestart pass_jupyter_credentials"
        ),
        Fallback("extra_args", SHELL_WORDS),
        Fallback("trusted_folders", PATHS),
        Fallback("trusted_origins", HOSTS),
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
