"""The ``c.VSCode`` options as a Jupyter server started now would see them, and their sources.

Jupyter's config files are read the way ServerApp reads them (``jupyter_config`` then
``jupyter_server_config``, ``.py`` and ``.json``, from every directory of the config path,
lowest priority first), followed by the extension's own ``jupyter_jupyter_vscode_config``,
which jupyter-server applies on top. Each file is loaded on its own, so the report can name the
file each value came from; nothing is initialized and no server is started. The
``--VSCode.*`` arguments of running Jupyter servers (running.py) apply last, as on Jupyter's
own command line.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from jupyter_core.paths import jupyter_config_dir, jupyter_config_path
from traitlets import TraitError
from traitlets.config import Config
from traitlets.config.loader import (
    ConfigFileNotFound,
    JSONFileConfigLoader,
    PyFileConfigLoader,
)

from ..config import InvalidOption, VSCode
from ..envfallback import FALLBACKS, resolve
from . import running
from .report import Check, Named, doctor_check

CONFIG_BASENAMES = ("jupyter_config", "jupyter_server_config", "jupyter_jupyter_vscode_config")
DEFAULT = "default"


def env_source(name: str) -> str:
    return f"env {FALLBACKS[name].var}"


def file_source(path: str) -> str:
    return f"config {path}"


@dataclass
class Option:
    value: Any
    source: str
    error: str = ""

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"value": self.value, "source": self.source}
        if self.error:
            data["error"] = self.error
        return data


@dataclass
class Options:
    #: everything the config files set, merged (VSCode, ServerProxy, ServerApp, ...)
    config: Config = field(default_factory=Config)
    #: config files read, in the order they apply (last wins)
    files: list[str] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)
    values: dict[str, Option] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: the options object, when every value is valid
    vscode: VSCode | None = None
    #: running Jupyter servers, whose command-line options are included; None: not listed
    servers: list[running.Server] | None = None

    def as_json(self) -> dict[str, Any]:
        return {name: opt.to_json() for name, opt in self.values.items()}

    @property
    def log_dir(self) -> str | None:
        opt = self.values.get("log_dir")
        return None if opt is None or opt.error else str(opt.value)


def config_paths() -> list[str]:
    """The directories ServerApp reads config from, highest priority first
    (jupyter_core's JupyterApp.config_file_paths)."""
    paths = jupyter_config_path()
    if jupyter_config_dir() not in paths:
        paths.insert(0, jupyter_config_dir())
    return paths


def read_config_files(paths: list[str], opts: Options) -> dict[str, str]:
    """Merge the config files into ``opts.config``; return option name -> file that set it."""
    sources: dict[str, str] = {}
    for basename in CONFIG_BASENAMES:
        for directory in reversed(paths):
            for loader_class, ext in ((PyFileConfigLoader, ".py"), (JSONFileConfigLoader, ".json")):
                filename = basename + ext
                loader = loader_class(filename, path=directory)
                try:
                    loaded = loader.load_config()
                except ConfigFileNotFound:
                    continue
                except Exception as e:  # noqa: BLE001 - a user's config file may raise anything
                    where = loader.full_filename or os.path.join(directory, filename)
                    opts.file_errors.append(f"{where}: {type(e).__name__}: {e}")
                    continue
                opts.files.append(loader.full_filename)
                if "VSCode" in loaded:
                    for name in loaded["VSCode"]:
                        sources[name] = loader.full_filename
                opts.config.merge(loaded)
    return sources


def _trait_error(name: str, value: Any, where: str, e: Exception) -> str:
    msg = str(e)
    if "c.VSCode." not in msg:
        msg = f"c.VSCode.{name}={value!r}: {msg}"
    return f"{msg} (set in {where.removeprefix('config ')})"


def _add_command_lines(opts: Options, sources: dict[str, str]) -> None:
    """Apply the --VSCode options of the running servers, as their command lines did."""
    try:
        opts.servers = running.find()
    except Exception as e:  # noqa: BLE001 - a doctor must report, not crash
        opts.warnings.append(f"cannot list the running Jupyter servers: {type(e).__name__}: {e}")
        return
    for server in opts.servers or []:
        if server.options:
            opts.config.merge(Config({"VSCode": server.options}))
            sources.update(dict.fromkeys(server.options, server.source))


def load() -> Options:
    """Read the config files and resolve every option; never raises."""
    opts = Options()
    try:
        files = read_config_files(config_paths(), opts)
    except Exception as e:  # noqa: BLE001
        opts.file_errors.append(f"reading Jupyter's config path: {type(e).__name__}: {e}")
        files = {}
    #: option name -> where it was set: "config <file>" or "command line of Jupyter pid N"
    sources = {name: file_source(path) for name, path in files.items()}
    _add_command_lines(opts, sources)

    names = sorted(VSCode.class_trait_names(config=True))
    section = dict(opts.config["VSCode"]) if "VSCode" in opts.config else {}
    good: dict[str, Any] = {}
    for key, value in section.items():
        if key not in names:
            opts.warnings.append(
                f"c.VSCode.{key} (in {sources.get(key, '?').removeprefix('config ')}) is not an "
                "option of jupyter-vscode"
            )
            continue
        try:
            VSCode(config=Config({"VSCode": {key: value}}))
        except (TraitError, InvalidOption) as e:
            msg = _trait_error(key, value, sources.get(key, "?"), e)
            opts.errors.append(msg)
            opts.values[key] = Option(_jsonable(value), sources.get(key, "?"), msg)
            continue
        good[key] = value

    vscode = VSCode(config=Config({"VSCode": good}))
    for name in names:
        if name in opts.values:  # invalid in a config file
            continue
        try:
            value = getattr(vscode, name)
        except InvalidOption as e:  # a bad environment variable
            raw = vscode.env_sources[name].raw
            opts.errors.append(str(e))
            opts.values[name] = Option(raw, env_source(name), str(e))
            continue
        if name in good:
            source = sources.get(name, "?")
            if not _env_agrees(name, value):
                opts.warnings.append(
                    f"${FALLBACKS[name].var} is set but c.VSCode.{name} in "
                    f"{source.removeprefix('config ')} takes precedence"
                )
        elif name in vscode.env_sources:
            source = env_source(name)
        else:
            source = DEFAULT
        opts.values[name] = Option(_jsonable(value), source)
        try:
            # what validate_all() does, per option, so every bad value is reported
            vscode.set_trait(name, value)
        except TraitError as e:
            msg = str(e)
            if "c.VSCode." not in msg:
                msg = f"c.VSCode.{name}: {msg}"
            if source != DEFAULT:
                msg = f"{msg} (from {source})"
            opts.errors.append(msg)
            opts.values[name].error = msg

    if not opts.errors:
        try:
            vscode.validate_all()
        except (TraitError, InvalidOption) as e:
            opts.errors.append(str(e))
        else:
            opts.vscode = vscode
    return opts


#: options whose values are paths: ``~/x`` and ``/home/me/x`` are the same setting
PATH_OPTIONS = ("code_server", "folder", "user_data_dir", "extensions_dir", "log_dir")


def _env_agrees(name: str, value: Any) -> bool:
    """True unless ``name``'s environment fallback is set to something else than ``value``,
    the configured value that takes precedence (terminals that export the configured dir, as
    the notebook-instance lifecycle script does, are fine)."""
    if FALLBACKS[name].raw() is None:
        return True
    try:
        from_env = resolve(VSCode(), name, {})
    except InvalidOption:
        return False
    if name in PATH_OPTIONS:
        return bool(
            os.path.abspath(os.path.expanduser(str(from_env)))
            == os.path.abspath(os.path.expanduser(str(value)))
        )
    return bool(from_env == value)


def _jsonable(value: Any) -> Any:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return repr(value)


@doctor_check("config files")
def check_config_files(c: Named, opts: Options) -> Check:
    if opts.file_errors:
        return c.fail(
            "cannot load: " + "; ".join(opts.file_errors),
            "fix the file: Jupyter skips a config file that raises, so none of its settings apply",
        )
    detail = ", ".join(opts.files) if opts.files else "none found in " + ", ".join(config_paths())
    return c.ok(detail)


@doctor_check("options")
def check_options(c: Named, opts: Options) -> Check:
    if opts.errors:
        return c.fail(
            "; ".join(opts.errors),
            "fix or unset the value and restart Jupyter: until then VS Code stays off (its page "
            "and status name the option)",
        )
    warnings = list(opts.warnings)
    folder = opts.values.get("folder")
    if folder and folder.value and not os.path.isdir(os.path.expanduser(str(folder.value))):
        warnings.append(f"c.VSCode.folder={folder.value!r} ({folder.source}) is not a directory")
    if warnings:
        return c.warn("; ".join(warnings), "remove or correct the setting named above")
    changed = sorted(n for n, o in opts.values.items() if o.source != DEFAULT)
    detail = "all valid" + (f"; set: {', '.join(changed)}" if changed else "; all defaults")
    return c.ok(detail)
