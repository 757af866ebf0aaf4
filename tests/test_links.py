"""What a workbench link may make VS Code do (links.py, trust.py, workbench.py): each test
reproduces an attack from a link another user can send, through the real route, with the stub
code-server recording what reached it. The browser side, with a real code-server, is in
tests/browser/test_link_attacks.py.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from jupyter_vscode import links, trust

TRUST_ON = "&quot;enableWorkspaceTrust&quot;:true"
TRUST_OFF = "&quot;enableWorkspaceTrust&quot;:false"


@pytest.fixture
def workbench(stub_code_server) -> None:
    stub_code_server.serve_workbench()


async def get(jp_fetch, query: str, **headers: str):  # type: ignore[no-untyped-def]
    """GET vscode/?<query> as a browser's page load, redirects not followed."""
    return await jp_fetch(
        "vscode/",
        params=dict(_raw_params(query)),
        headers={"Accept": "text/html", **headers},
        raise_error=False,
        follow_redirects=False,
        request_timeout=60,
    )


def _raw_params(query: str) -> list[tuple[str, str]]:
    return [(k, v[-1]) for k, v in parse_qs(query, keep_blank_values=True).items()]


def redirected_folder(response) -> str:  # type: ignore[no-untyped-def]
    assert response.code == 302, (response.code, response.body[:300])
    location = response.headers["Location"]
    return parse_qs(urlsplit(location).query)["folder"][-1]


def workbench_requests(stub) -> list[dict]:  # type: ignore[no-untyped-def]
    return [r for r in stub.requests() if r["path"].split("?")[0] in ("/", "/vscode")]


# ---- 1. the folder judged is the folder VS Code opens ------------------------------------


@pytest.fixture
def attacker_folder(tmp_path: Path, jp_root_dir: Path) -> Path:
    """Another user's folder outside the root and the home, with a symlink into the root."""
    m = tmp_path / "m"
    (m / ".vscode").mkdir(parents=True)
    (m / ".vscode" / "settings.json").write_text('{"terminal.integrated.env.linux": {}}')
    (jp_root_dir / "project").mkdir()
    os.symlink(jp_root_dir / "project", m / "lnk")
    return m


def test_canonical_is_the_directory_vscode_reads(attacker_folder: Path, jp_root_dir: Path):
    m = str(attacker_folder)
    # VS Code normalises lexically first: lnk/.. is m itself, not the root the link points into
    assert trust.canonical(f"{m}/lnk/..") == m
    assert trust.canonical(f"{m}/lnk") == str(jp_root_dir / "project")
    assert trust.canonical(f"/{m}/./lnk/../") == m
    assert trust.is_canonical(m)
    for spelling in (f"{m}/lnk/..", f"{m}/", f"{m}/.", f"/{m}", f"{m}/lnk", "relative"):
        assert not trust.is_canonical(spelling), spelling


def test_dotdot_after_a_symlink_is_judged_as_vscode_opens_it(attacker_folder, jp_root_dir):
    roots = [str(jp_root_dir)]
    assert not trust.is_own_folder(f"{attacker_folder}/lnk/..", roots)
    # a symlink into the user's own folder is own only in its canonical spelling
    assert not trust.is_own_folder(f"{attacker_folder}/lnk", roots)
    assert trust.is_own_folder(str(jp_root_dir / "project"), roots)


async def test_dotdot_link_is_redirected_then_restricted(
    workbench, jp_fetch, attacker_folder, stub_code_server
):
    """The attack: ?folder=/tmp/m/lnk/.. with lnk -> a folder of the victim's. The page must
    not go out with trust off for the folder VS Code opens, /tmp/m."""
    r = await get(jp_fetch, f"folder={attacker_folder}/lnk/..&x=1")
    assert redirected_folder(r) == str(attacker_folder)
    assert "x=1" in r.headers["Location"]  # the rest of the query kept
    assert r.headers["Cache-Control"] == "no-store"
    assert workbench_requests(stub_code_server) == []  # redirected before code-server saw it
    page = await get(jp_fetch, f"folder={attacker_folder}")
    assert page.code == 200 and TRUST_ON in page.body.decode()


async def test_symlink_into_own_folder_is_redirected_to_the_real_path(
    workbench, jp_fetch, jp_root_dir
):
    own = jp_root_dir / "project"
    own.mkdir()
    os.symlink(own, jp_root_dir / "alias")
    for spelling in (f"{jp_root_dir}/alias", f"{own}/", f"{jp_root_dir}/./project", f"/{own}"):
        r = await get(jp_fetch, f"folder={quote(spelling)}")
        assert redirected_folder(r) == str(own), spelling
    page = await get(jp_fetch, f"folder={own}")
    assert TRUST_OFF in page.body.decode()


async def test_every_folder_parameter_is_canonicalised(workbench, jp_fetch, attacker_folder):
    """VS Code reads the last ``folder``; each one is judged and spelled canonically."""
    r = await get(jp_fetch, "")  # no query: nothing to redirect
    assert r.code == 200
    r = await jp_fetch(
        "vscode/",
        params=[("folder", str(attacker_folder)), ("folder", f"{attacker_folder}/lnk/..")],
        headers={"Accept": "text/html"},
        raise_error=False,
        follow_redirects=False,
        request_timeout=60,
    )
    assert parse_qs(urlsplit(r.headers["Location"]).query)["folder"] == [str(attacker_folder)] * 2


async def test_url_api_names_the_canonical_folder(jp_fetch, jp_root_dir, tmp_path):
    (jp_root_dir / "d").mkdir()
    (jp_root_dir / "d" / "f.py").write_text("")
    for path, folder in (("d", jp_root_dir / "d"), ("d/f.py", jp_root_dir)):
        reply = json.loads((await jp_fetch("api/vscode/url", params={"path": path})).body)
        assert reply["folder"] == trust.canonical(str(folder))
        assert trust.is_canonical(parse_qs(urlsplit(reply["url"]).query)["folder"][0])


# ---- 2. group write makes a folder shared, not the user's own ----------------------------


def test_group_writable_folder_is_not_own(jp_root_dir):
    team = jp_root_dir / "teamproj"
    (team / "sub").mkdir(parents=True)
    roots = [str(jp_root_dir)]
    assert trust.is_own_folder(str(team / "sub"), roots)
    team.chmod(0o2775)  # setgid team folder: every member of the group writes here
    assert not trust.is_own_folder(str(team), roots)
    assert not trust.is_own_folder(str(team / "sub"), roots)  # anywhere on the way down
    team.chmod(0o755)
    jp_root_dir.chmod(0o775)  # the trusted root itself too
    try:
        assert not trust.is_own_folder(str(team), roots)
    finally:
        jp_root_dir.chmod(0o755)


def test_acl_granting_write_to_another_user_is_not_own(jp_root_dir):
    """A POSIX ACL entry that lets a named user write raises the group bits (the ACL mask)."""
    setfacl = "/usr/bin/setfacl"
    if not os.path.exists(setfacl):
        pytest.skip("no setfacl here (Debian package acl)")
    shared = jp_root_dir / "acl-shared"
    shared.mkdir(mode=0o755)
    import subprocess

    done = subprocess.run([setfacl, "-m", "u:65534:rwx", str(shared)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"this filesystem has no ACLs: {done.stderr.decode().strip()}")
    assert not trust.is_own_folder(str(shared), [str(jp_root_dir)])


async def test_group_writable_folder_page_keeps_trust_on(workbench, jp_fetch, jp_root_dir):
    team = jp_root_dir / "teamproj"
    team.mkdir()
    team.chmod(0o2775)
    page = await get(jp_fetch, f"folder={team}")
    assert page.code == 200 and TRUST_ON in page.body.decode()


# ---- payload: what a link may ask VS Code to do at start-up ------------------------------


@pytest.mark.parametrize(
    "pairs",
    [
        [["extensionDevelopmentPath", "vscode-remote://h/tmp/m/ext"]],
        [["extensionTestsPath", "vscode-remote://h/tmp/m/t"]],
        [["extensionEnvironment", '{"NODE_OPTIONS":"--require /tmp/m/x.js"}']],
        [["webviewExternalEndpointCommit", "../../proxy/8000"]],
        [["openFile", "vscode-remote://h/x"], ["inspect-extensions", "9229"]],
    ],
)
async def test_payload_with_keys_a_link_may_not_set_is_refused(
    workbench, jp_fetch, jp_root_dir, stub_code_server, pairs
):
    r = await get(jp_fetch, f"folder={jp_root_dir}&payload={quote(json.dumps(pairs))}")
    assert r.code == 400
    assert "may not set" in r.body.decode() and pairs[-1][0] in r.body.decode()
    assert workbench_requests(stub_code_server) == []


@pytest.mark.parametrize("payload", ["not json", '{"openFile": "x"}', "[[1, 2]]", "[" * 5000])
async def test_payload_that_is_not_vscodes_form_is_refused(
    workbench, jp_fetch, jp_root_dir, payload
):
    r = await get(jp_fetch, f"folder={jp_root_dir}&payload={quote(payload)}")
    assert r.code == 400, r.body[:200]


async def test_payload_opening_files_passes(workbench, jp_fetch, jp_root_dir, stub_code_server):
    pairs = [["openFile", f"vscode-remote://h{jp_root_dir}/a.py"], ["gotoLineMode", "true"]]
    r = await get(jp_fetch, f"folder={jp_root_dir}&payload={quote(json.dumps(pairs))}")
    assert r.code == 200 and TRUST_OFF in r.body.decode()
    assert links.refused_payload([json.dumps(pairs)]) is None


@pytest.mark.codeserver
async def test_last_opened_folder_is_judged_like_a_link(jp_fetch, attacker_folder, tmp_path):
    """code-server redirects a bare vscode/ to the last query it stored (<user-data-dir>/
    coder.json); one stored before this check existed goes through the same redirect."""
    user_data = tmp_path / "vscode-user-data"  # conftest's c.VSCode.user_data_dir
    user_data.mkdir(exist_ok=True)
    stale = f"{attacker_folder}/lnk/.."
    (user_data / "coder.json").write_text(json.dumps({"query": {"folder": stale}}))
    bare = await jp_fetch(
        "vscode/",
        headers={"Accept": "text/html"},
        raise_error=False,
        follow_redirects=False,
        request_timeout=90,
    )
    assert bare.code == 302, bare.body[:300]
    assert parse_qs(urlsplit(bare.headers["Location"]).query)["folder"] == [stale]
    again = await get(jp_fetch, f"folder={quote(stale)}")
    assert redirected_folder(again) == str(attacker_folder)
    page = await get(jp_fetch, f"folder={attacker_folder}")
    assert page.code == 200 and TRUST_ON in page.body.decode()
