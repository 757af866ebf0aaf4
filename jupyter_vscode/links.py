"""What a link to the workbench (``<base_url>vscode/?...``) may make VS Code do.

Anyone can send the user a link, so the workbench page's query is checked before code-server
serves it (proxy.py):

- ``folder``: every absolute folder is sent to its canonical spelling first (a redirect), so
  VS Code opens the very directory that workspace trust is decided on (trust.py).
- ``payload``: VS Code web's startup payload, a JSON list of ``[key, value]`` pairs. Only the
  keys VS Code's own windows put there to open files or diffs, and harmless display switches,
  are let through; any other key (the extension-development and test keys, an extension
  environment, a webview endpoint) is refused with a page that says which key, before
  code-server is asked. The list is :data:`PAYLOAD_KEYS`.
- ``workspace`` and ``ew`` need nothing: a workspace file always opens in Restricted Mode.
"""

from __future__ import annotations

from urllib.parse import quote

from tornado.escape import parse_qs_bytes

from . import bounded_json
from .quoting import quoted
from .trust import canonical

#: The query parameters VS Code's workbench reads (code-server 4.139.1, workbench.ts).
FOLDER_ARGUMENT = "folder"
PAYLOAD_ARGUMENT = "payload"

#: Payload keys a link may carry: opening files, diffs and merges in editors (what VS Code's
#: own "open in new window" links hold), and switches that change only what is shown.
PAYLOAD_KEYS = frozenset(
    {
        "openFile",
        "gotoLineMode",
        "diffFilePrimary",
        "diffFileSecondary",
        "mergeFile1",
        "mergeFile2",
        "mergeFileBase",
        "mergeFileResult",
        "skipWelcome",
        "skipReleaseNotes",
        "disableExtensions",
        "logLevel",
        "verbose",
    }
)

#: A payload is a few file URIs; anything bigger is not one VS Code made.
MAX_PAYLOAD_CHARS = 64 * 1024
#: A payload is a list of pairs: two levels deep.
MAX_PAYLOAD_DEPTH = 2


def _argument(piece: str, name: str) -> str | None:
    """The decoded value of one ``name=...`` piece of a query string, else None: read with
    tornado's own parser, as the handler's ``get_query_arguments`` reads it."""
    values = parse_qs_bytes(piece.encode("latin-1", "replace"), keep_blank_values=True)
    if list(values) != [name]:
        return None
    try:
        return values[name][0].decode("utf-8")
    except UnicodeDecodeError:  # tornado refuses such a request (400) before it gets here
        return None


def canonical_query(query: str) -> str | None:
    """The workbench query with every absolute ``folder`` in its canonical spelling, every
    other piece byte-for-byte; None when it is canonical already."""
    pieces = query.split("&")
    changed = False
    for i, piece in enumerate(pieces):
        folder = _argument(piece, FOLDER_ARGUMENT)
        if folder is None or not folder.startswith("/") or "\0" in folder:
            continue  # not a path (a URI, a relative name): never an own folder anyway
        spelled = canonical(folder)
        if spelled != folder:
            pieces[i] = f"{FOLDER_ARGUMENT}={quote(spelled, safe='/')}"
            changed = True
    return "&".join(pieces) if changed else None


def refused_payload(payloads: list[str]) -> str | None:
    """Why a workbench link's ``payload`` values may not reach VS Code, or None."""
    for raw in payloads:
        if len(raw) > MAX_PAYLOAD_CHARS:
            return f"its payload is {len(raw)} characters long (at most {MAX_PAYLOAD_CHARS})"
        try:
            pairs = bounded_json.loads(raw, MAX_PAYLOAD_DEPTH)
        except bounded_json.JSONRefused as e:
            return f"its payload {e}"
        if not isinstance(pairs, list) or not all(
            isinstance(p, list) and len(p) == 2 and all(isinstance(v, str) for v in p)
            for p in pairs
        ):
            return "its payload is not a list of [key, value] string pairs"
        for key, _ in pairs:
            if key not in PAYLOAD_KEYS:
                return f"its payload sets {quoted(key)}, which a link may not set"
    return None
