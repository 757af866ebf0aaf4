"""JSON from a request, parsed only once it is known to be shallow enough.

Python's json parser recurses once per nested array or object, so ``'[' * 100000`` ends in a
RecursionError. :func:`loads` counts the nesting first, without parsing and without recursion,
and refuses what is too deep; whatever the parser then raises is a refusal too. Used for the
API's bodies (api.py) and a workbench link's ``payload`` (links.py).
"""

from __future__ import annotations

import json
import re
from typing import Any

from .quoting import quoted

#: A JSON string (closed or not) or a bracket, for json_depth
_STRING_OR_BRACKET = re.compile(r'"(?:[^"\\]|\\.)*"?|[\[\]{}]', re.DOTALL)


class JSONRefused(ValueError):
    """Text that is not JSON, or nests too deep; the message completes "<what> ..."."""


def json_depth(text: str) -> int:
    """How deep the arrays and objects of JSON ``text`` nest, counted without parsing it (and
    without recursion). Brackets inside strings don't count. Where json's parser would go deep,
    the text up to there is valid JSON, whose strings are found as json finds them: so this is
    never less than the depth the parser would recurse to. Malformed text gets a number too;
    the parser refuses it afterwards."""
    depth = deepest = 0
    for match in _STRING_OR_BRACKET.finditer(text):
        token = match.group()
        if token in ("[", "{"):
            depth += 1
            deepest = max(deepest, depth)
        elif token in ("]", "}"):
            depth = max(depth - 1, 0)
    return deepest


def loads(text: str, max_depth: int) -> Any:
    """``json.loads(text)``, or JSONRefused when it nests deeper than ``max_depth`` (checked
    first) or is not JSON."""
    depth = json_depth(text)
    if depth > max_depth:
        raise JSONRefused(f"nests arrays or objects {depth} deep; at most {max_depth}")
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as e:  # JSONDecodeError, too many digits, ...
        raise JSONRefused(f"is not valid JSON: {quoted(str(e))}") from None
