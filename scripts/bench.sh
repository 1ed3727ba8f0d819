#!/usr/bin/env bash
# `npm run bench -- <scenario> [options]`: sets itself up on a fresh machine (npm dependencies,
# TypeScript build, the peers' Debian packages), then runs the benchmark CLI.
# See bench/README.md or `npm run bench -- --help`.
set -euo pipefail
cd "$(dirname "$0")/.."

# --help prints at once: no install, no build (the CLI prints the same file).
for arg in "$@"; do
  case "$arg" in
    -h | --help)
      cat bench/usage.txt
      exit 0
      ;;
  esac
done

storage=0
ui=0
for arg in "$@"; do
  case "$arg" in
    ingest | ingest-*) storage=1 ;;
    ui) ui=1 ;;
  esac
done

if [ "$ui" = 1 ]; then
  # The dashboard in Debian's chromium: no peers; the UI built from this checkout.
  bash scripts/setup.sh --browser
  npm run build -w @dashwire/dashboard >/dev/null
elif [ "$storage" = 1 ]; then
  # The storage scenarios draw no chart and run no Python peer: wrk and InfluxDB from Debian.
  bash scripts/setup.sh
  bash bench/peers/install-ingest.sh || echo "bench: wrk/influxdb unavailable; the targets that need them will be skipped" >&2
else
  # --browser: Debian's chromium renders the PNG chart.
  bash scripts/setup.sh --browser
  # Peers (Django Channels, Flask-SocketIO) from Debian; a failure only skips the Python targets.
  bash bench/peers/install.sh || echo "bench: Python peers unavailable; their targets will be skipped" >&2
fi
exec node bench/dist/cli.js "$@"
