"""Ready to publish: one version everywhere, complete archives, a recipe that matches pyproject,
workflows that publish without a stored token.

The archives' file lists are checked on the sdist and wheel CI built with
``.ci/release_check.py`` ($JUPYTER_VSCODE_TEST_SDIST / $JUPYTER_VSCODE_TEST_WHEEL); the same
rules are also run on made-up lists here, so a rule that cannot fail is caught.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10
    import tomli as tomllib

import jupyter_vscode
from jupyter_vscode.checkout_version import pep440

from .support import distfiles, licenses

ROOT = Path(__file__).resolve().parent.parent
PACKAGE_JSON = ROOT / "labextension" / "package.json"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
SOURCE_VERSION = pep440(json.loads(PACKAGE_JSON.read_text())["version"])


# --- one version source ---------------------------------------------------------------------


def test_pyproject_reads_the_version_from_the_labextension_package_json():
    assert PYPROJECT["project"]["dynamic"] == ["version"]
    assert PYPROJECT["tool"]["hatch"]["version"] == {
        "source": "nodejs",
        "path": "labextension/package.json",
    }
    assert "hatch-nodejs-version" in " ".join(PYPROJECT["build-system"]["requires"])
    # _version.py is written by the build, never committed by hand
    assert "jupyter_vscode/_version.py" in (ROOT / ".gitignore").read_text().splitlines()


def test_the_python_package_the_labextension_and_the_cli_agree():
    assert jupyter_vscode.__version__ == SOURCE_VERSION
    assert importlib.metadata.version("jupyter-vscode") == SOURCE_VERSION
    installed = Path(sys.prefix, "share/jupyter/labextensions/jupyter-vscode/package.json")
    assert pep440(json.loads(installed.read_text())["version"]) == SOURCE_VERSION
    out = subprocess.run(
        [sys.executable, "-m", "jupyter_vscode", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert out.stdout.strip() == f"jupyter-vscode {SOURCE_VERSION}"


def test_doctor_names_the_version(tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "jupyter_vscode", "doctor"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "HOME": str(tmp_path), "NO_COLOR": "1"},
    )
    assert f"jupyter-vscode {SOURCE_VERSION} doctor" in out.stdout, out.stdout + out.stderr


@pytest.mark.parametrize(
    ("semver", "python"),
    [
        ("1.2.3", "1.2.3"),
        ("1.2.3-rc.1", "1.2.3rc1"),
        ("1.2.3-alpha.2", "1.2.3alpha2"),
        ("1.2.3-beta3", "1.2.3beta3"),
        ("1.2.3-dev.4", "1.2.3dev4"),
        ("1.2.3-rc.1.dev.2", "1.2.3rc1dev2"),
        ("1.2.3+build.5", "1.2.3+build.5"),
    ],
)
def test_a_never_built_checkout_converts_the_version_as_the_build_does(semver, python):
    hatch_nodejs = pytest.importorskip("hatch_nodejs_version.version_source")
    build = hatch_nodejs.NodeJSVersionSource.node_version_to_python(semver)
    assert (pep440(semver), build) == (python, python)


def test_an_unparsable_version_is_not_guessed():
    assert pep440("one point two") == "0+unknown"
    assert pep440("1.2") == "0+unknown"


# --- the archives -----------------------------------------------------------------------------


def _built(name: str) -> Path:
    path = os.environ.get(name)
    if not path:
        if os.environ.get("JUPYTER_VSCODE_CI_CACHE"):
            pytest.fail(f"CI must set {name} (.ci/run: .ci/release_check.py's output)")
        pytest.skip(f"{name} not set: run .ci/release_check.py and point it at its output")
    return Path(path)


def test_the_sdist_is_complete_and_clean():
    sdist = _built("JUPYTER_VSCODE_TEST_SDIST")
    assert distfiles.problems("sdist", distfiles.sdist_names(sdist), SOURCE_VERSION) == []


def test_the_wheel_is_complete_and_clean():
    wheel = _built("JUPYTER_VSCODE_TEST_WHEEL")
    assert distfiles.problems("wheel", distfiles.wheel_names(wheel), SOURCE_VERSION) == []


def _good_wheel(version: str) -> list[str]:
    data = f"jupyter_vscode-{version}.data/data"
    return [r.format(v=version, data=data) for r in distfiles.WHEEL_REQUIRED]


@pytest.mark.parametrize(
    ("extra", "why"),
    [
        ("jupyter_vscode/labextension/node_modules/lodash/index.js", "node_modules"),
        ("jupyter_vscode/__pycache__/cli.cpython-311.pyc", "Python bytecode"),
        ("jupyter_vscode/.pytest_cache/v/cache/nodeids", "a tool's cache"),
        ("jupyter_vscode/labextension/tsconfig.tsbuildinfo", "TypeScript build output"),
        ("jupyter_vscode/cli.py.orig", "a merge leftover"),
        ("jupyter_vscode/code-server-4.96.4-linux-amd64.tar.gz", "an archive"),
        ("tests/test_release.py", "outside the package"),
    ],
)
def test_the_file_rules_catch_leftovers(extra, why):
    good = _good_wheel("1.0.0")
    assert distfiles.problems("wheel", good, "1.0.0") == []
    bad = distfiles.problems("wheel", [*good, extra], "1.0.0")
    assert len(bad) == 1 and why in bad[0], bad


def test_the_file_rules_catch_a_missing_license_and_labextension():
    names = [
        n for n in _good_wheel("1.0.0") if not n.endswith(("licenses/LICENSE", "static/style.js"))
    ]
    assert sorted(distfiles.problems("wheel", names, "1.0.0")) == [
        "wheel: missing jupyter_vscode-1.0.0.data/data/"
        "share/jupyter/labextensions/jupyter-vscode/static/style.js",
        "wheel: missing jupyter_vscode-1.0.0.dist-info/licenses/LICENSE",
    ]


def test_the_license_rules_flag_what_nobody_read():
    rows = [
        {"Name": "a", "Version": "1", "License": "MIT License"},
        {"Name": "b", "Version": "1", "License": "(MIT OR Apache-2.0) AND BSD-3-Clause"},
        {"Name": "c", "Version": "1", "License": "UNKNOWN"},
        {"Name": "d", "Version": "1", "License": ""},
        {"Name": "e", "Version": "1", "License": "GPL-3.0-only"},
        {"Name": "f", "Version": "1", "License": "MIT; Commercial"},
    ]
    assert licenses.unknown(rows) == [
        "c 1: UNKNOWN",
        "d 1: UNKNOWN",
        "e 1: GPL-3.0-only",
        "f 1: MIT; Commercial",
    ]


# --- the conda-forge recipe ---------------------------------------------------------------------

RECIPE = yaml.safe_load((ROOT / "recipe" / "recipe.yaml").read_text())


def _req(text: str) -> tuple[str, str]:
    """``"jupyter_server >=2.0,<3"`` -> ``("jupyter-server", ">=2.0,<3")``."""
    m = re.fullmatch(r"\s*([A-Za-z0-9_.-]+)\s*(.*?)\s*", text)
    assert m, text
    return m[1].lower().replace("_", "-"), m[2].replace(" ", "")


def test_the_recipe_run_requirements_are_pyprojects_dependencies():
    run = [_req(r) for r in RECIPE["requirements"]["run"]]
    python = [spec for name, spec in run if name == "python"]
    assert python == [">=${{python_min}}"]
    assert PYPROJECT["project"]["requires-python"] == ">=" + RECIPE["context"]["python_min"]
    assert sorted(r for r in run if r[0] != "python") == sorted(
        _req(d) for d in PYPROJECT["project"]["dependencies"]
    )


def test_the_recipe_builds_with_pyprojects_build_requirements():
    host = dict(_req(r) for r in RECIPE["requirements"]["host"])
    for requirement in PYPROJECT["build-system"]["requires"]:
        name, spec = _req(requirement)
        assert host.get(name) == spec, (name, spec, host)


def test_the_recipe_is_this_version_and_tests_both_extensions():
    assert pep440(RECIPE["context"]["version"]) == SOURCE_VERSION
    assert RECIPE["build"]["noarch"] == "python"
    scripts = "\n".join(s for t in RECIPE["tests"] for s in t.get("script", []))
    assert "jupyter server extension list" in scripts
    assert "jupyter labextension list" in scripts
    assert re.search(r"grep -q \"jupyter_vscode \$\{\{ version \}\}.*OK\"", scripts)
    assert re.search(r"grep -q \"jupyter-vscode v\$\{\{ version \}\}.*enabled.*OK\"", scripts)
    shipped = set(distfiles.SDIST_REQUIRED)
    assert set(RECIPE["about"]["license_file"]) <= shipped


# --- the workflows --------------------------------------------------------------------------------

WORKFLOWS = ROOT / ".github" / "workflows"


def _workflow(name: str) -> dict:
    return yaml.safe_load((WORKFLOWS / name).read_text())


def test_the_release_publishes_with_trusted_publishing_and_no_stored_token():
    release = _workflow("release.yml")
    assert release[True]["push"]["tags"] == ["v*"]  # YAML 1.1 reads the key `on` as True
    assert release["permissions"] == {"contents": "read"}
    publish = release["jobs"]["publish"]
    assert publish["permissions"] == {"id-token": "write"}
    assert publish["environment"]["name"] == "pypi"
    uses = [s.get("uses", "") for s in publish["steps"]]
    assert any(u.startswith("pypa/gh-action-pypi-publish@") for u in uses)
    text = (WORKFLOWS / "release.yml").read_text()
    assert "secrets." not in text and "password:" not in text
    assert ".ci/release_check.py" in text


def test_ci_runs_the_same_script_on_pull_requests():
    ci = _workflow("ci.yml")
    assert "pull_request" in ci[True]
    tests = ci["jobs"]["tests"]
    assert any("bash .ci/run" in s.get("run", "") for s in tests["steps"])
    rows = tests["strategy"]["matrix"]["include"]
    assert {r["markers"] for r in rows} >= {"browser", "hub", "not browser and not hub"}
    assert any(r.get("jsp") == "4.4.0" for r in rows)  # the oldest jupyter-server-proxy
    assert tests["env"]["JUPYTER_VSCODE_CI_JSP"] == "${{ matrix.jsp }}"
    build = "\n".join(s.get("run", "") for s in ci["jobs"]["build"]["steps"])
    assert "python .ci/release_check.py" in build


def test_documented_pins_name_this_version():
    """Examples that pin jupyter-vscode (image recipes) name the version being released."""
    docs = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    pins = {
        (path.name, pin)
        for path in docs
        for pin in re.findall(r"jupyter-vscode==([0-9][^\s\"'`)]*)", path.read_text())
    }
    assert pins, "no documented pin found: the check would prove nothing"
    assert {pin for _, pin in pins} == {SOURCE_VERSION}, pins
