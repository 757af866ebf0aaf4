"""Workspace trust in a real browser: the user's own folder opens trusted, another user's
folder in Restricted Mode, where its .vscode settings do not reach the terminal.

The attack this guards against: another local user writes /tmp/proj/.vscode/settings.json with
a terminal.integrated.env setting and sends a `<base_url>vscode/?folder=/tmp/proj` link; the
victim opens a terminal there. Each folder's settings set $TRUSTMARK for its terminals
(tests/support/vscode_ui.py reads what the terminal's shell sees).
"""

from __future__ import annotations

import os
from urllib.parse import quote

import pytest

from ..support.vscode_ui import (
    NOBODY,
    decline_trust_and_check,
    open_folder,
    processes_with_env,
    restricted_mode_shown,
    terminal_sees,
    wait_for_restricted_mode,
    write_settings,
)

pytestmark = pytest.mark.browser


def test_own_folder_trusted_other_users_folder_restricted(page, jupyter, root_dir, tmp_path):
    write_settings(root_dir, "own")
    out = tmp_path / "terminal-out"
    out.mkdir()

    # the user's own work: Jupyter's root (the folder VS Code opens when the URL names none)
    open_folder(page, jupyter.url(f"vscode/?token={jupyter.token}"), "hello.py")
    assert terminal_sees(page, out / "own.txt") == "own"  # no prompt, and its settings apply
    assert not restricted_mode_shown(page)

    # a folder another user owns, outside the root and the home directory
    other = tmp_path / "someone-elses-project"
    other.mkdir()
    (other / "README.md").write_text("# not yours\n")
    write_settings(other, "attacker")
    if os.getuid() == 0:  # as it would be on a shared machine (outside root and home anyway)
        for path in (other, other / ".vscode", other / ".vscode" / "settings.json"):
            os.chown(path, NOBODY, NOBODY)
    open_folder(
        page, jupyter.url(f"vscode/?folder={quote(str(other))}&token={jupyter.token}"), "README.md"
    )
    wait_for_restricted_mode(page)
    # a terminal there needs the user to trust the folder first; the user declines
    decline_trust_and_check(page, "attacker")
    assert processes_with_env(b"TRUSTMARK=own")  # (the own folder's shell still runs)
