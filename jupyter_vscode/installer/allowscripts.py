"""Editing npm 11's install-script policy: the ``allowScripts`` object of a package.json.

Keys are a package name, optionally pinned (``kerberos@2.1.1``); ``true`` lets that dependency's
install scripts run, ``false`` skips them silently (an unlisted package runs with a warning).
"""

from __future__ import annotations

import json
from pathlib import Path


def deny(package_json: Path, name: str) -> list[str]:
    """Set every ``allowScripts`` entry for package ``name`` in ``package_json`` to false, or add
    a name-only ``false`` entry if there is none; return the keys now denied."""
    data = json.loads(package_json.read_text())
    policy = data.get("allowScripts")
    if not isinstance(policy, dict):
        policy = data["allowScripts"] = {}
    keys = [key for key in policy if key == name or key.startswith(f"{name}@")] or [name]
    for key in keys:
        policy[key] = False
    package_json.write_text(json.dumps(data, indent=2) + "\n")
    return keys
