"""The server API client against a real dashwire server (and, for retries, a fake one)."""

from __future__ import annotations

import json
import socket
import threading
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import List

from dashwire import (
    DashwireConnectionError,
    ErrorCode,
    InvalidTopicError,
    Position,
    PresenceDisabledError,
    ServerAPI,
    UnauthorizedError,
    UnavailableError,
)

from .server import KEY, URL, api, require_server, topic


class PublishTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        require_server()

    def test_publish_returns_the_position_and_history_holds_the_data(self) -> None:
        t = topic("pub")
        first = api().publish(t, {"price": 101.5}, key="ACME")
        second = api().publish(t, [1, "two", None])
        self.assertEqual((first.offset, second.offset), (1, 2))
        self.assertEqual(first.epoch, second.epoch)
        h = api().history(t)
        self.assertEqual([p.data for p in h.publications], [{"price": 101.5}, [1, "two", None]])
        self.assertEqual([p.key for p in h.publications], ["ACME", None])
        self.assertIsNone(h.recovered)

    def test_the_same_idempotency_key_publishes_once(self) -> None:
        t = topic("idem")
        a = api().publish(t, {"n": 1}, idempotency_key="order-1")
        b = api().publish(t, {"n": 1}, idempotency_key="order-1")
        self.assertEqual(a, b)
        self.assertEqual(api().history(t, limit=0).offset, 1)

    def test_broadcast_publishes_to_each_topic(self) -> None:
        ts = [topic("b1"), topic("b2")]
        api().publish(ts[1], 0)
        results = api().broadcast(ts, {"notice": "deploy"})
        self.assertEqual([(r.topic, r.offset, r.error) for r in results], [(ts[0], 1, None), (ts[1], 2, None)])
        with self.assertRaises(InvalidTopicError) as caught:
            api().broadcast([ts[0], "not a topic"], 1)
        self.assertEqual(caught.exception.code, ErrorCode.INVALID_TOPIC)
        self.assertEqual(api().history(ts[0], limit=0).offset, 1)  # the refused call published nothing


class ReadTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        require_server()

    def test_history_pages_after_a_position(self) -> None:
        t = topic("hist")
        for i in range(5):
            api().publish(t, i)
        last = api().history(t, limit=2)
        self.assertEqual([p.offset for p in last.publications], [4, 5])
        page = api().history(t, since=Position(last.epoch, 1), limit=2)
        self.assertEqual(([p.data for p in page.publications], page.recovered), ([1, 2], True))
        stale = api().history(t, since=Position("another-epoch", 1))
        self.assertEqual((stale.recovered, stale.publications, stale.offset), (False, [], 5))

    def test_presence_of_a_topic_without_it_is_a_typed_error(self) -> None:
        with self.assertRaises(PresenceDisabledError) as caught:
            api().presence("quiet")
        self.assertEqual((caught.exception.code, caught.exception.status), (ErrorCode.PRESENCE_DISABLED, 400))
        self.assertEqual(api().presence(topic("empty")).count, 0)

    def test_topics_lists_the_node(self) -> None:
        r = api().topics(prefix="nothing-here:")
        self.assertEqual((r.count, r.topics), (0, []))
        self.assertTrue(r.node)


class ErrorTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        require_server()

    def test_a_wrong_key_is_unauthorized(self) -> None:
        with self.assertRaises(UnauthorizedError) as caught:
            ServerAPI(URL, KEY + "x").publish(topic("auth"), 1)
        self.assertEqual((caught.exception.code, caught.exception.status), (ErrorCode.UNAUTHORIZED, 401))

    def test_a_bad_topic_and_a_long_key_are_refused_by_name(self) -> None:
        with self.assertRaises(InvalidTopicError):
            api().publish("$node:*", 1)
        with self.assertRaises(Exception) as caught:
            api().publish(topic("k"), 1, key="€" * 100)  # 100 characters, 300 bytes
        self.assertIn("key: must be at most 256 bytes", str(caught.exception))

    def test_an_unreachable_server_is_a_connection_error_after_the_retries(self) -> None:
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()  # nothing listens there now
        with self.assertRaises(DashwireConnectionError):
            ServerAPI(f"http://127.0.0.1:{port}", KEY, retries=1, backoff=0.01).publish("a", 1)


class RetryTest(unittest.TestCase):
    """A fake API that fails before it answers: retries carry the same idempotency key."""

    def serve(self, answers: List[tuple]) -> ThreadingHTTPServer:
        bodies = self.bodies = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                bodies.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
                status, body = answers.pop(0)
                raw = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, *args: object) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.addCleanup(server.server_close)
        self.addCleanup(server.shutdown)
        return server

    def test_a_503_is_retried_with_the_same_key(self) -> None:
        busy = {"error": {"code": ErrorCode.BROKER_UNAVAILABLE, "message": "broker unavailable, retry"}}
        server = self.serve([(503, busy), (503, busy), (200, {"result": {"epoch": "e", "offset": 7}})])
        client = ServerAPI(f"http://127.0.0.1:{server.server_address[1]}", "k" * 16, retries=2, backoff=0.01)
        self.assertEqual(client.publish("t", 1), Position("e", 7))
        keys = {b["idempotencyKey"] for b in self.bodies}
        self.assertEqual((len(self.bodies), len(keys)), (3, 1))

    def test_the_last_failure_is_raised_with_its_code(self) -> None:
        busy = {"error": {"code": ErrorCode.BROKER_UNAVAILABLE, "message": "broker unavailable, retry"}}
        server = self.serve([(503, busy), (503, busy)])
        client = ServerAPI(f"http://127.0.0.1:{server.server_address[1]}", "k" * 16, retries=1, backoff=0.01)
        with self.assertRaises(UnavailableError) as caught:
            client.history("t")
        self.assertEqual((caught.exception.code, caught.exception.status), (ErrorCode.BROKER_UNAVAILABLE, 503))

    def test_a_client_error_is_not_retried(self) -> None:
        bad = {"error": {"code": ErrorCode.INVALID_FIELD, "message": "data: is required"}}
        server = self.serve([(400, bad)])
        client = ServerAPI(f"http://127.0.0.1:{server.server_address[1]}", "k" * 16, retries=3, backoff=0.01)
        with self.assertRaises(Exception) as caught:
            client.publish("t", None)
        self.assertEqual((len(self.bodies), caught.exception.code), (1, ErrorCode.INVALID_FIELD))  # type: ignore[attr-defined]
