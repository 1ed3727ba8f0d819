"""A Flask app that publishes to dashboards: every order it takes shows up live.

Run: DASHWIRE_URL=http://127.0.0.1:3000 DASHWIRE_API_KEY=... flask --app flask_app run
"""

import os

from flask import Flask, jsonify, request

from dashwire import DashwireError, ServerAPI

app = Flask(__name__)
dashboards = ServerAPI(os.environ.get("DASHWIRE_URL", "http://127.0.0.1:3000"), os.environ["DASHWIRE_API_KEY"])


@app.post("/orders")
def create_order():
    order = request.get_json()
    # ... save the order first: the dashboard shows what was kept ...
    try:
        pos = dashboards.publish("dashboard:sales", {"order": order["id"], "total": order["total"]}, key="last-order")
    except DashwireError as err:
        # The order is saved; only the live view missed it. Dashboards reload on their next visit.
        app.logger.warning("dashboards not updated: %s", err)
        return jsonify(saved=True, live=False), 201
    return jsonify(saved=True, live=True, offset=pos.offset), 201
