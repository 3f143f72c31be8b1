#!/usr/bin/env bash
# Brings the whole assistant up: installs what is missing, trains if the data changed, then starts the
# action server (127.0.0.1:5055), the Rasa server (127.0.0.1:5005) and the demo websites with the chat
# widget (http://localhost:8000 and http://localhost:8001). Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/common.sh

scripts/setup.sh
model=$(scripts/train.sh | tail -n 1)

server_env
channel_secret
mkdir -p .run
pids=()
stop() {
  trap - INT TERM EXIT
  printf '\nStopping...\n'
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop INT TERM EXIT

# RASA_PROFILE=production keeps conversations in a private Redis (scripts/redis.sh), as deploy/PRODUCTION.md does.
case "${RASA_PROFILE:-local}" in
  local) endpoints=endpoints.yml; store="in memory" ;;
  production)
    endpoints=deploy/endpoints.production.yml; store="in Redis on 127.0.0.1:${REDIS_PORT:-6379}"
    export REDIS_HOST=127.0.0.1 REDIS_PORT="${REDIS_PORT:-6379}"
    scripts/redis.sh --install
    scripts/redis.sh >.run/redis.log 2>&1 &
    pids+=($!)
    ;;
  *) echo "RASA_PROFILE must be local or production" >&2; exit 1 ;;
esac

say "Starting the action server and the Rasa server"
SANIC_HOST=127.0.0.1 .venv/bin/rasa run actions --actions actions --port 5055 "${logging[@]}" >.run/actions.log 2>&1 &
pids+=($!)
.venv/bin/python -m rasa_server run --model "$model" --interface 127.0.0.1 --port 5005 \
  --credentials credentials.yml --endpoints "$endpoints" "${logging[@]}" >.run/rasa.log 2>&1 &
pids+=($!)
say "Starting the demo websites"
.venv/bin/python -m web.server --site support --port 8000 >.run/web-support.log 2>&1 &
pids+=($!)
.venv/bin/python -m web.server --site partner --port 8001 >.run/web-partner.log 2>&1 &
pids+=($!)
wait_for "Action server" http://127.0.0.1:5055/health 60 ".run/*.log"
wait_for "Rasa server" http://127.0.0.1:5005/ 120 ".run/*.log"
wait_for "Demo support website" http://127.0.0.1:8000/ 30 ".run/*.log"
wait_for "Demo partner website" http://127.0.0.1:8001/ 30 ".run/*.log"

cat <<MSG

Rights Companion is running.
  Support site:  http://localhost:8000/         (the chat widget as the site's own chat; privacy: /privacy)
  Partner site:  http://localhost:8001/         (another origin embedding the widget with one script tag)
  REST channel:  POST http://127.0.0.1:5005/webhooks/rest/webhook  {"sender": "me", "message": "hello"}
  Terminal chat: make shell (in another terminal)
  Logs:          .run/actions.log, .run/rasa.log, .run/web-*.log (they never contain what people type)
  Conversations: $store, redacted, forgotten after the inactivity window in domain.yml
Press Ctrl-C to stop.
MSG
wait -n "${pids[@]}"
