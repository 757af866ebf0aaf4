"""Hostile input (hypothesis): API bodies and parameters, option values, paths to open.

Async handlers can't run inside @given: their examples come from support.fuzz.draw.
"""

from __future__ import annotations

import json
import os
from urllib.parse import parse_qs, unquote, urlparse

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from traitlets import TraitError
from traitlets.config import Config

from jupyter_vscode.config import InvalidOption, VSCode

from .support.fuzz import draw

FUZZ = settings(
    max_examples=60,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    deadline=None,
)


BODIES = st.one_of(
    st.binary(max_size=300),
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
        lambda children: (
            st.lists(children, max_size=4)
            | st.dictionaries(st.text(max_size=8), children, max_size=4)
        ),
        max_leaves=10,
    ).map(lambda v: json.dumps(v).encode()),
)


async def test_api_bodies_never_cause_500(jp_fetch):
    for body in draw(BODIES, 80):
        r = await jp_fetch("api", "vscode", "stop", method="POST", body=body, raise_error=False)
        assert r.code in (200, 400), (body, r.code, r.body)
        msg = json.loads(r.body)
        if r.code == 400:
            assert msg["message"] and "Traceback" not in r.body.decode()


async def test_log_lines_parameter(jp_fetch):
    for value in draw(st.text(max_size=12), 60):
        r = await jp_fetch("api", "vscode", "log", params={"lines": value}, raise_error=False)
        assert r.code in (200, 400), (value, r.code)


TRAIT_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**40), max_value=2**40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.lists(st.text(max_size=10), max_size=3),
)


@FUZZ
@given(name=st.sampled_from(sorted(VSCode.class_trait_names(config=True))), value=TRAIT_VALUES)
def test_option_values_are_accepted_or_named(name, value):
    try:
        c = VSCode(config=Config({"VSCode": {name: value}}))
        c.validate_all()
    except (TraitError, InvalidOption) as e:
        assert name in str(e) or "VSCode" in str(e) or "trait" in str(e)


@FUZZ
@given(
    name=st.sampled_from(sorted(VSCode.class_trait_names(config=True))),
    raw=st.text(
        alphabet=st.characters(blacklist_characters="\0", blacklist_categories=("Cs",)), max_size=30
    ),
)
def test_env_values_are_accepted_or_named(monkeypatch, name, raw):
    env = "JUPYTER_VSCODE_" + name.upper()
    monkeypatch.setenv(env, raw)
    try:
        VSCode().validate_all()
    except InvalidOption as e:
        assert env in str(e) or f"c.VSCode.{name}" in str(e)
    finally:
        monkeypatch.delenv(env)


PATH_PARTS = st.sampled_from(
    [
        "..",
        ".",
        "",
        "a",
        "dir with space",
        "ünï cödé.py",
        "%2e%2e",
        "~",
        "/etc",
        "\\..\\",
        "x;rm -rf",
        "$(id)",
        "`id`",
        "a/../..",
        "link-out",
    ]
)
PATHS = st.lists(PATH_PARTS | st.text(max_size=6), min_size=1, max_size=5).map("/".join)


async def test_open_paths_never_escape_the_root(jp_fetch, jp_root_dir, tmp_path):
    (jp_root_dir / "a").mkdir()
    (jp_root_dir / "dir with space").mkdir()
    (jp_root_dir / "dir with space" / "ünï cödé.py").write_text("x = 1\n")
    outside = tmp_path / "outside"
    outside.mkdir()
    os.symlink(outside, jp_root_dir / "link-out")
    root = os.path.realpath(jp_root_dir)
    for path in draw(PATHS, 120):
        r = await jp_fetch("api", "vscode", "url", params={"path": path}, raise_error=False)
        assert r.code in (200, 400, 403, 404), (path, r.code, r.body)
        if r.code != 200:
            continue
        data = json.loads(r.body)
        assert os.path.realpath(data["path"]).startswith(root), path
        query = parse_qs(urlparse(data["url"]).query)
        folder = os.path.realpath(
            unquote(query["folder"][0]) if "%" in query["folder"][0] else query["folder"][0]
        )
        assert folder.startswith(root), (path, data["url"])


@pytest.mark.parametrize("path", ["../", "a/../../etc", "link-out", "link-out/x", "..%2f..%2fetc"])
async def test_known_escapes_are_refused(jp_fetch, jp_root_dir, tmp_path, path):
    (jp_root_dir / "a").mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "x").write_text("secret")
    os.symlink(outside, jp_root_dir / "link-out")
    r = await jp_fetch("api", "vscode", "url", params={"path": path}, raise_error=False)
    assert r.code in (400, 403, 404)
