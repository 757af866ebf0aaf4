"""The README's configuration table must list every option with its env var and default."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from jupyter_vscode.config import VSCode

README = Path(__file__).parent.parent / "README.md"


def table_rows() -> dict[str, tuple[str, str]]:
    rows = {}
    for line in README.read_text().splitlines():
        m = re.match(r"\| `c\.VSCode\.(\w+)` \| `(JUPYTER_VSCODE_\w+)`[^|]*\| ([^|]+) \|", line)
        if m:
            rows[m.group(1)] = (m.group(2), m.group(3).strip())
    return rows


def test_every_option_is_in_the_readme_table_with_its_env_var():
    rows = table_rows()
    options = set(VSCode.class_trait_names(config=True))
    assert set(rows) == options
    for name, (env, _default) in rows.items():
        assert env == "JUPYTER_VSCODE_" + name.upper().replace("CODE_SERVER", "CODE_SERVER")
        help_text = VSCode.class_traits()[name].help
        assert env in help_text, f"help of {name} does not mention {env}"
        assert "Default" in help_text or "default" in help_text


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
