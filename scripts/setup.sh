#!/usr/bin/env bash
# Makes .venv with Python 3.10 (Rasa 3.6 needs 3.8-3.10), installs pinned requirements when they change,
# builds the blank spaCy pipeline and puts the sentence encoder's model files in models/encoder.
# Safe to run again: it only does what is missing.
#   scripts/setup.sh          runtime only
#   scripts/setup.sh --dev    runtime plus test tools
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/common.sh

find_python() {
  local candidate
  for candidate in "${PYTHON:-}" python3.10 "$(command -v pyenv >/dev/null 2>&1 && pyenv root)"/versions/3.10.*/bin/python3.10; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' 2>/dev/null; then
      command -v "$candidate"
      return 0
    fi
  done
  return 1
}

if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' 2>/dev/null; then
  if ! python=$(find_python); then
    cat >&2 <<'MSG'
Python 3.10 was not found. Rasa Open Source 3.6 runs on Python 3.8-3.10 only.
Install Python 3.10 (for example `pyenv install 3.10` or your system's python3.10 package),
or point to it with PYTHON=/path/to/python3.10, then run this again.
MSG
    exit 1
  fi
  say "Creating .venv with $python"
  rm -rf .venv
  "$python" -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check 'pip==24.0' 'setuptools==70.3.0' 'wheel==0.45.1'
fi

install() {  # install <stamp-name> <requirements files...>: only when the files changed
  local stamp=".venv/.installed-$1"; shift
  local want; want=$(cat "$@" constraints.txt | sha256sum | cut -c1-16)
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    say "Installing $* (pinned; the first time takes a few minutes)"
    local args=(); for f in "$@"; do args+=(-r "$f"); done
    .venv/bin/pip install --disable-pip-version-check -c constraints.txt "${args[@]}" | grep -v "^Requirement already satisfied" || true
    echo "$want" > "$stamp"
  fi
}
install runtime requirements.txt
if [ "${1:-}" = "--dev" ]; then
  install dev requirements.txt requirements-dev.txt
fi

if [ ! -f models/encoder/all-MiniLM-L6-v2/model.safetensors ]; then
  say "Fetching the sentence encoder's model files (91 MB, pinned and hash-checked)"
fi
.venv/bin/python -m rasa_server.nlu.sentence_encoder >/dev/null  # checks the files, fetches them only if missing

if [ ! -f models/spacy/en_rights_companion/meta.json ]; then
  say "Building the blank English spaCy pipeline (no download)"
  .venv/bin/python -m rasa_server.nlu.spacy_pipeline
fi
