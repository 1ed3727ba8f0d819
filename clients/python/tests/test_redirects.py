"""Redirects are not followed: they would carry the API key to another host."""

from __future__ import annotations

import json
import threading
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import List, Optional

from dashwire import DashwireError, ServerAPI


class _Target(BaseHTTPRequestHandler):
    """Where the redirect points: records the Authorization it gets, answers like dashwire."""

    seen: List[Optional[str]] = []

    def log_message(self, *args) -> None:  # noqa: ANN002
        pass

    def _answer(self) -> None:
        _Target.seen.append(self.headers.get("Authorization"))
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = json.dumps({"result": {"epoch": "e", "offset": 1}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = _answer  # noqa: N815 (http.server's naming)
    do_POST = _answer  # noqa: N815


def _serve(handler: type) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class RedirectTest(unittest.TestCase):
    def test_a_redirect_is_an_error_and_the_key_never_reaches_its_target(self) -> None:
        target = _serve(_Target)
        self.addCleanup(target.server_close)
        self.addCleanup(target.shutdown)
        # "localhost" and "127.0.0.1": another origin, as a hostile or misconfigured server would name.
        location = f"http://localhost:{target.server_address[1]}/api/publish"
        for code in (301, 302, 303, 307, 308):

            class Redirect(BaseHTTPRequestHandler):
                def log_message(self, *args) -> None:  # noqa: ANN002
                    pass

                def do_POST(self) -> None:  # noqa: N802
                    self.rfile.read(int(self.headers.get("Content-Length") or 0))
                    self.send_response(code)
                    self.send_header("Location", location)
                    self.send_header("Content-Length", "0")
                    self.end_headers()

            source = _serve(Redirect)
            try:
                _Target.seen.clear()
                client = ServerAPI(f"http://127.0.0.1:{source.server_address[1]}", "redirect-test-key-0123456789", retries=0)
                with self.assertRaises(DashwireError) as caught:
                    client.publish("t", 1)
                self.assertEqual(caught.exception.status, code)
                self.assertIn("redirects are not followed", str(caught.exception))
                self.assertEqual(_Target.seen, [], f"{code}: the redirect was followed")
            finally:
                source.shutdown()
                source.server_close()


if __name__ == "__main__":
    unittest.main()
