#!/usr/bin/env bash
# Redis for the production profile and the tests. Installs Debian's redis-server if it is missing, then runs
# it in the foreground with deploy/redis.conf: loopback only, nothing written to disk.
#   scripts/redis.sh             run it on 127.0.0.1:$REDIS_PORT (default 6379); Ctrl-C stops it
#   scripts/redis.sh --install   only install it
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v redis-server >/dev/null 2>&1; then
  printf '\033[1m==> Installing redis-server (Debian package)\033[0m\n' >&2
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -qq >&2
  $sudo apt-get install -y -qq redis-server >&2
fi
if [ "${1:-}" = "--install" ]; then exit 0; fi
exec redis-server deploy/redis.conf --port "${REDIS_PORT:-6379}"
