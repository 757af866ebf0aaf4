"""A websocket echo server on 127.0.0.1:<port> (argv[1]): the backend of the websocket benchmark.

Run as its own process so its CPU use never competes with the measuring client's GIL.
"""

from __future__ import annotations

import asyncio
import sys

from aiohttp import WSMsgType, web

#: Seconds between the replies of a burst.
BURST_GAP = 0.0003


async def echo(request: web.Request) -> web.WebSocketResponse:
    ws = web.WebSocketResponse(max_msg_size=0, compress=False)
    await ws.prepare(request)
    async for msg in ws:
        if msg.type == WSMsgType.BINARY:
            await ws.send_bytes(msg.data)
        elif msg.type == WSMsgType.TEXT and msg.data.startswith("burst "):
            # N small replies, each its own write a moment after the last: how a server answers
            # a page's burst of requests. Behind unacknowledged data, Nagle's algorithm would
            # hold each one for the peer's delayed ACK.
            for _ in range(int(msg.data.split()[1])):
                await ws.send_bytes(b"r" * 200)
                await asyncio.sleep(BURST_GAP)
        elif msg.type == WSMsgType.TEXT:
            await ws.send_str(msg.data)
    return ws


def main() -> None:
    app = web.Application()
    app.router.add_get("/{tail:.*}", echo)
    web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)


if __name__ == "__main__":
    asyncio.set_event_loop(asyncio.new_event_loop())
    main()
