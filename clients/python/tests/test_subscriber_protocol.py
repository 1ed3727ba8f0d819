"""The subscriber's side of the wire protocol against a scripted server: batches, ping, gap, repeats.

A real server sends a `gap` only to a client that reads too slowly for megabytes; the script
sends one at once, and checks the client answers it as docs/protocol.md says: `sub` again with
`since` = the last position it has.
"""

from __future__ import annotations

import asyncio
import json
import unittest
from typing import Any, Dict, List

try:
    import websockets

    from dashwire.subscriber import Publication, Resubscribed, Subscriber
except ImportError as err:
    MISSING = f"the subscriber needs python3-websockets ({err})"
else:
    MISSING = ""


class ScriptedServerTest(unittest.IsolatedAsyncioTestCase):
    @classmethod
    def setUpClass(cls) -> None:
        if MISSING:
            raise unittest.SkipTest(MISSING)

    async def test_gap_ping_batch_and_repeat(self) -> None:
        seen: List[Dict[str, Any]] = []

        async def script(ws: Any, *_: Any) -> None:
            async def expect(t: str) -> Dict[str, Any]:
                while True:
                    m = json.loads(await ws.recv())
                    seen.append(m)
                    if m.get("t") == t:
                        return m

            await expect("connect")
            await ws.send(json.dumps({"t": "connected", "v": 1, "session": "s1", "ping": 25000, "pong": 20000}))
            sub = await expect("sub")
            ack = {"t": "ack", "id": sub["id"], "data": {"epoch": "E", "offset": 0, "recovered": False}}
            msg = lambda o: {"t": "msg", "c": "room", "e": "E", "o": o, "d": {"n": o}}  # noqa: E731
            await ws.send(json.dumps([ack, msg(1), msg(2), {"t": "ping"}]))
            await expect("pong")
            await ws.send(json.dumps({"t": "gap", "topic": "room", "epoch": "E", "from": 3, "to": 4}))
            again = await expect("sub")
            resumed = {"t": "ack", "id": again["id"], "data": {"epoch": "E", "offset": 4, "recovered": True}}
            # The recovered publications follow the ack in its frame; a repeat of 2 must not show.
            await ws.send(json.dumps([resumed, msg(2), msg(3), msg(4)]))
            await ws.send(json.dumps(msg(5)))
            await ws.wait_closed()

        server = await websockets.serve(script, "127.0.0.1", 0)
        self.addAsyncCleanup(server.wait_closed)
        self.addCleanup(server.close)
        port = server.sockets[0].getsockname()[1]
        events: List[Any] = []
        async with Subscriber(f"ws://127.0.0.1:{port}") as sub:
            first = await sub.subscribe("room")
            self.assertEqual((first.offset, first.recovered), (0, False))

            async def collect() -> None:
                async for event in sub:
                    events.append(event)
                    if isinstance(event, Publication) and event.offset == 5:
                        return

            await asyncio.wait_for(collect(), 10)
        subs = [m for m in seen if m["t"] == "sub"]
        self.assertEqual(subs[1]["since"], {"epoch": "E", "offset": 2})
        self.assertEqual(
            [(type(e).__name__, e.offset) for e in events],
            [("Publication", 1), ("Publication", 2), ("Resubscribed", 4), ("Publication", 3), ("Publication", 4), ("Publication", 5)],
        )
        self.assertEqual([e.data for e in events if isinstance(e, Publication)], [{"n": o} for o in (1, 2, 3, 4, 5)])
        self.assertTrue(isinstance(events[2], Resubscribed) and events[2].recovered)
