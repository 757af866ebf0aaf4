"""The websocket relay: handshake forwarded, bytes copied, data messages seen for activity."""

from __future__ import annotations

import asyncio
import os
import socket
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tornado.iostream import IOStream
from tornado.util import _websocket_mask

from jupyter_vscode import wsrelay
from jupyter_vscode.wsrelay import FrameScanner


def client_frame(opcode: int, payload: bytes, fin: bool = True, mask: bytes | None = None) -> bytes:
    mask = os.urandom(4) if mask is None else mask
    n = len(payload)
    head = bytes([(0x80 if fin else 0) | opcode])
    if n < 126:
        head += bytes([0x80 | n])
    elif n < 1 << 16:
        head += bytes([0x80 | 126]) + struct.pack(">H", n)
    else:
        head += bytes([0x80 | 127]) + struct.pack(">Q", n)
    return head + mask + _websocket_mask(mask, payload)


messages = st.lists(
    st.tuples(
        st.sampled_from(["binary", "text", "ping", "fragmented"]),
        st.one_of(st.binary(max_size=300), st.integers(1000, 70000).map(os.urandom)),
    ),
    max_size=12,
)


@settings(max_examples=150, deadline=None)
@given(messages, st.lists(st.integers(1, 5000), min_size=1, max_size=20), st.integers(1, 2000))
def test_scanner_reports_each_data_messages_first_bytes(msgs, cuts, limit):
    stream = b""
    expected = []
    for kind, payload in msgs:
        if kind == "ping":
            stream += client_frame(0x9, payload[:125])
        elif kind == "fragmented":
            half = len(payload) // 2
            stream += client_frame(0x2, payload[:half], fin=False)
            stream += client_frame(0x9, b"ping in between")
            stream += client_frame(0x0, payload[half:])
            expected.append(payload[: min(half, limit)])
        else:
            stream += client_frame(0x1 if kind == "text" else 0x2, payload)
            expected.append(payload[:limit])
    seen: list[bytes] = []
    scanner = FrameScanner(seen.append, limit)
    i = 0
    for k in range(len(stream)):  # arbitrary pieces, as TCP delivers them
        cut = cuts[k % len(cuts)]
        if i >= len(stream):
            break
        scanner.feed(stream[i : i + cut])
        i += cut
    assert seen == expected


@pytest.mark.codeserver
async def test_handshake_reaches_code_server_without_compression_offer(jp_ws_fetch):
    """The browser's permessage-deflate offer is not passed on (frames stay readable for the
    activity filter, and nobody compresses across a local socket); code-server still answers
    101 with the browser's own key, so the browser accepts the connection."""
    params = {"reconnectionToken": "t-1", "reconnection": "false", "skipWebSocketFrames": "false"}
    ws = await jp_ws_fetch("vscode/", params=params, compression_options={})
    try:
        assert "permessage-deflate" not in ws.headers.get("Sec-WebSocket-Extensions", "")
    finally:
        ws.close()


def tcp_pair() -> tuple[socket.socket, socket.socket]:
    with socket.create_server(("127.0.0.1", 0)) as srv:
        a = socket.create_connection(srv.getsockname())
        b, _ = srv.accept()
    return a, b


async def recv_all(sock: socket.socket) -> bytes:
    """Everything until the peer's end of stream (a reset raises)."""
    loop = asyncio.get_running_loop()
    sock.setblocking(False)
    got = b""
    while data := await asyncio.wait_for(loop.sock_recv(sock, 65536), 5):
        got += data
    return got


async def test_a_closing_side_ends_the_other_cleanly():
    """A browser that sends its last bytes and closes (a tab closing: VS Code's Disconnect
    message, the websocket Close frame): code-server reads them and then a clean end of stream,
    and its own last words (its Close frame in answer) are taken, not refused with a broken
    pipe. The other way round, everything code-server sent before it closed reaches the
    browser. (The relay used to close both connections at the first end.)"""
    browser_peer, browser_sock = tcp_pair()
    backend_peer, backend_sock = socket.socketpair()
    task = asyncio.ensure_future(wsrelay.relay(IOStream(browser_sock), IOStream(backend_sock)))
    try:
        browser_peer.sendall(b"last words")
        browser_peer.close()
        assert await recv_all(backend_peer) == b"last words"
        backend_peer.sendall(b"goodbye")
        backend_peer.close()
        await asyncio.wait_for(task, 5)
    finally:
        browser_peer.close()
        backend_peer.close()

    # More than the kernel buffers on both hops hold (~200 KiB each by default), so the relay
    # must pass it on as the browser reads: the browser side is read while code-server sends.
    payload = os.urandom(4 << 20)
    browser_peer, browser_sock = tcp_pair()
    backend_peer, backend_sock = socket.socketpair()
    task = asyncio.ensure_future(wsrelay.relay(IOStream(browser_sock), IOStream(backend_sock)))
    try:
        backend_peer.setblocking(False)

        async def code_server_sends_and_closes() -> None:
            await asyncio.get_running_loop().sock_sendall(backend_peer, payload)
            backend_peer.close()

        _, received = await asyncio.wait_for(
            asyncio.gather(code_server_sends_and_closes(), recv_all(browser_peer)), 30
        )
        assert received == payload
        browser_peer.close()  # as a browser does when the server has ended the connection
        await asyncio.wait_for(task, 5)
    finally:
        browser_peer.close()
        backend_peer.close()
        if not task.done():
            task.cancel()


async def test_relay_sends_each_piece_at_once_on_both_hops():
    """Both hops send without Nagle's algorithm, as code-server (Node) does on its own sockets:
    with it, a reply written behind unacknowledged data waits for the peer's delayed ACK, up
    to 40 ms (measured: a burst of ten small VS Code messages took 44 ms instead of 11 ms)."""
    browser_peer, browser_sock = tcp_pair()
    backend_sock, backend_peer = tcp_pair()
    browser, backend = IOStream(browser_sock), IOStream(backend_sock)
    for s in (browser_sock, backend_sock):
        assert s.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 0
    task = asyncio.ensure_future(wsrelay.relay(browser, backend))
    try:
        browser_peer.sendall(b"ping")
        backend_peer.setblocking(False)
        loop = asyncio.get_running_loop()
        assert await asyncio.wait_for(loop.sock_recv(backend_peer, 4), 5) == b"ping"
        for s in (browser_sock, backend_sock):
            assert s.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
    finally:
        browser_peer.close()
        backend_peer.close()
        await asyncio.wait_for(task, 5)
