#!/usr/bin/env bash
# Issue 9's remaining noise-study settings scored beside the study's first three, exactly as the study's
# scored those (1000 validation images, FGSM eps 0.3 on A's predictions, search L = 15 step 10):
# Algorithm 1's literal fixed sigma (aegan_eta0.5_fixed), Eq. 5 as a per-pixel mean
# (aegan_eta1.0_mean), the pick's setting trained in mixed_bfloat16 (aegan_eta1.0_bf16) and eta 1.25
# (where the study's trend crosses the clean floor), each 5 epochs from the 11-epoch eta 0.3 network like the
# others (trained by the commands in study/fashion_mnist/README.md). The pick's folder now holds its 60-epoch state, so
# its 5-epoch state is restored from git (7e04140).
# Usage: bash scripts/noise_variants.sh [OUT]   (default results/fashion_mnist/noise_variants)
source "$(dirname "$0")/setup.sh"
OUT="${1:-results/fashion_mnist/noise_variants}"
R=workdirs/noise_variants
rm -rf "$R" && mkdir -p "$R/aegan_eta1.0"
for f in encoder.keras decoder.keras config.json history.csv; do
  git show "7e04140:study/fashion_mnist/aegan_eta1.0/$f" > "$R/aegan_eta1.0/$f"
done
# eta 0.3 and 2.0 are not re-scored: their networks were never committed (the machine that trained them took
# them); their rows, scored the same way, are in results/noise_study.
for run in aegan_eta0.5_fixed aegan_eta1.0_mean aegan_eta1.0_bf16 aegan_eta1.25; do
  if [ -f "study/fashion_mnist/$run/encoder.keras" ]; then cp -r "study/fashion_mnist/$run" "$R/"; rm -rf "$R/$run/backup" "$R/$run/tensorboard"
  else echo "noise_variants: $run not trained yet, left out" >&2; fi
done
.venv/bin/python -m evaluate.noise_study --root "$R" --search-step-size 10 --out "$OUT"
