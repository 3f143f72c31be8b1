#!/usr/bin/env bash
# Compares candidate NLU pipelines (scripts/pipelines/*.yml) by 3-fold cross-validation on our training data
# and on the independent held-out set, and writes results/pipeline_choice.md. Slow (DIET): run by hand,
# not in `make test`:  scripts/compare_pipelines.sh [name ...]
# With names, only those candidates run and their rows are added to the existing table.
set -euo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false RASA_MAX_CACHE_SIZE=0 PYTHONWARNINGS=ignore
scripts/setup.sh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
out=results/pipeline_choice.md
if [ $# -gt 0 ]; then
  configs=()
  for name in "$@"; do configs+=("scripts/pipelines/$name.yml"); done
else
  configs=(scripts/pipelines/*.yml)
fi
[ $# -gt 0 ] && [ -f "$out" ] || {
  echo "# NLU pipeline choice"
  echo
  echo "3-fold cross-validation on data/nlu and a model trained on all of data/nlu scored on tests/nlu/holdout.yml."
  echo "Written by scripts/compare_pipelines.sh on $(date -u +%Y-%m-%d); 2 CPU cores."
  echo
  echo "| pipeline | CV macro-F1 | CV accuracy | held-out macro-F1 | held-out accuracy | NLU training time |"
  echo "|---|---|---|---|---|---|"
} > "$out"
for config in "${configs[@]}"; do
  name=$(basename "$config" .yml)
  echo "==> $name" >&2
  .venv/bin/rasa test nlu --nlu data/nlu --config "$config" --cross-validation --folds 3 --out "$work/$name-cv" >/dev/null 2>&1
  start=$(date +%s)
  .venv/bin/rasa train nlu --nlu data/nlu --config "$config" --out "$work" --fixed-model-name "$name" >/dev/null 2>&1
  seconds=$(( $(date +%s) - start ))
  .venv/bin/rasa test nlu --nlu tests/nlu/holdout.yml --model "$work/$name.tar.gz" --out "$work/$name-holdout" >/dev/null 2>&1
  .venv/bin/python - "$work" "$name" "$seconds" >> "$out" <<'PY'
import json, sys
work, name, seconds = sys.argv[1:]
cv = json.load(open(f"{work}/{name}-cv/intent_report.json"))
held = json.load(open(f"{work}/{name}-holdout/intent_report.json"))
print(f"| {name} | {cv['macro avg']['f1-score']:.3f} | {cv['accuracy']:.3f} | "
      f"{held['macro avg']['f1-score']:.3f} | {held['accuracy']:.3f} | {seconds} s |")
PY
done
cat "$out"
