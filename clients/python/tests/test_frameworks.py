"""The Flask and Django examples of docs/python.md, run with Debian's python3-flask / python3-django."""

from __future__ import annotations

import importlib
import json
import os
import sys
import unittest
from pathlib import Path

from dashwire import ServerAPI

from .server import KEY, URL, api, require_server

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def example(name: str):
    """Imports `examples/<name>.py` (fresh, so the environment it reads is the current one)."""
    if str(EXAMPLES) not in sys.path:
        sys.path.insert(0, str(EXAMPLES))
    sys.modules.pop(name, None)
    return importlib.import_module(name)


def last_sale():
    h = api().history("dashboard:sales", limit=1)
    return h.publications[-1] if h.publications else None


class FlaskExampleTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        require_server()
        try:
            import flask  # noqa: F401
        except ImportError as err:
            raise unittest.SkipTest(f"python3-flask is not installed ({err})")
        os.environ["DASHWIRE_URL"] = URL
        os.environ["DASHWIRE_API_KEY"] = KEY
        cls.module = example("flask_app")

    def test_an_order_is_published_to_the_sales_dashboard(self) -> None:
        res = self.module.app.test_client().post("/orders", json={"id": 7, "total": 19.9})
        self.assertEqual(res.status_code, 201)
        body = res.get_json()
        self.assertEqual((body["saved"], body["live"]), (True, True))
        sale = last_sale()
        self.assertEqual((sale.offset, sale.data, sale.key), (body["offset"], {"order": 7, "total": 19.9}, "last-order"))

    def test_the_order_is_still_saved_when_dashwire_is_down(self) -> None:
        kept = self.module.dashboards
        self.module.dashboards = ServerAPI("http://127.0.0.1:9", KEY, retries=0)
        try:
            res = self.module.app.test_client().post("/orders", json={"id": 8, "total": 5})
        finally:
            self.module.dashboards = kept
        self.assertEqual((res.status_code, res.get_json()), (201, {"saved": True, "live": False}))


class DjangoExampleTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        require_server()
        try:
            import django
            from django.conf import settings
        except ImportError as err:
            raise unittest.SkipTest(f"python3-django is not installed ({err})")
        if not settings.configured:
            settings.configure(
                DASHWIRE_URL=URL,
                DASHWIRE_API_KEY=KEY,
                DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
                INSTALLED_APPS=[],
            )
            django.setup()
        cls.module = example("django_views")

    def test_an_order_is_published_once_committed(self) -> None:
        from django.test import RequestFactory

        before = last_sale()
        request = RequestFactory().post("/orders/", data=json.dumps({"id": 9, "total": 42}), content_type="application/json")
        res = self.module.create_order(request)
        self.assertEqual((res.status_code, json.loads(res.content)), (201, {"saved": True}))
        sale = last_sale()
        self.assertEqual(sale.data, {"order": 9, "total": 42})
        self.assertNotEqual(sale, before)

    def test_a_get_is_refused_and_publishes_nothing(self) -> None:
        from django.test import RequestFactory

        before = last_sale()
        res = self.module.create_order(RequestFactory().get("/orders/"))
        self.assertEqual(res.status_code, 405)
        self.assertEqual(last_sale(), before)
