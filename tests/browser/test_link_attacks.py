"""Three attacks on VS Code behind Jupyter, each played in a real browser against the real
code-server, and each failing.

- A link ``vscode/?folder=<m>/lnk/..``, where ``lnk`` in another user's folder ``m`` points into
  the victim's own work: VS Code normalises the path lexically and opens ``m``, so trust must
  be decided on ``m``, not on the symlink's target (links.py redirects the link to the
  canonical path first, trust.py judges that path).
- A group-writable team folder (mode 2775) inside Jupyter's root: the group's members are other
  users, so its .vscode settings are not the user's own (trust.py).
- A page on another port of 127.0.0.1 (another origin of the same site, which the browser sends
  Jupyter's login cookie from) opens a websocket and an image to ``vscode/``: neither may start
  code-server, ~700 MB (access.py's refuses_start).

The folders' .vscode/settings.json set $TRUSTMARK for their terminals; the user declines the
trust prompt, and then no process may have the folder's $TRUSTMARK in its environment.
"""

from __future__ import annotations

import grp
import json
import os
from html import escape
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from ..support.browser import serve_page
from ..support.vscode_ui import (
    NOBODY,
    decline_trust_and_check,
    open_folder,
    wait_for_restricted_mode,
    write_settings,
)

pytestmark = pytest.mark.browser

#: the websocket's and the image's answers (a 403 each) arrive well within this
ATTACK_TIMEOUT = 120_000


def vscode_state(jupyter) -> str:  # type: ignore[no-untyped-def]
    with jupyter.request("api/vscode/status", timeout=30) as r:
        return str(json.loads(r.read())["state"])


def test_dotdot_after_symlink_opens_the_attackers_folder_restricted(
    page, jupyter, root_dir: Path, tmp_path: Path
):
    # another user's folder, outside the root and the home directory, whose `lnk` points at a
    # folder of the victim's: realpath(m/lnk/..) is the victim's root, VS Code opens m
    m = tmp_path / "m"
    m.mkdir()
    (m / "README.md").write_text("# not yours\n")
    write_settings(m, "attacker")
    (m / "lnk").symlink_to(root_dir / "subfolder")
    if os.getuid() == 0:  # as it would be on a shared machine
        for path in (m, m / "README.md", m / ".vscode", m / ".vscode" / "settings.json"):
            os.chown(path, NOBODY, NOBODY)
        os.chown(m / "lnk", NOBODY, NOBODY, follow_symlinks=False)  # not the victim's folder

    link = f"vscode/?folder={quote(f'{m}/lnk/..')}&token={jupyter.token}"
    open_folder(page, jupyter.url(link), "README.md")  # VS Code shows m's files
    wait_for_restricted_mode(page)
    # the link was sent to the canonical spelling of what VS Code opens: m itself
    assert parse_qs(urlsplit(page.url).query)["folder"] == [str(m.resolve())], page.url
    decline_trust_and_check(page, "attacker")


def test_group_writable_team_folder_opens_restricted(page, jupyter, root_dir: Path):
    team = root_dir / "teamproj"  # inside the trusted root, but the group may write it
    team.mkdir()
    (team / "README.md").write_text("# the team's\n")
    write_settings(team, "team")
    os.chmod(team, 0o2775)
    if os.getuid() == 0:  # a group that exists on the machine, as a team folder's would
        os.chown(team, -1, grp.getgrnam("users").gr_gid)

    open_folder(
        page, jupyter.url(f"vscode/?folder={quote(str(team))}&token={jupyter.token}"), "README.md"
    )
    wait_for_restricted_mode(page)
    decline_trust_and_check(page, "team")


def test_other_origins_websocket_and_image_start_nothing(page, jupyter):
    assert vscode_state(jupyter) == "stopped"
    # the user has logged in to Jupyter: the browser holds its cookie for 127.0.0.1, which it
    # also sends with requests that pages on other ports of 127.0.0.1 make
    page.goto(jupyter.url(f"api/status?token={jupyter.token}"))
    answer = page.goto(jupyter.url("api/vscode/status"))  # the cookie alone logs in
    assert answer is not None and answer.status == 200
    assert json.loads(answer.text())["state"] == "stopped"

    prefix = f"127.0.0.1:{jupyter.port}{jupyter.base_url}vscode/"
    ws_url = f"ws://{prefix}stable-x?reconnection=false"
    attacker = serve_page(
        "<script>\n"
        "window.ws = 'pending'; window.img = 'pending';\n"
        f"const ws = new WebSocket({json.dumps(ws_url)});\n"
        "ws.onopen = () => { window.ws = 'open'; };\n"
        "ws.onerror = () => { if (window.ws === 'pending') window.ws = 'error'; };\n"
        "ws.onclose = (e) => { window.ws = window.ws + ', closed ' + e.code; };\n"
        "</script>\n"
        f'<img src="{escape(f"http://{prefix}")}"'
        " onload=\"window.img = 'loaded'\" onerror=\"window.img = 'error'\">\n"
    )
    try:
        page.goto(f"http://127.0.0.1:{attacker.server_address[1]}/")
        page.wait_for_function(
            "window.ws.includes('closed') && window.img !== 'pending'", timeout=ATTACK_TIMEOUT
        )
        ws, img = page.evaluate("[window.ws, window.img]")
    finally:
        attacker.shutdown()
        attacker.server_close()
    assert not ws.startswith("open"), ws  # the websocket was refused
    assert img == "error", img  # and the image got no picture
    assert vscode_state(jupyter) == "stopped"  # and nothing was started for either
