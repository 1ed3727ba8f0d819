"""An asyncio subscriber: connects over WebSocket, subscribes, resumes, yields publications.

Speaks dashwire's wire protocol (docs/protocol.md) on Debian's `python3-websockets`. It answers
the server's pings, recovers from `gap` notices, and after a lost connection reconnects with
backoff and resumes every topic from its last position, so nothing is missed silently: either
the publications in between arrive (`recovered=True`) or a `Resubscribed(recovered=False)` says
history no longer covered them.

    async with Subscriber("ws://127.0.0.1:3000/dashwire") as sub:
        await sub.subscribe("ticker")
        async for event in sub:
            if isinstance(event, Publication):
                print(event.offset, event.data)
"""

from __future__ import annotations

import asyncio
import json
import random
from dataclasses import dataclass
from typing import Any, AsyncIterator, Dict, List, Optional, Union

import websockets

from .api import Position
from .codes import CloseCode, close_code_allows_reconnect
from .errors import DashwireConnectionError, DashwireDisconnected, DashwireError, error_for

#: Publications held for a consumer that is behind; past it the reader waits (backpressure: the
#: server's queue fills and it sends a `gap`, which is recovered from history).
MAX_QUEUED = 10_000
#: Largest frame accepted from the server, bytes.
MAX_FRAME_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class Publication:
    """A publication on a subscribed topic."""

    topic: str
    epoch: str
    offset: int
    data: Any
    key: Optional[str] = None


@dataclass(frozen=True)
class Resubscribed:
    """A topic was subscribed again after a reconnect or a gap.

    `recovered=True`: everything missed follows, nothing is lost. `recovered=False`: history no
    longer covered it (or the epoch changed); publications from `offset` on follow, and what came
    before must be reloaded (e.g. with `ServerAPI.history`).
    """

    topic: str
    epoch: str
    offset: int
    recovered: bool


Event = Union[Publication, Resubscribed]

#: Put in the queue by `close()` so that an iteration waiting for the next event ends.
_END = object()


class _Topic:
    def __init__(self, since: Optional[Position]) -> None:
        self.position = since


class _Pending:
    """A request waiting for its ack; a `sub` also names its topic and whether to emit an event."""

    def __init__(self, fut: "asyncio.Future[Any]", topic: Optional[str], emit: bool) -> None:
        self.fut = fut
        self.topic = topic
        self.emit = emit


class Subscriber:
    """A subscriber connection. Use as `async with Subscriber(url) as sub:` then iterate `sub`."""

    def __init__(
        self,
        url: str,
        *,
        token: Optional[str] = None,
        data: Any = None,
        reconnect: bool = True,
        min_delay: float = 0.1,
        max_delay: float = 5.0,
        request_timeout: float = 10.0,
    ) -> None:
        self.url = url
        self.token = token
        self.data = data
        self.reconnect = reconnect
        self.min_delay = min_delay
        self.max_delay = max_delay
        self.request_timeout = request_timeout
        #: The session id the server gave the current connection.
        self.session: Optional[str] = None
        self._topics: Dict[str, _Topic] = {}
        self._queue: "asyncio.Queue[Union[Event, BaseException, object]]" = asyncio.Queue(MAX_QUEUED)
        self._acks: Dict[int, _Pending] = {}
        self._next_id = 0
        self._ws: Any = None
        self._reader: Optional["asyncio.Task[None]"] = None
        self._connected = asyncio.Event()
        self._closed = False
        self._silence = 60.0
        #: Resubscriptions in flight (held so they are not garbage-collected mid-way).
        self._tasks: "set[asyncio.Task[None]]" = set()

    async def __aenter__(self) -> "Subscriber":
        await self.connect()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def connect(self) -> None:
        """Opens the connection and completes the handshake (raises on a refusal)."""
        await self._open()
        self._reader = asyncio.ensure_future(self._run())

    async def subscribe(self, topic: str, *, since: Optional[Position] = None) -> Resubscribed:
        """Subscribes to `topic`, resuming after `since` when given; returns the server's answer."""
        self._topics[topic] = _Topic(since)
        return await self._subscribe(topic, emit=False)

    def position(self, topic: str) -> Optional[Position]:
        """The last position received on `topic` (pass it as `since` to resume elsewhere)."""
        t = self._topics.get(topic)
        return None if t is None else t.position

    async def close(self) -> None:
        """Closes the connection; iteration ends."""
        self._closed = True
        if self._ws is not None:
            await self._ws.close()
        try:
            self._queue.put_nowait(_END)
        except asyncio.QueueFull:
            pass  # the iteration sees `_closed` once it has drained the queue
        for task in [self._reader, *self._tasks]:
            if task is None:
                continue
            task.cancel()
            try:
                await task
            except (asyncio.CancelledError, Exception):
                pass
        self._fail_acks(DashwireConnectionError("subscriber closed"))

    def __aiter__(self) -> AsyncIterator[Event]:
        return self._events()

    async def _events(self) -> AsyncIterator[Event]:
        while True:
            if self._closed and self._queue.empty():
                return
            item = await self._queue.get()
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item  # type: ignore[misc]

    # ------------------------------------------------------------------ connection

    async def _open(self) -> None:
        self._ws = await websockets.connect(self.url, max_size=MAX_FRAME_BYTES, ping_interval=None)
        try:
            await self._handshake()
        except BaseException:
            await _close_quietly(self._ws)
            raise

    async def _handshake(self) -> None:
        hello: Dict[str, Any] = {"t": "connect", "v": 1}
        if self.token is not None:
            hello["token"] = self.token
        if self.data is not None:
            hello["data"] = self.data
        await self._ws.send(json.dumps(hello))
        # Until `connected`, the only possible answers are `connected` or a refusal (close).
        while True:
            try:
                raw = await asyncio.wait_for(self._ws.recv(), self.request_timeout)
            except websockets.ConnectionClosed as err:
                raise _closed_error(err) from err
            for m in _messages(raw):
                if m.get("t") == "connected":
                    self.session = m.get("session")
                    # The server pings every `ping` ms; silence for ping + pong means it is gone.
                    self._silence = (m.get("ping", 25_000) + m.get("pong", 20_000)) / 1000
                    self._connected.set()
                    return

    async def _run(self) -> None:
        try:
            await self._follow()
        except asyncio.CancelledError:
            raise
        except Exception as err:  # a frame that is not the protocol: tell the consumer, do not hang
            await _close_quietly(self._ws)
            await self._queue.put(err)

    async def _follow(self) -> None:
        delay = self.min_delay
        while not self._closed:
            try:
                await self._read()
            except websockets.ConnectionClosed as err:
                code = _close_code(err)
                if self._closed:
                    return
                if not self.reconnect or not close_code_allows_reconnect(code):
                    await self._queue.put(_closed_error(err))
                    return
            except (OSError, asyncio.TimeoutError):
                pass  # silent past ping + pong, or a network error: the server is gone
            self._connected.clear()
            await _close_quietly(self._ws)
            self._fail_acks(DashwireConnectionError("connection lost"))
            # Reconnect with backoff (full jitter), then resume every topic from its position.
            while not self._closed:
                await asyncio.sleep(random.uniform(0, delay))
                delay = min(delay * 2, self.max_delay)
                try:
                    await self._open()
                except DashwireDisconnected as err:
                    await self._queue.put(err)
                    return
                except (OSError, asyncio.TimeoutError, DashwireError, websockets.WebSocketException):
                    continue
                delay = self.min_delay
                for topic in list(self._topics):
                    self._spawn(self._resubscribe(topic))
                break

    async def _read(self) -> None:
        while True:
            raw = await asyncio.wait_for(self._ws.recv(), self._silence)
            for m in _messages(raw):
                await self._handle(m)

    async def _handle(self, m: Dict[str, Any]) -> None:
        t = m.get("t")
        if t == "msg":
            topic = self._topics.get(m["c"])
            if topic is None:
                return
            pos = topic.position
            # After a resume nothing repeats; this guard keeps it so even if the server did.
            if pos is not None and pos.epoch == m["e"] and m["o"] <= pos.offset:
                return
            topic.position = Position(m["e"], m["o"])
            await self._queue.put(Publication(m["c"], m["e"], m["o"], m.get("d"), m.get("k")))
        elif t == "ack":
            pending = self._acks.pop(m.get("id", -1), None)
            if pending is None or pending.fut.done():
                return
            e = m.get("error")
            if e is not None:
                pending.fut.set_exception(error_for(e["code"], e["message"]))
                return
            result = m.get("data")
            if pending.topic is not None:
                # Handled here, before the messages that follow the ack in this frame.
                result = self._subscribed(pending.topic, result)
                if pending.emit:
                    await self._queue.put(result)
            pending.fut.set_result(result)
        elif t == "ping":
            await self._ws.send('{"t":"pong"}')
        elif t == "gap":
            # The server dropped some publications for us (we read too slowly): resume from history.
            self._spawn(self._resubscribe(m["topic"]))
        elif t == "disconnect":
            pass  # the close that follows carries the same code

    # ------------------------------------------------------------------ requests

    async def _subscribe(self, topic: str, emit: bool) -> Resubscribed:
        msg: Dict[str, Any] = {"t": "sub", "topic": topic}
        pos = self._topics[topic].position
        if pos is not None:
            msg["since"] = {"epoch": pos.epoch, "offset": pos.offset}
        return await self._request(msg, topic, emit)

    def _subscribed(self, topic: str, r: Dict[str, Any]) -> Resubscribed:
        recovered = bool(r.get("recovered", False))
        t = self._topics.get(topic)
        if t is not None and not recovered:
            # Not recovered: publications from the current position on follow.
            t.position = Position(r["epoch"], r["offset"])
        return Resubscribed(topic, r["epoch"], r["offset"], recovered)

    async def _resubscribe(self, topic: str) -> None:
        if topic not in self._topics:
            return
        try:
            await self._subscribe(topic, emit=True)
        except (DashwireError, asyncio.TimeoutError):
            return  # the connection went again; the next reconnect resumes it

    async def _request(self, msg: Dict[str, Any], topic: Optional[str] = None, emit: bool = False) -> Any:
        await asyncio.wait_for(self._connected.wait(), self.request_timeout)
        self._next_id += 1
        msg["id"] = self._next_id
        fut: "asyncio.Future[Any]" = asyncio.get_running_loop().create_future()
        self._acks[self._next_id] = _Pending(fut, topic, emit)
        try:
            await self._ws.send(json.dumps(msg))
            return await asyncio.wait_for(fut, self.request_timeout)
        except websockets.ConnectionClosed as err:
            raise DashwireConnectionError("connection lost before the answer") from err
        finally:
            self._acks.pop(msg["id"], None)

    def _spawn(self, work: Any) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _fail_acks(self, err: DashwireError) -> None:
        for pending in self._acks.values():
            if not pending.fut.done():
                pending.fut.set_exception(err)
        self._acks.clear()


async def _close_quietly(ws: Any) -> None:
    try:
        await asyncio.wait_for(ws.close(), 1.0)
    except Exception:
        pass


def _messages(raw: Union[str, bytes]) -> List[Dict[str, Any]]:
    """A frame's messages: one object, or a batch (a JSON array)."""
    value = json.loads(raw)
    return value if isinstance(value, list) else [value]


def _close_code(err: websockets.ConnectionClosed) -> int:
    rcvd = getattr(err, "rcvd", None)
    return rcvd.code if rcvd is not None else CloseCode.GOING_AWAY


def _closed_error(err: websockets.ConnectionClosed) -> DashwireError:
    rcvd = getattr(err, "rcvd", None)
    code = rcvd.code if rcvd is not None else 1006
    reason = rcvd.reason if rcvd is not None else "connection lost"
    if close_code_allows_reconnect(code):
        return DashwireConnectionError(f"connection closed ({code} {reason})")
    return DashwireDisconnected(code, reason or "disconnected")
