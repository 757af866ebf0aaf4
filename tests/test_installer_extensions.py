"""`jupyter vscode install --extensions ...`: argument handling with a fake code-server, and a
real .vsix installed by the real code-server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jupyter_vscode import cli
from jupyter_vscode.codeserver import NO_CONFIG_FILE
from jupyter_vscode.installer import InstallError, Reporter
from jupyter_vscode.installer.extensions import (
    ExtensionDirs,
    gallery_json,
    install_extensions,
    read_extensions_file,
)
from jupyter_vscode.installer.standalone import release_arch

from .release_server import make_release_tarball
from .support.codeserver import REAL_CODE_SERVER, REQUIRE_REAL
from .support.vsix import make_vsix


@pytest.fixture(autouse=True)
def isolated_jupyter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The extensions dir follows the Jupyter config and running servers: none of the real
    ones (the tests set the JUPYTER_VSCODE_* fallbacks they need)."""
    for name in ("JUPYTER_VSCODE_USER_DATA_DIR", "JUPYTER_VSCODE_EXTENSIONS_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(tmp_path / "jupyter-config"))
    monkeypatch.delenv("JUPYTER_CONFIG_PATH", raising=False)
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "jupyter-runtime"))


@pytest.fixture
def fake_release(tmp_path: Path) -> Path:
    arch = release_arch()
    return make_release_tarball(tmp_path / f"code-server-4.20.0-linux-{arch}.tar.gz", "4.20.0")


def recorded(path: Path) -> dict[str, str]:
    lines = path.read_text().splitlines()
    return {line.split(" ", 1)[0]: line.split(" ", 1)[1] if " " in line else "" for line in lines}


def test_extensions_options_reach_code_server(
    fake_release: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    record = tmp_path / "record.txt"
    monkeypatch.setenv("FAKE_CS_RECORD", str(record))
    monkeypatch.setenv("JUPYTER_VSCODE_USER_DATA_DIR", str(tmp_path / "ud"))
    monkeypatch.delenv("JUPYTER_VSCODE_EXTENSIONS_DIR", raising=False)
    monkeypatch.setenv("VSCODE_IPC_HOOK_CLI", "/tmp/some-running-vscode.sock")
    vsix = tmp_path / "lists" / "local.vsix"
    vsix.parent.mkdir()
    vsix.write_bytes(b"PK")
    ext_file = tmp_path / "lists" / "extensions.txt"
    ext_file.write_text("# team defaults\nms-python.python\n\n  local.vsix  # built here\n")
    prefix = tmp_path / "prefix"

    code = cli.main(
        ["install", "--from", str(fake_release), "--prefix", str(prefix), "-q"]
        + ["--extensions", "redhat.vscode-yaml", "--extensions-file", str(ext_file)]
        + ["--gallery", "https://open-vsx.org/vscode/"]
    )
    assert code == 0
    seen = recorded(record)
    args = seen["ARGS"].split()  # the --version check records first, then the install
    # no config file: code-server would write one, with a password
    assert args[0] == "--config" and args[1] == NO_CONFIG_FILE
    assert args[2:6] == [
        "--user-data-dir",
        str(tmp_path / "ud"),
        "--extensions-dir",
        str(tmp_path / "ud" / "extensions"),
    ]
    assert args[6:] == [
        "--install-extension",
        "redhat.vscode-yaml",
        "--install-extension",
        "ms-python.python",
        "--install-extension",
        str(vsix),
    ]
    assert json.loads(seen["GALLERY"]) == {
        "serviceUrl": "https://open-vsx.org/vscode/gallery",
        "itemUrl": "https://open-vsx.org/vscode/item",
    }
    assert seen["IPC"] == ""  # not handed to a running VS Code
    assert (tmp_path / "ud" / "extensions").is_dir()


def test_extensions_dir_env_and_failure(
    fake_release: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("FAKE_CS_RECORD", str(tmp_path / "record.txt"))
    monkeypatch.setenv("JUPYTER_VSCODE_EXTENSIONS_DIR", str(tmp_path / "exts"))
    code = cli.main(
        ["install", "--from", str(fake_release), "--prefix", str(tmp_path / "p")]
        + ["--extensions", "nobody.missing-ext"]
    )
    out, err = capsys.readouterr()
    assert f"extensions dir: {tmp_path / 'exts'} ($JUPYTER_VSCODE_EXTENSIONS_DIR)" in out
    assert code == 1
    assert "Installing VS Code extensions failed" in err and "not found" in err
    assert "code-server itself is installed" in err
    assert "--extensions-dir " + str(tmp_path / "exts") in (tmp_path / "record.txt").read_text()


def test_extensions_file_and_gallery_parsing(tmp_path: Path) -> None:
    listing = tmp_path / "exts.txt"
    listing.write_text("a.b\n# c.d\n e.f # why\n\n/abs/x.vsix\n")
    assert read_extensions_file(listing) == ["a.b", "e.f", "/abs/x.vsix"]
    with pytest.raises(InstallError, match="Cannot read the extensions file"):
        read_extensions_file(tmp_path / "nope.txt")
    assert json.loads(gallery_json("https://g.example/vscode/gallery"))["itemUrl"] == (
        "https://g.example/vscode/item"
    )
    raw = '{"serviceUrl": "https://g.example/s", "itemUrl": "https://g.example/i"}'
    assert json.loads(gallery_json(raw))["serviceUrl"] == "https://g.example/s"
    with pytest.raises(InstallError, match="not an http"):
        gallery_json("open-vsx.org")
    with pytest.raises(InstallError, match="does not exist"):
        install_extensions(
            Path("/bin/true"),
            [str(tmp_path / "no.vsix")],
            Reporter(quiet=True),
            dirs=ExtensionDirs(tmp_path / "ud", tmp_path / "ext"),
        )


@pytest.mark.codeserver
def test_real_code_server_installs_a_local_vsix(tmp_path: Path) -> None:
    if REAL_CODE_SERVER is None:
        if REQUIRE_REAL:
            pytest.fail("no real code-server found; run `jupyter vscode install`")
        pytest.skip("no real code-server found (run `jupyter vscode install`)")
    vsix = make_vsix(tmp_path / "hello.vsix")
    dirs = ExtensionDirs(tmp_path / "user-data", tmp_path / "extensions")
    install_extensions(Path(REAL_CODE_SERVER), [str(vsix)], Reporter(quiet=True), dirs=dirs)
    installed = tmp_path / "extensions" / "jvtest.hello-0.0.1" / "package.json"
    assert json.loads(installed.read_text())["publisher"] == "jvtest"
    # Idempotent: a second run is fine too.
    install_extensions(Path(REAL_CODE_SERVER), [str(vsix)], Reporter(quiet=True), dirs=dirs)


def test_summary_says_extensions_were_installed(
    fake_release: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Issue 21: code-server already installed (as the lifecycle script's reruns find it), an
    extension installed: the summary said "done: nothing to change"."""
    monkeypatch.setenv("JUPYTER_VSCODE_USER_DATA_DIR", str(tmp_path / "ud"))
    argv = ["install", "--from", str(fake_release), "--prefix", str(tmp_path / "prefix")]
    assert cli.main(argv) == 0
    capsys.readouterr()
    assert cli.main([*argv, "--extensions", "redhat.vscode-yaml"]) == 0
    out = capsys.readouterr().out
    assert "nothing to change" not in out, out
    assert "done: code-server unchanged, extensions installed: reload the VS Code tab" in out


def test_extensions_all_installed_already_change_nothing(tmp_path: Path) -> None:
    exe = tmp_path / "code-server"
    exe.write_text("#!/bin/sh\necho \"Extension 'a.b' v1.0.0 is already installed.\"\n")
    exe.chmod(0o755)
    dirs = ExtensionDirs(tmp_path / "ud", tmp_path / "ud" / "extensions")
    assert not install_extensions(exe, ["a.b"], Reporter(quiet=True), dirs=dirs)
    assert install_extensions(exe, ["a.b", "c.d"], Reporter(quiet=True), dirs=dirs)
