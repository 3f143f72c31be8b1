#!/usr/bin/env bash
# Trains the model only when what it is built from has changed (config, domain, training data,
# gazetteers, crisis patterns, our NLU components). The model is named after a hash of those inputs.
# Prints the model path on the last line.
set -euo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false
# Our components read data files at training time, which Rasa's own cache cannot see, so the cache is off
# and this script decides when to train.
export RASA_MAX_CACHE_SIZE=0
export PYTHONWARNINGS=ignore  # library deprecation noise, not ours

inputs=(config.yml domain.yml data/nlu data/rules data/gazetteers data/safety constraints.txt rasa_server/nlu
  requirements-encoder.txt)
hash=$(find "${inputs[@]}" -type f \( -name '*.yml' -o -name '*.py' -o -name '*.txt' \) -print0 | sort -z \
  | xargs -0 sha256sum | sha256sum | cut -c1-12)
model="models/rights-companion-$hash.tar.gz"

if [ -f "$model" ]; then
  echo "Model is up to date: $model" >&2
else
  printf '\033[1m==> Training the model (about 2-3 minutes on 2 cores)\033[0m\n' >&2
  start=$(date +%s)
  .venv/bin/rasa train --fixed-model-name "rights-companion-$hash" --out models >&2
  echo "Trained in $(( $(date +%s) - start )) s: $model" >&2
  find models -maxdepth 1 -name 'rights-companion-*.tar.gz' ! -name "$(basename "$model")" -delete
fi
echo "$model"
