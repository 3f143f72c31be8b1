#!/usr/bin/env bash
# Chat with the assistant in the terminal: trains if needed and starts an action server for the session.
set -euo pipefail
cd "$(dirname "$0")/.."
model=$(scripts/train.sh | tail -n 1)
export RASA_TELEMETRY_ENABLED=false
# As in scripts/run.sh: logs never hold what people type.
export LOG_LEVEL=INFO FORCE_JSON_LOGGING=1 PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
logging=(--logging-config-file deploy/logging.yml)
mkdir -p .run
SANIC_HOST=127.0.0.1 .venv/bin/rasa run actions --actions actions --port 5055 "${logging[@]}" >.run/actions-shell.log 2>&1 &
actions=$!
trap 'kill $actions 2>/dev/null || true' EXIT
until curl -sf -o /dev/null http://127.0.0.1:5055/health; do sleep 1; done
.venv/bin/rasa shell --model "$model" --endpoints endpoints.yml --interface 127.0.0.1 "${logging[@]}"
