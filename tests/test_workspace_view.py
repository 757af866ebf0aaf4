"""Unit tests of workspace_view: which install is excluded, and how machine settings are merged
(the real code-server's behaviour: tests/browser/test_workspace_view.py)."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import pytest

from jupyter_vscode.codeserver import build_launch, cleanup_run_dir
from jupyter_vscode.config import VSCode
from jupyter_vscode.workspace_view import (
    exclusions,
    install_root,
    keep_install_out_of_view,
    machine_settings_file,
    merge,
)


def make_layout(prefix: Path) -> Path:
    """A prefix as `jupyter vscode install` lays it out; its bin/code-server link."""
    exe = prefix / "versions" / "4.1.0-standalone" / "bin" / "code-server"
    exe.parent.mkdir(parents=True)
    exe.write_text("#!/bin/sh\n")
    exe.chmod(0o755)
    (prefix / "current").symlink_to("versions/4.1.0-standalone")
    (prefix / "bin").mkdir()
    (prefix / "bin" / "code-server").symlink_to("../current/bin/code-server")
    return prefix / "bin" / "code-server"


def test_install_root_of_each_layout(tmp_path: Path) -> None:
    prefix = tmp_path / "home" / ".local" / "share" / "jupyter-vscode"
    assert install_root(str(make_layout(prefix))) == str(prefix)
    # also when run through versions/ directly
    direct = prefix / "versions" / "4.1.0-standalone" / "bin" / "code-server"
    assert install_root(str(direct)) == str(prefix)

    # coder's install.sh: ~/.local/bin/code-server -> ~/.local/lib/code-server-4.1.0/bin/...
    release = tmp_path / "lib" / "code-server-4.1.0" / "bin" / "code-server"
    release.parent.mkdir(parents=True)
    release.touch()
    link = tmp_path / "bin" / "code-server"
    link.parent.mkdir()
    link.symlink_to(release)
    assert install_root(str(link)) == str(tmp_path / "lib" / "code-server-4.1.0")

    # npm: bin/code-server -> lib/node_modules/code-server/out/node/entry.js
    entry = tmp_path / "npm" / "node_modules" / "code-server" / "out" / "node" / "entry.js"
    entry.parent.mkdir(parents=True)
    entry.touch()
    assert install_root(str(entry)) == str(tmp_path / "npm" / "node_modules" / "code-server")

    # a system code-server: nothing of it to exclude
    assert install_root("/usr/bin/code-server") is None


def test_exclusions_only_for_folders_that_contain_the_install(tmp_path: Path) -> None:
    home = tmp_path / "home"
    install = home / "SageMaker" / ".jupyter-vscode"
    install.mkdir(parents=True)
    entries = exclusions(str(install), [str(home / "SageMaker"), str(home), "/elsewhere"])
    assert entries == {
        "files.watcherExclude": {str(install): True},
        "search.exclude": {".jupyter-vscode": True, "SageMaker/.jupyter-vscode": True},
    }
    assert exclusions(str(install), [str(install)]) == {}  # opening the install itself
    assert exclusions(str(install), ["/elsewhere"]) == {}
    assert exclusions(str(install), ["/"])["search.exclude"] == {str(install)[1:]: True}


def test_exclusions_through_a_symlinked_folder(tmp_path: Path) -> None:
    real = tmp_path / "real"
    (real / ".jupyter-vscode").mkdir(parents=True)
    link = tmp_path / "link"
    link.symlink_to(real)
    entries = exclusions(str(link / ".jupyter-vscode"), [str(link)])
    assert entries["files.watcherExclude"] == {
        str(real / ".jupyter-vscode"): True,
        str(link / ".jupyter-vscode"): True,
    }
    assert entries["search.exclude"] == {".jupyter-vscode": True}


ENTRIES = {
    "files.watcherExclude": {"/home/u/.jv": True},
    "search.exclude": {".jv": True},
}


def test_merge_creates_a_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "ud" / "Machine" / "settings.json"
    assert merge(str(path), ENTRIES) is None
    assert json.loads(path.read_text()) == ENTRIES
    assert path.stat().st_mode & 0o777 == 0o600


def test_merge_keeps_the_users_keys_and_values(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    user = {
        "editor.fontSize": 17,
        "search.exclude": {"**/build": True, ".jv": False},  # the user wants .jv searched
        "files.watcherExclude": {"**/.git/objects/**": True},
    }
    path.write_text(json.dumps(user))
    path.chmod(0o644)
    assert merge(str(path), ENTRIES) is None
    assert json.loads(path.read_text()) == {
        "editor.fontSize": 17,
        "search.exclude": {"**/build": True, ".jv": False},
        "files.watcherExclude": {"**/.git/objects/**": True, "/home/u/.jv": True},
    }
    assert path.stat().st_mode & 0o777 == 0o644

    # a second start changes nothing: the file is not even rewritten
    inode = path.stat().st_ino
    assert merge(str(path), ENTRIES) is None
    assert path.stat().st_ino == inode


@pytest.mark.parametrize(
    "text",
    [
        '{\n  // my settings\n  "editor.fontSize": 17,\n}\n',  # JSONC: VS Code reads it
        '{"search.exclude": ["not", "an", "object"]}',
        "[1, 2]",
    ],
)
def test_merge_leaves_a_file_it_cannot_merge_untouched(tmp_path: Path, text: str) -> None:
    path = tmp_path / "settings.json"
    path.write_text(text)
    problem = merge(str(path), ENTRIES)
    assert problem is not None and "left as it is" in problem
    assert '"/home/u/.jv": true' in problem  # what to add by hand
    assert path.read_text() == text


def test_build_launch_writes_the_exclusions_before_code_server_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("HOME", str(home))
    prefix = home / ".local" / "share" / "jupyter-vscode"
    exe = make_layout(prefix)
    user_data = tmp_path / "ud"
    config = VSCode(user_data_dir=str(user_data), extensions_dir=str(tmp_path / "ext"))
    spec = build_launch(config, str(exe), str(home))
    cleanup_run_dir(spec)
    settings = json.loads(Path(machine_settings_file(str(user_data))).read_text())
    assert settings == {
        "files.watcherExclude": {str(prefix): True},
        "search.exclude": {".local/share/jupyter-vscode": True},
    }

    # an unparsable file: the start goes on, the log says what to add
    Path(machine_settings_file(str(user_data))).write_text("{ // mine\n}")
    with caplog.at_level(logging.WARNING):
        cleanup_run_dir(build_launch(config, str(exe), str(home)))
    assert "is not plain JSON" in caplog.text
    assert Path(machine_settings_file(str(user_data))).read_text() == "{ // mine\n}"


def test_nothing_written_when_the_install_is_outside(tmp_path: Path) -> None:
    exe = make_layout(tmp_path / "opt" / "jv")
    user_data = tmp_path / "ud"
    assert keep_install_out_of_view(str(exe), str(user_data), [str(tmp_path / "root")]) == {}
    assert not os.path.exists(machine_settings_file(str(user_data)))
