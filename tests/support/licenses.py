"""Is every runtime dependency's license one we know? Used by ``.ci/release_check.py`` on
``pip-licenses --format=json`` output for a venv holding only the wheel and its dependencies.

A license is known when each of its parts (an SPDX expression's ``AND``/``OR`` operands, or a
``;``-separated list of trove classifiers' names) is in :data:`KNOWN`. Anything else, including
``UNKNOWN`` (no license metadata at all), must be looked at by a person before a release: add it
here only after reading the package's license.
"""

from __future__ import annotations

import re

# permissive and weak-copyleft licenses compatible with shipping a BSD-3-Clause package, as
# SPDX ids and as the names pip-licenses gives for trove classifiers / License fields
KNOWN = frozenset(
    {
        "0BSD",
        "Apache-2.0",
        "Apache Software License",
        "Apache License 2.0",
        "Apache License, Version 2.0",
        "Apache 2.0",
        "BSD",
        "BSD License",
        "BSD-2-Clause",
        "BSD-3-Clause",
        "3-Clause BSD License",
        "ISC",
        "ISC License (ISCL)",
        "MIT",
        "MIT License",
        "MIT-CMU",
        "MIT-0",
        "MPL-2.0",
        "Mozilla Public License 2.0 (MPL 2.0)",
        "PSF-2.0",
        "Python Software Foundation License",
        "Unlicense",
        "The Unlicense (Unlicense)",
        "CC0-1.0",
        "LGPL-2.1-or-later",
        "GNU Lesser General Public License v2 or later (LGPLv2+)",
    }
)
_SPLIT = re.compile(r";|\s(?:AND|OR|WITH)\s")


def parts(license_text: str) -> list[str]:
    """``"(MIT OR Apache-2.0) AND BSD-3-Clause"`` -> ``["MIT", "Apache-2.0", "BSD-3-Clause"]``."""
    out = []
    for part in _SPLIT.split(license_text or ""):
        part = part.strip()
        while part[:1] == "(" and part.count("(") > part.count(")"):
            part = part[1:].strip()
        while part[-1:] == ")" and part.count(")") > part.count("("):
            part = part[:-1].strip()
        if part:
            out.append(part)
    return out


def unknown(rows: list[dict[str, str]], skip: frozenset[str] = frozenset()) -> list[str]:
    """``"name version: license"`` for each row of pip-licenses' JSON whose license is unknown."""
    out = []
    for row in rows:
        if row.get("Name", "").lower() in skip:
            continue
        got = parts(row.get("License", ""))
        if not got or any(p not in KNOWN for p in got):
            out.append(f"{row.get('Name')} {row.get('Version')}: {row.get('License') or 'UNKNOWN'}")
    return out
