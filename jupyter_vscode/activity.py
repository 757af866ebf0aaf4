"""Which VS Code traffic means somebody is using it.

Jupyter's ``last_activity`` (``/api/status``) is what JupyterHub's idle culler and SageMaker's
idle shutdown read. jupyter-server-proxy counts every proxied message, and an open VS Code tab
that nobody touches talks all the time: protocol keep-alives and acks every few seconds, the
workbench saving its UI state to the user-data dir every 5 s, an agent-host ping, port-forwarding
candidate scans and telemetry. None of that may keep the server alive.

The rule: what a person does counts — opening VS Code, opening, editing and saving files,
terminal input, running commands; what VS Code does by itself doesn't. Three parts:

* Opening a window (its first websocket connection, not an automatic reconnection) is use.
  What the workbench then does by itself to start — restoring editors, activating extensions,
  detecting tasks and terminal profiles, extensions searching the folder, loading icons, fonts
  and grammars — is part of that opening, not more use: it goes on for 15-20 s after the
  Explorer shows the files, and by its bytes it is the same kind of request as the user's own.
  So the start-up of a just-opened window does not move last_activity; it ends after
  STARTUP_QUIET seconds without traffic that would count, at most STARTUP_LIMIT seconds after
  the opening (so use right after opening is credited to the opening, at most that late), and
  c.VSCode.idle_timeout counts from its end. That part is told by timing, not bytes: idle.py,
  which also applies this module's rule to the proxy's traffic and stops an idle code-server.
* VS Code's websocket messages start with a 13-byte protocol header: type (1 byte), id, ack,
  data length (4 bytes each). Only client-to-server *Regular* messages (type 1) can carry user
  actions; among them we drop what is known to be background work (recognised by the RPC
  channel or method name, or by touching only the user-data dir) and replies to
  server-initiated requests. Server-to-client traffic never counts: it is code-server talking.
* HTTP requests count (page loads, files the user opens in a webview...), except the browser
  fetching the service worker's script (``Service-Worker: script``), which it does by itself
  to check for updates.

Every decision is logged at DEBUG on the ``<Jupyter's logger>.jupyter_vscode.activity`` logger
(e.g. ``ServerApp.jupyter_vscode.activity``) with the names it was made on (message type,
channel and method; never arguments, which may be typed text), so that what kept a server
"active" can be read from the log.
"""

from __future__ import annotations

import re

HEADER_SIZE = 13
REGULAR = 1
SCAN_BYTES = 1024

#: Names of the protocol's message types (first header byte).
MESSAGE_TYPES = {1: "Regular", 2: "Control", 3: "Ack", 5: "Disconnect", 9: "KeepAlive"}

#: RPC channel or method names of periodic background traffic of an idle workbench.
BACKGROUND_MARKERS: tuple[bytes, ...] = (
    b"agentHostProxy",  # agent host ping every 5 s
    b"$onDidTunnelsChange",  # answer to the server's periodic port-candidate scan
    b"\ttelemetry\x01",  # the telemetry channel: events and a ping every 2 s for a while
    b"$onFileEvent",  # file watchers relaying changes (VS Code's own logs, a job's output)
    b"$acceptTerminalDimensions",  # layout, not input
)

#: First byte of an extension-host RPC body that is a reply or acknowledgement, not a request
#: (VS Code's RPCProtocol MessageType: 5 Acknowledged … 12 ReplyErrEmpty).
RPC_REPLY_TYPES = frozenset(range(5, 13))


def classify(message: bytes | str, user_data_dir: bytes = b"") -> tuple[bool, str]:
    """(is it use, why) for a client-to-server websocket message (its first bytes)."""
    if isinstance(message, str):
        # VS Code only sends binary frames; a text frame is not its protocol: count it.
        return True, "text frame"
    if len(message) <= HEADER_SIZE or message[0] != REGULAR:
        return False, "not a Regular message"  # keep-alive, ack, control, disconnect, empty
    # Channel, method and path names come first: look at the start only, never copy or scan a
    # whole (possibly multi-megabyte) message on Jupyter's event loop.
    body = message[HEADER_SIZE : HEADER_SIZE + SCAN_BYTES]
    if body[0] in RPC_REPLY_TYPES:
        return False, "RPC reply"
    if any(marker in body for marker in BACKGROUND_MARKERS):
        return False, "background channel or method"
    # The workbench persists its state under the user-data dir every few seconds.
    if user_data_dir and user_data_dir in body and b"remoteFilesystem" in body:
        return False, "user-data dir only"
    return True, "request"


def is_user_activity(message: bytes | str, user_data_dir: bytes = b"") -> bool:
    """True if a client-to-server websocket message reflects real use of VS Code."""
    return classify(message, user_data_dir)[0]


_NAME = re.compile(rb"[A-Za-z_$][A-Za-z0-9_$.:-]{2,63}")


def describe(message: bytes | str) -> str:
    """A message's type, size and the names at its start (channel, method), for the debug log:
    the part before the first JSON argument only, so no file contents or typed text."""
    if isinstance(message, str):
        return f"text frame ({len(message)} chars)"
    if len(message) < HEADER_SIZE:
        return f"{len(message)} bytes"
    kind = MESSAGE_TYPES.get(message[0], f"type {message[0]}")
    length = int.from_bytes(message[9:13], "big")
    body = message[HEADER_SIZE : HEADER_SIZE + SCAN_BYTES]
    head = re.split(rb"[\[{\"]", body, maxsplit=1)[0]
    names = [m.decode("ascii") for m in _NAME.findall(head)][:4]
    text = f"{kind} {length}B"
    if body:
        text += f" rpc-type={body[0]}"
    if names:
        text += " " + " ".join(names)
    return text
