#!/usr/bin/env bash
# Scale-out profile on one machine: Redis, REPLICAS (default 2) Rasa servers each with its own action server, and
# nginx in front with conversation affinity, all on 127.0.0.1. Conversations (redacted, expiring) and locks are
# in Redis (deploy/endpoints.scaled.yml), and so are the website chat's live sessions, so any replica can carry
# on any conversation when another stops. Ctrl-C stops everything.
#   scripts/run_scaled.sh             start it (prints where to talk to it)
#   scripts/run_scaled.sh --install   only install nginx and Redis (Debian packages)
# Settings (environment): REPLICAS=2, SCALED_PORT=8080 (nginx), SCALED_BASE_PORT=5100 (Rasa replica i listens on
# base+i, its action server on base+50+i), REDIS_PORT=6379, SCALED_DIR=.run/scaled (config, logs, pid files).
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/common.sh

if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
  apt_install nginx
fi
scripts/redis.sh --install
if [ "${1:-}" = "--install" ]; then exit 0; fi
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)

replicas=${REPLICAS:-2}
port=${SCALED_PORT:-8080}
base=${SCALED_BASE_PORT:-5100}
export REDIS_PORT=${REDIS_PORT:-6379} REDIS_HOST=127.0.0.1
dir=$(mkdir -p "${SCALED_DIR:-.run/scaled}" && cd "${SCALED_DIR:-.run/scaled}" && pwd)
mkdir -p "$dir/tmp"

scripts/setup.sh
model=$(scripts/train.sh | tail -n 1)

# As scripts/run.sh: no telemetry, logs without what people type, one signing secret shared by every replica.
server_env
channel_secret
export SANIC_PROXIES_COUNT=1  # exactly one proxy (nginx) in front: the client address comes from X-Forwarded-For
export RC_SESSIONS_REDIS_URL="redis://127.0.0.1:$REDIS_PORT/2"

pids=()
stop() {
  trap - INT TERM EXIT
  printf '\nStopping...\n'
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -f "$dir"/*.pid
}
trap stop INT TERM EXIT

say "Starting Redis on 127.0.0.1:$REDIS_PORT"
scripts/redis.sh >"$dir/redis.log" 2>&1 &
pids+=($!)
echo $! >"$dir/redis.pid"

say "Starting $replicas Rasa servers, each with its own action server"
servers=""
for i in $(seq 1 "$replicas"); do
  rasa_port=$((base + i)) action_port=$((base + 50 + i))
  SANIC_HOST=127.0.0.1 .venv/bin/rasa run actions --actions actions --port "$action_port" "${logging[@]}" \
    >"$dir/actions-$i.log" 2>&1 &
  pids+=($!)
  echo $! >"$dir/actions-$i.pid"
  ACTION_ENDPOINT_URL="http://127.0.0.1:$action_port/webhook" .venv/bin/python -m rasa_server run --model "$model" \
    --interface 127.0.0.1 --port "$rasa_port" --credentials credentials.yml --endpoints deploy/endpoints.scaled.yml \
    "${logging[@]}" >"$dir/rasa-$i.log" 2>&1 &
  pids+=($!)
  echo $! >"$dir/rasa-$i.pid"
  servers+="server 127.0.0.1:$rasa_port max_fails=1 fail_timeout=10s; "
done

replica_header='add_header X-RC-Replica $upstream_addr always;'  # which replica answered (tests, watching balance)
sed -e "s|@DIR@|$dir|g" -e "s|@LISTEN@|127.0.0.1:$port|" -e "s|@SERVERS@|$servers|" \
  -e "s|@REPLICA_HEADER@|$replica_header|" deploy/nginx.scaled.conf.template >"$dir/nginx.conf"
"$nginx_bin" -t -q -p "$dir" -c "$dir/nginx.conf"
say "Starting nginx on 127.0.0.1:$port"
"$nginx_bin" -p "$dir" -c "$dir/nginx.conf" -g 'daemon off;' >"$dir/nginx.log" 2>&1 &
pids+=($!)
essential=("${pids[0]}" $!)  # Redis and nginx: a replica may stop, and nginx sends its conversations elsewhere

for i in $(seq 1 "$replicas"); do
  wait_for "Action server $i" "http://127.0.0.1:$((base + 50 + i))/health" 90 "$dir/*.log"
  wait_for "Rasa server $i" "http://127.0.0.1:$((base + i))/" 180 "$dir/*.log"
done
wait_for "nginx" "http://127.0.0.1:$port/" 30 "$dir/*.log"

cat <<MSG

Rights Companion is running with $replicas replicas behind nginx (everything on 127.0.0.1).
  Website channel: http://127.0.0.1:$port/webhooks/website/   (a chat stays on one replica: hash of its session)
  REST channel:    POST http://127.0.0.1:$port/webhooks/rest/webhook  {"sender": "me", "message": "hello"}
  Replicas:        Rasa on ports $((base + 1))-$((base + replicas)), action servers on $((base + 51))-$((base + 50 + replicas))
  Shared state:    Redis 127.0.0.1:$REDIS_PORT (conversations db 0, locks db 1, website sessions db 2; all expire)
  Logs and pids:   $dir
Press Ctrl-C to stop.
MSG
wait -n "${essential[@]}"
