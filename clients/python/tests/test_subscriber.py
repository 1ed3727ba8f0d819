"""The asyncio subscriber against a real dashwire server: receive, resume, presence, disconnect."""

from __future__ import annotations

import asyncio
import unittest
from typing import List, Union

from dashwire import CloseCode, DashwireDisconnected

from .server import WS, api, require_server, topic

try:
    from dashwire.subscriber import Publication, Resubscribed, Subscriber
except ImportError as err:  # websockets is missing
    MISSING = f"the subscriber needs python3-websockets ({err})"
else:
    MISSING = ""

Event = Union["Publication", "Resubscribed"]


async def take(sub: "Subscriber", n: int, timeout: float = 10.0) -> List[Event]:
    """The next `n` events of `sub`."""
    out: List[Event] = []

    async def run() -> None:
        async for event in sub:
            out.append(event)
            if len(out) == n:
                return

    await asyncio.wait_for(run(), timeout)
    return out


async def publish(t: str, *values: object) -> None:
    """Publishes through the HTTP API (blocking urllib, in a thread)."""
    for v in values:
        await asyncio.to_thread(api().publish, t, v)


class SubscriberTest(unittest.IsolatedAsyncioTestCase):
    @classmethod
    def setUpClass(cls) -> None:
        require_server()
        if MISSING:
            raise unittest.SkipTest(MISSING)

    async def test_receives_what_the_api_publishes(self) -> None:
        t = topic("live")
        async with Subscriber(WS) as sub:
            first = await sub.subscribe(t)
            self.assertEqual((first.offset, first.recovered), (0, False))
            await publish(t, {"v": 1}, {"v": 2})
            got = await take(sub, 2)
        self.assertEqual([(e.offset, e.data) for e in got], [(1, {"v": 1}), (2, {"v": 2})])  # type: ignore[union-attr]
        self.assertTrue(all(isinstance(e, Publication) for e in got))

    async def test_resumes_elsewhere_from_the_last_position_with_nothing_lost(self) -> None:
        t = topic("resume")
        async with Subscriber(WS) as sub:
            await sub.subscribe(t)
            await publish(t, 1, 2, 3)
            await take(sub, 3)
            last = sub.position(t)
        await publish(t, 4, 5, 6)  # while nobody listens
        async with Subscriber(WS) as sub:
            answer = await sub.subscribe(t, since=last)
            self.assertEqual((answer.recovered, answer.offset), (True, 6))
            got = await take(sub, 3)
        self.assertEqual([e.data for e in got], [4, 5, 6])  # type: ignore[union-attr]

    async def test_presence_lists_it_and_disconnect_ends_it_with_4506(self) -> None:
        t = topic("who")
        async with Subscriber(WS, data={"user": "py-ann"}) as sub:
            await sub.subscribe(t)
            presence = await asyncio.to_thread(api().presence, t)
            self.assertEqual([(c.user, c.info) for c in presence.clients], [("py-ann", {"name": "py-ann"})])
            self.assertEqual(presence.clients[0].client, sub.session)
            await asyncio.to_thread(api().disconnect, "py-ann", reason="logged out")
            with self.assertRaises(DashwireDisconnected) as caught:
                await take(sub, 1)
        self.assertEqual((caught.exception.code, caught.exception.message), (CloseCode.FORCE_DISCONNECT, "logged out"))

    async def test_a_forced_reconnect_resumes_without_loss_or_repeat(self) -> None:
        t = topic("again")
        async with Subscriber(WS, data={"user": "py-bob"}, min_delay=0.01) as sub:
            await sub.subscribe(t)
            await publish(t, 1, 2)
            before = await take(sub, 2)
            session = sub.session
            await asyncio.to_thread(api().disconnect, "py-bob", reconnect=True)
            await publish(t, 3, 4)
            after = await take(sub, 3)
        self.assertEqual([e.data for e in before], [1, 2])  # type: ignore[union-attr]
        resumed = [e for e in after if isinstance(e, Resubscribed)]
        self.assertEqual([(e.recovered, e.topic) for e in resumed], [(True, t)])
        self.assertEqual([e.data for e in after if isinstance(e, Publication)], [3, 4])
        self.assertNotEqual(sub.session, session)
