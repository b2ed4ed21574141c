#!/usr/bin/env bash
# Session 11's queue for the next session (one job at a time: 2 cores), issue 10's leftovers.
# First the latent-20 AE-GAN+r on toward Table 4's 60 epochs (Table 8; it resumes from the epochs
# committed in study/baselines/fashion_mnist/aegan_z20), then Defense-GAN's clean row over the 9850
# black-box images (its attacked rows are done; the clean batches resume from those committed).
# Before a stop: bash scripts/commit_runs.sh study/baselines/fashion_mnist/aegan_z20 and
# bash scripts/commit_cache.sh results/session10/table_defensegan_blackbox, then commit.
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
set +e  # setup.sh sets -e; a failed or stopped step must not end the queue
echo "== $(date -u +%FT%TZ) aegan_z20" >&2
.venv/bin/python -m train.aegan --dataset fashion_mnist --workdir study/baselines/fashion_mnist --verbose 2 \
  --latent-dim 20 --noise-eta 1.0 --precision mixed_bfloat16 --epochs "${AEGAN_Z20_EPOCHS:-60}" --name aegan_z20
echo "== $(date -u +%FT%TZ) Defense-GAN black-box column: the clean row" >&2
.venv/bin/python -m evaluate.table --attack blackbox --methods defensegan --n 9850 \
  --out results/session10/table_defensegan_blackbox
