#!/usr/bin/env bash
# Session 9's training queue (one training at a time: 2 cores), issue 10: Table 8's latent-20 networks
# and BiGAN with BatchNorm in its discriminator's image path (scripts/bigan_probe.py: the committed
# BiGAN's setting collapses, this one does not), at the lengths one CPU session allows beside the
# evaluations. Each run resumes from backup/ or, on a fresh clone, from its committed networks; raising a
# length and re-running continues it. WAIT_PID: start after that process ends.
set -uo pipefail
cd "$(dirname "$0")/.."
while [ -n "${WAIT_PID:-}" ] && kill -0 "$WAIT_PID" 2>/dev/null; do sleep 20; done
EPOCHS="${MAGNET_Z20_EPOCHS:-20}" bash scripts/baselines.sh magnet_z20
EPOCHS="${BIGAN_EPOCHS:-5}" bash scripts/baselines.sh bigan_bn
source scripts/setup.sh
echo "== $(date -u +%FT%TZ) aegan_z20" >&2
.venv/bin/python -m train.aegan --dataset fashion_mnist --workdir study/baselines/fashion_mnist --verbose 2 \
  --latent-dim 20 --noise-eta 1.0 --precision mixed_bfloat16 --epochs "${AEGAN_Z20_EPOCHS:-8}" --name aegan_z20
