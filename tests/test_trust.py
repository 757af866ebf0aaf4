"""Workspace trust: the user's own folders open trusted, any other folder in Restricted Mode.

code-server keeps trust decisions in the browser (IndexedDB), so the server cannot pre-trust a
folder; it runs with trust on and the proxy turns trust off in the workbench page of an own
folder only (trust.py). The browser side is in tests/browser/test_workspace_trust.py.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from traitlets.config import Config

from jupyter_vscode import trust
from jupyter_vscode.config import InvalidOption, VSCode

TRUST_ON = "&quot;enableWorkspaceTrust&quot;:true"
TRUST_OFF = "&quot;enableWorkspaceTrust&quot;:false"
NOBODY = 65534


def options(**kw: object) -> VSCode:
    return VSCode(config=Config({"VSCode": kw}))


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("JUPYTER_VSCODE_TRUSTED_FOLDERS", raising=False)
    monkeypatch.delenv("JUPYTER_VSCODE_FOLDER", raising=False)
    return home


# ---- which folders -----------------------------------------------------------------------


def test_default_trusts_jupyters_root_and_home(home, tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    assert trust.trusted_roots(options(), str(root)) == [str(root), str(home)]


def test_configured_folder_is_trusted_too(home, tmp_path):
    assert str(tmp_path / "data") in trust.trusted_roots(
        options(folder=str(tmp_path / "data")), str(tmp_path)
    )
    # the folder VS Code opens by default (Jupyter's root) is not added when trust is narrowed
    assert trust.trusted_roots(options(trusted_folders=[]), str(tmp_path)) == []


def test_slash_is_never_trusted(home, caplog):
    """Jupyter started with root_dir=/ must not make every folder trusted."""
    assert trust.trusted_roots(options(), "/") == [str(home)]
    assert "'/'" in caplog.text


def test_env_fallback_and_validation(home, monkeypatch):
    monkeypatch.setenv("JUPYTER_VSCODE_TRUSTED_FOLDERS", "/srv/a:~/b:{root_dir}/c")
    c = VSCode()
    c.validate_all()
    assert c.trusted_folders == ["/srv/a", "~/b", "{root_dir}/c"]
    assert trust.trusted_roots(c, "/r") == ["/srv/a", str(home / "b"), "/r/c"]
    monkeypatch.setenv("JUPYTER_VSCODE_TRUSTED_FOLDERS", "relative/dir")
    with pytest.raises(InvalidOption) as e:
        VSCode().validate_all()
    assert "JUPYTER_VSCODE_TRUSTED_FOLDERS" in str(e.value) and "relative/dir" in str(e.value)


# ---- is a folder the user's own ----------------------------------------------------------


@pytest.fixture
def root(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    (root / "project" / "sub").mkdir(parents=True)
    return root


def test_root_and_below_are_own(root):
    roots = [str(root)]
    assert trust.is_own_folder(str(root), roots)
    assert trust.is_own_folder(str(root / "project" / "sub"), roots)
    # only in the canonical spelling VS Code is redirected to first (tests/test_links.py)
    assert not trust.is_own_folder(str(root / "project" / "sub") + "/", roots)


def test_outside_and_tricks_are_not_own(root, tmp_path):
    roots = [str(root)]
    (tmp_path / "elsewhere").mkdir()
    os.symlink(tmp_path / "elsewhere", root / "link-out")
    assert not trust.is_own_folder(str(tmp_path / "elsewhere"), roots)
    assert not trust.is_own_folder(str(root / "link-out"), roots)  # real path is outside
    assert not trust.is_own_folder(str(root / ".." / "elsewhere"), roots)
    assert not trust.is_own_folder(str(root) + "-sibling", roots)
    assert not trust.is_own_folder("project", roots)  # relative
    assert not trust.is_own_folder("vscode-remote://remote" + str(root), roots)


def test_world_writable_folder_below_root_is_not_own(root):
    shared = root / "project"
    shared.chmod(0o777)
    assert not trust.is_own_folder(str(shared / "sub"), [str(root)])
    shared.chmod(0o755)
    assert trust.is_own_folder(str(shared / "sub"), [str(root)])


@pytest.mark.skipif(os.getuid() != 0, reason="needs root to give a folder to another user")
def test_another_users_folder_below_root_is_not_own(root):
    os.chown(root / "project", NOBODY, NOBODY)
    assert not trust.is_own_folder(str(root / "project" / "sub"), [str(root)])
    assert trust.is_own_folder(str(root), [str(root)])


def test_page_query(root):
    roots = [str(root)]
    assert trust.page_is_own([str(root)], [], roots)
    assert not trust.page_is_own([], [], roots)  # empty window: VS Code's own rule
    assert not trust.page_is_own([], [str(root / "x.code-workspace")], roots)
    assert not trust.page_is_own([str(root), "/elsewhere"], [], roots)  # every one must be own
    assert not trust.is_own_folder(str(root / "missing"), roots)  # nothing to vouch for


def test_page_rewrite():
    page = f'<meta id="vscode-workbench-web-configuration" data-settings="{{{TRUST_ON}}}">'
    assert trust.without_trust(page.encode()) == page.replace(TRUST_ON, TRUST_OFF).encode()
    assert trust.without_trust(b"<html>something else</html>") is None
    assert trust.without_trust((page + page).encode()) is None


# ---- through Jupyter, with the stub code-server ------------------------------------------


@pytest.fixture
def workbench(stub_code_server) -> None:
    stub_code_server.serve_workbench()


async def page(jp_fetch, **query: str):  # type: ignore[no-untyped-def]
    r = await jp_fetch(
        "vscode/",
        params=query,
        headers={"Accept": "text/html", "Accept-Encoding": "gzip"},
        raise_error=False,
        request_timeout=60,
    )
    assert r.code == 200, r.body[:300]
    return r


async def test_own_folder_page_has_trust_off(workbench, jp_fetch, jp_root_dir, stub_code_server):
    (jp_root_dir / "project").mkdir()
    for folder in (jp_root_dir, jp_root_dir / "project"):
        r = await page(jp_fetch, folder=str(folder))
        body = r.body.decode()
        assert TRUST_OFF in body and TRUST_ON not in body, body
        assert r.headers["Cache-Control"] == "no-store"
    assert "--disable-workspace-trust" not in stub_code_server.argv()


async def test_other_folder_page_keeps_trust_on(workbench, jp_fetch, tmp_path):
    other = tmp_path / "someone-elses"
    other.mkdir()
    for query in ({"folder": str(other)}, {"workspace": str(other / "w.code-workspace")}, {}):
        r = await page(jp_fetch, **query)
        assert TRUST_ON in r.body.decode(), query
        assert r.headers["Cache-Control"] == "no-store"  # never a cached page of an own folder


async def test_folder_is_judged_as_vscode_reads_it(workbench, jp_fetch, jp_root_dir):
    """VS Code opens the folder parameter as it is: "<root> " is a sibling of the root, which
    another user may have created next to it (e.g. in /tmp)."""
    for folder in (f"{jp_root_dir} ", f" {jp_root_dir}", f"{jp_root_dir}\t"):
        r = await page(jp_fetch, folder=folder)
        assert TRUST_ON in r.body.decode(), repr(folder)


@pytest.mark.vscode(disable_workspace_trust=True)
async def test_disable_workspace_trust_still_disables_it(
    workbench, jp_fetch, tmp_path, stub_code_server
):
    r = await page(jp_fetch, folder=str(tmp_path))
    assert TRUST_OFF in r.body.decode()
    assert "--disable-workspace-trust" in stub_code_server.argv()


@pytest.mark.codeserver
async def test_real_code_servers_page_is_rewritten_for_own_folders_only(
    jp_fetch, jp_root_dir, tmp_path
):
    """The marker the proxy rewrites is the one code-server 4.139.1 really renders."""
    other = tmp_path / "elsewhere"
    other.mkdir()
    own = (await page(jp_fetch, folder=str(jp_root_dir))).body.decode()
    assert TRUST_OFF in own and TRUST_ON not in own
    assert "vscode-workbench-web-configuration" in own
    assert TRUST_ON in (await page(jp_fetch, folder=str(other))).body.decode()
