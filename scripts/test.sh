#!/usr/bin/env bash
# Runs every test: installs test tools, trains if needed, then pytest (which starts real servers).
# Extra arguments go to pytest, e.g. scripts/test.sh -k crisis
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
scripts/setup.sh --dev
scripts/train.sh >/dev/null
export RASA_TELEMETRY_ENABLED=false
.venv/bin/ruff check .
.venv/bin/ruff format --check .
mkdir -p results tests/artifacts
.venv/bin/python -m pytest "$@"
echo "make test took $(( $(date +%s) - start )) s"
