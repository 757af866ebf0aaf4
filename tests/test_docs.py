"""The README's configuration table must list every option with its env var and default,
and --help-all must print the same defaults."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest

from jupyter_vscode.config import VSCode
from jupyter_vscode.envfallback import FALLBACKS

README = Path(__file__).parent.parent / "README.md"


def table_rows() -> dict[str, tuple[str, str]]:
    """option -> (environment fallback cell, default cell) of the README's Configuration table."""
    rows = {}
    for line in README.read_text().splitlines():
        m = re.match(r"\| `c\.VSCode\.(\w+)` \| ([^|]+) \| ([^|]+) \|", line)
        if m:
            rows[m.group(1)] = (m.group(2).strip(), m.group(3).strip())
    return rows


def shown(value: object) -> str:
    """A default as the README's table writes it (first backticked word of the cell)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str) and value:
        return value
    return repr(value)


def test_readme_table_matches_the_options_and_their_fallbacks():
    """Each row: the option, its variable (and how its text is parsed) from envfallback's
    table, and the default declared in the trait."""
    rows = table_rows()
    assert set(rows) == set(VSCode.class_trait_names(config=True)) == set(FALLBACKS)
    for name, (env_cell, default_cell) in rows.items():
        fallback = FALLBACKS[name]
        note = f" ({fallback.parser.readme})" if fallback.parser.readme else ""
        assert env_cell == f"`{fallback.var}`{note}", name
        trait = VSCode.class_traits()[name]
        assert default_cell.split("`")[1] == shown(trait.default()), name
        assert fallback.var in trait.help, f"help of {name} does not mention {fallback.var}"
        assert "Default" in trait.help or "default" in trait.help


#: the commands that print c.VSCode's options: the extension's own app (as `jupyter lab
#: --help-all` is JupyterLab's; ``jupyter server --help-all`` lists ServerApp's classes only)
#: and the CLI admins are told about in the README
HELP_ALL = {
    "extension app": [
        "-c",
        "from jupyter_vscode.extension import VSCodeExtension as A; A.launch_instance()",
    ],
    "jupyter vscode": ["-m", "jupyter_vscode.cli"],
}


def help_all_defaults(env: dict[str, str], command: str) -> dict[str, str]:
    """option -> the "Default: ..." that ``command --help-all`` prints for c.VSCode.<option>."""
    proc = subprocess.run(
        [sys.executable, *HELP_ALL[command], "--help-all"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    defaults: dict[str, str] = {}
    option = None
    for line in proc.stdout.splitlines():
        m = re.match(r"--VSCode\.(\w+)=", line)
        if m:
            option = m.group(1)
        elif not line.startswith(" "):
            option = None
        elif option and line.strip().startswith("Default: "):
            defaults[option] = line.strip().removeprefix("Default: ")
    return defaults


@pytest.mark.parametrize("command", sorted(HELP_ALL))
def test_help_all_prints_each_options_real_default(tmp_path, command):
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUPYTER_VSCODE_")}
    env.update(HOME=str(tmp_path), JUPYTER_CONFIG_DIR=str(tmp_path / "config"))
    printed = help_all_defaults(env, command)
    rows = table_rows()
    assert set(printed) == set(rows)
    with mock.patch.dict(os.environ, env, clear=True):
        options = VSCode()
        for name, text in printed.items():
            value = ast.literal_eval(text)
            assert shown(value) == rows[name][1].split("`")[1], (name, text)
            if not (isinstance(value, str) and value.startswith(("~", "<"))):
                assert value == getattr(options, name), (name, text)  # what you get unset


def test_documented_defaults_match(monkeypatch, tmp_path):
    for name in VSCode.class_trait_names(config=True):
        monkeypatch.delenv("JUPYTER_VSCODE_" + name.upper(), raising=False)
    c = VSCode()
    rows = table_rows()
    for name in ("transport", "port", "start_timeout", "max_restarts", "launcher_title"):
        assert str(getattr(c, name)).rstrip("0").rstrip(".") in rows[name][1], name
    assert rows["disable_workspace_trust"][1] == "`False`" and not c.disable_workspace_trust
    assert rows["trusted_folders"][1] == f"`{c.trusted_folders!r}`"


def readme_commands() -> list[str]:
    """The README's fenced bash blocks under 'Two commands', in order."""
    text = README.read_text()
    section = text[text.index("## Two commands") :]
    section = section[: section.index("\n## ", 1)]
    return re.findall(r"```bash\n(.*?)\n```", section, re.S)


def test_the_install_command_brings_what_it_starts():
    """The first command ends in `jupyter lab`: what it installs must include JupyterLab (it is
    not a dependency), through an extra that pyproject.toml defines."""
    tomllib = pytest.importorskip("tomllib")  # Python >= 3.11

    install, tests = readme_commands()
    assert "jupyter vscode install" in install
    assert re.search(r"jupyter lab\b", install)
    m = re.search(r'pip install "\.\[(\w+)\]"', install)
    assert m, install
    extras = tomllib.loads((README.parent / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    assert any(dep.startswith("jupyterlab") for dep in extras[m.group(1)])
    assert tests.strip() == "bash .ci/run"


PACKAGE = README.parent / "jupyter_vscode"


def module_table() -> list[str]:
    """The first cell of each row of the README's module tables (``| module | concern |``)."""
    names, in_table = [], False
    for line in README.read_text().splitlines():
        if line.startswith("| module | concern |"):
            in_table = True
        elif not line.startswith("|"):
            in_table = False
        elif in_table and not line.startswith("|---"):
            cell = line.split("|")[1].strip()
            m = re.fullmatch(r"`([^`]+)`", cell)
            assert m, f"one module per row, in backticks: {line}"
            names.append(m.group(1))
    return names


def package_modules() -> set[str]:
    """Every source file of the package as the table names it: paths under jupyter_vscode/, a
    subpackage by its folder (``installer/`` is its ``__init__.py``); the built labextension
    and caches are not source."""
    found = set()
    for path in PACKAGE.rglob("*"):
        rel = path.relative_to(PACKAGE)
        if rel.parts[0] == "labextension" or "__pycache__" in rel.parts or not path.is_file():
            continue
        if path.suffix not in (".py", ".sh", ".js"):
            continue
        if path.name == "__init__.py" and len(rel.parts) > 1:
            found.add(rel.parent.as_posix() + "/")
        else:
            found.add(rel.as_posix())
    # written by the build (git-ignored): a never-built checkout lacks it, a built one has it
    return found | {"_version.py"}


def test_readme_module_table_names_every_module_once():
    """A newcomer finds the one file for each concern: every module has its row, every row
    names a module that exists, none twice."""
    rows = module_table()
    assert len(rows) == len(set(rows)), sorted(n for n in rows if rows.count(n) > 1)
    modules = package_modules()
    assert modules - set(rows) == set(), "modules missing from the README's module table"
    assert set(rows) - modules == set(), "rows of the README's module table with no module"


def test_help_all_into_a_closed_pipe_prints_no_traceback(tmp_path):
    """`jupyter vscode --help-all | head`: the reader has left; no traceback follows."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # before the command writes: its first write fails, every time
    try:
        proc = subprocess.run(
            [sys.executable, *HELP_ALL["jupyter vscode"], "--help-all"],
            stdout=write_end,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            env=dict(os.environ, HOME=str(tmp_path)),
            timeout=60,
        )
    finally:
        os.close(write_end)
    assert proc.returncode == 1 and b"Traceback" not in proc.stderr, proc.stderr.decode()
