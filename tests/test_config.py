"""c.VSCode options: traits, environment fallbacks, validation, and what a bad value does."""

from __future__ import annotations

import pytest
from traitlets.config import Config

from jupyter_vscode.config import InvalidOption, VSCode


def make(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str] | None = None, **options: object
) -> VSCode:
    for name, value in (env or {}).items():
        monkeypatch.setenv(name, value)
    return VSCode(config=Config({"VSCode": options}))


def test_defaults_are_documented_values(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    for name in (
        "TRANSPORT",
        "PORT",
        "START_TIMEOUT",
        "EXTRA_ARGS",
        "USER_DATA_DIR",
        "DISABLE_WORKSPACE_TRUST",
        "TRUSTED_FOLDERS",
        "HEALTH_TIMEOUT",
        "RESPONSE_TIMEOUT",
    ):
        monkeypatch.delenv("JUPYTER_VSCODE_" + name, raising=False)
    c = VSCode()
    c.validate_all()
    assert c.transport == "socket"
    assert c.port == 8080
    assert c.start_timeout == 60
    assert c.extra_args == []
    assert c.user_data_dir == str(tmp_path / ".local" / "share" / "code-server")
    assert c.extensions_dir == str(tmp_path / ".local" / "share" / "code-server" / "extensions")
    assert c.launcher_title == "VS Code"
    assert c.disable_workspace_trust is False
    assert c.trusted_folders == ["{root_dir}", "~"]
    assert c.health_timeout == 30
    assert c.response_timeout == 120


def test_env_vars_are_fallbacks(monkeypatch):
    env = {
        "JUPYTER_VSCODE_TRANSPORT": "port",
        "JUPYTER_VSCODE_PORT": "9000",
        "JUPYTER_VSCODE_EXTRA_ARGS": "--log debug --locale 'en US'",
        "JUPYTER_VSCODE_DISABLE_WORKSPACE_TRUST": "true",
        "JUPYTER_VSCODE_START_TIMEOUT": "12.5",
        "JUPYTER_VSCODE_HEALTH_TIMEOUT": "0",
        "JUPYTER_VSCODE_RESPONSE_TIMEOUT": "300",
    }
    c = make(monkeypatch, env)
    assert (c.transport, c.port, c.start_timeout) == ("port", 9000, 12.5)
    assert (c.health_timeout, c.response_timeout) == (0, 300)
    assert c.extra_args == ["--log", "debug", "--locale", "en US"]
    assert c.disable_workspace_trust is True
    # configured values win over the environment
    c = make(monkeypatch, env, port=9100, transport="socket")
    assert (c.transport, c.port) == ("socket", 9100)


@pytest.mark.parametrize(
    ("env", "needle"),
    [
        ({"JUPYTER_VSCODE_PORT": "eighty"}, "JUPYTER_VSCODE_PORT='eighty'"),
        ({"JUPYTER_VSCODE_PORT": "70000"}, "70000"),
        ({"JUPYTER_VSCODE_TRANSPORT": "tcp"}, "JUPYTER_VSCODE_TRANSPORT='tcp'"),
        ({"JUPYTER_VSCODE_START_TIMEOUT": "-3"}, "start_timeout"),
        ({"JUPYTER_VSCODE_LAUNCHER_ENABLED": "maybe"}, "launcher_enabled"),
        ({"JUPYTER_VSCODE_EXTRA_ARGS": "--unclosed 'quote"}, "EXTRA_ARGS"),
        ({"JUPYTER_VSCODE_HEALTH_TIMEOUT": "-1"}, "JUPYTER_VSCODE_HEALTH_TIMEOUT='-1'"),
        ({"JUPYTER_VSCODE_RESPONSE_TIMEOUT": "soon"}, "JUPYTER_VSCODE_RESPONSE_TIMEOUT"),
    ],
)
def test_bad_env_values_name_the_variable(monkeypatch, env, needle):
    c = make(monkeypatch, env)
    with pytest.raises(InvalidOption) as e:
        c.validate_all()
    assert needle in str(e.value)


@pytest.mark.parametrize(
    ("options", "needle"),
    [
        ({"port": 0}, "c.VSCode.port=0"),
        ({"start_timeout": 0}, "c.VSCode.start_timeout=0"),
        ({"max_restarts": -1}, "c.VSCode.max_restarts=-1"),
        ({"launcher_title": "  "}, "c.VSCode.launcher_title"),
        ({"health_timeout": -1}, "c.VSCode.health_timeout=-1"),
        ({"response_timeout": float("nan")}, "c.VSCode.response_timeout=nan"),
    ],
)
def test_bad_config_values_name_the_option(monkeypatch, options, needle):
    with pytest.raises(Exception) as e:  # noqa: B017 - TraitError at load or InvalidOption
        make(monkeypatch, **options).validate_all()
    assert needle in str(e.value)


async def test_command_line_options_reach_the_extension(jp_configurable_serverapp, tmp_path):
    app = jp_configurable_serverapp(
        argv=[
            "--ServerApp.jpserver_extensions={'jupyter_vscode': True}",
            "--VSCode.transport=port",
            "--VSCode.port=9123",
            "--VSCode.launcher_title=Code",
            f"--VSCode.log_dir={tmp_path}",
        ]
    )
    sup = app.web_app.settings["jupyter_vscode_supervisor"]
    assert (sup.config.transport, sup.config.port, sup.config.launcher_title) == (
        "port",
        9123,
        "Code",
    )


async def test_invalid_option_disables_code_server_with_one_log_line(
    jp_configurable_serverapp, capsys, jp_fetch
):
    app = jp_configurable_serverapp(
        argv=[
            "--ServerApp.jpserver_extensions={'jupyter_vscode': True}",
            "--VSCode.start_timeout=-5",
        ]
    )
    # a stand-in that explains the option (test_misconfigured.py), not a Supervisor
    assert app.web_app.settings["jupyter_vscode_supervisor"].state.value == "misconfigured"
    out = capsys.readouterr()
    log = out.out + out.err
    ours = [ln for ln in log.splitlines() if "[jupyter-vscode]" in ln]
    assert len(ours) == 1, ours
    assert "disabled" in ours[0] and "c.VSCode.start_timeout=-5.0" in ours[0]
    assert "--VSCode.start_timeout on the command line" in ours[0]
    assert "restart Jupyter" in ours[0]
    assert "Traceback" not in log
    # Jupyter itself keeps running
    r = await jp_fetch("api", "status")
    assert r.code == 200
