#!/usr/bin/env bash
# Stage what a fresh clone needs to continue or score the given runs: networks (discriminators and
# critics included), config.json, history.csv, epoch_seconds.csv, metrics.json and figures; never backup/ or TensorBoard
# logs (.gitignore keeps those local). Run it when a run stops, for the runs named (a run is a folder
# under study/), so a fresh clone resumes each from its last epoch.
# Usage: bash scripts/commit_runs.sh study/fashion_mnist/aegan_eta1.0 study/baselines/fashion_mnist/* && git commit -m "..."
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -eq 0 ]; then
  echo "usage: bash scripts/commit_runs.sh RUN_FOLDER..." >&2; exit 2
fi
for run in "$@"; do
  [ -f "$run/config.json" ] || { echo "skipping $run: no config.json (not a run folder)" >&2; continue; }
  find "$run" -maxdepth 1 -type f \( -name '*.keras' ! -name '.*' -o -name 'config.json' -o -name 'history.csv' -o -name 'epoch_seconds.csv' \
    -o -name 'metrics.json' -o -name '*.png' \) -print0 | xargs -0 --no-run-if-empty git add -f
done
git status --short -- "$@" | head -40
