#!/usr/bin/env bash
# Training length against robustness (issue 9): the pick's run as it was committed after 11 (eta 0.3,
# eta 0.3), 16, 21, 27, 46 and 60 epochs, restored from git history into workdirs/length/ and scored on
# validation by evaluate.noise_study with the noise study's rule (RESULTS.md, training length).
# Usage: bash scripts/length_study.sh [OUT]   (default results/fashion_mnist/training_length)
source "$(dirname "$0")/setup.sh"
OUT="${1:-results/fashion_mnist/training_length}"
rm -rf workdirs/length
for pair in 7e04140:16 435b6b9:21 0c06dea:27 ccc496a:46 1c0d1f9:60; do
  commit=${pair%%:*}; d=workdirs/length/epochs_${pair##*:}; mkdir -p "$d"
  for f in encoder.keras decoder.keras config.json history.csv; do
    git show "$commit:study/fashion_mnist/aegan_eta1.0/$f" > "$d/$f"
  done
done
mkdir -p workdirs/length/epochs_11
for f in encoder.keras decoder.keras config.json; do git show "9913359:weights/fashion_mnist/aegan/$f" > "workdirs/length/epochs_11/$f"; done
.venv/bin/python -m evaluate.noise_study --root workdirs/length --search-step-size 1 --out "$OUT"
