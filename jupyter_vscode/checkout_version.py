"""The version of a source checkout, read from the one version source.

That source is ``labextension/package.json``; a build writes it, in Python's form, to
``jupyter_vscode/_version.py``, which is what an installed package reports. Run from a checkout
(never built, or built before the last ``hatch version``), the package reads the source itself,
so ``jupyter vscode --version`` and a generated lifecycle script's pin name the version a build
of that checkout has.
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


def source_version() -> str | None:
    """The checkout's version, or None when this package is not in a source checkout."""
    try:
        data = json.loads(_PACKAGE_JSON.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("name") != "jupyter-vscode":
        return None
    return pep440(str(data.get("version", "")))
