#!/usr/bin/env bash
# Issue 9's Table 3 on Fashion-MNIST: AE, AE-GAN and AE-GAN+r trained from scratch for the same
# number of epochs (one training at a time: 2 cores) into study/ablation/fashion_mnist/<name>/, then
# scored by `python -m evaluate.ablation` on the 2000-image dev set. AE-GAN+r uses the noise study's
# pick (eta 1.0). Each run resumes (from backup/, or on a fresh clone from its committed networks:
# `bash scripts/commit_runs.sh study/ablation/fashion_mnist/*`); re-running skips finished runs.
# Usage: [EPOCHS=5] [OUT=results/ablation] bash scripts/ablation.sh [train|evaluate]...
source "$(dirname "$0")/setup.sh"
EPOCHS="${EPOCHS:-5}"
OUT="${OUT:-results/ablation}"
W=study/ablation/fashion_mnist
STEPS=("${@:-train evaluate}")
COMMON=(--dataset fashion_mnist --workdir "$W" --epochs "$EPOCHS" --verbose 2)
for step in ${STEPS[@]}; do
  case "$step" in
    train)
      echo "== $(date -u +%FT%TZ) ae_nonoise ($EPOCHS epochs)" >&2
      .venv/bin/python -m train.aegan "${COMMON[@]}" --no-adversarial --no-noise --name ae_nonoise
      echo "== $(date -u +%FT%TZ) aegan_r (eta 1.0, $EPOCHS epochs)" >&2
      .venv/bin/python -m train.aegan "${COMMON[@]}" --noise-eta 1.0 --name aegan_r
      echo "== $(date -u +%FT%TZ) aegan_nonoise ($EPOCHS epochs)" >&2
      .venv/bin/python -m train.aegan "${COMMON[@]}" --no-noise --name aegan_nonoise ;;
    evaluate)
      echo "== $(date -u +%FT%TZ) evaluate.ablation" >&2
      .venv/bin/python -m evaluate.ablation --dataset fashion_mnist --n 2000 --out "$OUT" \
        --networks "AE=$W/ae_nonoise,AE-GAN=$W/aegan_nonoise,AE-GAN+r=$W/aegan_r,AE-GAN+r shipped (60 epochs)=aegan" ;;
    *) echo "unknown step $step (train or evaluate)" >&2; exit 2 ;;
  esac
done
