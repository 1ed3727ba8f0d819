"""Where the tests find the dashwire server they run against.

`npm test` starts one (clients/python/tests/python.test.ts) and passes its URLs and API key in
DASHWIRE_TEST_URL, DASHWIRE_TEST_WS and DASHWIRE_TEST_KEY. Its topics: `py:*` with presence and
history, `quiet` without either, and docs/python.md's `ticker` and `dashboard:*`; connect
`data.user` becomes the user id and presence info.
"""

from __future__ import annotations

import os
import unittest
import uuid

from dashwire import ServerAPI

URL = os.environ.get("DASHWIRE_TEST_URL", "")
WS = os.environ.get("DASHWIRE_TEST_WS", "")
KEY = os.environ.get("DASHWIRE_TEST_KEY", "")


def require_server() -> None:
    """Skips the calling test class when no test server is given."""
    if not URL or not KEY:
        raise unittest.SkipTest("no dashwire test server (run through `npm test` or vitest: clients/python)")


def api(**kwargs: object) -> ServerAPI:
    """A client of the test server."""
    return ServerAPI(URL, KEY, **kwargs)  # type: ignore[arg-type]


def topic(name: str) -> str:
    """A fresh topic under `py:` (every test its own)."""
    return f"py:{name}:{uuid.uuid4().hex[:8]}"
