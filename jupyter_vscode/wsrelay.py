"""Websockets from the browser to code-server, relayed as bytes.

After the handshake both hops carry the same frames: masked client-to-server frames from the
browser, unmasked server-to-client frames from code-server. So the proxy forwards the browser's
handshake (its key, version and subprotocols; not its permessage-deflate offer, so that frames
stay readable), hands code-server's 101 answer back, and from then on copies bytes both ways
with back-pressure, never decoding, masking or buffering a whole message. FrameScanner reads
the browser's byte stream as it passes and reports the first bytes of every data message to the
activity filter. (tornado's websocket on both hops parsed every frame, unmasked and re-masked
it and made a Task per message: more than half of Jupyter's CPU during a workbench load.)
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from typing import Any

from tornado import httputil, iostream
from tornado.tcpclient import TCPClient

#: Request headers not forwarded in a handshake: framing, and the compression offer.
HANDSHAKE_DROP = frozenset(
    ("sec-websocket-extensions", "content-length", "transfer-encoding", "keep-alive")
)
#: Bytes read per system call on either hop (a workbench load moves MiB-sized messages).
READ_SIZE = 1 << 20
HANDSHAKE_TIMEOUT = 30.0
#: Seconds one direction may go on after the other has ended.
CLOSE_GRACE = 10.0


def unmask(mask: bytes, data: bytes) -> bytes:
    """``data`` XOR the 4-byte ``mask`` repeated (RFC 6455 5.3; also masks)."""
    n = len(data)
    if n == 0:
        return b""
    key = (mask * (n // 4 + 1))[:n]
    return (int.from_bytes(data, "big") ^ int.from_bytes(key, "big")).to_bytes(n, "big")


class HandshakeRefused(Exception):
    """code-server answered the upgrade with something other than 101."""

    def __init__(self, code: int, reason: str):
        super().__init__(f"{code} {reason}")
        self.code = code
        self.reason = reason


class FrameScanner:
    """Follows a client-to-server websocket byte stream (RFC 6455 frames, masked) fed in
    arbitrary pieces; calls ``on_message(prefix)`` with up to ``limit`` unmasked bytes from the
    start of each data message (text or binary first frame; control and continuation frames
    are skipped)."""

    def __init__(self, on_message: Callable[[bytes], None], limit: int) -> None:
        self._on_message = on_message
        self._limit = limit
        self._head = bytearray()  # the current frame's header, while incomplete
        self._left = 0  # payload bytes of the current frame still to come
        self._offset = 0  # payload bytes of the current frame seen so far
        self._mask = b"\0\0\0\0"
        self._prefix: bytearray | None = None  # collecting a data message's first bytes
        self._want = 0

    @staticmethod
    def _header_size(head: bytes | bytearray) -> int:
        size = 2
        n = head[1] & 0x7F
        if n == 126:
            size += 2
        elif n == 127:
            size += 8
        if head[1] & 0x80:
            size += 4
        return size

    def _start_frame(self) -> None:
        head = self._head
        opcode = head[0] & 0x0F
        n = head[1] & 0x7F
        pos = 2
        if n == 126:
            n = int.from_bytes(head[2:4], "big")
            pos = 4
        elif n == 127:
            n = int.from_bytes(head[2:10], "big")
            pos = 10
        self._mask = bytes(head[pos : pos + 4]) if head[1] & 0x80 else b"\0\0\0\0"
        self._left = n
        self._offset = 0
        self._head = bytearray()
        if opcode in (0x1, 0x2):  # the first frame of a text or binary message
            self._want = min(n, self._limit)
            self._prefix = bytearray()
            if self._want == 0:
                self._finish_prefix()

    def _finish_prefix(self) -> None:
        prefix, self._prefix = self._prefix, None
        self._on_message(bytes(prefix or b""))

    def feed(self, data: bytes) -> None:
        i, end = 0, len(data)
        while i < end:
            if self._left == 0:  # between frames: (more of) a header
                head = self._head
                need = (2 if len(head) < 2 else self._header_size(head)) - len(head)
                head += data[i : i + need]
                i += min(need, end - i)
                if len(head) >= 2 and len(head) == self._header_size(head):
                    self._start_frame()
                continue
            take = min(self._left, end - i)
            if self._prefix is not None:
                n = min(take, self._want - len(self._prefix))
                r = self._offset % 4
                mask = self._mask[r:] + self._mask[:r]
                self._prefix += unmask(mask, data[i : i + n])
                if len(self._prefix) >= self._want:
                    self._finish_prefix()
            self._offset += take
            self._left -= take
            i += take


async def open_backend(unix_socket: str | None, port: int) -> iostream.IOStream:
    if unix_socket:
        stream = iostream.IOStream(socket.socket(socket.AF_UNIX, socket.SOCK_STREAM))
        await stream.connect(unix_socket)
        return stream
    return await TCPClient().connect("127.0.0.1", port)


def handshake_request(path: str, headers: httputil.HTTPHeaders) -> bytes:
    lines = [f"GET {path} HTTP/1.1"]
    for name, value in headers.get_all():
        if name.lower() not in HANDSHAKE_DROP:
            lines.append(f"{name}: {value}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


async def handshake(
    backend: iostream.IOStream, path: str, headers: httputil.HTTPHeaders
) -> tuple[httputil.ResponseStartLine, httputil.HTTPHeaders]:
    """Send the browser's upgrade request on; return code-server's 101 answer."""
    await backend.write(handshake_request(path, headers))
    head = await asyncio.wait_for(
        backend.read_until(b"\r\n\r\n", max_bytes=64 * 1024), HANDSHAKE_TIMEOUT
    )
    text = head.decode("latin-1")
    first, _, rest = text.partition("\r\n")
    start = httputil.parse_response_start_line(first)
    if start.code != 101:
        raise HandshakeRefused(start.code, start.reason)
    return start, httputil.HTTPHeaders.parse(rest)


def switching_protocols(start: httputil.ResponseStartLine, headers: httputil.HTTPHeaders) -> bytes:
    lines = [f"HTTP/1.1 101 {start.reason or 'Switching Protocols'}"]
    lines += [f"{name}: {value}" for name, value in headers.get_all()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


async def pump(
    src: iostream.IOStream,
    dst: iostream.IOStream,
    on_data: Callable[[bytes], None] | None = None,
) -> None:
    """Copy ``src`` to ``dst`` at ``dst``'s pace until ``src`` ends; then end ``dst``'s sending
    side, as ``src``'s peer ended its own. Once ``dst`` is gone, ``src`` is still read (and
    dropped) to its end, so that it closes cleanly."""
    try:
        while True:
            data = await src.read_bytes(READ_SIZE, partial=True)
            if on_data is not None:
                on_data(data)
            try:
                await dst.write(data)
            except iostream.StreamClosedError:
                pass  # dst is gone: read src on to its end
    except iostream.StreamClosedError:
        pass
    finally:
        end_sending(dst)


def end_sending(stream: iostream.IOStream) -> None:
    """Half-close: the peer reads everything written so far, then the end of the stream."""
    if stream.closed():
        return
    try:
        stream.socket.shutdown(socket.SHUT_WR)
    except OSError:
        stream.close()


async def relay(
    browser: iostream.IOStream,
    backend: iostream.IOStream,
    on_client_data: Callable[[bytes], None] | None = None,
) -> None:
    """Relay until both directions have ended, or one has and the other hasn't CLOSE_GRACE
    seconds later; then close both.

    Each direction's end travels on as a half-close, never as an abrupt close of both: what a
    closing side sent last (a VS Code window's Disconnect message, the Close frame) arrives
    whole, and the other side can still send its own last words (its answering Close frame).
    """
    # Each piece goes out at once, as code-server itself (Node) sends on its sockets: with
    # Nagle's algorithm a reply written behind unacknowledged data waits for the peer's
    # delayed ACK (up to 40 ms), and a workbench load is a chain of such replies.
    browser.set_nodelay(True)
    backend.set_nodelay(True)
    up = asyncio.ensure_future(pump(browser, backend, on_client_data))
    up.set_name("jupyter-vscode: websocket relay, browser to code-server")
    down = asyncio.ensure_future(pump(backend, browser))
    down.set_name("jupyter-vscode: websocket relay, code-server to browser")
    directions = {up, down}
    try:
        _, pending = await asyncio.wait(directions, return_when=asyncio.FIRST_COMPLETED)
        if pending:
            await asyncio.wait(pending, timeout=CLOSE_GRACE)
    finally:
        for task in directions:
            task.cancel()
        browser.close()
        backend.close()


class Relays:
    """The websocket connections being relayed, so that Jupyter's shutdown ends each one (and
    its tasks) instead of leaving them to a closing event loop."""

    def __init__(self) -> None:
        self._open: dict[asyncio.Task[Any], tuple[iostream.IOStream, iostream.IOStream]] = {}

    def __len__(self) -> int:
        return len(self._open)

    async def run(
        self,
        browser: iostream.IOStream,
        backend: iostream.IOStream,
        on_client_data: Callable[[bytes], None] | None = None,
    ) -> None:
        """relay(), noted as open until it ends."""
        task = asyncio.current_task()
        assert task is not None
        self._open[task] = (browser, backend)
        try:
            await relay(browser, backend, on_client_data)
        finally:
            self._open.pop(task, None)

    async def close_all(self, timeout: float) -> None:
        """Close every relayed connection and wait (up to ``timeout``) for its relay to end."""
        for browser, backend in list(self._open.values()):
            browser.close()
            backend.close()
        tasks = [t for t in self._open if t is not asyncio.current_task()]
        if tasks:
            await asyncio.wait(tasks, timeout=timeout)
