#!/usr/bin/env bash
# Installs what dashwire needs on a fresh machine, idempotently: npm dependencies, a build of
# the TypeScript packages, and (with --browser) Debian's chromium for the browser tests and
# (with --browser or --nginx) Debian's nginx for the load-balancer test, (with --python)
# Debian's python3-websockets, python3-flask and python3-django for the Python client's tests,
# (with --prometheus) Debian's prometheus and prometheus-node-exporter for the remote write and
# promtool tests, and (with --browser) Debian's postgresql programs for the store tests.
set -euo pipefail
cd "$(dirname "$0")/.."

want_browser=0
want_nginx=0
want_python=0
want_prometheus=0
for arg in "$@"; do
  [ "$arg" = "--browser" ] && want_browser=1 && want_nginx=1
  [ "$arg" = "--nginx" ] && want_nginx=1
  [ "$arg" = "--python" ] && want_python=1
  [ "$arg" = "--prometheus" ] && want_prometheus=1
done

# npm dependencies: reinstall when node_modules is missing or older than the lock file.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm dependencies" >&2
  # `npm install`, not `npm ci`: the registry here lacks some optional platform packages (e.g.
  # Biome's non-Linux binaries), so their lock entries cannot exist and `npm ci` refuses the lock.
  npm install --no-audit --no-fund --loglevel=error >&2
fi

if [ "$want_browser" = 1 ] && ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    echo "setup: installing chromium from Debian (browser tests)" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >&2 || echo "setup: chromium install failed; browser tests will be skipped" >&2
  else
    echo "setup: chromium missing and not root; browser tests will be skipped" >&2
  fi
fi

if [ "$want_nginx" = 1 ] && ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "setup: installing nginx from Debian (load-balancer test)" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx) >&2 || echo "setup: nginx install failed; the nginx test will be skipped" >&2
  else
    echo "setup: nginx missing and not root; the nginx test will be skipped" >&2
  fi
fi

# The Python client runs on Debian's python3 (/usr/bin/python3; a pyenv python3 on PATH does not
# see Debian's packages): the subscriber needs websockets, the docs' examples Flask and Django.
if [ "$want_python" = 1 ] && [ -x /usr/bin/python3 ] &&
  ! /usr/bin/python3 -c 'import websockets, flask, django' >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    echo "setup: installing python3-websockets, python3-flask, python3-django from Debian (Python client tests)" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-websockets python3-flask python3-django) >&2 ||
      echo "setup: Python packages install failed; the Python tests that need them will be skipped" >&2
  else
    echo "setup: python3-websockets/flask/django missing and not root; the Python tests that need them will be skipped" >&2
  fi
fi

if [ "$want_prometheus" = 1 ] && { [ ! -x /usr/bin/prometheus ] || [ ! -x /usr/bin/prometheus-node-exporter ]; }; then
  if [ "$(id -u)" = 0 ]; then
    echo "setup: installing prometheus and prometheus-node-exporter from Debian (remote write tests)" >&2
    # The tests start both themselves on free ports: keep the packages' services from starting.
    own_policy=0
    if [ ! -e /usr/sbin/policy-rc.d ]; then
      printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && own_policy=1
    fi
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq prometheus prometheus-node-exporter) >&2 ||
      echo "setup: prometheus install failed; the remote write and promtool tests will be skipped" >&2
    if [ "$own_policy" = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi
  else
    echo "setup: prometheus missing and not root; the remote write and promtool tests will be skipped" >&2
  fi
fi

# PostgreSQL programs for the store tests (they use a running server, or start a private one
# from these in a temp dir; the package's own service is kept from starting).
if [ "$want_browser" = 1 ] && ! command -v initdb >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    echo "setup: installing postgresql from Debian (store tests)" >&2
    own_policy=0
    if [ ! -e /usr/sbin/policy-rc.d ]; then
      printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && own_policy=1
    fi
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql) >&2 ||
      echo "setup: postgresql install failed; the PostgreSQL store tests will be skipped" >&2
    if [ "$own_policy" = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi
  else
    echo "setup: postgresql missing and not root; the PostgreSQL store tests will be skipped" >&2
  fi
fi

# Build the packages (incremental: fast when nothing changed).
npx tsc -b >&2
