#!/usr/bin/env bash
# Redis for the production profile and the tests. Installs Debian's redis-server if it is missing, then runs
# it in the foreground with deploy/redis.conf: loopback only, nothing written to disk.
#   scripts/redis.sh             run it on 127.0.0.1:$REDIS_PORT (default 6379); Ctrl-C stops it
#   scripts/redis.sh --install   only install it
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/common.sh

command -v redis-server >/dev/null 2>&1 || apt_install redis-server
if [ "${1:-}" = "--install" ]; then exit 0; fi
exec redis-server deploy/redis.conf --port "${REDIS_PORT:-6379}"
