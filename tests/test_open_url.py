"""``GET api/vscode/url``: the URL that opens a Jupyter path in VS Code, and what it refuses."""

from __future__ import annotations

import json
import os
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from jupyter_vscode.open_url import vscode_url

HOST = "example.org:8443"


@pytest.fixture
def tree(jp_root_dir: Path, tmp_path: Path) -> Path:
    (jp_root_dir / "dir with space").mkdir()
    (jp_root_dir / "dir with space" / "ünï cödé.py").write_text("print('ü')\n")
    (jp_root_dir / "odd #?%+&=.txt").write_text("odd\n")
    outside = tmp_path / "outside"
    outside.mkdir(exist_ok=True)
    (outside / "secret.txt").write_text("secret\n")
    (jp_root_dir / "link-out").symlink_to(outside, target_is_directory=True)
    (jp_root_dir / "file-link-out").symlink_to(outside / "secret.txt")
    (jp_root_dir / "link-in").symlink_to(jp_root_dir / "dir with space")
    (jp_root_dir / "dangling").symlink_to(jp_root_dir / "nowhere")
    return jp_root_dir


async def open_url(jp_fetch, path: str, **params: str):
    r = await jp_fetch("api", "vscode", "url", params={"path": path, **params}, raise_error=False)
    return r.code, json.loads(r.body or b"{}")


async def refusal(jp_fetch, path: str, status: int, **params: str) -> str:
    """The message of the refusal (HTTP STATUS) to open PATH."""
    code, body = await open_url(jp_fetch, path, **params)
    assert code == status
    return body["message"]


def query(url: str) -> dict[str, str]:
    parts = urlsplit(url)
    assert parts.path == "vscode/"
    # how VS Code reads it: URLSearchParams, i.e. percent-decoding ('+' would be a space)
    return {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}


async def test_folder_with_space(jp_fetch, tree):
    code, body = await open_url(jp_fetch, "dir with space")
    assert code == 200
    assert body["kind"] == "folder"
    assert "%20" in body["url"] and " " not in body["url"]
    assert query(body["url"]) == {"folder": str(tree / "dir with space")}


async def test_root_folder(jp_fetch, tree):
    for path in ("", "/", "."):
        code, body = await open_url(jp_fetch, path)
        assert code == 200
        assert query(body["url"]) == {"folder": str(tree)}


async def test_non_ascii_file_opens_in_root_workspace(jp_fetch, tree):
    code, body = await open_url(jp_fetch, "dir with space/ünï cödé.py", authority=HOST)
    assert code == 200
    assert body["kind"] == "file"
    assert body["url"].isascii()
    q = query(body["url"])
    assert q["folder"] == str(tree)
    payload = json.loads(q["payload"])
    assert payload == [
        [
            "openFile",
            f"vscode-remote://{HOST}{tree}/dir%20with%20space/%C3%BCn%C3%AF%20c%C3%B6d%C3%A9.py",
        ]
    ]


async def test_special_characters_survive(jp_fetch, tree):
    code, body = await open_url(jp_fetch, "odd #?%+&=.txt", authority=HOST)
    assert code == 200
    (uri,) = (v for k, v in json.loads(query(body["url"])["payload"]) if k == "openFile")
    assert uri.endswith("/odd%20%23%3F%25%2B%26%3D.txt")


async def test_authority_defaults_to_host_header(jp_fetch, tree, jp_http_port):
    code, body = await open_url(jp_fetch, "odd #?%+&=.txt")
    assert code == 200
    assert f"vscode-remote://127.0.0.1:{jp_http_port}/" in query(body["url"])["payload"]


@pytest.mark.parametrize("authority", ["evil.org/x", "a b", 'x"y', "h:port"])
async def test_bad_authority_is_refused(jp_fetch, tree, authority):
    assert "authority" in await refusal(jp_fetch, "dir with space", 400, authority=authority)


@pytest.mark.parametrize(
    "path", ["..", "../outside", "dir with space/../../outside", "a/../../b", "..\\outside"]
)
async def test_dotdot_is_refused(jp_fetch, tree, path):
    assert "'..'" in await refusal(jp_fetch, path, 400)


@pytest.mark.parametrize("path", ["link-out", "link-out/secret.txt", "file-link-out"])
async def test_symlink_outside_root_is_refused(jp_fetch, tree, path):
    assert "outside Jupyter's root" in await refusal(jp_fetch, path, 403)


async def test_symlink_inside_root_is_fine(jp_fetch, tree):
    code, body = await open_url(jp_fetch, "link-in/ünï cödé.py")
    assert code == 200
    assert body["path"] == str(tree / "link-in" / "ünï cödé.py")


@pytest.mark.parametrize("path", ["missing.py", "dir with space/missing", "dangling"])
async def test_missing_path_is_404(jp_fetch, tree, path):
    assert "no such file or folder" in await refusal(jp_fetch, path, 404)


async def test_absolute_looking_path_is_relative_to_root(jp_fetch, tree):
    await refusal(jp_fetch, "/etc/passwd", 404)  # no etc/passwd under the root


async def test_authentication_required(jp_fetch, tree):
    r = await jp_fetch(
        "api",
        "vscode",
        "url",
        params={"path": "dir with space"},
        headers={"Authorization": "token wrong"},
        raise_error=False,
    )
    assert r.code == 403
    assert b"folder" not in r.body


def test_vscode_url_keeps_root_as_configured(tmp_path):
    url = vscode_url(str(tmp_path) + os.sep, str(tmp_path / "a.py"), False, "h")
    assert query(url)["folder"] == str(tmp_path)
