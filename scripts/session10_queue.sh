#!/usr/bin/env bash
# Session 10's queue (one job at a time: 2 cores), issue 10. First Defense-GAN's black-box column
# (Table 1, L = 200, R = 10, 9850 images per row): it resumes from the prediction batches committed in
# results/session10/table_defensegan_blackbox/.cache_*/ (scripts/commit_cache.sh) and computes the
# rest, black-A/B, then black-A/C, then clean. Then the latent-20 AE-GAN+r toward Table 4's 60 epochs
# (Table 8; the noise rule's validation score at 10 epochs is in RESULTS.md, session 10).
# Before a stop: bash scripts/commit_cache.sh results/session10/table_defensegan_blackbox and
# bash scripts/commit_runs.sh study/baselines/fashion_mnist/aegan_z20, then commit.
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
set +e  # setup.sh sets -e; a failed or stopped step must not end the queue
echo "== $(date -u +%FT%TZ) Defense-GAN black-box column" >&2
.venv/bin/python -m evaluate.table --attack blackbox --methods defensegan --n 9850 \
  --out results/session10/table_defensegan_blackbox
echo "== $(date -u +%FT%TZ) aegan_z20" >&2
.venv/bin/python -m train.aegan --dataset fashion_mnist --workdir study/baselines/fashion_mnist --verbose 2 \
  --latent-dim 20 --noise-eta 1.0 --precision mixed_bfloat16 --epochs "${AEGAN_Z20_EPOCHS:-60}" --name aegan_z20
