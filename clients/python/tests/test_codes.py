"""The Python codes are the TypeScript ones: one source (packages/protocol/src/codes.ts)."""

from __future__ import annotations

import re
import unittest
from pathlib import Path

from dashwire import CloseCode, ErrorCode

SOURCE = Path(__file__).resolve().parents[3] / "packages" / "protocol" / "src" / "codes.ts"


def codes(name: str) -> dict:
    text = SOURCE.read_text(encoding="utf-8")
    block = text[text.index(f"export const {name}") :]
    block = block[: block.index("as const")]
    out = {}
    for key, value in re.findall(r"^\s+(\w+): (\d+),", block, re.M):
        out[re.sub(r"(?<!^)(?=[A-Z])", "_", key).upper()] = int(value)
    return out


def python_codes(cls: type) -> dict:
    return {k: v for k, v in vars(cls).items() if k.isupper()}


class CodesTest(unittest.TestCase):
    def test_close_codes_match_the_protocol(self) -> None:
        self.assertEqual(python_codes(CloseCode), codes("CloseCode"))

    def test_error_codes_match_the_protocol(self) -> None:
        self.assertEqual(python_codes(ErrorCode), codes("ErrorCode"))
