"""Bad values in messages: quoted with ``repr``, and only their start when they are long.

Error messages quote what was wrong (``path='..'``); a request can carry a value of many
kilobytes, which is not worth sending back or logging whole.
"""

from __future__ import annotations

#: How much of a value a message quotes.
QUOTE_CHARS = 80


def quoted(value: str | bytes, limit: int = QUOTE_CHARS) -> str:
    """``repr(value)``, of its first ``limit`` characters (or bytes) if it has more, followed
    by how long it is."""
    if len(value) <= limit:
        return repr(value)
    unit = "bytes" if isinstance(value, bytes) else "characters"
    return f"{value[:limit]!r}... ({len(value)} {unit})"
