#!/usr/bin/env bash
# `npm run example:<name> [-- --port N]`: sets itself up, then runs one example
# (examples/src/run.ts). `--help` prints the usage at once when the examples are built.
set -euo pipefail
cd "$(dirname "$0")/.."

for arg in "$@"; do
  case "$arg" in
    -h | --help)
      [ -f examples/dist/run.js ] || bash scripts/setup.sh
      exec node examples/dist/run.js --help
      ;;
  esac
done
bash scripts/setup.sh
exec node examples/dist/run.js "$@"
