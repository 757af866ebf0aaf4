"""Unit tests of the installer's logic, with a fake npm on PATH (no network, ~seconds)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from jupyter_vscode import cli
from jupyter_vscode.installer import InstallError, InstallOptions, Layout, Reporter, install
from jupyter_vscode.installer.base import InstallMethod, Release
from jupyter_vscode.installer.lock import InstallLock

from .support.installer import assert_only_npm_version, do_npm_install, npm_calls, run_npm_installed

ROOT = Path(__file__).parent.parent


def test_fresh_install_layout(fake_npm: Path, prefix: Path) -> None:
    result = install(InstallOptions(prefix=prefix), Reporter(quiet=True))

    assert result.changed and result.install.version == "4.2.0"
    version_dir = prefix / "versions" / "4.2.0-npm"
    assert result.install.path == version_dir
    assert os.readlink(prefix / "current") == os.path.join("versions", "4.2.0-npm")
    assert os.readlink(prefix / "bin" / "code-server") == os.path.join(
        "..", "current", "bin", "code-server"
    )
    wrapper = version_dir / "bin" / "code-server"
    assert wrapper.read_text().startswith("#!/bin/sh\n")
    marker = json.loads((version_dir / "jupyter-vscode-install.json").read_text())
    assert marker["version"] == "4.2.0" and marker["method"] == "npm"
    assert marker["node"] == "v24.1.0"
    # npm checks each tarball against the registry's sha512 integrity; the record says so
    assert marker["integrity"].startswith("checked by npm") and "sha512" in marker["integrity"]
    assert list((prefix / "staging").iterdir()) == []
    assert result.log is not None and "npm-cli.js" in result.log.read_text()
    assert sorted(os.listdir(prefix / "versions")) == ["4.2.0-npm"]
    assert run_npm_installed(prefix) == "4.2.0"
    # The code-server install ran under the bundled node, with its headers for node-gyp.
    calls = npm_calls(fake_npm)
    assert [c["role"] for c in calls] == ["npm", "npm", "node-npm", "postinstall", "node-e"] + [
        "code-server",  # the install's verification
        "code-server",  # run_installed above
    ]
    assert calls[0]["argv"][:2] == ["view", "code-server"]
    node_npm = calls[2]
    assert node_npm["argv"][0] == "install"
    assert str(node_npm["cwd"]).endswith("/app")
    assert "/runtime/node_modules/node-" in str(node_npm["nodedir"])
    assert str(node_npm["path0"]).endswith("/runtime/node_modules/.bin")


def test_runtime_and_code_server_package_json(fake_npm: Path, prefix: Path) -> None:
    do_npm_install(prefix, version="4.1.0")
    app = json.loads((prefix / "versions/4.1.0-npm/app/package.json").read_text())
    assert app["allowScripts"]["code-server"] is True
    assert app["dependencies"] == {"code-server": "4.1.0"}
    runtime = json.loads((prefix / "versions/4.1.0-npm/runtime/package.json").read_text())
    assert runtime["dependencies"]["npm"] == "11"
    assert any(k.startswith("node-") and v == "24" for k, v in runtime["dependencies"].items())


def test_wrapper_survives_renamed_prefix(fake_npm: Path, prefix: Path, tmp_path: Path) -> None:
    do_npm_install(prefix, version="4.1.0")
    moved = tmp_path / "moved"
    prefix.rename(moved)
    assert run_npm_installed(moved) == "4.1.0"


def test_rerun_same_version_is_a_noop_without_npm(
    fake_npm: Path,
    prefix: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    do_npm_install(prefix, version="4.2.0")
    before = (prefix / "versions" / "4.2.0-npm").stat().st_ino
    monkeypatch.setenv("FAKE_NPM_FORBID", "1")
    n_calls = len(npm_calls(fake_npm))

    start = time.monotonic()
    code = cli.main(["install", "--version", "4.2.0", "--prefix", str(prefix)])
    took = time.monotonic() - start

    assert code == 0
    out = capsys.readouterr().out
    assert "already installed" in out and "nothing to change" in out
    assert len(npm_calls(fake_npm)) == n_calls  # neither the registry nor npm was asked
    assert (prefix / "versions" / "4.2.0-npm").stat().st_ino == before
    assert took < 10


def test_rerun_without_version_asks_registry_only(fake_npm: Path, prefix: Path) -> None:
    do_npm_install(prefix)
    n_calls = len(npm_calls(fake_npm))
    result = do_npm_install(prefix)
    assert not result.changed  # type: ignore[attr-defined]
    new_calls = npm_calls(fake_npm)[n_calls:]
    assert [c["argv"][0] for c in new_calls] == ["view"]


def test_upgrade_switches_current_and_keeps_old_with_keep_old_versions(
    fake_npm: Path, prefix: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    do_npm_install(prefix, version="4.1.0")
    do_npm_install(prefix, version="4.2.0", prune=False)
    assert run_npm_installed(prefix) == "4.2.0"
    assert sorted(os.listdir(prefix / "versions")) == ["4.1.0-npm", "4.2.0-npm"]

    # Going back to an installed version only switches the link: no npm at all.
    monkeypatch.setenv("FAKE_NPM_FORBID", "1")
    result = do_npm_install(prefix, version="4.1.0", prune=False)
    assert result.changed  # type: ignore[attr-defined]
    assert run_npm_installed(prefix) == "4.1.0"

    # Without --keep-old-versions, a rerun that changes nothing still prunes.
    result = do_npm_install(prefix, version="4.1.0")
    assert not result.changed  # type: ignore[attr-defined]
    assert [r.path.name for r in result.pruned] == ["4.2.0-npm"]  # type: ignore[attr-defined]
    assert sorted(os.listdir(prefix / "versions")) == ["4.1.0-npm"]
    assert run_npm_installed(prefix) == "4.1.0"


def test_force_reinstalls(fake_npm: Path, prefix: Path) -> None:
    do_npm_install(prefix, version="4.1.0")
    ino = (prefix / "versions" / "4.1.0-npm").stat().st_ino
    result = do_npm_install(prefix, version="4.1.0", force=True)
    assert result.changed  # type: ignore[attr-defined]
    assert (prefix / "versions" / "4.1.0-npm").stat().st_ino != ino
    assert run_npm_installed(prefix) == "4.1.0"
    assert list((prefix / "staging").iterdir()) == []


@pytest.mark.parametrize(
    ("fail", "expected"),
    [
        ("build", ["native modules", "apt-get install -y build-essential python3`"]),
        ("addons", ["native modules", "dnf install -y gcc-c++ make python3"]),
        ("node", ["Downloading Node.js", "node-linux-", "@24"]),
        ("network", ["Installing code-server 4.2.0 with npm failed", "network"]),
    ],
)
def test_failure_keeps_previous_version(
    fake_npm: Path,
    prefix: Path,
    monkeypatch: pytest.MonkeyPatch,
    fail: str,
    expected: list[str],
) -> None:
    do_npm_install(prefix, version="4.1.0")
    monkeypatch.setenv("FAKE_NPM_FAIL", fail)
    with pytest.raises(InstallError) as info:
        do_npm_install(prefix, version="4.2.0")
    message = str(info.value)
    for text in expected:
        assert text in message
    assert info.value.log is not None and str(info.value.log) in message
    assert info.value.log.parent == prefix / "logs" and info.value.log.stat().st_size > 0
    assert_only_npm_version(prefix, "4.1.0")


def test_verify_rejects_wrong_version(
    fake_npm: Path, prefix: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_CS_VERSION", "9.9.9")
    with pytest.raises(InstallError, match="reports version 9.9.9"):
        do_npm_install(prefix, version="4.1.0")
    assert not (prefix / "current").exists()
    assert not (prefix / "versions" / "4.1.0-npm").exists()
    assert list((prefix / "staging").iterdir()) == []


def test_unknown_version(fake_npm: Path, prefix: Path) -> None:
    with pytest.raises(InstallError) as info:
        do_npm_install(prefix, version="3.0.0")
    assert "code-server 3.0.0 was not found on the npm registry" in str(info.value)
    assert "newest version is 4.2.0" in str(info.value)
    assert not (prefix / "versions").exists()


def test_npm_not_found(
    prefix: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    code = cli.main(["install", "--prefix", str(prefix)])
    err = capsys.readouterr().err
    assert code == 1
    assert "npm was not found on PATH" in err and "apt-get install -y npm" in err
    assert "Traceback" not in err


def test_prefix_not_writable(
    fake_npm: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    code = cli.main(["install", "--prefix", str(blocker / "prefix")])
    err = capsys.readouterr().err
    assert code == 1
    assert f"Cannot write to the install prefix {blocker / 'prefix'}" in err
    assert "--prefix" in err and "JUPYTER_VSCODE_PREFIX" in err
    assert npm_calls(fake_npm) == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write to read-only directories")
def test_prefix_read_only(fake_npm: Path, prefix: Path) -> None:
    prefix.mkdir()
    prefix.chmod(0o555)
    try:
        with pytest.raises(InstallError, match="Cannot write to the install prefix"):
            do_npm_install(prefix)
    finally:
        prefix.chmod(0o755)


def test_leftover_staging_is_removed(fake_npm: Path, prefix: Path) -> None:
    leftover = prefix / "staging" / "4.0.0-npm.12345"
    (leftover / "app").mkdir(parents=True)
    do_npm_install(prefix, version="4.1.0")
    assert list((prefix / "staging").iterdir()) == []
    assert sorted(os.listdir(prefix / "versions")) == ["4.1.0-npm"]


def test_interrupt_during_build_cleans_up(fake_npm: Path, prefix: Path) -> None:
    do_npm_install(prefix, version="4.1.0")

    class Interrupted(InstallMethod):
        name = "npm"

        def check(self) -> None:
            pass

        def resolve(self, requested: str | None) -> Release:
            return Release(requested or "4.2.0", 24)

        def build(self, stage: Path, release: Release, ctx: object) -> dict[str, str]:
            (stage / "bin").mkdir()
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        install(
            InstallOptions(prefix=prefix, version="4.2.0"),
            Reporter(quiet=True),
            methods={"npm": Interrupted},
        )
    assert_only_npm_version(prefix, "4.1.0")


def test_sigterm_stops_npm_and_removes_staging(
    fake_npm: Path, prefix: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    do_npm_install(prefix, version="4.1.0")
    monkeypatch.setenv("FAKE_NPM_SLEEP", "60")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyter_vscode.cli", "install", "--version", "4.2.0"]
        + ["--prefix", str(prefix)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while not any("fake npm: sleeping" in p.read_text() for p in prefix.glob("logs/*.log")):
            assert time.monotonic() < deadline, "the fake code-server install never started"
            time.sleep(0.1)
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 128 + signal.SIGTERM, out
    assert "Traceback" not in out
    assert list((prefix / "staging").iterdir()) == []
    assert sorted(os.listdir(prefix / "versions")) == ["4.1.0-npm"]
    assert run_npm_installed(prefix) == "4.1.0"


def test_lock_makes_a_second_install_wait(fake_npm: Path, prefix: Path) -> None:
    prefix.mkdir()
    layout = Layout(prefix)
    held = InstallLock(layout.lock_file)
    held.acquire()
    try:
        with pytest.raises(InstallError, match="Another `jupyter vscode install` is running"):
            do_npm_install(prefix, version="4.1.0", lock_timeout=0.3)
        assert not (prefix / "versions").exists()

        result: list[object] = []
        waiter = threading.Thread(
            target=lambda: result.append(do_npm_install(prefix, version="4.1.0", lock_timeout=30))
        )
        waiter.start()
        time.sleep(0.5)
        assert waiter.is_alive() and not (prefix / "versions").exists()
    finally:
        held.release()
    waiter.join(timeout=30)
    assert result and run_npm_installed(prefix) == "4.1.0"


def test_cli_prints_where_and_what_next(
    fake_npm: Path, prefix: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["install", "--prefix", str(prefix)]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert all(line.startswith("[jupyter-vscode] ") for line in lines)
    assert f"launcher: {prefix / 'bin' / 'code-server'}" in out
    assert "restart Jupyter, or reload the VS Code tab" in lines[-1]


def test_cli_quiet(fake_npm: Path, prefix: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["install", "-q", "--prefix", str(prefix)]) == 0
    assert capsys.readouterr().out == ""


def test_cli_version(capsys: pytest.CaptureFixture[str]) -> None:
    from jupyter_vscode import __version__

    assert cli.main(["version"]) == 0
    assert capsys.readouterr().out.strip() == __version__
    with pytest.raises(SystemExit) as info:
        cli.main(["--version"])
    assert info.value.code == 0
    assert __version__ in capsys.readouterr().out
