#!/usr/bin/env bash
# `npm run bench -- <scenario> [options]`: sets itself up on a fresh machine (npm dependencies,
# TypeScript build, the peers' Debian packages), then runs the benchmark CLI.
# See bench/README.md or `npm run bench -- --help`.
set -euo pipefail
cd "$(dirname "$0")/.."

# --browser: Debian's chromium renders the PNG chart.
bash scripts/setup.sh --browser
# Peers (Django Channels, Flask-SocketIO) from Debian; a failure only skips the Python targets.
bash bench/peers/install.sh || echo "bench: Python peers unavailable; their targets will be skipped" >&2
exec node bench/dist/cli.js "$@"
