#!/usr/bin/env bash
# Issue 9's noise study: AE-GAN+r fine-tuned from the shipped 11-epoch networks for the same number of
# epochs at each noise setting, one after another (one training at a time: 2 cores). Each run lives in
# study/fashion_mnist/<name>/ (networks incl. the discriminator and history.csv are committed; backup/
# is not). Re-running this script resumes every unfinished run, from backup/ or from the committed networks.
# Usage: bash scripts/noise_study.sh [EPOCHS] [ETA ...]
source "$(dirname "$0")/setup.sh"
EPOCHS="${1:-5}"; shift || true
ETAS=("${@:-1.0 2.0 0.3}")
for eta in ${ETAS[@]}; do
  echo "== $(date -u +%FT%TZ) eta=$eta epochs=$EPOCHS" >&2
  .venv/bin/python -m train.aegan --dataset fashion_mnist --workdir study/fashion_mnist --name "aegan_eta$eta" \
    --noise-eta "$eta" --init-from weights/fashion_mnist/aegan --epochs "$EPOCHS" --verbose 2
done
