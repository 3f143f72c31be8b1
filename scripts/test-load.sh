#!/usr/bin/env bash
# Load and fault tests (tests/load): 50 website chats at once for 2 minutes, the action server killed and hung
# mid-conversation, Redis restarted under the production profile. They start their own real processes and write
# results/load.json and results/faults.json (an explicit command, so it updates the tracked numbers). Extra arguments go to pytest, e.g. scripts/test-load.sh -k redis
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
scripts/setup.sh --dev
scripts/train.sh >/dev/null
scripts/redis.sh --install  # the Redis fault test starts and restarts a private Redis
export RASA_TELEMETRY_ENABLED=false
mkdir -p results tests/artifacts
export RC_RESULTS_DIR="$PWD/results"
.venv/bin/python -m pytest -m load tests/load -s "$@"
echo "make test-load took $(( $(date +%s) - start )) s"
