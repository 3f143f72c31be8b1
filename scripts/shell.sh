#!/usr/bin/env bash
# Chat with the assistant in the terminal: trains if needed and starts an action server for the session.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/common.sh
model=$(scripts/train.sh | tail -n 1)
server_env
mkdir -p .run
SANIC_HOST=127.0.0.1 .venv/bin/rasa run actions --actions actions --port 5055 "${logging[@]}" >.run/actions-shell.log 2>&1 &
actions=$!
trap 'kill $actions 2>/dev/null || true' EXIT
wait_for "Action server" http://127.0.0.1:5055/health 90 .run/actions-shell.log >/dev/null
.venv/bin/python -m rasa_server shell --model "$model" --endpoints endpoints.yml --interface 127.0.0.1 "${logging[@]}"
