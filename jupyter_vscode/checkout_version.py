"""The version of a source checkout that was never built (no ``_version.py`` yet).

The one version source is ``labextension/package.json``; a build writes it, in Python's form,
to ``jupyter_vscode/_version.py``. Before any build (a fresh clone on ``PYTHONPATH``), this reads
the source itself, so ``jupyter vscode --version`` and a generated lifecycle script's pin name
the same version a build of that checkout would have.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

_PACKAGE_JSON = Path(__file__).resolve().parent.parent / "labextension" / "package.json"
# npm semver prereleases in PEP 440's spelling, as hatch-nodejs-version converts them
# (tests/test_release.py compares the two)
_SEMVER = re.compile(
    r"(?P<release>\d+\.\d+\.\d+)"
    r"(?:-(?P<pre>a|b|c|rc|alpha|beta|pre|preview)[-.]?(?P<pre_n>\d+)?)?"
    r"(?P<dev>[-.]dev[-.]?(?P<dev_n>\d+)?)?"
    r"(?:\+(?P<build>[0-9A-Za-z][0-9A-Za-z._-]*))?",
    re.IGNORECASE,
)


def pep440(semver: str) -> str:
    """``1.2.0`` -> ``1.2.0``; ``1.2.0-rc.1`` -> ``1.2.0rc1``; unparsable -> ``0+unknown``."""
    m = _SEMVER.fullmatch(semver.strip())
    if not m or (m["dev"] and m["pre"] and not m["dev"].startswith(".")):
        return "0+unknown"
    out = m["release"]
    if m["pre"]:
        out += m["pre"] + (m["pre_n"] or "")
    if m["dev"]:
        out += f"dev{m['dev_n'] or 0}"
    if m["build"]:
        out += f"+{m['build']}"
    return out


def _read() -> str:
    try:
        return pep440(str(json.loads(_PACKAGE_JSON.read_text(encoding="utf-8"))["version"]))
    except (OSError, ValueError, KeyError, TypeError):
        return "0+unknown"


__version__ = _read()
