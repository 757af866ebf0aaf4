"""A Jupyter server whose ``c.VSCode`` options are invalid: VS Code stays off, and says why.

Instead of registering nothing (a vanished launcher tile and a bare 404), the extension
serves the same routes with a stand-in for the Supervisor: ``/vscode/`` explains which option
is wrong and where to fix it, the status API reports ``misconfigured`` with that message, and
nothing ever starts code-server.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from traitlets import TraitError
from traitlets.config import Config, Configurable

from . import pages
from .access import RouteHandler, vscode_access
from .answers import send_answer, wants_page
from .config import InvalidOption, VSCode
from .states import State

#: the options the launcher tile needs, kept usable while another option is invalid
LAUNCHER_OPTIONS = ("launcher_enabled", "launcher_title", "launcher_category")


class Misconfigured(RuntimeError):
    """code-server cannot start because an option is invalid; the message says how to fix it."""


def where_to_fix(error: InvalidOption, cli_config: Config, config_files: Iterable[str]) -> str:
    """Where the bad value came from, as an instruction ("fix ... and restart Jupyter")."""
    name = error.option
    if error.env:
        return (
            f"Fix or unset ${error.env} in the environment Jupyter is started with, "
            "and restart Jupyter."
        )
    if name and name in cli_config.get("VSCode", {}):
        return f"Fix --VSCode.{name} on the command line that starts Jupyter, and restart Jupyter."
    option = f"c.VSCode.{name}" if name else "the c.VSCode option"
    files = [path for path in config_files if _mentions_vscode(path)]
    where = f" ({', '.join(files)})" if files else ""
    return f"Fix {option} in the Jupyter config file that sets it{where}, and restart Jupyter."


def _mentions_vscode(path: str) -> bool:
    """Whether a loaded config file could set a c.VSCode option (read, never executed)."""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return "VSCode" in f.read()
    except OSError:
        return False


def explain(error: InvalidOption, app: Any) -> str:
    """The whole message: the bad option and value, then where to fix it."""
    cli = getattr(app, "cli_config", None) or Config()
    files = getattr(app, "loaded_config_files", None) or []
    return f"{str(error).rstrip('.')}. {where_to_fix(error, cli, files)}"


def usable_launcher_options(parent: Configurable) -> VSCode:
    """Options for the launcher tile: each launcher option as configured if that value is
    valid, else its declared default (the tile stays and opens the explanation page)."""
    section = parent.config.get("VSCode", {})
    values: dict[str, Any] = {}
    for name in LAUNCHER_OPTIONS:
        fallback = VSCode.class_traits()[name].default()
        try:
            one = VSCode(
                config=Config({"VSCode": {name: section[name]}} if name in section else {})
            )
            value = getattr(one, name)
            one.set_trait(name, value)  # runs the validator
        except (TraitError, InvalidOption):
            value = fallback
        values[name] = value
    return VSCode(config=Config({"VSCode": values}))


class MisconfiguredSupervisor:
    """Stands in for the Supervisor (same methods the API uses); never starts anything."""

    state = State.MISCONFIGURED

    def __init__(self, message: str):
        self.error = message

    def is_running(self) -> bool:
        return False

    def status(self) -> dict[str, object]:
        return {
            "state": self.state.value,
            "pid": None,
            "version": None,
            "uptime": None,
            "transport": None,
            "port": None,
            "executable": None,
            "restarts": 0,
            "last_exit_code": None,
            "error": self.error,
            "log_file": None,
            "idle_seconds": None,
            "idle_stops": 0,
            "workbench_starting": False,
            "healthy": None,
            "health_restarts": 0,
            "held": None,
            "shutting_down": False,
        }

    async def ensure_started(self, timeout: float | None = None, by_user: bool = False) -> None:
        raise Misconfigured(self.error)

    async def restart(self) -> None:
        raise Misconfigured(self.error)

    async def stop(self) -> None:
        """Nothing runs: nothing to stop."""

    def reset_failures(self) -> None:
        """Nothing to forget: only fixing the option and restarting Jupyter helps."""

    def log_tail(self, lines: int = 100) -> list[str]:
        return []

    @property
    def log_file(self) -> str | None:
        return None


class MisconfiguredHandler(RouteHandler):
    """``<base_url>vscode/...`` while an option is invalid: the explanation, for every method.

    Page loads get an HTML page, other requests (and websocket upgrades, which are refused
    with a plain HTTP answer instead of hanging) JSON; all with status 503.
    """

    message: str

    def initialize(self, message: str) -> None:  # type: ignore[override]
        self.message = message

    @vscode_access  # the proxy route's rule (access.py)
    async def _explain(self, *args: Any) -> None:
        html = pages.misconfigured_page(self.message) if wants_page(self.request) else None
        send_answer(self, 503, html, self.message, State.MISCONFIGURED.value)

    get = head = post = put = delete = patch = options = _explain
