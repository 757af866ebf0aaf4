"""An invalid c.VSCode option: VS Code stays off, and every route says which option and how to
fix it (the launcher tile stays; nothing starts code-server)."""

from __future__ import annotations

import json
import logging

import pytest
from traitlets.config import Config, Configurable

from jupyter_vscode.config import InvalidOption, VSCode
from jupyter_vscode.misconfigured import usable_launcher_options, where_to_fix
from jupyter_vscode.supervisor import Supervisor

HTML = {"Accept": "text/html"}

# (how the bad value is given, what the message must contain)
SOURCES = {
    "command line": (
        {"jp_argv": ["--VSCode.start_timeout=-5"]},
        ["c.VSCode.start_timeout=-5.0", "--VSCode.start_timeout on the command line"],
    ),
    "command line, rejected by traitlets": (
        {"jp_argv": ["--VSCode.transport=bogus"]},
        ["transport", "'bogus'", "--VSCode.transport on the command line"],
    ),
    "config file": (
        {"vscode_options": {"max_restarts": -1}},
        ["c.VSCode.max_restarts=-1", "c.VSCode.max_restarts in the Jupyter config file"],
    ),
    "environment": (
        {"env": {"JUPYTER_VSCODE_PORT": "abc"}},
        ["JUPYTER_VSCODE_PORT='abc'", "unset $JUPYTER_VSCODE_PORT in the environment"],
    ),
}


@pytest.fixture(params=list(SOURCES), ids=list(SOURCES))
def bad(request, monkeypatch):  # type: ignore[no-untyped-def]
    given, needles = SOURCES[request.param]
    for name, value in given.get("env", {}).items():
        monkeypatch.setenv(name, value)
    return given, needles


@pytest.fixture
def jp_argv(bad):  # type: ignore[no-untyped-def]
    return list(bad[0].get("jp_argv", []))


@pytest.fixture
def vscode_options(bad):  # type: ignore[no-untyped-def]
    return dict(bad[0].get("vscode_options", {}))


async def get(jp_fetch, *parts, **kw):  # type: ignore[no-untyped-def]
    kw.setdefault("raise_error", False)
    return await jp_fetch(*parts, **kw)


def assert_explains(text: str, needles: list[str]) -> None:
    for needle in needles:
        assert needle in text, (needle, text)
    assert "restart Jupyter" in text
    assert "Traceback" not in text


async def test_vscode_route_explains_the_option(
    bad, jp_fetch, http_server_client, jp_base_url, jp_auth_header, stub_code_server
):
    needles = bad[1]
    for path in ("vscode/", "vscode/some/file.js", "vscode/?folder=/tmp"):
        r = await get(jp_fetch, path, headers=dict(HTML))  # jp_fetch adds its token to the dict
        assert r.code == 503, path
        assert r.headers["Content-Type"].startswith("text/html")
        body = r.body.decode()
        assert "VS Code is turned off: an option is invalid" in body
        assert_explains(body.replace("&#x27;", "'"), needles)
    # scripts get JSON with the same message
    r = await get(jp_fetch, "vscode", "static", "x.js")
    assert r.code == 503
    answer = json.loads(r.body)
    assert answer["state"] == "misconfigured"
    assert_explains(answer["message"], needles)
    # /vscode without the slash: to the page
    r = await http_server_client.fetch(
        jp_base_url + "vscode", headers=jp_auth_header, follow_redirects=False, raise_error=False
    )
    assert r.code == 302 and r.headers["Location"].endswith("/vscode/")
    # nothing was started
    assert not stub_code_server.ran


async def test_websocket_is_refused_not_left_hanging(bad, jp_fetch):
    r = await get(
        jp_fetch,
        "vscode",
        "stable-x",
        headers={
            "Upgrade": "websocket",
            "Connection": "Upgrade",
            "Sec-WebSocket-Version": "13",
            "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
        },
        request_timeout=30,
    )
    assert r.code == 503
    assert json.loads(r.body)["state"] == "misconfigured"


async def test_status_api(bad, jp_fetch, tmp_path):
    r = await jp_fetch("api", "vscode", "status")
    status = json.loads(r.body)
    assert status["state"] == "misconfigured"
    assert_explains(status["error"], bad[1])
    # the same keys as a working server's status, so the frontend's types hold
    config = VSCode(config=Config({"VSCode": {"log_dir": str(tmp_path / "logs")}}))
    working = Supervisor(config, str(tmp_path), logging.getLogger("test")).status()
    assert set(status) == set(working)
    assert status["pid"] is None and status["restarts"] == 0


async def test_restart_stop_log_launcher(bad, jp_fetch, stub_code_server):
    r = await get(jp_fetch, "api", "vscode", "restart", method="POST", body=b"")
    assert r.code == 409
    assert_explains(json.loads(r.body)["message"], bad[1])
    r = await jp_fetch("api", "vscode", "stop", method="POST", body=b"")
    assert json.loads(r.body)["state"] == "misconfigured"
    r = await jp_fetch("api", "vscode", "log")
    assert json.loads(r.body) == {"lines": [], "log_file": None}
    r = await jp_fetch("api", "vscode", "launcher")
    assert json.loads(r.body) == {
        "enabled": True,
        "title": "VS Code",
        "category": "Other",
        "url": "vscode/",
    }
    assert not stub_code_server.ran


def launcher(**options: object) -> dict[str, object]:
    c = usable_launcher_options(Configurable(config=Config({"VSCode": options})))
    return {
        "title": c.launcher_title,
        "category": c.launcher_category,
        "enabled": c.launcher_enabled,
    }


def test_launcher_keeps_valid_launcher_options_and_defaults_bad_ones(monkeypatch):
    monkeypatch.delenv("JUPYTER_VSCODE_LAUNCHER_ENABLED", raising=False)
    assert launcher(launcher_title="Code", launcher_category="Editors", port=0) == {
        "title": "Code",
        "category": "Editors",
        "enabled": True,
    }
    assert launcher(launcher_title="  ", launcher_enabled=False)["title"] == "VS Code"
    assert launcher(launcher_enabled=False)["enabled"] is False
    monkeypatch.setenv("JUPYTER_VSCODE_LAUNCHER_ENABLED", "maybe")
    assert launcher()["enabled"] is True


def test_where_to_fix_names_the_config_files_that_set_vscode_options(tmp_path):
    ours = tmp_path / "jupyter_server_config.py"
    ours.write_text("c.VSCode.port = 0\n")
    other = tmp_path / "jupyter_server_config.json"
    other.write_text('{"ServerApp": {"jpserver_extensions": {"jupyter_vscode": true}}}')
    error = InvalidOption("c.VSCode.port=0: bad", "port")
    hint = where_to_fix(error, Config(), [str(other), str(ours), str(tmp_path / "gone.py")])
    assert hint == (
        f"Fix c.VSCode.port in the Jupyter config file that sets it ({ours}), and restart Jupyter."
    )
    cli = Config({"VSCode": {"port": 0}})
    assert "--VSCode.port on the command line" in where_to_fix(error, cli, [])


def test_pages_poll_reloads_when_misconfigured():
    from jupyter_vscode.pages import starting_page

    assert "'misconfigured'" in starting_page("/api/vscode", "x")
