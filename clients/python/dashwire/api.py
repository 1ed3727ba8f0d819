"""The server HTTP API client: publish, broadcast, presence, history, disconnect, topics.

Standard library only (`urllib.request`, `json`), so any backend can use it: a Django view, a
Flask route, a cron job. See docs/server-api.md for what each method does on the server.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Sequence

from .errors import DashwireConnectionError, DashwireError, UnavailableError, error_for


@dataclass(frozen=True)
class Position:
    """A place in a topic's stream: its epoch and the offset of a publication."""

    epoch: str
    offset: int


@dataclass(frozen=True)
class BroadcastResult:
    """One topic of a broadcast: its position, or the error that topic got."""

    topic: str
    epoch: Optional[str] = None
    offset: Optional[int] = None
    error: Optional[DashwireError] = None


@dataclass(frozen=True)
class PresenceEntry:
    """A connection present on a topic: its id, its user and the info connect middleware set."""

    client: str
    user: Optional[str] = None
    info: Any = None


@dataclass(frozen=True)
class Presence:
    """Who is on a topic: the full count and the listed entries (at most the limit asked)."""

    count: int
    clients: List[PresenceEntry] = field(default_factory=list)


@dataclass(frozen=True)
class HistoryEntry:
    """A retained publication: offset, publish time (ms since the epoch), key and data."""

    offset: int
    time: int
    data: Any
    key: Optional[str] = None


@dataclass(frozen=True)
class History:
    """A history read: the topic's current position and the publications asked for.

    `recovered` is None without `since`; with it, False means history no longer covers that
    position (or the epoch changed): reload the state instead of replaying.
    """

    epoch: str
    offset: int
    publications: List[HistoryEntry]
    recovered: Optional[bool] = None


@dataclass(frozen=True)
class TopicInfo:
    """A topic with subscribers on the answering node."""

    topic: str
    subscribers: int


@dataclass(frozen=True)
class Topics:
    """The answering node's topics: its id, how many match, and the listed ones."""

    node: str
    count: int
    topics: List[TopicInfo]


#: HTTP statuses worth a retry: the node or its broker is briefly unavailable.
_RETRY_STATUSES = (502, 503, 504)


class ServerAPI:
    """A client of one dashwire server's HTTP API.

    `url` is the server's base URL (`http://dashwire.internal:3000`), `api_key` one of its
    `serverApi.keys`. Failed calls raise a `DashwireError` subclass carrying the code. Calls are
    retried `retries` times on connection errors and 502/503/504, with backoff; publish and
    broadcast send an idempotency key (generated unless given) so a retry never publishes twice.
    """

    def __init__(
        self,
        url: str,
        api_key: str,
        *,
        path: str = "/api",
        timeout: float = 10.0,
        retries: int = 2,
        backoff: float = 0.2,
    ) -> None:
        self.base = url.rstrip("/") + "/" + path.strip("/")
        self.api_key = api_key
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff

    # ------------------------------------------------------------------ methods

    def publish(
        self,
        topic: str,
        data: Any,
        *,
        key: Optional[str] = None,
        urgent: bool = False,
        idempotency_key: Optional[str] = None,
    ) -> Position:
        """Publishes `data` (anything JSON can hold) to `topic`; returns its position."""
        body: Dict[str, Any] = {"topic": topic, "data": data, "idempotencyKey": idempotency_key or _new_key()}
        if key is not None:
            body["key"] = key
        if urgent:
            body["urgent"] = True
        r = self.call("publish", body)
        return Position(r["epoch"], r["offset"])

    def broadcast(
        self,
        topics: Sequence[str],
        data: Any,
        *,
        key: Optional[str] = None,
        urgent: bool = False,
        idempotency_key: Optional[str] = None,
    ) -> List[BroadcastResult]:
        """Publishes one payload to several topics; one result per topic, in order (errors included)."""
        body: Dict[str, Any] = {"topics": list(topics), "data": data, "idempotencyKey": idempotency_key or _new_key()}
        if key is not None:
            body["key"] = key
        if urgent:
            body["urgent"] = True
        out: List[BroadcastResult] = []
        for p in self.call("broadcast", body)["publications"]:
            e = p.get("error")
            if e is not None:
                out.append(BroadcastResult(p["topic"], error=error_for(e["code"], e["message"])))
            else:
                out.append(BroadcastResult(p["topic"], p["epoch"], p["offset"]))
        return out

    def presence(self, topic: str, *, limit: Optional[int] = None) -> Presence:
        """Who is subscribed to `topic` on every node (the topic must have `presence: true`)."""
        body: Dict[str, Any] = {"topic": topic}
        if limit is not None:
            body["limit"] = limit
        r = self.call("presence", body)
        clients = [PresenceEntry(c["client"], c.get("user"), c.get("info")) for c in r["clients"]]
        return Presence(r["count"], clients)

    def history(
        self, topic: str, *, limit: Optional[int] = None, since: Optional[Position] = None
    ) -> History:
        """The last `limit` publications of `topic`, or the first `limit` after `since`."""
        body: Dict[str, Any] = {"topic": topic}
        if limit is not None:
            body["limit"] = limit
        if since is not None:
            body["since"] = {"epoch": since.epoch, "offset": since.offset}
        r = self.call("history", body)
        pubs = [HistoryEntry(p["offset"], p["time"], p["data"], p.get("key")) for p in r["publications"]]
        return History(r["epoch"], r["offset"], pubs, r.get("recovered"))

    def disconnect(
        self,
        user: str,
        *,
        client: Optional[str] = None,
        reconnect: bool = False,
        reason: Optional[str] = None,
    ) -> None:
        """Closes every connection of `user` on every node (or only `client`); terminal unless `reconnect`."""
        body: Dict[str, Any] = {"user": user}
        if client is not None:
            body["client"] = client
        if reconnect:
            body["reconnect"] = True
        if reason is not None:
            body["reason"] = reason
        self.call("disconnect", body)

    def topics(self, *, prefix: Optional[str] = None, limit: Optional[int] = None) -> Topics:
        """The topics with subscribers on the node that answers, with their subscriber counts."""
        body: Dict[str, Any] = {}
        if prefix is not None:
            body["prefix"] = prefix
        if limit is not None:
            body["limit"] = limit
        r = self.call("topics", body)
        return Topics(r["node"], r["count"], [TopicInfo(t["topic"], t["subscribers"]) for t in r["topics"]])

    # ------------------------------------------------------------------ transport

    def call(self, method: str, body: Mapping[str, Any]) -> Dict[str, Any]:
        """POSTs `body` to `{path}/{method}` and returns the answer's `result` (retrying as documented)."""
        payload = json.dumps(body, separators=(",", ":")).encode("utf-8")
        attempt = 0
        while True:
            try:
                return self._post(method, payload)
            except UnavailableError:
                if attempt >= self.retries:
                    raise
            # Full jitter is not worth a dependency here: a doubling delay spreads retries enough.
            time.sleep(self.backoff * (2**attempt))
            attempt += 1

    def _post(self, method: str, payload: bytes) -> Dict[str, Any]:
        req = urllib.request.Request(
            f"{self.base}/{method}",
            data=payload,
            method="POST",
            headers={
                "Authorization": f"apikey {self.api_key}",
                "Content-Type": "application/json",
                "Accept": "application/json",
                "User-Agent": "dashwire-python",
            },
        )
        try:
            with _OPENER.open(req, timeout=self.timeout) as res:
                return _result(res.status, res.read())
        except urllib.error.HTTPError as err:
            with err:
                if 300 <= err.code < 400:
                    location = err.headers.get("Location", "")
                    raise DashwireError(
                        None,
                        f"HTTP {err.code}: {self.base}/{method} redirects to {location!r}; redirects are not "
                        "followed (they would carry the API key elsewhere): give the client the final URL",
                        err.code,
                    ) from None
                return _result(err.code, err.read())
        except (urllib.error.URLError, OSError) as err:
            reason = getattr(err, "reason", err)
            raise DashwireConnectionError(f"could not reach {self.base}/{method}: {reason}") from err


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """Refuses every redirect: urllib would follow a 301/302 to any host with the `Authorization`
    header (the API key) and take that host's answer for the call's result."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: ANN001, ANN201 (urllib's signature)
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


def _result(status: int, raw: bytes) -> Dict[str, Any]:
    """The `result` of an answer, or the typed error it carries."""
    try:
        answer = json.loads(raw.decode("utf-8")) if raw else {}
    except ValueError:
        answer = {}
    if not isinstance(answer, dict):
        answer = {}
    if status == 200 and isinstance(answer.get("result"), dict):
        return answer["result"]
    error = answer.get("error")
    if isinstance(error, dict) and isinstance(error.get("code"), int):
        raise error_for(error["code"], str(error.get("message", "")), status)
    if status in _RETRY_STATUSES:
        raise UnavailableError(None, f"HTTP {status} (no dashwire answer: a proxy in between?)", status)
    raise DashwireError(None, f"HTTP {status}: not a dashwire API answer", status)


def _new_key() -> str:
    return uuid.uuid4().hex
