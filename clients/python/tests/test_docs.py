"""docs/python.md as a reader runs it: its Python blocks, against the test server.

A block under `<!-- doctest: illustrative — … -->` is only compiled (it needs another framework
or is a fragment). A block whose first line names a file (`# clients/python/examples/…`) must be
that file, which test_frameworks.py runs. Every other block runs, in order, in one namespace,
with the page's server address and key swapped for the test server's.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import re
import unittest
from pathlib import Path

from .server import KEY, URL, WS, api, require_server

ROOT = Path(__file__).resolve().parents[3]
PAGE = ROOT / "docs" / "python.md"
FENCE = re.compile(r"^```python\n(.*?)^```", re.M | re.S)


def blocks():
    """(line, illustrative, code) of each Python block of the page."""
    text = PAGE.read_text(encoding="utf-8")
    for m in FENCE.finditer(text):
        before = text[: m.start()].rstrip("\n").rsplit("\n", 1)[-1]
        line = text.count("\n", 0, m.start()) + 1
        yield line, before.startswith("<!-- doctest: illustrative"), m.group(1)


def swapped(code: str) -> str:
    code = code.replace("http://127.0.0.1:3000", URL).replace("ws://127.0.0.1:3000/dashwire", WS)
    return code.replace("change-me-to-a-long-random-key", KEY)


class DocsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        require_server()
        try:
            import websockets  # noqa: F401
        except ImportError as err:
            raise unittest.SkipTest(f"the page's subscriber block needs python3-websockets ({err})")

    def test_every_python_block_of_the_page(self) -> None:
        namespace = {"__name__": "docs_python"}
        ran = files = compiled = 0
        for line, illustrative, code in blocks():
            where = f"docs/python.md:{line}"
            first = code.split("\n", 1)[0]
            if illustrative:
                compile(code, where, "exec")
                compiled += 1
            elif re.fullmatch(r"# clients/python/\S+\.py", first):
                shown = code.split("\n", 1)[1]
                self.assertEqual(shown, (ROOT / first[2:]).read_text(encoding="utf-8"), f"{where} is not {first[2:]}")
                files += 1
            else:
                out = io.StringIO()
                with contextlib.redirect_stdout(out):
                    exec(compile(swapped(code), where, "exec"), namespace)  # noqa: S102 (running the docs is the point)
                ran += 1
        self.assertEqual((ran, files), (4, 2))
        self.assertGreaterEqual(compiled, 4)
        self.assertIn("watch", namespace)
        self.watch_prints_what_is_published(namespace["watch"])

    def watch_prints_what_is_published(self, watch) -> None:
        """The subscriber block's `watch` prints a publication made while it runs."""
        out = io.StringIO()

        async def run() -> None:
            task = asyncio.ensure_future(watch("ticker"))
            # Subscribed once the server counts a subscriber of the topic.
            while not any(t.topic == "ticker" for t in (await asyncio.to_thread(api().topics)).topics):
                if task.done():
                    task.result()
                await asyncio.sleep(0.02)
            pos = await asyncio.to_thread(api().publish, "ticker", {"from": "docs"})
            while f"ticker {pos.offset} {{'from': 'docs'}}" not in out.getvalue():
                if task.done():
                    task.result()
                await asyncio.sleep(0.02)
            task.cancel()

        with contextlib.redirect_stdout(out):
            asyncio.run(asyncio.wait_for(run(), 10))
