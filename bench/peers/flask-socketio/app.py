"""The all-to-all dashboard peer on Flask-SocketIO with eventlet, as its docs show it:
join_room on connect, emit to the room on every update.

Run: /usr/bin/python3 app.py <port> [host]
With DASHPEER_MESSAGE_QUEUE=redis://... it is one node of several, joined by Redis as its docs
show it (`message_queue`); DASHPEER_CHANNEL keeps runs apart.
"""

import eventlet

eventlet.monkey_patch()

import os  # noqa: E402
import sys  # noqa: E402

from flask import Flask  # noqa: E402
from flask_socketio import SocketIO, emit, join_room  # noqa: E402

ROOM = "dashboard"

app = Flask(__name__)
queue = os.environ.get("DASHPEER_MESSAGE_QUEUE")
scale_out = {"message_queue": queue, "channel": os.environ.get("DASHPEER_CHANNEL", "flask-socketio")} if queue else {}
socketio = SocketIO(app, async_mode="eventlet", cors_allowed_origins="*", **scale_out)


@socketio.on("connect")
def on_connect():
    join_room(ROOM)


@socketio.on("update")
def on_update(data):
    emit("update", data, to=ROOM)


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    host = sys.argv[2] if len(sys.argv) > 2 else "127.0.0.1"
    print(f"flask-socketio peer listening on {host}:{port}", flush=True)
    socketio.run(app, host=host, port=port, log_output=False)
