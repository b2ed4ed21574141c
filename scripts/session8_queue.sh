#!/usr/bin/env bash
# Session 8's training queue (one training at a time: 2 cores): issue 10's baselines at the lengths this
# CPU allows in one session, most informative first (Defense-GAN is the pipeline's control, adversarial
# training the number a deployable defense must beat), then Table 8's latent-20 networks. Every run
# resumes from backup/ or, on a fresh clone, from its committed networks; a finished run trains nothing
# more, so raising a length and re-running continues it. RESULTS.md says how long each network was trained.
# WAIT_PID: start after that process ends (a queue taking over from a running one).
set -uo pipefail
cd "$(dirname "$0")/.."
while [ -n "${WAIT_PID:-}" ] && kill -0 "$WAIT_PID" 2>/dev/null; do sleep 20; done
DGAN_ITERATIONS="${DGAN_ITERATIONS:-3000}" bash scripts/baselines.sh defensegan
ADVTR_EPOCHS="${ADVTR_EPOCHS:-2}" bash scripts/baselines.sh advtrain
EPOCHS="${BIGAN_EPOCHS:-5}" bash scripts/baselines.sh bigan
EPOCHS="${MAGNET_Z20_EPOCHS:-8}" bash scripts/baselines.sh magnet_z20
source scripts/setup.sh
echo "== $(date -u +%FT%TZ) aegan_z20" >&2
.venv/bin/python -m train.aegan --dataset fashion_mnist --workdir study/baselines/fashion_mnist --verbose 2 \
  --latent-dim 20 --noise-eta 1.0 --precision mixed_bfloat16 --epochs "${AEGAN_Z20_EPOCHS:-5}" --name aegan_z20
