"""What the sdist and the wheel must and must not contain: one list, used by
``tests/test_release.py`` and by ``.ci/release_check.py`` (the release check in RELEASE.md).

``problems(kind, names, version)`` returns one line per missing or unwanted file; an empty list
means the archive is complete and clean. Names are the archive's member names: the sdist's
without their ``jupyter_vscode-X.Y.Z/`` prefix (see :func:`sdist_names`).
"""

from __future__ import annotations

import re
import tarfile
import zipfile
from pathlib import Path

LAB = "share/jupyter/labextensions/jupyter-vscode"

# in both (relative to the sdist root / the wheel root); {v} is the version, {data} the wheel's
# .data/data directory
SDIST_REQUIRED = (
    "LICENSE",
    "README.md",
    "CHANGELOG.md",
    "pyproject.toml",
    "PKG-INFO",
    "jupyter_vscode/__init__.py",
    "jupyter_vscode/_version.py",  # written by the build from labextension/package.json
    "jupyter_vscode/sagemaker/lifecycle.sh",
    # the prebuilt labextension: a wheel builds from the sdist without Node
    "jupyter_vscode/labextension/package.json",
    "jupyter_vscode/labextension/static/style.js",
    "jupyter_vscode/labextension/static/third-party-licenses.json",
    "jupyter_vscode/labextension/schemas/jupyter-vscode/plugin.json",
    "jupyter_vscode/labextension/schemas/jupyter-vscode/package.json.orig",
    "jupyter_vscode/nbextension/tree.js",
    "labextension/package.json",
    "labextension/install.json",
    "jupyter-config/server-config/jupyter_vscode.json",
    "jupyter-config/nbconfig/tree.d/jupyter_vscode.json",
    "recipe/recipe.yaml",
    "tests/conftest.py",
)
WHEEL_REQUIRED = (
    "jupyter_vscode/__init__.py",
    "jupyter_vscode/_version.py",
    "jupyter_vscode/sagemaker/lifecycle.sh",
    "jupyter_vscode-{v}.dist-info/licenses/LICENSE",
    "jupyter_vscode-{v}.dist-info/METADATA",
    "jupyter_vscode-{v}.dist-info/entry_points.txt",
    "{data}/etc/jupyter/jupyter_server_config.d/jupyter_vscode.json",
    "{data}/etc/jupyter/nbconfig/tree.d/jupyter_vscode.json",
    "{data}/share/jupyter/nbextensions/jupyter_vscode/tree.js",
    "{data}/" + LAB + "/package.json",
    "{data}/" + LAB + "/install.json",
    "{data}/" + LAB + "/static/style.js",
    "{data}/" + LAB + "/static/third-party-licenses.json",
    "{data}/" + LAB + "/schemas/jupyter-vscode/plugin.json",
    # JupyterLab's builder writes it and jupyterlab_server reads it (settings_utils): not a leftover
    "{data}/" + LAB + "/schemas/jupyter-vscode/package.json.orig",
)
# anywhere in either: dependencies, caches, build outputs, editor and VCS files
FORBIDDEN = (
    (re.compile(r"(^|/)node_modules/"), "node_modules"),
    (re.compile(r"(^|/)__pycache__/|\.py[co]$"), "Python bytecode"),
    (re.compile(r"(^|/)\.(pytest|ruff|mypy)_cache/"), "a tool's cache"),
    (re.compile(r"(^|/)\.hypothesis/"), "hypothesis's database"),
    (re.compile(r"(^|/)\.(git|yarn|venv|ipynb_checkpoints)/"), "a VCS, yarn or venv folder"),
    (re.compile(r"\.tsbuildinfo$|(^|/)labextension/lib/"), "TypeScript build output"),
    (re.compile(r"(^|/)(dist|build|test-artifacts)/"), "a build or test output folder"),
    (re.compile(r"\.(whl|tar\.gz|tgz|zip|vsix)$"), "an archive"),
    (re.compile(r"(^|/)(\.DS_Store|Thumbs\.db)$|~$|\.sw[op]$|\.rej$"), "an editor/OS leftover"),
    (re.compile(r"(?<!schemas/jupyter-vscode/package\.json)\.orig$"), "a merge leftover"),
    (re.compile(r"(^|/)\.coverage|(^|/)htmlcov/"), "coverage output"),
)
# in the sdist, not in the wheel: the wheel is the package and its data files, nothing else
WHEEL_ONLY_TOP = re.compile(r"^(jupyter_vscode/|jupyter_vscode-[^/]+\.(dist-info|data)/)")


def sdist_names(path: Path) -> list[str]:
    """The sdist's member names, without the ``jupyter_vscode-X.Y.Z/`` prefix (files only)."""
    with tarfile.open(path) as tar:
        return sorted(
            m.name.split("/", 1)[1] for m in tar.getmembers() if m.isfile() and "/" in m.name
        )


def wheel_names(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as whl:
        return sorted(n for n in whl.namelist() if not n.endswith("/"))


def problems(kind: str, names: list[str], version: str) -> list[str]:
    """Missing required files and unwanted ones; ``kind`` is ``"sdist"`` or ``"wheel"``."""
    data = f"jupyter_vscode-{version}.data/data"
    required = SDIST_REQUIRED if kind == "sdist" else WHEEL_REQUIRED
    have = set(names)
    out = [
        f"{kind}: missing {name}"
        for name in (r.format(v=version, data=data) for r in required)
        if name not in have
    ]
    for name in names:
        for pattern, what in FORBIDDEN:
            if pattern.search(name):
                out.append(f"{kind}: {name} is {what}")
        if kind == "wheel" and not WHEEL_ONLY_TOP.match(name):
            out.append(f"{kind}: {name} is outside the package and its data files")
    return out
