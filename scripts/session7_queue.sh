#!/usr/bin/env bash
# Session 7's training queue (one training at a time: 2 cores), each run resumable from backup/ or, on
# a fresh clone, from its committed networks: issue 9's remaining noise settings (Algorithm 1's literal
# fixed sigma at the pick's mean sigma 0.5, Eq. 5 as a per-pixel mean, the pick's setting in
# mixed_bfloat16, and eta 1.25 where the study's trend puts the clean-accuracy floor; 5 epochs each
# from session 1's network like the study), then issue 10's Defense-GAN and BiGAN at the lengths this
# CPU allows (RESULTS.md says how long each was trained). A finished run trains nothing more.
# WAIT_PID: start after that process ends (a queue taking over from a running one).
set -uo pipefail
cd "$(dirname "$0")/.."
while [ -n "${WAIT_PID:-}" ] && kill -0 "$WAIT_PID" 2>/dev/null; do sleep 20; done
SUFFIX=_fixed EXTRA="--noise-schedule fixed" bash scripts/noise_study.sh 5 0.5
SUFFIX=_mean EXTRA="--recon-reduction mean" bash scripts/noise_study.sh 5 1.0
SUFFIX=_bf16 EXTRA="--precision mixed_bfloat16" bash scripts/noise_study.sh 5 1.0
bash scripts/noise_study.sh 5 1.25
DGAN_ITERATIONS="${DGAN_ITERATIONS:-4000}" bash scripts/baselines.sh defensegan
EPOCHS="${BIGAN_EPOCHS:-5}" bash scripts/baselines.sh bigan
