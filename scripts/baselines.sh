#!/usr/bin/env bash
# Issue 10's baselines and issue 9's Table 3 networks, trained one after another (one training at a
# time: 2 cores) into study/baselines/fashion_mnist/<name>/, each resumable: re-running continues every
# unfinished run from backup/ or, on a fresh clone, from its committed networks (commit them with
# `bash scripts/commit_runs.sh`). Lengths are environment variables (defaults: the paper's / the
# reference code's); the shipped networks say how long each was trained.
# Usage: bash scripts/baselines.sh [NAME ...]   NAME in defensegan advtrain magnet magnet_z20 bigan bigan_bn ae_nonoise aegan_nonoise
source "$(dirname "$0")/setup.sh"
W=study/baselines/fashion_mnist
DGAN_ITERATIONS="${DGAN_ITERATIONS:-200000}"   # Defense-GAN's code
EPOCHS="${EPOCHS:-60}"                         # Table 4 (MagNet, BiGAN, the ablation's AE and AE-GAN)
ADVTR_EPOCHS="${ADVTR_EPOCHS:-10}"
NAMES=("${@:-defensegan advtrain magnet bigan_bn ae_nonoise aegan_nonoise magnet_z20}")
COMMON=(--dataset fashion_mnist --workdir "$W" --verbose 2)
for name in ${NAMES[@]}; do
  echo "== $(date -u +%FT%TZ) $name" >&2
  case "$name" in
    defensegan)    .venv/bin/python -m train.defensegan "${COMMON[@]}" --iterations "$DGAN_ITERATIONS" ;;
    advtrain)      .venv/bin/python -m train.advtrain "${COMMON[@]}" --epochs "$ADVTR_EPOCHS" ;;
    magnet)        .venv/bin/python -m train.magnet "${COMMON[@]}" --epochs "$EPOCHS" ;;
    magnet_z20)    .venv/bin/python -m train.magnet "${COMMON[@]}" --epochs "$EPOCHS" --latent-dim 20 ;;
    bigan)         .venv/bin/python -m train.bigan "${COMMON[@]}" --epochs "$EPOCHS" ;;  # collapses (RESULTS.md, BiGAN's collapse)
    bigan_bn)      .venv/bin/python -m train.bigan "${COMMON[@]}" --epochs "$EPOCHS" --discriminator-batchnorm --name bigan_bn ;;
    ae_nonoise)    .venv/bin/python -m train.aegan "${COMMON[@]}" --epochs "$EPOCHS" --no-adversarial --no-noise --name ae_nonoise ;;
    aegan_nonoise) .venv/bin/python -m train.aegan "${COMMON[@]}" --epochs "$EPOCHS" --no-noise --name aegan_nonoise ;;
    *) echo "unknown run $name" >&2; exit 2 ;;
  esac
done
