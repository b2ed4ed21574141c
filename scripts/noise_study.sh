#!/usr/bin/env bash
# Issue 9's noise study: AE-GAN+r fine-tuned from the 11-epoch network (eta 0.3) for the same
# number of epochs at each noise setting, one after another (one training at a time: 2 cores). Each run
# lives in study/fashion_mnist/aegan_eta<ETA>/ (its networks, discriminator included, history.csv and
# config.json are committed; backup/ is not). Re-running resumes every unfinished run, from backup/ or,
# on a fresh clone, from the committed networks.
# Usage: bash scripts/noise_study.sh [EPOCHS] [ETA ...]     e.g. 5 1.0 2.0 0.3 (the study),
#        bash scripts/noise_study.sh 49 1.0                 (the pick, continued to 11 + 49 = 60 epochs)
#        SUFFIX=_fixed EXTRA="--noise-schedule fixed" bash scripts/noise_study.sh 5 0.5
#                                                           (a variant: aegan_eta0.5_fixed, more train.aegan options)
source "$(dirname "$0")/setup.sh"
EPOCHS="${1:-5}"; shift || true
ETAS=("${@:-1.0 2.0 0.3}")
# The common starting point: the first shipped AE-GAN+r (11 epochs, eta 0.3), restored from git history.
BASE=workdirs/aegan_eta0.3_11ep
if [ ! -f "$BASE/decoder.keras" ]; then
  mkdir -p "$BASE"
  for net in encoder decoder; do
    git show "9913359:weights/fashion_mnist/aegan/$net.keras" > "$BASE/$net.keras"
  done
fi
for eta in ${ETAS[@]}; do
  echo "== $(date -u +%FT%TZ) eta=$eta epochs=$EPOCHS" >&2
  .venv/bin/python -m train.aegan --dataset fashion_mnist --workdir study/fashion_mnist --name "aegan_eta$eta${SUFFIX:-}" \
    --noise-eta "$eta" --init-from "$BASE" --epochs "$EPOCHS" --verbose 2 ${EXTRA:-}
done
