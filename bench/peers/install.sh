#!/usr/bin/env bash
# Installs what the peer reference apps need, idempotently:
# - Python peers (Django Channels + daphne + channels_redis, Flask-SocketIO + eventlet) from
#   Debian's packages; they run with /usr/bin/python3 (a pyenv python3 may come first on PATH
#   and does not see Debian's dist-packages).
# - Node peers (socket.io, ws) come from the bench workspace's npm dependencies (setup.sh).
# `apt-get update` runs at most once, and only when a package is missing.
set -euo pipefail

debs=(python3-django-channels python3-daphne python3-channels-redis python3-flask-socketio python3-eventlet)

missing=()
for p in "${debs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "peers: missing ${missing[*]} and not root; Python peers will be unavailable" >&2
    exit 1
  fi
  echo "peers: installing ${missing[*]} from Debian" >&2
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -qq "${missing[@]}" >&2; then
    apt-get update -qq >&2
    apt-get install -y -qq "${missing[@]}" >&2
  fi
fi

# Check that the interpreter the peers run with can import them.
/usr/bin/python3 -c 'import channels, daphne, channels_redis, flask_socketio, eventlet' >&2
