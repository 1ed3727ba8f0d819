#!/usr/bin/env bash
# `npm start`: the README's first command. Sets up (npm deps, TypeScript build), builds the web UI
# when it is missing or older than its sources, then starts dashwire with the demo feed.
# Extra arguments go to `dashwire start`, e.g. `npm start -- --port 9000`.
set -euo pipefail
cd "$(dirname "$0")/.."

# --help prints at once: no install, no build, when the CLI is built already.
for arg in "$@"; do
  case "$arg" in
    -h | --help)
      [ -f apps/dashboard/dist/cli/main.js ] || bash scripts/setup.sh
      exec node apps/dashboard/bin/dashwire.js start --help
      ;;
  esac
done

bash scripts/setup.sh

ui_index=apps/dashboard/dist-ui/index.html
# The UI bundle is built from its own sources plus the client SDK and protocol sources.
ui_sources=(apps/dashboard/ui packages/client/src packages/protocol/src apps/dashboard/package.json)
if [ ! -f "$ui_index" ] || [ -n "$(find "${ui_sources[@]}" -newer "$ui_index" -type f -print -quit 2>/dev/null)" ]; then
  echo "start: building the web UI" >&2
  npm run build -w @dashwire/dashboard --silent >&2
fi

exec node apps/dashboard/bin/dashwire.js start --demo "$@"
