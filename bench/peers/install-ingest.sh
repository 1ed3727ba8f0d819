#!/usr/bin/env bash
# Installs what the storage scenarios (ingest, ingest-restart, ingest-query) need, idempotently,
# from Debian: `wrk` (the load generator the peer figures were taken with) and `influxdb` (1.6,
# the peer). The harness runs its own private `influxd` on free ports; it never uses the system
# service (where systemd runs, the package may start one on :8086; it is left alone).
# `apt-get update` runs only when a package is missing and the first install attempt fails.
set -euo pipefail

debs=(wrk influxdb)

missing=()
for p in "${debs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ "${#missing[@]}" -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ]; then
  echo "ingest: missing ${missing[*]} and not root; run: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
echo "ingest: installing ${missing[*]} from Debian" >&2
export DEBIAN_FRONTEND=noninteractive
# Wait for another apt (a parallel setup) rather than fail on its lock.
apt_install() { apt-get install -y -qq -o DPkg::Lock::Timeout=120 "${missing[@]}" >&2; }
if ! apt_install; then
  apt-get update -qq -o DPkg::Lock::Timeout=120 >&2
  apt_install
fi
