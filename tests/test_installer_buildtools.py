"""The npm method's build prerequisites: checked up front, and Kerberos only where it builds.

The fake npm's code-server postinstall "compiles" kerberos unless lib/vscode/package.json denies
its script, and fails doing so when FAKE_NO_GSSAPI=1, which also makes the fake compiler's
header probe fail: the two halves of a host without libkrb5-dev.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from pathlib import Path

import pytest

from jupyter_vscode import cli
from jupyter_vscode.installer import InstallError
from jupyter_vscode.installer.buildtools import Toolchain, find_toolchain, has_gssapi

from .support.installer import assert_only_npm_version, do_npm_install, npm_calls, run_npm_installed

VSCODE_PACKAGE = "app/node_modules/code-server/lib/vscode/package.json"


def marker(prefix: Path, version: str) -> dict[str, str]:
    return json.loads((prefix / f"versions/{version}-npm/jupyter-vscode-install.json").read_text())


# -- prerequisites ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("unset", "named"),
    [
        (("CXX",), "a C++ compiler was not found"),
        (("MAKE",), "make was not found"),
        (("PYTHON",), "python3 was not found"),
        (("CXX", "MAKE", "PYTHON"), "a C++ compiler, make and python3 were not found"),
    ],
)
def test_missing_build_tools_fail_fast_and_touch_nothing(
    fake_npm: Path,
    prefix: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    unset: tuple[str, ...],
    named: str,
) -> None:
    do_npm_install(prefix, version="4.1.0")
    before = (prefix / "versions" / "4.1.0-npm").stat().st_ino
    n_calls = len(npm_calls(fake_npm))
    for var in unset:
        monkeypatch.setenv(var, f"no-such-{var.lower()}")

    start = time.monotonic()
    code = cli.main(["install", "--version", "4.2.0", "--prefix", str(prefix)])  # auto -> npm
    took = time.monotonic() - start

    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err
    assert named in err
    assert "apt-get install -y build-essential python3`" in err
    assert "dnf install -y gcc-c++ make python3" in err
    assert "--method standalone" in err and "untouched" in err
    assert "libkrb5" not in err
    assert took < 5
    # Not even the registry was asked, nothing was staged, the old version still runs.
    assert len(npm_calls(fake_npm)) == n_calls
    assert list((prefix / "staging").iterdir()) == []
    assert sorted(os.listdir(prefix / "versions")) == ["4.1.0-npm"]
    assert (prefix / "versions" / "4.1.0-npm").stat().st_ino == before
    assert run_npm_installed(prefix) == "4.1.0"


def test_missing_build_tools_on_a_fresh_prefix(
    fake_npm: Path,
    prefix: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MAKE", "no-such-make")
    with pytest.raises(InstallError, match="make was not found"):
        do_npm_install(prefix, method="npm")
    assert npm_calls(fake_npm) == []
    assert not (prefix / "versions").exists() and not (prefix / "current").exists()
    assert not (prefix / "staging").exists() or list((prefix / "staging").iterdir()) == []


def test_find_toolchain_follows_path_and_env(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    assert find_toolchain({"PATH": str(empty)}).missing() == ["a C++ compiler", "make", "python3"]

    tools = tmp_path / "tools"
    tools.mkdir()
    for name in ("g++", "make", "python3", "ccache", "gmake", "python3.12"):
        (tools / name).write_text("#!/bin/sh\n")
        (tools / name).chmod(0o755)
    path = str(tools)
    found = find_toolchain({"PATH": path})
    assert found == Toolchain((str(tools / "g++"),), str(tools / "make"), str(tools / "python3"))
    # node-gyp's own overrides: $CXX (with arguments), $MAKE, $PYTHON.
    custom = find_toolchain(
        {"PATH": path, "CXX": "ccache g++ -m64", "MAKE": "gmake", "PYTHON": "python3.12"}
    )
    assert custom.cxx == (str(tools / "ccache"), "g++", "-m64")
    assert custom.make == str(tools / "gmake") and custom.python == str(tools / "python3.12")
    # An override naming something absent counts as missing; it does not fall back.
    assert find_toolchain({"PATH": path, "CXX": "clang++"}).missing() == ["a C++ compiler"]


@pytest.mark.skipif(shutil.which("g++") is None, reason="needs a real g++")
def test_has_gssapi_asks_the_real_compiler_with_cppflags(tmp_path: Path) -> None:
    include = tmp_path / "include"
    (include / "gssapi").mkdir(parents=True)
    (include / "gssapi" / "gssapi.h").write_text("#define FAKE_GSSAPI 1\n")
    tools = find_toolchain({"PATH": os.environ["PATH"]})
    env = {"PATH": os.environ["PATH"]}
    assert has_gssapi(tools, {**env, "CPPFLAGS": f"-I{include}"})
    assert not has_gssapi(tools, {**env, "CPPFLAGS": "-nostdinc"})
    assert not has_gssapi(Toolchain(None, "make", sys.executable), env)


# -- Kerberos -----------------------------------------------------------------------------------


@pytest.fixture
def no_gssapi_headers(fake_npm: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A host without libkrb5-dev: the fake compiler's header probe and kerberos' build fail
    (set after fake_npm, which clears FAKE_NO_GSSAPI)."""
    monkeypatch.setenv("FAKE_NO_GSSAPI", "1")


@pytest.mark.usefixtures("no_gssapi_headers")
def test_without_gssapi_headers_kerberos_is_skipped_and_recorded(
    fake_npm: Path, prefix: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["install", "--version", "4.2.0", "--prefix", str(prefix)]) == 0
    out = capsys.readouterr().out

    assert "Kerberos (Negotiate) proxy authentication" in out
    assert "apt-get install -y libkrb5-dev" in out and "dnf install -y krb5-devel" in out
    assert "jupyter vscode install --force" in out
    assert marker(prefix, "4.2.0")["kerberos"] == "disabled"
    assert run_npm_installed(prefix) == "4.2.0"

    # code-server installed with its postinstall held back, kerberos denied, then the rebuild
    # ran the postinstall (once), which built everything but kerberos.
    calls = npm_calls(fake_npm)
    node_npm = [c["argv"][:2] for c in calls if c["role"] == "node-npm"]
    assert node_npm == [["install", "--no-audit"], ["rebuild", "code-server"]]
    assert [c["argv"] for c in calls if c["role"] == "postinstall"] == [["kerberos=False"]]
    version_dir = prefix / "versions" / "4.2.0-npm"
    policy = json.loads((version_dir / VSCODE_PACKAGE).read_text())["allowScripts"]
    assert policy == {"kerberos@2.1.1": False, "koffi@3.2.1": False, "node-pty@1.2.0-beta.15": True}
    app = json.loads((version_dir / "app/package.json").read_text())
    assert app["allowScripts"] == {"code-server": True, "argon2": True}


def test_with_gssapi_headers_the_install_is_unchanged(
    fake_npm: Path,
    prefix: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cli.main(["install", "--version", "4.2.0", "--prefix", str(prefix)]) == 0
    out = capsys.readouterr().out
    assert "Kerberos" not in out
    assert marker(prefix, "4.2.0")["kerberos"] == "enabled"
    calls = npm_calls(fake_npm)
    assert [c["argv"][0] for c in calls if c["role"] == "node-npm"] == ["install"]
    assert [c["argv"] for c in calls if c["role"] == "postinstall"] == [["kerberos=True"]]
    policy = json.loads((prefix / "versions/4.2.0-npm" / VSCODE_PACKAGE).read_text())
    assert policy["allowScripts"]["kerberos@2.1.1"] is True


def test_without_gssapi_a_failing_build_still_fails_cleanly(
    fake_npm: Path,
    prefix: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    do_npm_install(prefix, version="4.1.0")
    monkeypatch.setenv("FAKE_NO_GSSAPI", "1")
    monkeypatch.setenv("FAKE_NPM_FAIL", "build")
    with pytest.raises(InstallError, match="failed while compiling its native modules"):
        do_npm_install(prefix, version="4.2.0")
    assert_only_npm_version(prefix, "4.1.0")


def test_deny_flips_pinned_entries_or_adds_a_name_only_one(tmp_path: Path) -> None:
    from jupyter_vscode.installer import allowscripts

    package = tmp_path / "package.json"
    package.write_text(json.dumps({"allowScripts": {"kerberos@2.1.1": True, "kerberosx": True}}))
    assert allowscripts.deny(package, "kerberos") == ["kerberos@2.1.1"]
    assert json.loads(package.read_text())["allowScripts"] == {
        "kerberos@2.1.1": False,
        "kerberosx": True,
    }
    package.write_text(json.dumps({"name": "x"}))
    assert allowscripts.deny(package, "kerberos") == ["kerberos"]
    assert json.loads(package.read_text()) == {"name": "x", "allowScripts": {"kerberos": False}}
