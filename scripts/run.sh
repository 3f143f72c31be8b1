#!/usr/bin/env bash
# Brings the whole assistant up: installs what is missing, trains if the data changed, then starts the
# action server (127.0.0.1:5055) and the Rasa server (127.0.0.1:5005). Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
model=$(scripts/train.sh | tail -n 1)

export RASA_TELEMETRY_ENABLED=false
mkdir -p .run
pids=()
stop() {
  trap - INT TERM EXIT
  printf '\nStopping...\n'
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop INT TERM EXIT

wait_for() {  # wait_for <name> <url> <seconds>
  local deadline=$(( $(date +%s) + $3 ))
  until curl -sf -o /dev/null "$2"; do
    if [ "$(date +%s)" -gt "$deadline" ]; then echo "$1 did not start; see .run/*.log" >&2; exit 1; fi
    sleep 1
  done
  echo "$1 is up"
}

printf '\033[1m==> Starting the action server and the Rasa server\033[0m\n'
SANIC_HOST=127.0.0.1 .venv/bin/rasa run actions --actions actions --port 5055 >.run/actions.log 2>&1 &
pids+=($!)
.venv/bin/rasa run --model "$model" --interface 127.0.0.1 --port 5005 \
  --credentials credentials.yml --endpoints endpoints.yml >.run/rasa.log 2>&1 &
pids+=($!)
wait_for "Action server" http://127.0.0.1:5055/health 60
wait_for "Rasa server" http://127.0.0.1:5005/ 120

cat <<MSG

Rights Companion is running.
  REST channel:  POST http://127.0.0.1:5005/webhooks/rest/webhook  {"sender": "me", "message": "hello"}
  Terminal chat: make shell (in another terminal)
  Logs:          .run/actions.log, .run/rasa.log (they never contain what people type)
Press Ctrl-C to stop.
MSG
wait -n "${pids[@]}"
