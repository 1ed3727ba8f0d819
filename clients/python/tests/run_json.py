"""Runs this package's unittest suite and prints one JSON line per test, for the Node test runner.

    /usr/bin/python3 tests/run_json.py          # run: {"id", "outcome", "detail"} per test
    /usr/bin/python3 tests/run_json.py --list   # the test ids only

Outcomes: passed, failed, error, skipped (detail: the reason or the traceback).
"""

from __future__ import annotations

import json
import sys
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


class JsonResult(unittest.TestResult):
    def _emit(self, test: unittest.TestCase, outcome: str, detail: str = "") -> None:
        print(json.dumps({"id": test.id(), "outcome": outcome, "detail": detail}), flush=True)

    def addSuccess(self, test: unittest.TestCase) -> None:  # noqa: N802 (unittest's naming)
        super().addSuccess(test)
        self._emit(test, "passed")

    def addFailure(self, test, err) -> None:  # noqa: N802
        super().addFailure(test, err)
        self._emit(test, "failed", self._exc_info_to_string(err, test))

    def addError(self, test, err) -> None:  # noqa: N802
        super().addError(test, err)
        # A class-level error (setUpClass) is reported for a placeholder, not a test case.
        self._emit(test, "error", self._exc_info_to_string(err, test))

    def addSkip(self, test, reason: str) -> None:  # noqa: N802
        super().addSkip(test, reason)
        self._emit(test, "skipped", reason)


def tests(suite: unittest.TestSuite):
    for item in suite:
        if isinstance(item, unittest.TestSuite):
            yield from tests(item)
        else:
            yield item


def main() -> int:
    sys.path.insert(0, str(ROOT))
    suite = unittest.defaultTestLoader.discover(str(ROOT / "tests"), top_level_dir=str(ROOT))
    if "--list" in sys.argv:
        for test in tests(suite):
            print(test.id())
        return 0
    result = JsonResult()
    suite.run(result)
    return 0 if result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
