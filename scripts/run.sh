#!/usr/bin/env bash
# Brings the whole assistant up: installs what is missing, trains if the data changed, then starts the
# action server (127.0.0.1:5055), the Rasa server (127.0.0.1:5005) and the demo websites with the chat
# widget (http://localhost:8000 and http://localhost:8001). Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
model=$(scripts/train.sh | tail -n 1)

export RASA_TELEMETRY_ENABLED=false
# Logs never hold what people type: INFO at most, structured lines as JSON, and deploy/logging.yml's filter
# (Rasa reads that file before it adds the project to the import path, hence PYTHONPATH).
export LOG_LEVEL=INFO FORCE_JSON_LOGGING=1 PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
logging=(--logging-config-file deploy/logging.yml)
mkdir -p .run

# The website channel signs its session tokens with this secret; it is made once and never committed.
if [ -z "${RC_CHANNEL_SECRET:-}" ]; then
  if [ ! -s .secrets/channel_secret ]; then
    mkdir -p .secrets && chmod 700 .secrets
    (umask 077 && .venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(48))' > .secrets/channel_secret)
    echo "Created .secrets/channel_secret (the website chat's signing secret)"
  fi
  RC_CHANNEL_SECRET=$(cat .secrets/channel_secret)
  export RC_CHANNEL_SECRET
fi
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

wait_for() {  # wait_for <name> <url> <seconds>
  local deadline=$(( $(date +%s) + $3 ))
  until curl -sf -o /dev/null "$2"; do
    if [ "$(date +%s)" -gt "$deadline" ]; then echo "$1 did not start; see .run/*.log" >&2; exit 1; fi
    sleep 1
  done
  echo "$1 is up"
}

printf '\033[1m==> Starting the action server and the Rasa server\033[0m\n'
SANIC_HOST=127.0.0.1 .venv/bin/rasa run actions --actions actions --port 5055 "${logging[@]}" >.run/actions.log 2>&1 &
pids+=($!)
.venv/bin/rasa run --model "$model" --interface 127.0.0.1 --port 5005 \
  --credentials credentials.yml --endpoints "$endpoints" "${logging[@]}" >.run/rasa.log 2>&1 &
pids+=($!)
printf '\033[1m==> Starting the demo websites\033[0m\n'
.venv/bin/python -m web.server --site support --port 8000 >.run/web-support.log 2>&1 &
pids+=($!)
.venv/bin/python -m web.server --site partner --port 8001 >.run/web-partner.log 2>&1 &
pids+=($!)
wait_for "Action server" http://127.0.0.1:5055/health 60
wait_for "Rasa server" http://127.0.0.1:5005/ 120
wait_for "Demo support website" http://127.0.0.1:8000/ 30
wait_for "Demo partner website" http://127.0.0.1:8001/ 30

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
